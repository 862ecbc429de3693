"""Bluesky audiences: the source against the fake AppView (every request and response checked
against the official lexicons), the recorded real responses through the real code path, the
same guarantees as X pulls (kill -9, faults, rate limits, runaway guards), the network-aware
store, and the CLI."""

from __future__ import annotations

import functools
import json
import os
import random
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import ThreadingHTTPServer
from urllib.parse import urlsplit

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import ROOT, kill_mid_pull, shared_path
from follower_kit import Store, ingest, schema
from follower_kit.cli import main
from follower_kit.sources import bluesky, x_api
from follower_kit.testing.fake_x import FakeX, Faults
from follower_kit.testing.fake_bluesky import FakeBluesky, sample_as_bluesky
from follower_kit.testing.lexicon import Lexicons

HANDLE = "sample.bsky.social"


@pytest.fixture(scope="module")
def lexicons():
    return Lexicons(shared_path("bluesky", "lexicons"))


@pytest.fixture(scope="module")
def responses():
    return shared_path("bluesky", "responses")


@pytest.fixture(scope="module")
def audience():
    from follower_kit.sources.sample import generate

    return generate(followers=150, months=2, seed=5, tweets_per_follower=6)


def _client(server, **kw):
    kw.setdefault("sleep", lambda s: None)
    return bluesky.BlueskyClient(server.url, timeout=kw.pop("timeout", 5), **kw)


def _check_truth(store, server, audience):
    frames = sample_as_bluesky(audience, handle=HANDLE)
    truth = server.visible_followers(frames["account"]["id"])
    got = store.followers(HANDLE)
    assert list(got["id"]) == truth
    assert got["username"].str.endswith(".bsky.social").all()
    users = frames["users"].set_index("id")
    assert (got.set_index("id")["followers_count"] == users.loc[truth, "followers_count"]).all()


def _no_lexicon_problems(server):
    assert server.invalid_requests == [], server.invalid_requests[:3]
    assert server.invalid_responses == [], server.invalid_responses[:3]
    assert server.failures == []


# ------------------------------------------------------------------------------- the lexicons
def test_every_recorded_response_follows_its_lexicon(lexicons, responses):
    nsids = {"getFollowers": "app.bsky.graph.getFollowers",
             "getFollows": "app.bsky.graph.getFollows",
             "getProfiles": "app.bsky.actor.getProfiles",
             "getProfile": "app.bsky.actor.getProfile",
             "getAuthorFeed": "app.bsky.feed.getAuthorFeed",
             "resolveHandle": "com.atproto.identity.resolveHandle"}
    checked = 0
    for path in sorted(responses.glob("*.json")):
        name = path.name.removeprefix("legacy2023_").split("_")[0]
        if path.name.endswith(".meta.json") or name not in nsids:
            continue
        assert lexicons.check_output(nsids[name], json.loads(path.read_text())) == [], path.name
        checked += 1
    assert checked == 13


@pytest.mark.parametrize("change, words", [
    (lambda b: b["followers"][0].update(did="plc:nodid"), "not a valid did"),
    (lambda b: b["followers"][1].pop("handle"), "missing required field 'handle'"),
    (lambda b: b["followers"][2].update(createdAt="yesterday"), "not a valid datetime"),
    (lambda b: b.update(followers="many"), "expected an array"),
    (lambda b: b["followers"][3].update(labels=[{"val": "spam"}]), "missing required field 'src'"),
    (lambda b: b["subject"].update(associated={"chat": {"allowIncoming": 3}}),
     "expected a string"),
])
def test_the_lexicon_validator_catches_what_is_wrong(lexicons, responses, change, words):
    body = json.loads((responses / "getFollowers_chriskenny.bsky.social_page1.json").read_text())
    change(body)
    problems = lexicons.check_output("app.bsky.graph.getFollowers", body)
    assert any(words in p for p in problems), problems


def test_the_lexicon_validator_checks_query_parameters(lexicons):
    ok = lexicons.check_params("app.bsky.graph.getFollowers", {"actor": HANDLE, "limit": "100"})
    assert ok == []
    assert "above the maximum 100" in " ".join(
        lexicons.check_params("app.bsky.graph.getFollowers", {"actor": HANDLE, "limit": "101"}))
    assert "missing required parameter 'actor'" in " ".join(
        lexicons.check_params("app.bsky.graph.getFollows", {"limit": "5"}))
    assert "at most 25 allowed" in " ".join(
        lexicons.check_params("app.bsky.actor.getProfiles", {"actors": [HANDLE] * 26}))
    assert "unknown parameter 'max_results'" in " ".join(
        lexicons.check_params("app.bsky.feed.getAuthorFeed", {"actor": HANDLE,
                                                              "max_results": "5"}))


# ------------------------------------------------------------------------------- recorded pages
class _Replay(FakeX):
    """A local HTTP server answering each NSID with a recorded body (real HTTP, real bytes),
    on the fake X server's HTTP machinery."""

    def __init__(self, bodies: dict[str, bytes]):
        self.bodies, self.seen, self.failures = bodies, [], []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self.start()

    def _handle(self, h) -> None:
        self.seen.append(h.path)
        self._send(h, 200, self.bodies[urlsplit(h.path).path.removeprefix("/xrpc/")])

    def close(self):
        self.stop()


def _checked(lexicons, problems):
    """An ``on_request`` hook: every request's parameters and answer checked by the lexicons."""
    def check(nsid, query, resp):
        problems.extend(lexicons.check_params(nsid, query))
        problems.extend(lexicons.check_output(nsid, resp.json()))
    return check


