"""Monthly reports: one report at 5,000 and 100,000 followers, and a batch of 20 clients.

Each single report is rendered in a fresh process (store generation is not timed): the stages are
``kernel`` (kernel start and papermill's overhead), ``imports`` (the notebook's import cell:
pandas, scikit-learn, matplotlib), ``analysis`` (every other cell: loading the month, bot scores,
segments, bursts, triage, heatmap, charts), ``html`` (nbconvert) and ``pdf`` (headless Chromium),
with the peak memory of the rendering process and of its largest child (the kernel). The batch
renders 20 sample accounts of 5,000 followers each with ``render_batch`` (2 worker processes, as
the CLI's default) and reports the wall time of the whole batch.

Targets (issue 7): a 100,000-follower report in 60 s or less with under 3 GB peak; the batch of 20
in 3 minutes or less on 2 cores.
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

from benchmarks.util import measure

MONTH = "2026-10"


def _build(store_dir: str, accounts: list[tuple[str, int, int]]) -> None:
    from follower_kit import Store
    from follower_kit.ingest import write_sample
    from follower_kit.sources.sample import generate

    store = Store(store_dir)
    for account, followers, seed in accounts:
        write_sample(store, generate(account=account, followers=followers, seed=seed))


def _render_one(store_dir: str, out_dir: str, formats: tuple) -> dict:
    from follower_kit import report

    result = report.render("brightwave", month=MONTH, store=store_dir, formats=formats,
                           out_dir=out_dir, tz="America/New_York")
    row = {k: round(v, 2) for k, v in result.seconds.items()}
    row["kernel_peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return row


def _render_batch(store_dir: str, out_dir: str, accounts: list[str], formats: tuple,
                  workers: int) -> dict:
    from follower_kit import report

    clients = [report.Client(report.AudienceOptions(a, store=str(store_dir)), formats=formats)
               for a in accounts]
    start = time.perf_counter()
    batch = report.render_batch(clients, month=MONTH, out_dir=out_dir, workers=workers)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "failed": len(batch.failures),
            "mean_report_s": sum(r["seconds"] for r in batch.results) / len(batch.results)}


def run(quick: bool = False) -> list[dict]:
    from follower_kit import report

    formats = ("html", "pdf") if report.find_chromium() else ("html",)
    rows = []
    sizes = [5_000] if quick else [5_000, 100_000]
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        for n in sizes:
            store_dir = str(Path(tmp) / f"store-{n}")
            # built in its own process: a parent holding the 100k sample would pass its memory
            # high-water mark on to every child it starts (Linux keeps maxrss across fork+exec)
            measure(_build, store_dir, [("brightwave", n, 7)])
            seconds, peak_mb, row = measure(_render_one, store_dir, str(Path(tmp) / f"out-{n}"),
                                            formats)
            rows.append({"what": "one report", "followers": n, "formats": "+".join(formats),
                         **{k: row.get(k, "") for k in ("kernel", "imports", "analysis", "html",
                                                         "pdf", "total")},
                         "render_peak_mb": round(peak_mb), "kernel_peak_mb":
                             round(row["kernel_peak_mb"])})
        clients, per = (4, 1_000) if quick else (20, 5_000)
        store_dir = str(Path(tmp) / "agency")
        names = [f"client{i:02d}" for i in range(clients)]
        measure(_build, store_dir, [(name, per, 100 + i) for i, name in enumerate(names)])
        for fmts in ([("html",)] + ([formats] if "pdf" in formats else [])):
            seconds, peak_mb, res = measure(_render_batch, store_dir,
                                            str(Path(tmp) / f"batch-{'-'.join(fmts)}"), names,
                                            fmts, 2)
            rows.append({"what": f"batch of {clients}, 2 workers", "followers": per,
                         "formats": "+".join(fmts), "total": round(res["seconds"], 1),
                         "mean_report_s": round(res["mean_report_s"], 1),
                         "failed": res["failed"]})
    return rows
