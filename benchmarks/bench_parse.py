"""Parse throughput: twarc2 user pages (JSONL, 1,000 users a page) -> the typed users frame.

Peers: twarc-csv (the researchers' standard; it needs pandas < 3, so it runs in its own venv,
benchmarks/.venvs/twarc-csv, created here with pip from benchmarks/requirements-twarc-csv.txt)
and pandas.json_normalize (untyped: object columns, a lower bound for that approach). Pages are
synthesized from the 96 real user objects in ../shared/data/x-api/twarc2-pages/users.jsonl, each
copy with a new id, handle and counts.

The ratio is taken against twarc-csv's converter in its process, after its imports, building the
frame and writing nothing: the same work follower-kit's row times. The ``twarc2 csv`` command rows
(10k and 100k) are context only: they add Python's start, the imports and writing the CSV, which
is how researchers meet twarc-csv (and closer to the "about 7,600 users/s" the goal was set with).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

import pandas as pd

from benchmarks.util import measure
from follower_kit.sources import twarc

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REAL = Path(os.environ.get("FOLLOWER_KIT_SHARED_DATA", ROOT.parent / "shared" / "data")) / \
    "x-api" / "twarc2-pages" / "users.jsonl"
VENV = HERE / ".venvs" / "twarc-csv"
SIZES = [10_000, 100_000, 1_000_000]
REPEATS = {10_000: 5, 100_000: 5}  # 1M: one run (twarc-csv takes 90-120 s)
PAGE = 1000
COMMAND_SIZES = {10_000, 100_000}  # the command's twarc.log at 1M would be 740 MB of disk


def synthesize(n: int, path: Path) -> Path:
    """Write ``n`` users as twarc2 follower pages, varying the real objects."""
    if path.exists():
        return path
    real = json.loads(REAL.read_text().splitlines()[0])
    users = list({u["id"]: u for u in real["data"]}.values())
    stamp = {"url": "https://api.twitter.com/2/users/12/followers?max_results=1000",
             "version": "2.14.0", "retrieved_at": "2021-10-23T19:36:18+00:00"}
    tmp = path.with_suffix(".part")
    with open(tmp, "w") as fh:
        for start in range(0, n, PAGE):
            page = []
            for i in range(start, min(n, start + PAGE)):
                u = dict(users[i % len(users)])
                u["id"] = str(10**15 + i * 7919)
                u["username"] = f"{u['username'][:8]}_{i % 1_000_000}"
                pm = dict(u.get("public_metrics", {}))
                pm["followers_count"] = pm.get("followers_count", 0) + i % 97
                u["public_metrics"] = pm
                page.append(u)
            meta = {"result_count": len(page), "next_token": f"TOKEN{start:012d}"}
            fh.write(json.dumps({"data": page, "meta": meta, "__twarc": stamp}) + "\n")
    os.replace(tmp, path)
    return path


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not carried over from the
    process that forked it)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def kit(path: str) -> tuple[int, float]:
    users, _ = twarc.read_users(path)  # typed by construction (tests validate it)
    return len(users), peak_mb()


def arrow_reader(path: str) -> tuple[int, float]:
    """The floor under follower-kit's parse: Arrow's JSON reader with the users-only schema,
    building nothing from its blocks."""
    reader = twarc._stream(path, twarc.USER_PAGE)
    users = sum(len(batch.column("data").flatten()) for batch in reader)
    return users, peak_mb()


def json_normalize(path: str) -> tuple[int, float]:
    users = []
    with open(path) as fh:
        for line in fh:
            users.extend(json.loads(line)["data"])
    return len(pd.json_normalize(users)), peak_mb()


def ensure_twarc_csv() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-r",
                        str(HERE / "requirements-twarc-csv.txt")], check=True)
    return python


def twarc_csv(path: str) -> tuple[float, float, int]:
    out = subprocess.run([str(ensure_twarc_csv()), str(HERE / "twarc_csv_runner.py"), path],
                         check=True, capture_output=True, text=True)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    return r["seconds"], r["peak_mb"], r["rows"]


def twarc2_csv_command(path: str) -> tuple[float, float, int]:
    """``twarc2 csv --input-data-type users`` as researchers run it, timed from outside: Python's
    start, its imports and writing the CSV included. It runs in a scratch folder because it writes
    a ``twarc.log`` that repeats every page (740 MB for 1M users) into its working directory."""
    twarc2 = ensure_twarc_csv().parent / "twarc2"
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "BEARER_TOKEN": "unused", "HOME": scratch}  # no config prompt
        start = time.perf_counter()
        subprocess.run([str(twarc2), "csv", "--input-data-type", "users", "--hide-progress",
                        path, "users.csv"], cwd=scratch, env=env, check=True,
                       capture_output=True)
        seconds = time.perf_counter() - start
        with open(Path(scratch) / "users.csv") as fh:
            rows = sum(1 for _ in fh) - 1
    return seconds, float("nan"), rows


def run(quick: bool = False) -> list[dict]:
    if not REAL.exists():
        print(f"skipped: {REAL} is absent", file=sys.stderr)
        return []
    cache = Path(tempfile.gettempdir()) / "follower-kit-bench"
    cache.mkdir(exist_ok=True)
    rows = []
    for n in SIZES[:1] if quick else SIZES:
        path = str(synthesize(n, cache / f"users-{n}.jsonl"))
        mb = os.path.getsize(path) / 1e6
        results = {}
        # Every method gets the same number of runs, each in a fresh process, and keeps its
        # fastest: on this 2-core VM one run of a 0.2 s parse varies by up to 2x with what the
        # previous process left for the kernel to reclaim.
        repeats = REPEATS.get(n, 1)
        results["twarc-csv 0.7.2 (pandas 2)"] = min(
            (twarc_csv(path) for _ in range(repeats)), key=lambda r: r[0])
        for method, func in (("pandas.json_normalize (untyped)", json_normalize),
                             ("follower-kit twarc.read_users", kit),
                             ("(floor) Arrow's JSON reader alone, no frame", arrow_reader)):
            runs = [measure(func, path) for _ in range(repeats)]
            seconds, _, (count, peak) = min(runs, key=lambda r: r[0])
            results[method] = (seconds, peak, count)
        if n in COMMAND_SIZES:
            results["(context) `twarc2 csv` command, whole process"] = min(
                (twarc2_csv_command(path) for _ in range(repeats)), key=lambda r: r[0])
        base = results["twarc-csv 0.7.2 (pandas 2)"][0]
        for method, (seconds, peak, count) in results.items():
            assert count == n, (method, count)
            rows.append({"users": n, "input MB": round(mb), "runs": repeats, "method": method,
                         "seconds": seconds, "users/s": int(n / seconds),
                         "x twarc-csv": base / seconds,
                         "peak MB": "" if peak != peak else round(peak)})
    return rows