@pytest.mark.parametrize("name, key, rows, cursor, created", [
    ("getFollowers_chriskenny.bsky.social_page1.json", "followers", 48, "3lktasir3le2j", 48),
    ("getFollows_chriskenny.bsky.social_page1.json", "follows", 48, "3lcbepc6gt32f", 48),
    ("getFollows_test.marshal.dev_lastpage_nocursor.json", "follows", 6, None, 6),
    ("legacy2023_getFollowers_shinyakato.dev_page1.json", "followers", 50,
     "1682797625500::bafyreihaxv35gy25izvp4ypnrse26chpbdra2pxkizjqxyle7tneizlhj4", 0),
    ("legacy2023_getFollows_shinyakato.dev_page1.json", "follows", 50,
     "1682468402829::bafyreicwpauw5zpjyq6pqr7nt2jwgc7ufiqbih7i6sarnahpw23mmuec7y", 0),
])
def test_recorded_list_pages_through_the_client_and_checkpoints(responses, lexicons, tmp_path,
                                                                name, key, rows, cursor,
                                                                created):
    """A short page (48 of 50) keeps its cursor, the last page has none; 2023 pages lack
    createdAt; every page survives the checkpoint round trip into a valid users frame."""
    raw = (responses / name).read_bytes()
    method = "getFollowers" if key == "followers" else "getFollows"
    replay = _Replay({bluesky._NSID[method]: raw})
    problems = []
    try:
        page = bluesky.BlueskyClient(replay.url, on_request=_checked(lexicons, problems)).call(
            method, "someone.bsky.social", max_results=50)
    finally:
        replay.close()
    assert problems == []
    assert page.body["meta"]["result_count"] == rows
    assert page.next_token == cursor
    pull = ingest.PullDir(tmp_path)
    written = pull.write_page(f"{key}-000001", page.twarc_line(page=1, token=None))
    assert ingest._page_state([written]) == (1, cursor, cursor is None)
    assert ingest._page_head(written) == (None, rows)
    users = bluesky.users_frame(bluesky.read_pages([written], key),
                                observed_at=page.retrieved_at)
    schema.validate(users, "users")
    assert len(users) == rows and users["id"].str.startswith("did:").all()
    assert int(users["created_at"].notna().sum()) == created
    assert users["followers_count"].isna().all()  # list views carry no counts
    if name.startswith("getFollows_chriskenny"):
        assert int(users["labels"].map(lambda v: "!no-unauthenticated" in v).sum()) == 4


@pytest.mark.parametrize("name", [
    "getFollowers_chriskenny.bsky.social_page1.json",
    "getFollows_chriskenny.bsky.social_page1.json",
    "legacy2023_getFollowers_shinyakato.dev_page1.json",
    "getProfiles_25actors_with_duplicates.json", "getProfiles_chriskenny.bsky.social.json"])
def test_arrow_reader_equals_the_dict_parser_on_recorded_pages(responses, tmp_path, name):
    """The bulk reader a pull commits with gives exactly the frame of the one-by-one parser."""
    body = json.loads((responses / name).read_text())
    key = next(k for k in ("followers", "follows", "profiles") if k in body)
    page = tmp_path / "page.jsonl"
    page.write_bytes(json.dumps(body).encode() + b"\n" + json.dumps(body).encode() + b"\n")
    at = pd.Timestamp("2026-12-01", tz="UTC")
    bulk = bluesky.read_profiles([page], key, observed_at=at)
    pd.testing.assert_frame_equal(bulk, bluesky.users_frame(body[key], observed_at=at))


def test_recorded_profiles_resolve_and_duplicates(responses, lexicons):
    """resolveHandle and getProfiles as recorded: the duplicates of a 25-actor call fold into
    3 accounts with their counts."""
    replay = _Replay({
        "com.atproto.identity.resolveHandle":
            (responses / "resolveHandle_jbgruber.bsky.social.json").read_bytes(),
        "app.bsky.actor.getProfiles":
            (responses / "getProfiles_25actors_with_duplicates.json").read_bytes()})
    problems = []
    try:
        client = bluesky.BlueskyClient(replay.url, on_request=_checked(lexicons, problems))
        assert client.resolve("@jbgruber.bsky.social") == "did:plc:ntd53albt5ffa4rgervvgibd"
        users = client.lookup_users(["favstats.eu", "jbgruber.bsky.social"])
        account = client.user("jbgruber.bsky.social")
    finally:
        replay.close()
    assert problems == []
    schema.validate(users, "users")
    assert len(users) == 3 and users["followers_count"].notna().all()
    assert users["created_at"].notna().all() and users["tweet_count"].gt(0).all()
    assert account["network"] == "bluesky" and account["id"].startswith("did:plc:")
    assert account["public_metrics"]["followers_count"] >= 0
    assert any("actors=" in p for p in replay.seen)


