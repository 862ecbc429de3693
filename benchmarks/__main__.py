"""Run the benchmarks: ``python -m benchmarks [NAME ...] [--quick]``.

Each ``benchmarks/bench_<name>.py`` has ``run(quick: bool) -> list[dict]`` returning one row per
(size, method). This runner prints each as a table, writes it as Markdown to
``benchmarks/results/<name>.md`` (git-ignored) and, unless ``--quick`` (a smoke run of the
smallest sizes) or ``--no-docs``, rewrites that benchmark's section of ``docs/benchmarks.md``: the
table, the command, when and on what machine it was measured. Prose outside the sections is
left alone, so the page's tables always come from the last full run and never from a hand.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import re
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOC = HERE.parent / "docs" / "benchmarks.md"
RESULTS = HERE / "results"
_END = "<!-- end of the measured sections -->"


def markdown(rows: list[dict]) -> str:
    if not rows:
        return "(no rows)\n"
    cols = list(dict.fromkeys(k for r in rows for k in r))
    def fmt(v):
        if isinstance(v, float):
            return f"{v:,.3g}" if abs(v) < 100 else f"{v:,.0f}"
        return f"{v:,}" if isinstance(v, int) else str(v)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(fmt(r.get(c, "")) for c in cols) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def machine() -> str:
    """What the numbers were measured on: ``Linux x86_64, 2 cores, 24 GiB, Python 3.12.3, load
    average 1.2``. The load average matters on a shared machine: times under load are noisy."""
    memory = ""
    try:
        with open("/proc/meminfo") as fh:
            kib = int(next(ln for ln in fh if ln.startswith("MemTotal:")).split()[1])
        memory = f", {kib / 2**20:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    try:
        load = f", load average {os.getloadavg()[0]:.1f}"
    except OSError:
        load = ""
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores{memory}, "
            f"Python {platform.python_version()}{load}")


def section(name: str, rows: list[dict], *, seconds: float, measured_on: str,
            when: datetime) -> str:
    """The Markdown section of one benchmark's run, between the markers that let the next run
    find and replace it."""
    return (f"<!-- measured: {name} (written by `python -m benchmarks {name}`; edits inside are "
            f"overwritten) -->\n"
            f"### {name}\n\n"
            f"`python -m benchmarks {name}`, {when:%Y-%m-%d %H:%M} UTC, {seconds:,.0f} s in all; "
            f"{measured_on} at the start.\n\n"
            f"{markdown(rows)}"
            f"<!-- /measured: {name} -->")


def update_doc(doc: Path, name: str, text: str) -> None:
    """Put ``text`` (a :func:`section`) in ``doc`` in place of the section of ``name``, or, the
    first time, before the end marker (else at the end), keeping every other line."""
    old = doc.read_text() if doc.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"<!-- measured: {re.escape(name)} \(.*?<!-- /measured: "
                         rf"{re.escape(name)} -->", re.S)
    if pattern.search(old):
        new = pattern.sub(lambda _: text, old, count=1)
    elif _END in old:
        new = old.replace(_END, f"{text}\n\n{_END}", 1)
    else:
        new = old.rstrip("\n") + f"\n\n{text}\n"
    tmp = doc.with_name(f".{doc.name}.tmp")
    tmp.write_text(new)
    os.replace(tmp, doc)


def main(argv: list[str] | None = None) -> int:
    names = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="*", choices=names + [[]], help="benchmarks to run")
    parser.add_argument("--quick", action="store_true",
                        help="smallest sizes only (a smoke run; docs/benchmarks.md is not "
                             "touched)")
    parser.add_argument("--no-docs", action="store_true",
                        help="do not rewrite docs/benchmarks.md (results/ is still written)")
    parser.add_argument("--docs", type=Path, default=DOC, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    out_dir = RESULTS
    out_dir.mkdir(exist_ok=True)
    for name in args.only or names:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        print(f"\n## {name}\n", flush=True)
        measured_on, when = machine(), datetime.now(timezone.utc)
        start = time.perf_counter()
        rows = module.run(quick=args.quick)
        seconds = time.perf_counter() - start
        table = markdown(rows)
        print(table, flush=True)
        print(f"({seconds:.0f} s)", flush=True)
        (out_dir / f"{name}.md").write_text(table)
        if not (args.quick or args.no_docs):
            update_doc(args.docs, name, section(name, rows, seconds=seconds,
                                                measured_on=measured_on, when=when))
            print(f"(written to {args.docs})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
