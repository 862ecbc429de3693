"""Sample generation and the snapshot store at 10k, 100k and 1M followers.

Stages, each timed inside one fresh process per size:
- generate: the sample audience, 12 monthly snapshots, without and with recent tweets
- write: all 12 snapshots committed to a new store (Parquet, atomic renames)
- read: the latest followers with their latest known profiles (DuckDB)
- diff: new and lost followers between the last two snapshots
The peer for the read is the same question answered by pandas alone (read every users file,
keep each id's newest profile, merge), measured in the same process.
"""

from __future__ import annotations

import tempfile
import time

import pandas as pd

from benchmarks.util import measure

SIZES = [10_000, 100_000, 1_000_000]


def _round(size: int, tweets: int) -> dict:
    from follower_kit import Store
    from follower_kit.ingest import write_sample
    from follower_kit.sources.sample import generate

    out = {}
    t = time.perf_counter()
    audience = generate(followers=size, months=12, tweets_per_follower=tweets, seed=7)
    out["generate_s"] = time.perf_counter() - t
    out["tweets"] = len(audience.tweets)
    with tempfile.TemporaryDirectory() as d:
        store = Store(d)
        t = time.perf_counter()
        write_sample(store, audience)
        out["write_s"] = time.perf_counter() - t
        del audience
        t = time.perf_counter()
        latest = store.followers("brightwave")
        out["read_s"] = time.perf_counter() - t
        t = time.perf_counter()
        changes = store.diff("brightwave")
        out["diff_s"] = time.perf_counter() - t
        assert len(latest) == size and len(changes) > 0
        t = time.perf_counter()
        snaps = store.snapshots("brightwave")
        users = pd.concat([pd.read_parquet(f"{p}/users.parquet") for p in snaps["path"]])
        users = users.sort_values("observed_at").drop_duplicates("id", keep="last")
        edges = pd.read_parquet(f"{snaps['path'].iloc[-1]}/followers.parquet")
        peer = edges.merge(users, left_on="follower_id", right_on="id", how="left")
        out["read_pandas_s"] = time.perf_counter() - t
        assert len(peer) == size
    return out


def run(quick: bool = False) -> list[dict]:
    rows = []
    for size in SIZES[:1] if quick else SIZES:
        for tweets in (0, 12):
            seconds, peak_mb, r = measure(_round, size, tweets)
            rows.append({
                "followers": size, "tweets/follower": tweets, "tweets": r["tweets"],
                "generate s": round(r["generate_s"], 2), "write 12 snapshots s": round(r["write_s"], 2),
                "read latest s": round(r["read_s"], 2), "diff s": round(r["diff_s"], 2),
                "pandas read s": round(r["read_pandas_s"], 2),
                "pandas/duckdb": round(r["read_pandas_s"] / r["read_s"], 1),
                "peak MB": round(peak_mb),
            })
            print(rows[-1], flush=True)
    return rows
