"""Pull overhead against the local fake X API with no rate limit: followers with full profiles,
1,000 a page, from a server in its own process.

Methods: follower-kit's pull (tweepy underneath, every page checkpointed with fsync, the snapshot
committed to the Parquet store) against the plain way: tweepy.Paginator collecting tweepy User
objects in memory (no checkpoint, no store).
"""

from __future__ import annotations

import tempfile

from benchmarks.bench_parse import peak_mb
from benchmarks.util import measure, serving
from follower_kit import Store, ingest
from follower_kit.testing.fake_x import FakeX, synthetic_audience
from follower_kit.sources import x_api

SIZES = [100_000, 1_000_000]
REPEATS = {10_000: 3, 100_000: 3}  # 1M: one run each (tweepy takes 25-40 s); the fastest is kept
TOKEN = "bench-token-0000000000"


def _serve(n: int, conn, stop) -> None:
    account, users, followers = synthetic_audience(n)
    server = FakeX.from_frames(account, users, followers)
    fields = tuple(sorted(set(("id", "name", "username")) | set(x_api.USER_FIELDS)))
    for i in range(len(server.data.users)):  # render once, so no method pays it
        server.data.user_json(i, fields)
    server.start()
    conn.send((server.url, account["username"], account["id"]))
    stop.wait()
    server.stop()


def kit_pull(url: str, handle: str) -> int:
    client = x_api.XClient(TOKEN, base_url=url)
    with tempfile.TemporaryDirectory() as tmp:
        ref = ingest.pull_followers(Store(tmp), handle, client=client, following=False)
    return ref.followers, peak_mb()


def tweepy_paginator(url: str, account_id: str) -> int:
    import tweepy

    client = x_api.XClient(TOKEN, base_url=url)._client  # the same session adapter, plain tweepy
    client.return_type = tweepy.Response
    users = []
    for page in tweepy.Paginator(client.get_users_followers, account_id, max_results=1000,
                                 user_fields=x_api.USER_FIELDS):
        users.extend(page.data or [])
    return len(users), peak_mb()


def run(quick: bool = False) -> list[dict]:
    rows = []
    for n in [10_000] if quick else SIZES:
        with serving(_serve, n, "fake server") as (url, handle, account_id):
            for method, func, arg in (
                    ("tweepy.Paginator (in memory, no checkpoints)", tweepy_paginator,
                     account_id),
                    ("follower-kit pull (checkpointed, committed)", kit_pull, handle)):
                # on this VM one run of a 2 s pull varies by half with the memory the previous
                # process left behind: each method gets the same runs and keeps its fastest
                runs = [measure(func, url, arg) for _ in range(REPEATS.get(n, 1))]
                seconds, _, (count, peak) = min(runs, key=lambda r: r[0])
                assert count == n, (method, count)
                rows.append({"followers": n, "pages": -(-n // 1000),
                             "runs": REPEATS.get(n, 1), "method": method,
                             "seconds": seconds, "followers/s": int(n / seconds),
                             "peak MB": round(peak)})
    return rows
