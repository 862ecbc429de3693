"""`python -m benchmarks` writes docs/benchmarks.md from what it has just measured: one section
per benchmark (table, command, machine), replaced on the next run, prose around it kept; a
`--quick` smoke run never touches the page."""

from __future__ import annotations

import types

import pytest

import benchmarks.__main__ as runner


@pytest.fixture
def bench(monkeypatch, tmp_path):
    """The runner with ``store`` and ``pull`` measured by stand-ins returning given rows (the
    benchmarks themselves take minutes; what is tested here is the runner)."""
    results = {"store": [{"followers": 10_000, "seconds": 0.51}],
               "pull": [{"followers": 1_000, "kit s": 0.2, "ratio": 1.5}]}
    calls = []

    def fake_import(name):
        short = name.removeprefix("benchmarks.bench_")

        def run(quick=False):
            calls.append((short, quick))
            return results[short]
        return types.SimpleNamespace(run=run)

    monkeypatch.setattr(runner.importlib, "import_module", fake_import)
    monkeypatch.setattr(runner, "RESULTS", tmp_path / "results")
    return results, calls


def test_a_run_writes_its_section_and_the_next_run_replaces_only_that(bench, tmp_path):
    results, calls = bench
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n\nProse written by hand.\n\n{runner._END}\n\nMore prose.\n")
    assert runner.main(["store", "pull", "--docs", str(doc)]) == 0
    text = doc.read_text()
    assert text.index("### store") < text.index("### pull") < text.index(runner._END)
    assert "| followers | seconds |" in text and "| 10,000 | 0.51 |" in text
    assert "`python -m benchmarks store`" in text and "cores" in text and " UTC" in text
    results["store"] = [{"followers": 10_000, "seconds": 0.75}]
    assert runner.main(["store", "--docs", str(doc)]) == 0
    again = doc.read_text()
    assert "| 10,000 | 0.75 |" in again and "| 10,000 | 0.51 |" not in again
    assert again.count("### store") == 1 and "| 1,000 | 0.2 | 1.5 |" in again
    assert again.startswith("# Benchmarks\n\nProse written by hand.") and \
        again.rstrip().endswith("More prose.")
    assert calls == [("store", False), ("pull", False), ("store", False)]
    assert (tmp_path / "results" / "store.md").read_text() == runner.markdown(results["store"])


def test_a_quick_run_leaves_the_page_alone(bench, tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n")
    assert runner.main(["store", "--quick", "--docs", str(doc)]) == 0
    assert runner.main(["pull", "--no-docs", "--docs", str(doc)]) == 0
    assert doc.read_text() == "# Benchmarks\n"
    assert bench[1] == [("store", True), ("pull", False)]


def test_the_page_in_the_repository_has_the_end_marker():
    assert runner._END in runner.DOC.read_text()
