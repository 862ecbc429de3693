"""Run the benchmarks: ``python -m benchmarks [NAME ...] [--quick]``.

Each ``benchmarks/bench_<name>.py`` has ``run(quick: bool) -> list[dict]`` returning one row per
(size, method); this runner prints each as a table and writes it as Markdown to
``benchmarks/results/<name>.md`` (git-ignored) for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


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


def main(argv: list[str] | None = None) -> int:
    names = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("only", nargs="*", choices=names + [[]], help="benchmarks to run")
    parser.add_argument("--quick", action="store_true", help="smallest sizes only (a smoke run)")
    args = parser.parse_args(argv)
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    for name in args.only or names:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        print(f"\n## {name}\n", flush=True)
        start = time.perf_counter()
        rows = module.run(quick=args.quick)
        table = markdown(rows)
        print(table, flush=True)
        print(f"({time.perf_counter() - start:.0f} s)", flush=True)
        (out_dir / f"{name}.md").write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
