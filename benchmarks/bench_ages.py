"""Account creation dates from ids, and the follower factory from ids alone, at 10k, 100k, 1M.

The ids are synthetic but shaped like an old account's followers: 40% sequential ids (spread over
the packaged table's range, 2006-2015) and 60% snowflakes (2016-2026), newest first. Each row is
one method at one size in a fresh process; generating the ids is not timed.

Methods
-------
estimate_created_at
    ``account_age.estimate_created_at``: snowflakes decoded, sequential ids interpolated in the
    packaged table, all vectorized.
python loop (peer)
    The obvious way: per id, ``int(id) >> 22`` for a snowflake, else ``bisect`` in the table's
    knots and a linear interpolation.
follower_factory (ids only)
    ``factory.follower_factory`` on one snapshot without profiles: the estimates above, the
    follow-date bounds, bursts and estimated follow dates (what the chart draws).
"""

from __future__ import annotations

import bisect
import time

import numpy as np
import pandas as pd

from benchmarks.util import timed_rows

EPOCH_MS = 1_288_834_974_657


def make_ids(n: int, seed: int = 0) -> pd.Series:
    from follower_kit.analysis import account_age

    rng = np.random.default_rng(seed)
    table = account_age.id_table()
    lo, hi = int(table["id"].iloc[0]), int(table["id"].iloc[-1])
    n_seq = int(n * 0.4)
    seq = np.sort(rng.choice(np.arange(lo, hi, (hi - lo) // (3 * n_seq)), n_seq, replace=False))
    start = pd.Timestamp("2016-01-01", tz="UTC").value // 10**6 - EPOCH_MS
    end = pd.Timestamp("2026-10-01", tz="UTC").value // 10**6 - EPOCH_MS
    ms = np.sort(rng.choice(np.arange(start, end, (end - start) // (3 * n)), n - n_seq,
                            replace=False))
    snow = (ms.astype(np.int64) << 22) | rng.integers(0, 1 << 22, n - n_seq)
    ids = np.concatenate([seq.astype(np.int64), snow])[::-1]   # newest first
    return pd.Series(ids.astype(str))


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> tuple[float, float]:
    return time.perf_counter() - start[0], time.process_time() - start[1]


def _vectorized(n: int) -> tuple[float, float]:
    from follower_kit.analysis import account_age

    ids = make_ids(n)
    account_age.id_table()            # the packaged table is read once per process
    start = _clock()
    out = account_age.estimate_created_at(ids)
    seconds = _since(start)
    assert out["created_at_estimated"].notna().all()
    return seconds


def _python_loop(n: int) -> tuple[float, float]:
    from follower_kit.analysis import account_age

    ids = make_ids(n).tolist()
    table = account_age.id_table()
    xs = [int(v) for v in table["id"]]
    ys = [t.value / 1e9 for t in table["created_at"]]
    start = _clock()
    out = []
    for text in ids:
        v = int(text)
        if v >= 10**14:
            out.append(((v >> 22) + EPOCH_MS) / 1000)
            continue
        k = min(max(bisect.bisect_left(xs, v), 1), len(xs) - 1)
        x0, x1, y0, y1 = xs[k - 1], xs[k], ys[k - 1], ys[k]
        out.append(y0 + (y1 - y0) * min(max((v - x0) / (x1 - x0), 0.0), 1.0))
    return _since(start)


def _factory(n: int) -> tuple[float, float]:
    from follower_kit.analysis import account_age, factory

    ids = make_ids(n)
    followers = pd.DataFrame({"follower_id": ids, "position": np.arange(n, dtype="int64"),
                              "snapshot_at": pd.Timestamp("2026-10-31 12:00", tz="UTC")})
    account_age.id_table()
    start = _clock()
    out = factory.follower_factory(followers)
    seconds = _since(start)
    assert out["follow_date_estimated"].notna().all()
    return seconds


METHODS = {"estimate_created_at": _vectorized, "python loop (peer)": _python_loop,
           "follower_factory (ids only)": _factory}


def run(quick: bool = False) -> list[dict]:
    sizes = [10_000] if quick else [10_000, 100_000, 1_000_000]
    return timed_rows(METHODS, sizes, "ids")
