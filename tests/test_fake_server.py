"""The fake X API v2: checked against the official OpenAPI spec, and used to throw faults and
kill -9 at pulls, which must still end with exactly the server's follower list."""

from __future__ import annotations

import os
import random
import re
import sys
import textwrap
import time

import pytest
import requests

from conftest import ROOT, kill_mid_pull, shared_path
from follower_kit import Store, ingest
from follower_kit.testing.fake_x import FakeX, Faults, OpenAPISpec
from follower_kit.sources import x_api

TOKEN = "fake-server-test-token-0123456789"


@pytest.fixture(scope="module")
def audience():
    from follower_kit.sources.sample import generate

    return generate(followers=100, months=2, seed=5, tweets_per_follower=8)


@pytest.fixture(scope="module")
def spec_path():
    return shared_path("x-api", "openapi", "latest-openapi.json")


def _client(server, **kw):
    kw.setdefault("sleep", lambda s: None)
    return x_api.XClient(TOKEN, base_url=server.url, timeout=kw.pop("timeout", 5), **kw)


def _check_truth(store, server, handle, account_id):
    truth = server.visible_followers(account_id)
    got = store.followers(handle)
    assert list(got["id"]) == truth
    assert got["username"].notna().all()  # every follower arrived with its profile
    users = server.data.users.set_index("id")
    assert (got.set_index("id")["followers_count"] == users.loc[truth, "followers_count"]).all()


def test_kit_requests_and_server_responses_follow_the_openapi_spec(audience, spec_path,
                                                                   tmp_path):
    handle = audience.account["username"]
    suspended = [audience.users["id"].iloc[0]]
    with FakeX.from_sample(audience, spec=spec_path, validate_responses=True,
                           suspended=suspended) as server:
        client = _client(server)
        store = Store(tmp_path)
        ingest.pull_followers(store, handle, client=client, page_size=30)
        ingest.pull_tweets(store, handle, client=client, per_follower=12)
        client.lookup_users(list(audience.users["id"][:120]) + ["1"])
        assert len(server.requests) > 100
        assert server.invalid_requests == []
        assert server.invalid_responses == []
        assert server.failures == []


@pytest.mark.parametrize("query,bad", [("max_results=2000", "max_results"),
                                       ("max_results=0", "max_results"),
                                       ("user.fields=id,shoe_size", "user.fields"),
                                       ("maxresults=10", "maxresults")])
def test_server_rejects_requests_the_spec_forbids(audience, spec_path, query, bad):
    with FakeX.from_sample(audience, spec=spec_path) as server:
        r = requests.get(f"{server.url}/2/users/{audience.account['id']}/followers?{query}",
                         headers={"Authorization": "Bearer x"}, timeout=5)
        assert r.status_code == 400
        body = r.json()
        assert body["title"] == "Invalid Request"
        assert bad in body["errors"][0]["parameters"]
        assert len(server.invalid_requests) == 1


def test_expansions_follow_x(audience, spec_path):
    """user.fields/expansions as a twarc2 user lookup asks them: pinned tweets in includes, and
    a Not Found error for a pinned tweet the server does not have, as in the real pages."""
    users = audience.users.copy()
    f = audience.followers
    ids = list(f.loc[f["snapshot_at"] == f["snapshot_at"].max(), "follower_id"][:40])
    authors = audience.tweets.drop_duplicates("author_id").set_index("author_id")["id"]
    have = [i for i in ids if i in authors.index][:3]
    users.loc[users["id"].isin(have), "pinned_tweet_id"] = users.loc[
        users["id"].isin(have), "id"].map(authors)
    users.loc[users["id"] == ids[-1], "pinned_tweet_id"] = "1"
    with FakeX.from_frames(audience.account, users, ids, tweets=audience.tweets, spec=spec_path,
                           validate_responses=True) as server:
        r = requests.get(f"{server.url}/2/users/{audience.account['id']}/followers",
                         params={"max_results": 100, "expansions": "pinned_tweet_id",
                                 "user.fields": "pinned_tweet_id,created_at",
                                 "tweet.fields": "author_id,created_at"},
                         headers={"Authorization": "Bearer x"}, timeout=5).json()
        t = requests.get(f"{server.url}/2/users/{have[0]}/tweets",
                         params={"expansions": "author_id", "user.fields": "public_metrics"},
                         headers={"Authorization": "Bearer x"}, timeout=5).json()
        assert server.invalid_requests == [] and server.invalid_responses == []
    pinned = users.set_index("id").loc[ids, "pinned_tweet_id"].dropna()
    known = set(audience.tweets["id"])
    assert {x["id"] for x in r["includes"]["tweets"]} == {p for p in pinned if p in known}
    assert set(authors[have]) <= {x["id"] for x in r["includes"]["tweets"]}
    assert [e["resource_id"] for e in r["errors"]] == [p for p in pinned if p not in known]
    assert "1" in [e["resource_id"] for e in r["errors"]]
    assert "created_at" in r["data"][0] and "public_metrics" not in r["data"][0]
    assert [u["id"] for u in t["includes"]["users"]] == [have[0]]
    assert "public_metrics" in t["includes"]["users"][0]


