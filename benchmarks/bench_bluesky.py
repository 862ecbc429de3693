"""Bluesky follower pulls against the local fake AppView with no rate limit, 100 followers a
page (the AppView's maximum), from a server in its own process.

Methods: follower-kit's pull (every page checkpointed with fsync, the snapshot committed to the
Parquet store), with the list views only (``--no-profiles``: handle, name, bio, avatar,
creation time and labels, no counts) and with every follower looked up by ``getProfiles`` (25
a request, for the counts); against the plain way, a ``requests`` loop that pages through
``getFollowers`` and keeps the decoded profiles in memory (no checkpoint, no store), as the
AppView's own examples do.
"""

from __future__ import annotations

import tempfile

import requests

from benchmarks.bench_parse import peak_mb
from benchmarks.util import measure, serving
from follower_kit import Store, ingest
from follower_kit.sources import bluesky

SIZES = [10_000, 100_000, 1_000_000]
HANDLE = "bigaccount.bsky.social"
#: getProfiles adds a request per 25 followers: measured up to this size (1M would take
#: 40,000 lookups; its time is the 100k run's times ten, stated in docs/bluesky.md)
PROFILES_UP_TO = 100_000


def _serve(n: int, conn, stop) -> None:
    from follower_kit.testing.fake_bluesky import synthetic_bluesky

    server = synthetic_bluesky(n, handle=HANDLE)
    server.start()
    conn.send(server.url)
    stop.wait()
    server.stop()


def kit_pull(url: str, profiles: bool) -> tuple[int, float]:
    client = bluesky.BlueskyClient(url)
    with tempfile.TemporaryDirectory() as tmp:
        ref = ingest.pull_bluesky_followers(Store(tmp), HANDLE, client=client, following=False,
                                     profiles=profiles)
    return ref.followers, peak_mb()


def plain_requests(url: str, _profiles: bool) -> tuple[int, float]:
    session = requests.Session()
    followers, cursor = [], None
    while True:
        params = {"actor": HANDLE, "limit": 100, **({"cursor": cursor} if cursor else {})}
        body = session.get(f"{url}/xrpc/app.bsky.graph.getFollowers", params=params,
                           timeout=30).json()
        followers.extend(body["followers"])
        cursor = body.get("cursor")
        if not cursor:
            return len(followers), peak_mb()


def run(quick: bool = False) -> list[dict]:
    rows = []
    for n in [10_000] if quick else SIZES:
        methods = [("requests loop (in memory, no checkpoints)", plain_requests, False),
                   ("follower-kit pull, list views (checkpointed, committed)", kit_pull, False)]
        if n <= PROFILES_UP_TO:
            methods.append(("follower-kit pull + getProfiles (checkpointed, committed)",
                            kit_pull, True))
        base = None
        with serving(_serve, n, "fake AppView") as url:
            for method, func, profiles in methods:
                seconds, _, (count, peak) = measure(func, url, profiles)
                assert count == n, (method, count)
                base = base or seconds
                rows.append({"followers": n, "requests": -(-n // 100) + (
                                 -(-n // 25) if profiles else 0),
                             "method": method, "seconds": seconds,
                             "followers/s": int(n / seconds),
                             "x requests loop": round(base / seconds, 2),
                             "peak MB": round(peak)})
                print(f"  {n:,} {method}: {seconds:.1f} s", flush=True)
    return rows
