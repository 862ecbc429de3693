"""Bluesky follower pulls against the local fake AppView with no rate limit, 100 followers a
page (the AppView's maximum), from a server in its own process.

Methods: follower-kit's pull (every page checkpointed with fsync, the snapshot committed to the
Parquet store), with the list views only (``--no-profiles``: handle, name, bio, avatar,
creation time and labels, no counts) and by default, every follower also looked up by
``getProfiles`` (25 a request, for the counts; on 4 threads while the list is paged); each
against the plain way of the same requests, a ``requests`` loop that pages through
``getFollowers`` (and looks each page's followers up, 25 a request) and keeps the decoded
profiles in memory (no checkpoint, no store), as the AppView's own examples do. Every size is
really run, 1M with profiles included (50,000 requests).
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
        ref = ingest.pull_bluesky_followers(Store(tmp), HANDLE, client=client,
                                            following=False, profiles=profiles)
    return ref.followers, peak_mb()


def plain_requests(url: str, profiles: bool) -> tuple[int, float]:
    session = requests.Session()
    followers, cursor, looked_up = [], None, 0
    while True:
        params = {"actor": HANDLE, "limit": 100, **({"cursor": cursor} if cursor else {})}
        body = session.get(f"{url}/xrpc/app.bsky.graph.getFollowers", params=params,
                           timeout=30).json()
        page = body["followers"]
        if profiles:
            dids = [f["did"] for f in page]
            for i in range(0, len(dids), 25):
                looked_up += len(session.get(f"{url}/xrpc/app.bsky.actor.getProfiles",
                                             params={"actors": dids[i:i + 25]},
                                             timeout=30).json()["profiles"])
        followers.extend(page)
        cursor = body.get("cursor")
        if not cursor:
            assert not profiles or looked_up == len(followers), (looked_up, len(followers))
            return len(followers), peak_mb()


def run(quick: bool = False) -> list[dict]:
    rows = []
    loop = "requests loop (in memory, no checkpoints)"
    kit = "follower-kit pull (checkpointed, committed)"
    for n in [10_000] if quick else SIZES:
        with serving(_serve, n, "fake AppView") as url:
            for calls, profiles in (("getFollowers", False), ("getFollowers + getProfiles", True)):
                base = None
                for method, func in ((loop, plain_requests), (kit, kit_pull)):
                    seconds, _, (count, peak) = measure(func, url, profiles)
                    assert count == n, (method, count)
                    base = base or seconds
                    rows.append({"followers": n, "requests": -(-n // 100) + (
                                     -(-n // 25) if profiles else 0),
                                 "calls": calls, "method": method, "seconds": seconds,
                                 "followers/s": int(n / seconds),
                                 "x requests loop": round(base / seconds, 2),
                                 "peak MB": round(peak)})
                    print(f"  {n:,} {calls}, {method}: {seconds:.1f} s", flush=True)
    return rows