@pytest.mark.parametrize("name, n, kinds, urls", [
    ("getAuthorFeed_chriskenny.bsky.social_page1.json", 50,
     {"reply": 24, "original": 12, "quote": 7, "retweet": 7}, 26),
    ("getAuthorFeed_andrew.heiss.phd_limit25.json", 25,
     {"retweet": 10, "reply": 8, "original": 4, "quote": 3}, 6),
])
def test_recorded_feeds_become_tweets(responses, name, n, kinds, urls):
    feed = json.loads((responses / name).read_text())["feed"]
    posts = bluesky.posts_frame(feed)
    schema.validate(posts, "tweets")
    assert len(posts) == n
    assert posts["kind"].value_counts().to_dict() == kinds
    assert int(posts["urls"].map(len).sum()) == urls
    replies = posts[posts["kind"] == "reply"]
    assert replies["in_reply_to_user_id"].str.startswith("did:").all()
    assert replies["conversation_id"].str.startswith("at://").all()
    reposts = posts[posts["kind"] == "retweet"]
    by = {i["reason"]["by"]["did"] for i in feed if "reason" in i}
    assert set(reposts["author_id"]) == by  # a repost is the reposter's
    assert posts["mentions"].map(lambda m: all(not x.startswith("@") for x in m)).all()


def test_a_nanosecond_time_leaves_the_others_alone(responses, tmp_path):
    """A createdAt with nanoseconds (Go clients write them) beside a year-0001 or a far-future
    one, which Bluesky's client-set createdAt allows: every time is read, to the microsecond,
    by both profile readers and the feed reader (one such time made the others NaT, and the
    post was dropped)."""
    body = json.loads((responses / "getFollowers_chriskenny.bsky.social_page1.json").read_text())
    body["followers"][0]["createdAt"] = "2024-11-20T03:47:49.123456789Z"
    body["followers"][1]["createdAt"] = "0001-01-01T00:00:00.000Z"
    body["followers"][2]["createdAt"] = "2999-01-01T00:00:00+00:00"
    page = tmp_path / "page.jsonl"
    page.write_text(json.dumps(body) + "\n")
    at = pd.Timestamp("2026-12-01", tz="UTC")
    want = pd.to_datetime(["2024-11-20T03:47:49.123456Z", "0001-01-01T00:00:00Z",
                           "2999-01-01T00:00:00Z"], utc=True, format="ISO8601")
    for users in (bluesky.read_profiles([page], "followers", observed_at=at),
                  bluesky.users_frame(body["followers"], observed_at=at)):
        assert users["created_at"].notna().all()
        assert users["created_at"].head(3).tolist() == want.tolist()
    feed = json.loads((responses / "getAuthorFeed_chriskenny.bsky.social_page1.json").read_text())
    originals = [i for i in feed["feed"] if "reason" not in i]
    originals[0]["post"]["record"]["createdAt"] = "2025-05-05T01:30:17.912345678Z"
    originals[1]["post"]["record"]["createdAt"] = "0001-01-01T00:00:00Z"
    posts = bluesky.posts_frame(feed["feed"]).set_index("id")["created_at"]
    assert len(posts) == 50
    assert posts[originals[0]["post"]["uri"]] == pd.Timestamp("2025-05-05 01:30:17.912345Z")
    assert posts[originals[1]["post"]["uri"]] == pd.Timestamp("0001-01-01", tz="UTC")


def test_an_unreadable_created_at_falls_back_to_indexed_at(responses, caplog):
    """The client sets createdAt, the AppView indexedAt: a post whose createdAt cannot be read
    is dated by its indexedAt, not dropped; one with neither readable is left out and logged."""
    feed = json.loads((responses / "getAuthorFeed_chriskenny.bsky.social_page1.json").read_text())
    originals = [i for i in feed["feed"] if "reason" not in i]
    originals[0]["post"]["record"]["createdAt"] = "last tuesday"
    originals[1]["post"]["record"]["createdAt"] = "2025-13-45T99:00:00Z"
    originals[1]["post"]["indexedAt"] = "never"
    with caplog.at_level("WARNING"):
        posts = bluesky.posts_frame(feed["feed"]).set_index("id")["created_at"]
    assert len(posts) == 49 and originals[1]["post"]["uri"] in caplog.text
    want = pd.Timestamp(originals[0]["post"]["indexedAt"])
    assert posts[originals[0]["post"]["uri"]] == want


# ------------------------------------------------------------------------------- the fake AppView
def test_pull_against_the_fake_appview_equals_the_truth(audience, lexicons, tmp_path):
    hidden = sample_as_bluesky(audience)["followers"][3:5]  # taken down: short pages
    with FakeBluesky.from_sample(audience, lexicons=lexicons, hidden=hidden) as server:
        store = Store(tmp_path)
        ref = ingest.pull_bluesky_followers(store, HANDLE, client=_client(server))
        _check_truth(store, server, audience)
        got = store.followers(HANDLE)
        assert len(got) == len(server.visible_followers(ref.account_id)) == 148
        ingest.pull_bluesky_posts(store, HANDLE, client=_client(server), per_follower=4)
        _no_lexicon_problems(server)
    snaps = store.snapshots()
    assert snaps["network"].tolist() == ["bluesky"]
    assert store.accounts()["network"].tolist() == ["bluesky"]
    assert ref.account_id.startswith("did:plc:")
    following = store.read_table("following", HANDLE)
    assert len(following) == len(audience.following)
    assert following["following_id"].str.startswith("did:").all()
    tweets = store.tweets(HANDLE)
    assert len(tweets) and tweets.groupby("author_id").size().max() <= 4
    assert set(tweets["kind"]) <= set(schema.TWEET_KINDS) and tweets["id"].str.startswith(
        "at://").all()
    # mentions come from mention facets, as the handles the posts' text names
    said = tweets[tweets["mentions"].map(len) > 0]
    assert len(said) >= 10
    truth_posts = sample_as_bluesky(audience)["posts"].set_index("id")
    for post in said.itertuples():
        assert list(post.mentions) == list(truth_posts.loc[post.id, "mentions"]), post.id
        assert all(f"@{m}" in post.text and m.endswith(".bsky.social") for m in post.mentions)
    truth = audience.truth.set_index("follower_id")
    frames = sample_as_bluesky(audience)
    spam = {frames["did_of"][i] for i in truth.index[truth["bot_kind"] == "spam"]
            if i in frames["did_of"]}  # truth also names those who left
    labelled = set(got.loc[got["labels"].map(lambda v: "spam" in v), "id"])
    assert labelled and labelled <= spam
    # a default avatar is no avatar on Bluesky: the pulled profiles keep the sample's
    default = audience.users.set_index(pd.Index(frames["did_of"][str(i)] for i in
                                                audience.users["id"]))["default_profile_image"]
    pulled = got.set_index("id")["default_profile_image"]
    assert pulled.any() and pulled.equals(default.loc[pulled.index].astype(pulled.dtype))
    assert got["profile_image_url"].dropna().str.startswith("https://cdn.bsky.app/").all()


