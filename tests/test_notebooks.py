"""Every notebook in notebooks/: thin (no def, class or lambda), committed without outputs, with a
``parameters`` cell, and executed with papermill on the sample audience.

A notebook that has its own execution test elsewhere in tests/ (one that names its file) is not
executed twice; the monthly report is checked through the session's single render
(tests/_rendered.py), which papermill executed with exactly the parameters the CLI passes.
"""

from __future__ import annotations

import ast
import re

import nbformat
import papermill as pm
import pytest

from _rendered import rendered_report
from conftest import ROOT, execute_notebook
from follower_kit import report

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
HERE = ROOT / "tests"
MINE = {"test_notebooks.py", "test_report.py", "test_browser.py", "test_audience.py",
        "_rendered.py"}


def _ids(paths):
    return [p.stem for p in paths]


def _code(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _python(source: str) -> str:
    """Cell source without IPython magics and shell escapes, which are not Python syntax."""
    return "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln
                     for ln in source.splitlines())


def test_there_are_notebooks():
    names = {p.name for p in NOTEBOOKS}
    assert {"monthly_report.ipynb", "explore_audience.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_thin(path):
    for cell in _code(nbformat.read(path, as_version=4)):
        tree = ast.parse(_python(cell.source))
        defined = [type(n).__name__ for n in ast.walk(tree)
                   if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                     ast.Lambda))]
        assert not defined, f"{path.name}: move {defined} into the package:\n{cell.source}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_committed_clean_with_a_parameters_cell(path):
    nb = nbformat.read(path, as_version=4)
    code = _code(nb)
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, \
            f"{path.name}: clear outputs before committing:\n{cell.source[:200]}"
    assert "parameters" in code[0].metadata.get("tags", []), f"{path.name}: no parameters cell"
    declared = pm.inspect_notebook(str(path))
    assert declared, f"{path.name}: the parameters cell declares nothing"
    secretish = [k for k in declared if re.search(r"token|secret|password|(?:^|_)(?:api_?)?key$", k, re.I)]
    assert not secretish, f"{path.name}: a secret must never be a parameter: {secretish}"


def test_report_notebook_parameters_match_the_cli():
    declared = pm.inspect_notebook(str(report.report_notebook()))
    passed = report.report_parameters("brightwave", month="2026-10", store="x")
    assert set(declared) == set(passed)
    for name, value in passed.items():
        default = ast.literal_eval(declared[name]["default"])
        assert type(default) is type(value), (name, default, value)


def _own_test(path) -> str | None:
    """The test file (not mine) that executes this notebook itself, if any."""
    for test in sorted(HERE.glob("test_*.py")):
        if test.name not in MINE and path.name in test.read_text(encoding="utf-8"):
            return test.name
    return None


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_executes_on_the_sample(path, tmp_path, tmp_path_factory, sample_store):
    if path.resolve() == report.report_notebook().resolve():
        executed = rendered_report(tmp_path_factory, sample_store).paths["ipynb"]
    else:
        owner = _own_test(path)
        if owner:
            pytest.skip(f"{path.name} is executed by tests/{owner}")
        declared = pm.inspect_notebook(str(path))
        # the sample store for notebooks that read a store; others generate their own sample
        params = {k: v for k, v in {"store": str(sample_store.path), "account": "brightwave",
                                    "month": "2026-10"}.items() if k in declared}
        executed = tmp_path / path.name
        execute_notebook(str(path), str(executed), parameters=params, cwd=str(path.parent),
                         kernel_name="python3", progress_bar=False)
    nb = nbformat.read(executed, as_version=4)
    code = _code(nb)
    assert all(c.execution_count for c in code), "a cell did not run"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors
    assert sum(len(c.outputs) for c in code) >= 5, "the notebook shows almost nothing"


