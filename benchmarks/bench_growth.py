"""Growth and triage at 10k, 100k and 1M followers over 12 monthly snapshots.

The edges are synthetic (the sample generator builds rich profiles and tweets, which is slower
than what is being measured): a follower base growing to N over 12 months with ~1.5% monthly
churn, newest first, X-sized decimal ids; one profile per follower and 2 tweets per follower for
the triage. Each row is one method at one size, timed in a fresh process (data generation is
not timed; peak memory includes it).

Methods
-------
growth
    ``growth_tables``: counts, new/lost with who they are, months and retention over all 12
    snapshots in one pass (what a monthly report computes).
python sets (peer)
    The obvious way: one Python ``set`` of ids per snapshot and set differences (counts only).
follow dates + bursts
    ``follow_date_bounds`` + ``label_bursts`` + ``burst_summary`` on the last snapshot.
triage
    ``triage`` on the last snapshot with profiles, tweets and a following list (heuristic bot
    signals, so it includes the burst detection).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from benchmarks.util import timed_rows

SNAPSHOTS = 12
T_END = pd.Timestamp("2026-10-31 12:00", tz="UTC")


def make_edges(n: int, seed: int = 0) -> tuple[pd.DataFrame, list[pd.Timestamp]]:
    """A canonical followers frame growing to ``n`` followers over 12 monthly snapshots."""
    from follower_kit import schema

    rng = np.random.default_rng(seed)
    times = [T_END - pd.offsets.MonthEnd(SNAPSHOTS - 1 - i) for i in range(SNAPSHOTS)]
    pool = 10**17 + np.arange(int(n * 1.3)) * 7919  # distinct ids in order of following
    current = pool[: int(n * 0.6)]
    nxt = len(current)
    frames = []
    for i, t in enumerate(times):
        if i:
            keep = rng.random(len(current)) >= 0.015
            current = current[keep]
            need = (int(n * 0.6) + (n - int(n * 0.6)) * i // (SNAPSHOTS - 1)) - len(current)
            current = np.concatenate([current, pool[nxt: nxt + need]])
            nxt += need
        frames.append(pd.DataFrame({
            "account_id": "1", "snapshot_at": t,
            "follower_id": current[::-1].astype(str),  # newest first
            "position": np.arange(len(current), dtype="int64"), "source": "sample"}))
    edges = schema.coerce(pd.concat(frames, ignore_index=True), "followers")
    return edges, times


def make_profiles(ids: pd.Series, snapshot_at: pd.Timestamp, seed: int = 0):
    """Profiles for the last snapshot's followers (with a bought batch), tweets and following."""
    from follower_kit import schema

    rng = np.random.default_rng(seed)
    n = len(ids)
    created = pd.Timestamp("2008-01-01", tz="UTC") + pd.to_timedelta(
        rng.uniform(0, 6500, n), unit="D")
    created = created.to_numpy().copy()
    batch = slice(n // 3, n // 3 + max(n // 100, 30))  # 1% bought, created within a week
    created[batch] = (pd.Timestamp("2024-02-01", tz="UTC") + pd.to_timedelta(
        rng.uniform(0, 7, batch.stop - batch.start), unit="D")).to_numpy()
    bios = np.array(["python developer and data nerd", "sports fan", "", "design, type, ux",
                     "local news from portland", "crypto trader", "marketing lead"])
    users = schema.coerce(pd.DataFrame({
        "id": ids.to_numpy(), "username": [f"user{i}" for i in range(n)],
        "name": [f"User {i} 🙂" for i in range(n)],
        "description": bios[rng.integers(0, len(bios), n)],
        "created_at": created, "followers_count": rng.lognormal(5, 2, n).astype("int64"),
        "following_count": rng.lognormal(5, 1.5, n).astype("int64"),
        "tweet_count": rng.lognormal(6, 2, n).astype("int64"),
        "listed_count": rng.poisson(2, n), "default_profile_image": rng.random(n) < 0.1,
        "observed_at": snapshot_at}), "users")
    users = users.assign(snapshot_at=snapshot_at)
    users["position"] = np.arange(n, dtype="int64")
    m = 2 * n
    author = ids.to_numpy()[rng.integers(0, n, m)]
    words = np.array(["new #python release", "great game tonight", "check https://x.example",
                      "@acct thanks for the dashboards", "design tip of the day",
                      "markets are wild"])
    text = words[rng.integers(0, len(words), m)]
    tweets = schema.coerce(pd.DataFrame({
        "id": (10**18 + np.arange(m)).astype(str), "author_id": author,
        "created_at": snapshot_at - pd.to_timedelta(rng.uniform(0, 60, m), unit="D"),
        "text": text, "kind": "original",
        "in_reply_to_user_id": np.where(rng.random(m) < 0.01, "1", None),
        "like_count": rng.poisson(3, m),
        "mentions": [["acct"] if t.startswith("@acct") else [] for t in text],
        "hashtags": [["python"] if "#python" in t else [] for t in text],
        "urls": [["https://x.example"] if "https" in t else [] for t in text]}), "tweets")
    following = pd.DataFrame({"following_id": ids.to_numpy()[rng.random(n) < 0.05]})
    return users, tweets, following


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> tuple[float, float]:
    """(wall, CPU) seconds: on a shared machine the CPU time is the steadier of the two."""
    return time.perf_counter() - start[0], time.process_time() - start[1]


def _growth(n: int) -> tuple[float, float]:
    from follower_kit.analysis import growth

    edges, times = make_edges(n)
    start = _clock()
    growth.growth_tables(edges)
    return _since(start)


def _python_sets(n: int) -> tuple[float, float]:
    edges, times = make_edges(n)
    start = _clock()
    sets = [set(g) for _, g in edges.groupby("snapshot_at", sort=True)["follower_id"]]
    [(len(b - a), len(a - b)) for a, b in zip(sets, sets[1:])]
    return _since(start)


def _bursts(n: int) -> tuple[float, float]:
    from follower_kit.analysis import growth

    edges, times = make_edges(n)
    last = edges[edges["snapshot_at"] == times[-1]]
    users, _, _ = make_profiles(last["follower_id"].reset_index(drop=True), times[-1])
    start = _clock()
    summary = growth.burst_summary(growth.label_bursts(growth.follow_date_bounds(users)))
    seconds = _since(start)
    assert len(summary) >= 1, "the synthetic bought batch was not found"
    return seconds


def _triage(n: int) -> tuple[float, float]:
    from follower_kit.analysis import triage

    edges, times = make_edges(n)
    last = edges[edges["snapshot_at"] == times[-1]]
    users, tweets, following = make_profiles(last["follower_id"].reset_index(drop=True), times[-1])
    start = _clock()
    out = triage.triage(users, tweets=tweets, following=following,
                        account={"id": "1", "username": "acct"}, topics=["python", "design"],
                        new_followers=last["follower_id"].iloc[: n // 20])
    seconds = _since(start)
    assert out["list"].nunique() == 4
    return seconds


METHODS = {"growth": _growth, "python sets (peer)": _python_sets,
           "follow dates + bursts": _bursts, "triage": _triage}


def run(quick: bool = False) -> list[dict]:
    sizes = [10_000] if quick else [10_000, 100_000, 1_000_000]
    return timed_rows(METHODS, sizes, "followers", snapshots=SNAPSHOTS)