#: The CLI with every wait (retry backoff, rate-limit reset) cut to 50 ms at most: the waits'
#: lengths are tested on their own (below); here each of the ~8 faults of a pull would
#: otherwise wait 0.5-2 s, most of this test's time
_SHORT_WAITS = ("import time; _sleep = time.sleep; time.sleep = lambda s: _sleep(min(s, 0.05)); "
                "from follower_kit.cli import main; main(prog_name='follower-kit')")


@pytest.mark.slow
def test_kill_9_at_random_points_with_faults_then_resume(audience, lexicons, tmp_path,
                                                          monkeypatch):
    """`follower-kit pull followers sample.bsky.social --network bluesky` (4 followers a page,
    10 pages a checkpoint file, so 2 getProfiles requests a profile file and several files
    looked up at once) killed at random points while the AppView throws 503s, 429s and cut
    bodies, then run again: exactly the truth, every request and response valid."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    monkeypatch.setattr(bluesky, "BlueskyClient", functools.partial(
        bluesky.BlueskyClient, sleep=lambda s: time.sleep(min(s, 0.05))))

    def args(server, store):
        return ["pull", "followers", HANDLE, "--network", "bluesky", "--page-size", "4",
                "--api-url", server.url, "--store", str(store.path), "--timeout", "5"]

    mid_pull_kills = resumed_pages = resumed_profiles = 0
    injected: dict[str, int] = {}
    for seed in range(5):
        rng = random.Random(seed)
        faults = Faults(rates={"503": 0.05, "truncate": 0.05, "429": 0.03}, seed=seed, burst=1)
        with FakeBluesky.from_sample(audience, faults=faults, latency=0.02,
                                     lexicons=lexicons) as server:
            store = Store(tmp_path / f"s{seed}")
            for _ in range(rng.randint(1, 2)):
                kill_mid_pull([sys.executable, "-c", _SHORT_WAITS, *args(server, store)],
                              env=env, rng=rng, max_delay=0.3, checkpoints=lambda: list(
                                  store.path.glob("accounts/*/pulls/*/followers-*.jsonl")))
                if store.snapshots().empty:
                    mid_pull_kills += 1
            files = list(store.path.glob("accounts/*/pulls/*/followers-*.jsonl"))
            resumed_pages += sum(len(p.read_bytes().splitlines()) for p in files)
            resumed_profiles += len(list(store.path.glob("accounts/*/pulls/*/profiles-*")))
            out = CliRunner().invoke(main, args(server, store))  # the same command resumes
            assert out.exit_code == 0, out.output
            _check_truth(store, server, audience)
            assert list(ingest.pulls(store)["status"]) == ["committed"]
            for kind, n in faults.injected.items():
                injected[kind] = injected.get(kind, 0) + n
            _no_lexicon_problems(server)
    assert mid_pull_kills >= 3
    assert set(injected) == {"503", "truncate", "429"}  # every kind of fault really happened
    assert resumed_pages >= 20  # resumes started from checkpoint files of several pages
    assert resumed_profiles >= 1  # and from profile files


def test_rate_limits_wait_for_the_announced_reset(audience, lexicons):
    """429s wait until ``ratelimit-reset``; an answer with no request left in the window waits
    before the next request instead of collecting a 429."""
    slept = []
    faults = Faults(script=["429"], reset_in=30, burst=1, endpoints=("followers",))
    with FakeBluesky.from_sample(audience, faults=faults, lexicons=lexicons) as server:
        client = _client(server, sleep=slept.append)
        page = client.call("getFollowers", HANDLE, max_results=10)
        assert page.body["meta"]["result_count"] == 10
        assert client.rate_waits == 1 and 29 <= slept[0] <= 32  # until the reset, plus 1 s
    with FakeBluesky.from_sample(audience, rate_limit=(2, 60.0), lexicons=lexicons) as server:
        slept.clear()
        client = _client(server, sleep=slept.append)
        client.call("getFollowers", HANDLE, max_results=10)
        assert not slept
        client.call("getFollowers", HANDLE, max_results=10)  # the window's last request
        assert len(slept) == 1 and 58 <= slept[0] <= 62  # the reset, rounded up, plus 1 s
        _no_lexicon_problems(server)


def test_a_rate_limit_wait_holds_every_thread(audience, lexicons):
    """The rate limit is per client (the AppView's is per IP): while one thread waits out a
    429, the others send nothing new (only what they already had in flight lands)."""
    faults = Faults(script=[None] * 6 + ["429"], reset_in=0, burst=1, endpoints=("profiles",))
    during = []
    with FakeBluesky.from_sample(audience, faults=faults, lexicons=lexicons) as server:
        def sleep(seconds):
            before = len(server.requests)
            time.sleep(0.5)  # long enough for dozens of requests by the other threads
            during.append(len(server.requests) - before)

        client = _client(server, sleep=sleep)
        dids = sample_as_bluesky(audience)["followers"]
        workers = 4

        def lookups(k):
            for i in range(10):
                client.call("getProfiles", actors=dids[(k * 10 + i) % 100:][:25])

        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lookups, range(workers)))
        _no_lexicon_problems(server)
    assert client.rate_waits == 1 and len(during) == 1
    assert during[0] <= workers - 1, during
    assert client.requests == 4 * 10 + 1  # the 429 was asked again, once


def test_a_failed_lookup_stops_the_pull_and_the_rerun_completes(audience, lexicons, tmp_path):
    """A getProfiles request that keeps failing stops the pull with the AppView's fault named;
    the checkpointed followers and profile files stay, and the same pull run again (faults
    gone) looks up only what is missing and equals the truth."""
    store = Store(tmp_path)
    faults = Faults(script=[None] * 4 + ["503"] * 3, endpoints=("profiles",))
    with FakeBluesky.from_sample(audience, faults=faults, lexicons=lexicons) as server:
        with pytest.raises(x_api.PullError, match=r"getProfiles: gave up after 2 attempts.*503"):
            ingest.pull_bluesky_followers(store, HANDLE, client=_client(
                server, retry=x_api.RetryPolicy(attempts=2)), page_size=5, following=False)
        assert store.snapshots().empty
        kept = list(store.path.glob("accounts/*/pulls/*/profiles-*.jsonl"))
        assert len(kept) < 3  # 150 followers, 50 a followers file: 3 profile files
        asked = len(server.requests)
        ingest.pull_bluesky_followers(store, HANDLE, client=_client(server), page_size=5,
                                      following=False)
        _check_truth(store, server, audience)
        again = [r for r in server.requests[asked:] if r["nsid"].endswith("getProfiles")]
        # only the missing files' lookups (2 each), the account's own profile and at most one
        # 503 left in the script
        assert 2 * (3 - len(kept)) + 1 <= len(again) <= 2 * (3 - len(kept)) + 2
        _no_lexicon_problems(server)


def test_an_interrupted_pull_counts_its_list_pages_and_followers(audience, lexicons,
                                                                  tmp_path):
    """`pull status` and the resume's --dry-run count the list pages and followers an
    interrupted Bluesky pull holds: a followers file holds ten pages, and the profile lookups
    beside it are neither pages of the list nor followers (they were counted as both)."""
    store = Store(tmp_path)
    seen = []

    def stop_after_twenty(n):
        seen.append(n)
        if len(seen) == 20:
            raise KeyboardInterrupt

    with FakeBluesky.from_sample(audience, lexicons=lexicons) as server:
        with pytest.raises(KeyboardInterrupt):
            ingest.pull_bluesky_followers(store, HANDLE, client=_client(server), page_size=5,
                                          following=False, progress=stop_after_twenty)
        pull = ingest.pulls(store).iloc[0]
        files = sorted(store.path.glob("accounts/*/pulls/*/followers-*.jsonl"))
        assert len(files) == 2 and pull["status"] == "running"
        assert (pull["pages"], pull["rows"]) == (20, sum(seen))
        assert pull["rows"] == len(bluesky.dids_in(files, "followers"))
        out = CliRunner().invoke(main, ["pull", "followers", HANDLE, "--dry-run", "--page-size",
                                        "5", "--no-following", "--api-url", server.url,
                                        "--store", str(tmp_path)])
        assert out.exit_code == 0, out.output
        assert "10 followers pages" in out.output and "20 pages already" in out.output
        ingest.pull_bluesky_followers(store, HANDLE, client=_client(server), page_size=5,
                                      following=False)
        _check_truth(store, server, audience)


def test_a_resume_at_another_page_size_says_so_as_on_x(audience, lexicons, tmp_path, caplog):
    """A Bluesky pull records its page size, as an X pull does: resumed at another one, it
    warns with the options that changed (it recorded none, and resumed silently). A pull
    started before the page size was recorded resumes without a warning: its size is unknown,
    not changed."""
    def interrupted(store, server):
        seen = []

        def stop_after_four(n):
            seen.append(n)
            if len(seen) == 4:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            ingest.pull_bluesky_followers(store, HANDLE, client=_client(server), page_size=5,
                                          following=False, profiles=False,
                                          progress=stop_after_four)
        meta_path, = store.path.glob("accounts/*/pulls/*/pull.json")
        return meta_path

    with FakeBluesky.from_sample(audience, lexicons=lexicons) as server:
        store = Store(tmp_path / "recorded")
        meta_path = interrupted(store, server)
        assert json.loads(meta_path.read_text())["params"]["page_size"] == 5
        with caplog.at_level("WARNING", logger="follower_kit.ingest"):
            ingest.pull_bluesky_followers(store, HANDLE, client=_client(server), page_size=20,
                                          following=False, profiles=False)
        assert "started with --page-size 5: the pages it kept stay, the rest is read with " \
            "this run's --page-size 20" in caplog.text
        caplog.clear()
        old = Store(tmp_path / "old")  # a pull record from before the page size was in it
        meta_path = interrupted(old, server)
        meta = json.loads(meta_path.read_text())
        del meta["params"]["page_size"]
        meta_path.write_text(json.dumps(meta))
        with caplog.at_level("WARNING", logger="follower_kit.ingest"):
            ingest.pull_bluesky_followers(old, HANDLE, client=_client(server), page_size=20,
                                          following=False, profiles=False)
        assert "resuming pull" not in caplog.text
        _no_lexicon_problems(server)
    assert len(store.followers(HANDLE)) == len(old.followers(HANDLE)) > 20


def _planned(output: str, name: str) -> int:
    """A count of the plan, by its singular name: 'follows page' finds '1 follows page' and
    '7 follows pages'."""
    found = re.findall(rf"([\d,]+) {name}s?[,)]", output)
    assert len(found) == 1, (name, output)
    return int(found[0].replace(",", ""))


@pytest.mark.parametrize("stop_in", ["followers", "follows"])
def test_the_plan_of_a_resumed_pull_counts_only_the_requests_left(audience, lexicons, tmp_path,
                                                                  stop_in):
    """A pull stopped in its followers list (some profile files written) or in its follows
    list: the resume's --dry-run asks for exactly the list pages and profile lookups the
    resume makes (it counted every profile lookup, and every follows page, as left)."""
    store = Store(tmp_path)
    seen = []

    def stop_after_twenty(n):
        seen.append(n)
        if len(seen) == 20:
            # the lookups run on worker threads: wait until one has checkpointed its profiles,
            # so the stop finds some written whatever the machine's load (else a race)
            deadline = time.monotonic() + 30
            while not list(store.path.glob("accounts/*/pulls/*/profiles-*.jsonl")) \
                    and time.monotonic() < deadline:
                time.sleep(0.01)
            if stop_in == "followers":
                raise KeyboardInterrupt

    faults = Faults(script=[None, "503", "503"], endpoints=("follows",))
    with FakeBluesky.from_sample(audience, lexicons=lexicons, faults=faults) as server:
        client = _client(server, retry=x_api.RetryPolicy(attempts=2))
        with pytest.raises(KeyboardInterrupt if stop_in == "followers" else x_api.PullError):
            ingest.pull_bluesky_followers(store, HANDLE, client=client, page_size=5,
                                          progress=stop_after_twenty)
        pull = ingest.pulls(store).iloc[0]
        looked_up = list(store.path.glob("accounts/*/pulls/*/profiles-*.jsonl"))
        assert pull["status"] == "running" and looked_up
        if stop_in == "followers":
            faults.script.clear()  # the follows list is read whole by the resume
        out = CliRunner().invoke(main, ["pull", "followers", HANDLE, "--dry-run", "--page-size",
                                        "5", "--api-url", server.url, "--store", str(tmp_path)])
        account = client.user(HANDLE)
        before = len(server.requests)
        ingest.pull_bluesky_followers(store, HANDLE, client=client, page_size=5,
                                      account=account)
        resumed = [r["nsid"].rpartition(".")[2] for r in server.requests[before:]]
        _check_truth(store, server, audience)
        _no_lexicon_problems(server)
    assert out.exit_code == 0, out.output
    assert _planned(out.output, "followers page") == resumed.count("getFollowers")
    assert _planned(out.output, "follows page") == resumed.count("getFollows")
    assert _planned(out.output, "profile lookup") == resumed.count("getProfiles")
    assert resumed.count("getProfiles") < 150 // bluesky.PROFILES_PER_CALL
    assert len(store.read_table("following", HANDLE)) == len(audience.following)


def test_the_plan_of_a_resume_at_another_page_size_counts_the_followers_left():
    """20 followers held in 2 pages of 10, resumed at pages of 100: the 380 left take 4 pages
    (the 2 pages held were taken from the 4 the whole list takes at 100: 2)."""
    plan = bluesky.plan_followers(400, 0, username="a", following=False, profiles=False,
                                  done_pages=2, done_rows=20, page_size=100)
    assert plan.requests["followers pages"] == 4
    assert plan.resources["profiles"] == 380


def test_the_plan_of_a_resumed_posts_pull_counts_only_the_feeds_left(audience, lexicons,
                                                                     tmp_path):
    """A posts pull stopped after some feeds: the resume's --dry-run asks for the feeds not
    checkpointed, as many as the resume reads (it asked for every follower's feed again)."""
    store = Store(tmp_path)
    with FakeBluesky.from_sample(audience, lexicons=lexicons) as server:
        ingest.pull_bluesky_followers(store, HANDLE, client=_client(server))
        server.faults = Faults(script=[None] * 40 + ["503", "503"], endpoints=("feed",))
        with pytest.raises(x_api.PullError, match="getAuthorFeed"):
            ingest.pull_bluesky_posts(store, HANDLE, per_follower=4,
                                      client=_client(server, retry=x_api.RetryPolicy(attempts=2)))
        out = CliRunner().invoke(main, ["pull", "tweets", HANDLE, "--dry-run", "--per-follower",
                                        "4", "--api-url", server.url, "--store", str(tmp_path)])
        before = len(server.requests)
        ingest.pull_bluesky_posts(store, HANDLE, client=_client(server), per_follower=4)
        resumed = [r["nsid"] for r in server.requests[before:]]
        _no_lexicon_problems(server)
    assert out.exit_code == 0, out.output
    assert _planned(out.output, "feed page") == len(resumed) == 150 - 40
    assert "40 feeds already checkpointed" in out.output


def test_an_http_proxy_from_the_environment_is_used(audience, lexicons, monkeypatch):
    """``http_proxy`` set: the client asks the proxy for the absolute URL (the fake AppView
    stands in for the proxy: it serves the path of whatever URL it is asked)."""
    with FakeBluesky.from_sample(audience, lexicons=lexicons) as server:
        monkeypatch.setenv("http_proxy", server.url)
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        client = bluesky.BlueskyClient("http://appview.invalid", timeout=5,
                                       sleep=lambda s: None)
        page = client.call("getFollowers", HANDLE, max_results=10)
        assert page.body["meta"]["result_count"] == 10
        assert page.url.startswith("http://appview.invalid/xrpc/app.bsky.graph.getFollowers?")
        assert len(server.requests) == 1
        _no_lexicon_problems(server)


def test_retries_give_up_with_the_host_and_the_fault(audience, lexicons):
    faults = Faults(rates={"503": 1.0})
    with FakeBluesky.from_sample(audience, faults=faults, lexicons=lexicons) as server:
        client = _client(server, retry=x_api.RetryPolicy(attempts=3))
        with pytest.raises(x_api.PullError, match=r"getFollowers: gave up after 3 attempts at "
                                                  r"127\.0\.0\.1.*503 server error"):
            client.call("getFollowers", HANDLE, max_results=10)
        _no_lexicon_problems(server)


def test_unknown_accounts_are_one_clear_error(audience, lexicons, tmp_path):
    with FakeBluesky.from_sample(audience, lexicons=lexicons) as server:
        with pytest.raises(bluesky.BlueskyError, match=r"resolveHandle for nobody\.bsky\.social"
                                                       r": the AppView answered 400 InvalidReq"):
            ingest.pull_bluesky_followers(Store(tmp_path), "nobody.bsky.social", client=_client(server))
        _no_lexicon_problems(server)
    assert not (tmp_path / "accounts").exists()


def test_a_repeated_cursor_stops_the_pull(audience, lexicons, tmp_path):
    with FakeBluesky.from_sample(audience, runaway="repeat", lexicons=lexicons) as server:
        store = Store(tmp_path)
        with pytest.raises(x_api.RunawayPull, match="next_token 'SAME' again"):
            ingest.pull_bluesky_followers(store, HANDLE, client=_client(server))
        _no_lexicon_problems(server)
    assert store.snapshots().empty
    assert ingest.pulls(store)["status"].tolist() == ["running"]  # the checkpoint is kept


def test_more_followers_than_the_profile_says_stops_the_pull(audience, lexicons, tmp_path):
    frames = sample_as_bluesky(audience, handle=HANDLE)
    users = frames["users"].copy()
    users.loc[users["id"] == frames["account"]["id"], "followers_count"] = 10
    server = FakeBluesky(users, {frames["account"]["id"]: {"followers": frames["followers"],
                                                           "follows": frames["follows"]}},
                         lexicons=lexicons)
    with server:
        with pytest.raises(x_api.RunawayPull, match="for an account that lists 10"):
            ingest.pull_bluesky_followers(Store(tmp_path), HANDLE, client=_client(server))
        _no_lexicon_problems(server)


# ------------------------------------------------------------------------------- store and schema
def test_ids_of_both_networks_are_valid_and_apart():
    ids = pd.Series(["12345", "did:plc:ntd53albt5ffa4rgervvgibd", "did:web:example.com",
                     "at://did:plc:wpe35pganb6d4pg4ekmfy6u5/app.bsky.feed.post/3lof7sovfok2h"])
    assert schema.network_of(ids).tolist() == ["x", "bluesky", "bluesky", "bluesky"]
    users = schema.coerce(pd.DataFrame({"id": ids[:3], "username": ["a", "b.bsky.social", "c"],
                                        "observed_at": pd.Timestamp("2026-01-01", tz="UTC")}),
                          "users")
    schema.validate(users, "users")
    with pytest.raises(schema.SchemaError, match=r"users\.id must hold decimal id strings \(X\) "
                                                 r"or DIDs.*row 1 has 'plc:abc'"):
        schema.validate(users.assign(id=["1", "plc:abc", "2"]), "users")


def test_an_old_x_only_store_still_reads(tmp_path):
    """A store written before networks and labels: meta.json without ``network``, users files
    without ``labels``. It reads as X, with empty labels, next to a new Bluesky account."""
    import pyarrow.parquet as pq

    store = Store(tmp_path)
    users = pd.DataFrame({"id": ["1", "2"], "username": ["ann", "bob"], "followers_count": [3, 4]})
    for day in ("2026-01-31", "2026-02-28"):
        ref = store.commit_snapshot(account={"id": "99", "username": "acme"}, snapshot_at=day,
                                    followers=pd.DataFrame({"follower_id": ["2", "1"]}),
                                    users=users, source="api")
        meta = json.loads((ref.path / "meta.json").read_text())
        del meta["account"]["network"]
        (ref.path / "meta.json").write_text(json.dumps(meta))
        table = pq.read_table(ref.path / "users.parquet")
        pq.write_table(table.drop(["labels"]), ref.path / "users.parquet")
    # a new file with the column beside the old ones (a later hydration)
    store.add_profiles("acme", users.assign(labels=[["spam"], []]), observed_at="2026-03-01")
    store.commit_snapshot(account={"id": "did:plc:ntd53albt5ffa4rgervvgibd",
                                   "username": "acme.bsky.social", "network": "bluesky"},
                          snapshot_at="2026-02-28",
                          followers=pd.DataFrame({"follower_id": ["did:plc:aaa"]}), source="api")
    snaps = store.snapshots()
    assert snaps.set_index("username")["network"].to_dict() == {"acme": "x",
                                                                "acme.bsky.social": "bluesky"}
    got = store.followers("acme", at="2026-01-31")
    assert got["id"].tolist() == ["2", "1"] and got["username"].tolist() == ["bob", "ann"]
    assert got["labels"].dtype == schema.STR_LIST
    assert len(store.diff("acme")) == 0
    assert store.check().empty
    with pytest.raises(schema.SchemaError, match="network must be one of"):
        store.commit_snapshot(account={"id": "5", "username": "x", "network": "mastodon"},
                              snapshot_at="2026-01-01", followers=pd.DataFrame(
                                  {"follower_id": ["1"]}), source="api")


# ------------------------------------------------------------------------------- CLI
def test_cli_dry_run_states_requests_time_and_no_cost(audience, lexicons, tmp_path):
    with FakeBluesky.from_sample(audience, lexicons=lexicons) as server:
        out = CliRunner().invoke(main, ["pull", "followers", HANDLE, "--dry-run", "--api-url",
                                        server.url, "--store", str(tmp_path)])
        _no_lexicon_problems(server)
    assert out.exit_code == 0, out.output
    assert "(Bluesky): 150 followers" in out.output
    assert "requests: 11 (2 handle and profile lookups, 2 followers pages, 1 follows page, " \
           "6 profile lookups)" in out.output
    # no X price list for a free service: "cost at pay-per-use prices: 0.00 USD" said one
    assert "cost: nothing, Bluesky's AppView is free (150 profiles)" in out.output
    assert "pay-per-use" not in out.output and "unpublished" in out.output
    both = x_api.Plan.combine([bluesky.plan_followers(10), bluesky.plan_posts(10, 5)])
    assert "cost: nothing, Bluesky's AppView is free" in both.describe()
    mixed = x_api.Plan.combine([bluesky.plan_followers(10), x_api.plan_followers(10)])
    assert "cost at pay-per-use prices" in mixed.describe()
    from follower_kit.cli.pull import _spent

    stopped = x_api.RunawayPull("stopped", pages=3, rows=300)
    assert _spent(stopped, bluesky.DEFAULT_PLAN_TABLE, "bluesky") == \
        "Read: 3 pages, 300 followers (free)"
    assert not (tmp_path / "accounts").exists()


def test_cli_handle_shape_picks_the_network_and_batches_name_it(audience, lexicons, tmp_path):
    assert bluesky.is_bluesky_handle("alice.bsky.social")
    assert bluesky.is_bluesky_handle("did:plc:ntd53albt5ffa4rgervvgibd")
    assert bluesky.is_bluesky_handle("nytimes.com")
    assert not bluesky.is_bluesky_handle("brightwave")
    clients = tmp_path / "clients.toml"
    clients.write_text(f'[defaults]\nstore = "store"\n[[client]]\naccount = "{HANDLE}"\n'
                       'network = "bluesky"\n')
    with FakeBluesky.from_sample(audience, lexicons=lexicons) as server:
        env = {"FOLLOWER_KIT_BLUESKY_API_URL": server.url,
               "FOLLOWER_KIT_X_API_URL": "http://127.0.0.1:9"}  # X's URL is not Bluesky's
        out = CliRunner().invoke(main, ["pull", "followers", "--batch", str(clients), "-y"],
                                 env=env)
        assert out.exit_code == 0, out.output
        assert "1 of 1 accounts pulled" in out.output
        # the snapshot records the requests the summary line counts, the lookups included
        said = int(re.search(r"followers at \S+ \((\d+) requests", out.output).group(1))
        extra = Store(tmp_path / "store").snapshot_meta(HANDLE)[0]["extra"]
        assert extra["requests"] == said, (extra, out.output)
        out = CliRunner().invoke(main, ["pull", "tweets", HANDLE, "--per-follower", "2",
                                        "--store", str(tmp_path / "store")], env=env)
        assert out.exit_code == 0, out.output
        assert "posts of 150 followers stored" in out.output  # Bluesky has posts
        _no_lexicon_problems(server)
    out = CliRunner().invoke(main, ["store", "info", "--store", str(tmp_path / "store")])
    assert out.exit_code == 0, out.output
    assert re.search(r"snapshot +source +followers +posts\n", out.output), out.output
    assert re.search(r"beside the snapshots: [\d,]+ posts", out.output), out.output
    assert "tweets" not in out.output.replace("pull tweets", "")
    bad = tmp_path / "bad.toml"
    bad.write_text('[[client]]\naccount = "brightwave"\nnetwork = "mastodon"\n')
    out = CliRunner().invoke(main, ["pull", "followers", "--batch", str(bad), "--dry-run"])
    assert out.exit_code != 0
    assert "bad.toml: client #1" in out.output and "network" in out.output \
        and "'x' or 'bluesky'" in out.output


def test_help_says_bluesky_pulls_are_free_and_names_their_url_variable():
    """`follower-kit --help` listed `pull` as "Pull followers and tweets from the X API
    (needs...": cut before Bluesky; `--api-url` named only api.x.com and X's variable."""
    out = CliRunner().invoke(main, ["--help"], terminal_width=100)
    line = " ".join(out.output.split("  pull ", 1)[1].split("\n  ")[0].split())
    assert "Bluesky (free)" in line, line
    out = CliRunner().invoke(main, ["pull", "followers", "--help"], terminal_width=100)
    flat = " ".join(out.output.split())
    assert "public.api.bsky.app" in flat and "FOLLOWER_KIT_BLUESKY_API_URL" in flat