def test_response_validation_can_fail(spec_path):
    spec = OpenAPISpec(spec_path)
    ok = {"data": [{"id": "1", "name": "a", "username": "a"}], "meta": {"result_count": 1}}
    assert spec.check_response("/2/users/{id}/followers", ok) == []
    bad = {"data": [{"id": "x1", "name": "a"}], "meta": {"result_count": "one"}}
    errors = spec.check_response("/2/users/{id}/followers", bad)
    assert len(errors) >= 3  # the id pattern, the missing username, the count type


@pytest.mark.slow
def test_faults_over_many_seeds_end_with_the_servers_truth(audience, tmp_path):
    handle, account_id = audience.account["username"], audience.account["id"]
    injected: dict[str, int] = {}
    for seed in range(12):
        faults = Faults(rates={"429": 0.07, "500": 0.05, "503": 0.05, "truncate": 0.06,
                               "short": 0.06}, seed=seed, burst=2)
        with FakeX.from_sample(audience, faults=faults) as server:
            store = Store(tmp_path / f"s{seed}")
            client = _client(server, seed=seed)
            ingest.pull_followers(store, handle, client=client, page_size=7)
            _check_truth(store, server, handle, account_id)
            following = store.read_table("following", handle)
            assert list(following["following_id"]) == list(
                audience.following["following_id"])
        for k, v in faults.injected.items():
            injected[k] = injected.get(k, 0) + v
    assert set(injected) == {"429", "500", "503", "truncate", "short"}


def test_stalled_responses_time_out_and_are_retried(audience, tmp_path):
    faults = Faults(script=["timeout", None, "timeout"], delay=1.0, endpoints=("followers",))
    with FakeX.from_sample(audience, faults=faults) as server:
        store = Store(tmp_path)
        client = _client(server, timeout=0.3)
        ingest.pull_followers(store, audience.account["username"], client=client, page_size=25,
                              following=False)
        assert client.retries == 2
        _check_truth(store, server, audience.account["username"], audience.account["id"])


def test_real_rate_limit_is_waited_out(audience, tmp_path):
    with FakeX.from_sample(audience, rate_limits={"followers": (2, 1.0)}) as server:
        store = Store(tmp_path)
        client = _client(server, sleep=time.sleep)
        ingest.pull_followers(store, audience.account["username"], client=client, page_size=25,
                              following=False)
        assert client.slept > 0
        _check_truth(store, server, audience.account["username"], audience.account["id"])