def _execute(name, store, account, tmp_path):
    """Run notebooks/NAME on a store into tmp_path/NAME (papermill keeps it even when a cell
    fails); its outputs and their text."""
    executed = tmp_path / name
    execute_notebook(str(ROOT / "notebooks" / name), str(executed),
                     parameters={"store": str(store.path), "account": account},
                     cwd=str(ROOT / "notebooks"), kernel_name="python3", progress_bar=False)
    outputs = [o for c in _code(nbformat.read(executed, as_version=4)) for o in c.outputs]
    return outputs, " ".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/html", ""))
                             for o in outputs)


@pytest.mark.slow
def test_explore_notebook_runs_on_an_archive_without_profiles(tmp_path, archive_store):
    """An analyst who imported an X archive (ids only) opens the explore notebook: it runs, says
    why there are no segments or scores, draws no empty charts, and draws the follower factory
    from the ids as the report does (it drew it only when bot scores existed)."""
    from follower_kit import audience
    from follower_kit import report_text as rt

    outputs, text = _execute("explore_audience.ipynb", archive_store, "larsbrinkhoff",
                             tmp_path)
    assert not [o for o in outputs if o.output_type == "error"]
    # the archives are 10 months apart: the new followers are counted since then, as it says
    assert "764 followers, 173 new since October 2022, no segments" in text
    assert "None of the 764 followers has a profile" in text
    assert "the lists name 125 of them by handle" in text  # the table names them (own posts)
    # no all-zero "best posting hours" table: a sentence says there is nothing to tell
    assert "There are no recent posts by followers to tell when they are online" in text
    # one chart, the follower factory, with the report's sentence about its bursts
    code = _code(nbformat.read(tmp_path / "explore_audience.ipynb", as_version=4))
    drawn = [c.source for c in code for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(drawn) == 1 and "audience.follower_factory(" in drawn[0]
    data = audience.load_month("larsbrinkhoff", store=archive_store)
    bounds, bursts = audience.follower_factory(data, None)
    assert bounds["created_at_source"].ne("profile").all()  # every date from an id
    assert rt.burst_spike_sentence(bounds, bursts, new_ids=data.new_followers["id"],
                                   month=rt.month_label(data.month)) in text


@pytest.mark.slow
def test_explore_notebook_on_a_first_snapshot_lists_likely_humans_not_new_ones(tmp_path):
    """One snapshot only (a first pull): nobody can be told apart as new, so the notebook says so
    instead of '0 new', and its quick table lists likely humans instead of an empty table."""
    from follower_kit import Store
    from follower_kit.ingest import write_sample
    from follower_kit.sources.sample import generate

    store = Store(tmp_path / "store")
    write_sample(store, generate(followers=400, months=1, seed=5, tweets_per_follower=3))
    outputs, text = _execute("explore_audience.ipynb", store, "brightwave", tmp_path)
    assert not [o for o in outputs if o.output_type == "error"]
    assert "nobody can be new yet" in text and "0 new" not in text
    assert "New likely-human followers" not in text
    quick = re.search(r"<caption>Likely-human followers in [^<]*</caption>.*?</table>", text)
    assert quick and quick.group(0).count("<tr>") > 1, "a table of likely humans, not an empty one"


@pytest.mark.slow
def test_topics_notebook_on_an_archive_without_profiles_stops_with_advice(tmp_path,
                                                                          archive_store):
    """Segmenting needs profiles: on an id-only archive the topics notebook stops at its data
    cell and says to hydrate, as `follower-kit topics` does, instead of failing deep inside the
    vectorizer ("no term lies within the document-frequency bounds")."""
    with pytest.raises(pm.PapermillExecutionError) as failed:
        _execute("topics.ipynb", archive_store, "larsbrinkhoff", tmp_path)
    message = str(failed.value.evalue)
    assert "none of the 764 followers of @larsbrinkhoff has a profile" in message
    assert "nothing to segment" in message and "import archive PATH --hydrate" in message
    assert "document-frequency" not in message
    code = _code(nbformat.read(tmp_path / "topics.ipynb", as_version=4))
    stopped = next(c for c in code if any(o.output_type == "error" for o in c.outputs))
    assert "st.followers(account" in stopped.source, "it stops at the data cell"