def test_followers_arriving_during_a_pull_are_not_duplicated(audience, tmp_path):
    account_id = audience.account["id"]
    f = audience.followers
    latest = f[f["snapshot_at"] == f["snapshot_at"].max()].sort_values("position")
    # every profile the sample knows, so ex-followers can come back while the pull runs
    with FakeX.from_frames(audience.account, audience.users, latest["follower_id"],
                           audience.following["following_id"]) as server:
        original = server.visible_followers(account_id)
        newcomers = [u for u in audience.users["id"] if u not in set(original)][:6]
        assert len(newcomers) >= 3
        pages = []

        def follow_midway(n):
            pages.append(n)
            if len(pages) == 3:
                server.follow(account_id, newcomers)

        store = Store(tmp_path)
        ingest.pull_followers(store, audience.account["username"], client=_client(server),
                              page_size=10, progress=follow_midway, following=False)
    got = list(store.followers(audience.account["username"])["id"])
    assert len(got) == len(set(got))
    assert got == original  # the shifted-in repeats were dropped, nobody was lost
    assert len(pages) == -(-(len(original) + len(newcomers)) // 10)


_PULL_SCRIPT = textwrap.dedent("""
    import sys
    from follower_kit import Store
    from follower_kit.sources import x_api
    client = x_api.XClient(sys.argv[3], base_url=sys.argv[1], sleep=lambda s: None, timeout=5)
    ingest.pull_followers(Store(sys.argv[2]), sys.argv[4], client=client, page_size=4)
""")


@pytest.mark.slow
def test_kill_9_at_random_points_then_resume(audience, tmp_path):
    handle, account_id = audience.account["username"], audience.account["id"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    mid_pull_kills = 0
    for seed in range(6):
        rng = random.Random(seed)
        faults = Faults(rates={"503": 0.05, "truncate": 0.05}, seed=seed)
        with FakeX.from_sample(audience, faults=faults, latency=0.02) as server:
            store = Store(tmp_path / f"s{seed}")
            pulls_dir = store.path / "accounts" / account_id / "pulls"
            for _ in range(rng.randint(1, 2)):  # one or two kills before the resume
                kill_mid_pull([sys.executable, "-c", _PULL_SCRIPT, server.url, str(store.path),
                               TOKEN, handle], env=env, rng=rng, max_delay=0.4,
                              checkpoints=lambda: list(pulls_dir.glob("*/followers-*.jsonl")))
                if store.snapshots().empty:
                    mid_pull_kills += 1
            ingest.pull_followers(store, handle, client=_client(server), page_size=4)
            _check_truth(store, server, handle, account_id)
            assert list(ingest.pulls(store)["status"]) == ["committed"]
    assert mid_pull_kills >= 3  # most kills really landed inside a pull


@pytest.mark.parametrize("args,says", [
    (["--spec", "not-json.json"], r"not-json\.json.*is not JSON.*OpenAPI"),
    (["--spec", "list.json"], r"list\.json.*not an OpenAPI document"),
    (["--spec", "other-api.json"], r"other-api\.json.*lacks the paths.*/2/users/\{id\}/followers"),
    (["--rate-limit", "fifteen/60"], r"--rate-limit.*'fifteen/60'.*N/SECONDS, e\.g\. 15/900"),
    (["--rate-limit", "15/0"], r"--rate-limit.*'15/0'.*N/SECONDS"),
])
def test_fake_server_options_fail_in_one_line(tmp_path, monkeypatch, args, says):
    """A wrong --spec or --rate-limit is one line of advice, not a traceback (nor a server
    that fails every request later)."""
    from click.testing import CliRunner

    from follower_kit.cli import fake, main

    (tmp_path / "not-json.json").write_text("openapi: 3.0.0\npaths: {}\n")  # YAML, not JSON
    (tmp_path / "list.json").write_text("[1, 2]")
    (tmp_path / "other-api.json").write_text('{"openapi": "3.0.0", "paths": {"/pets": {}}}')
    monkeypatch.chdir(tmp_path)

    def stop(seconds):  # a server that started after all: stop it instead of serving forever
        raise KeyboardInterrupt

    monkeypatch.setattr(fake.time, "sleep", stop)
    out = CliRunner().invoke(main, ["fake-server", "--port", "0", "--followers", "10", *args])
    assert out.exit_code in (1, 2), out.output
    assert isinstance(out.exception, SystemExit), out.exception  # no traceback
    error = [line for line in out.output.splitlines() if "rror" in line]
    assert len(error) == 1 and re.search(says, error[0]), out.output
