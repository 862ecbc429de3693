"""X API pulls through the real tweepy client: recorded real responses, retries, advice, plans,
and the bearer token never leaking."""

from __future__ import annotations

import json
from functools import partial
import logging
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import ROOT, shared_path
from follower_kit import Store, ingest
from follower_kit.testing.fake_x import FakeX, Faults
from follower_kit.sources import twarc, x_api

# Shaped like a real app-only bearer token, assembled here so no tracked file holds one whole.
TOKEN = "A" * 21 + "test%2Ftoken%3Dnever-leak-4f1c9e"


# ------------------------------------------------------------------------------ cassette replay
class Replay:
    """Serve vcrpy cassettes (gzip bodies and recorded headers) from a real local HTTP server;
    unrecorded requests get 404, as vcrpy refuses them."""

    def __init__(self, *names):
        yaml = pytest.importorskip("yaml")
        self.routes = {}
        for name in names:
            doc = yaml.safe_load(shared_path("x-api", "tweepy-cassettes", name).read_text())
            for it in doc["interactions"]:
                path = urlsplit(it["request"]["uri"]).path
                resp = it["response"]
                body = resp["body"]["string"]
                self.routes[path] = (resp["status"]["code"], resp["headers"],
                                     body if isinstance(body, bytes) else body.encode())
        self.seen = []
        replay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):  # noqa: N802
                parts = urlsplit(self.path)
                replay.seen.append((parts.path, parts.query, self.headers.get("Authorization")))
                hit = replay.routes.get(parts.path) if "pagination_token" not in parts.query \
                    else None
                if hit is None:
                    body = b'{"title": "not recorded"}'
                    self.send_response(404)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                status, headers, body = hit
                self.send_response(status)
                for k, values in headers.items():
                    if k.lower() in ("content-length", "transfer-encoding", "connection"):
                        continue
                    for v in values:
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def replay():
    r = Replay("test_client_get_user.yaml", "test_client_get_users_followers.yaml",
               "test_client_get_users_following.yaml", "test_client_get_users_tweets.yaml")
    yield r
    r.close()


def _decoded(name):
    return json.loads(shared_path("x-api", "tweepy-cassettes", "decoded", name).read_text())


def test_recorded_responses_through_tweepy(replay, tmp_path):
    assert any(h for _, h, _ in replay.routes.values() if "gzip" in str(h.get("content-encoding")))
    client = x_api.XClient(TOKEN, base_url=replay.url, sleep=lambda s: None)
    account = client.user("Twitter")
    assert account["id"] == "783214" and account["username"] == "Twitter"

    following = client.call("get_users_following", "783214", max_results=1000,
                            user_fields=x_api.USER_FIELDS)
    raw = _decoded("test_client_get_users_following.json")[0]["body"]
    assert following.next_token is None
    users = twarc.users_frame(twarc.read_pages(following.twarc_line()))
    assert list(users["id"]) == [u["id"] for u in raw["data"]] and len(users) == 35

    timeline = client.call("get_users_tweets", "783214", max_results=5)
    assert timeline.next_token == _decoded("test_client_get_users_tweets.json")[0]["body"][
        "meta"]["next_token"]
    # the kit asked X for every field the canonical users frame needs, through tweepy
    followers_query = [q for p, q, _ in replay.seen if p.endswith("/following")][0]
    assert "user.fields=" in followers_query and "public_metrics" in followers_query
    assert {a for _, _, a in replay.seen} == {f"Bearer {TOKEN}"}


def test_pull_stopped_by_a_failure_keeps_its_checkpoint(replay, tmp_path):
    """The followers cassette holds page 1 (100 users and a next_token); page 2 was never
    recorded, so the pull fails there: page 1 stays checkpointed and nothing is committed."""
    store = Store(tmp_path / "store")
    client = x_api.XClient(TOKEN, base_url=replay.url, sleep=lambda s: None)
    with pytest.raises(x_api.PullError, match="404"):
        ingest.pull_followers(store, "Twitter", client=client, following=False)
    assert store.snapshots().empty
    status = ingest.pulls(store)
    assert list(status["status"]) == ["running"] and list(status["pages"]) == [1]
    pages = twarc.read_pages(sorted(Path(status["path"].iloc[0]).glob("followers-*.jsonl")))
    raw = _decoded("test_client_get_users_followers.json")[0]["body"]
    # `pull status` counts what the checkpoint already holds, not 0 until the commit
    assert list(status["rows"]) == [len(raw["data"])] == [raw["meta"]["result_count"]]
    assert list(twarc.follower_ids(pages)["follower_id"]) == [u["id"] for u in raw["data"]]
    # the retry after the failure asked for page 2 with the recorded next_token
    assert f"pagination_token={raw['meta']['next_token']}" in replay.seen[-1][1]


# ------------------------------------------------------------------------------ fake server
@pytest.fixture(scope="module")
def small_audience():
    from follower_kit.sources.sample import generate

    return generate(followers=100, months=2, seed=11, tweets_per_follower=6)


def _client(server, **kw):
    sleeps = []
    kw.setdefault("sleep", sleeps.append)
    client = x_api.XClient(TOKEN, base_url=server.url, timeout=kw.pop("timeout", 5), **kw)
    return client, sleeps


def test_retries_back_off_exponentially_with_jitter(small_audience):
    faults = Faults(script=["503", "500", "503", "truncate", "short"],
                    endpoints=("followers",))
    with FakeX.from_sample(small_audience, faults=faults) as server:
        client, sleeps = _client(server, seed=1)
        page = client.call("get_users_followers", small_audience.account["id"], max_results=10)
    assert len(page.body["data"]) == 10
    assert len(sleeps) == 5 and client.retries == 5
    for n, s in enumerate(sleeps):  # base 1 s * 2**n, jitter in [50%, 100%]
        assert 0.5 * 2 ** n <= s <= 2 ** n


def test_retries_are_bounded(small_audience):
    faults = Faults(rates={"503": 1.0}, endpoints=("followers",))
    with FakeX.from_sample(small_audience, faults=faults) as server:
        client, sleeps = _client(server, retry=x_api.RetryPolicy(attempts=4, cap=3.0))
        with pytest.raises(x_api.PullError, match="gave up after 4 attempts.*resume"):
            client.call("get_users_followers", small_audience.account["id"])
    assert len(sleeps) == 3 and max(sleeps) <= 3.0


def test_429_waits_until_the_announced_reset(small_audience):
    now = 1_000_000_000.0  # the client's clock lags the server's by years
    faults = Faults(script=["429"], burst=2, reset_in=0, endpoints=("followers",))
    with FakeX.from_sample(small_audience, faults=faults) as server:
        client, sleeps = _client(server, clock=lambda: now)
        page = client.call("get_users_followers", small_audience.account["id"])
    assert page.body["data"]
    assert sleeps == [960, 960]  # bounded by RetryPolicy.max_rate_wait


def test_429_wait_uses_reset_header(small_audience):
    import time

    faults = Faults(script=["429"], burst=1, reset_in=30, endpoints=("followers",))
    with FakeX.from_sample(small_audience, faults=faults) as server:
        client, sleeps = _client(server)
        t0 = time.time()
        client.call("get_users_followers", small_audience.account["id"])
    assert len(sleeps) == 1 and 29 <= sleeps[0] <= 32 + (time.time() - t0)


def test_retries_are_logged_with_host_and_attempt(caplog):
    """A wrong API URL looked like a hang: ~90 s of silent retries. Each retry is a warning
    that names the host and the attempt, and so is the final error."""
    import socket

    with socket.socket() as s:  # a port nobody listens on: connection refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = x_api.XClient(TOKEN, base_url=f"http://127.0.0.1:{port}", sleep=lambda s: None,
                           retry=x_api.RetryPolicy(attempts=3))
    with caplog.at_level(logging.WARNING, logger="follower_kit"):
        with pytest.raises(x_api.PullError, match=f"3 attempts at 127.0.0.1:{port}"):
            client.user("brightwave")
    retries = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(retries) == 2, retries  # the third failure is the error
    for n, message in enumerate(retries, 1):
        assert re.fullmatch(rf"get_user at 127\.0\.0\.1:{port} failed \(ConnectionError\), "
                            rf"attempt {n} of 3; retrying in \d\.\d s", message), message


def test_the_cli_shows_retries_at_its_default_log_level(small_audience, tmp_path):
    env = {**os.environ, "X_BEARER_TOKEN": TOKEN, "FOLLOWER_KIT_STORE": str(tmp_path / "s"),
           "PYTHONPATH": str(ROOT)}
    faults = Faults(script=["503"], endpoints=("followers",))
    with FakeX.from_sample(small_audience, token=TOKEN, faults=faults) as server:
        env["FOLLOWER_KIT_X_API_URL"] = server.url
        run = subprocess.run([str(Path(sys.executable).parent / "follower-kit"), "pull",
                              "followers", "brightwave", "-y", "--no-following"], env=env,
                             capture_output=True, cwd=tmp_path, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    host = server.url.removeprefix("http://")
    assert re.search(rf"WARNING .*get_users_followers at {host} failed \(503 server error\), "
                     r"attempt 1 of 8; retrying in \d\.\d s", run.stderr), run.stderr[-2000:]
    assert TOKEN not in run.stderr + run.stdout


@pytest.mark.parametrize("kw,status,advice", [
    ({"token": "another-token"}, 401, "X_BEARER_TOKEN"),
    ({"forbidden": ("followers",)}, 403, "cannot read followers.*import your X archive"),
    ({"payment_required": True}, 402, "credit"),
])
def test_access_errors_give_advice(small_audience, tmp_path, kw, status, advice):
    with FakeX.from_sample(small_audience, **kw) as server:
        client, _ = _client(server)
        store = Store(tmp_path / "s")
        with pytest.raises(x_api.AccessError, match=advice) as info:
            ingest.pull_followers(store, small_audience.account["username"], client=client)
    assert info.value.status == status
    assert TOKEN not in str(info.value)


def test_partial_errors_do_not_fail_lookups_or_timelines(small_audience, tmp_path):
    f = small_audience.followers
    ids = list(f.loc[f["snapshot_at"] == f["snapshot_at"].max(), "follower_id"][:30])
    suspended, deleted = ids[:3], ids[3:5]
    with FakeX.from_sample(small_audience, suspended=suspended, deleted=deleted) as server:
        client, _ = _client(server)
        users, errors = client.lookup_users(ids + ["999"])
        assert set(users["id"]) == set(ids) - set(suspended) - set(deleted)
        assert set(errors["resource_id"]) == set(suspended) | set(deleted) | {"999"}
        store = Store(tmp_path / "s")
        ingest.pull_followers(store, small_audience.account["username"], client=client)
        got = store.followers(small_audience.account["username"])
        assert not set(got["id"]) & (set(suspended) | set(deleted))
        # a follower suspended after the follower pull: its timeline is an error, not a failure
        server.suspended.add(str(got["id"].iloc[0]))
        ref = ingest.pull_tweets(store, small_audience.account["username"], client=client,
                                 per_follower=4)
    tweets = store.tweets(small_audience.account["username"])
    protected = set(small_audience.users.loc[small_audience.users["protected"], "id"])
    assert not set(tweets["author_id"]) & (protected | {str(got["id"].iloc[0])})
    assert tweets.groupby("author_id").size().max() <= 4
    # the skipped timeline is counted in the pull's record; the tweets add no snapshot
    record = ingest.pulls(store)
    done = record[record["kind"] == "tweets"].iloc[-1]
    assert json.loads((Path(done["path"]) / "pull.json").read_text())["partial_errors"] >= 1
    assert done["status"] == "committed" and done["rows"] == ref.rows == len(tweets)
    assert len(store.snapshots(small_audience.account["username"])) == 1


def test_tweets_pull_is_incremental(small_audience, tmp_path):
    with FakeX.from_sample(small_audience) as server:
        client, _ = _client(server)
        store = Store(tmp_path / "s")
        handle = small_audience.account["username"]
        ingest.pull_followers(store, handle, client=client, following=False)
        ingest.pull_tweets(store, handle, client=client, per_follower=3)
        first = store.tweets(handle)
        n_req = len(server.requests)
        ingest.pull_tweets(store, handle, client=client, per_follower=3, restart=True)
        since = [r["query"].get("since_id") for r in server.requests[n_req:]
                 if r["endpoint"] == "tweets"]
    newest = first.assign(n=first["id"].astype("int64")).groupby("author_id")["n"].max()
    asked = [s for s in since if s]
    assert len(asked) == len(newest)
    assert set(asked) == {str(v) for v in newest}


def test_interrupted_pull_resumes_without_loss_or_duplicates(small_audience, tmp_path):
    handle = small_audience.account["username"]
    with FakeX.from_sample(small_audience) as server:
        client, _ = _client(server)
        store = Store(tmp_path / "s")
        pages = []

        def stop_after_three(n):
            pages.append(n)
            if len(pages) == 3:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            ingest.pull_followers(store, handle, client=client, page_size=15,
                                  progress=stop_after_three)
        assert store.snapshots().empty
        assert list(ingest.pulls(store)["status"]) == ["running"]
        # while another process holds the unfinished pull, a second one refuses to race it
        other = ingest.PullDir(Path(ingest.pulls(store)["path"].iloc[0])).lock()
        with pytest.raises(x_api.PullError, match="another process") as held_elsewhere:
            ingest.pull_followers(store, handle, client=client, page_size=15)
        other.release()
        before = len(server.requests)
        ref = ingest.pull_followers(store, handle, client=client, page_size=15)
        resumed = [r for r in server.requests[before:] if r["endpoint"] == "followers"]
        truth = server.visible_followers(small_audience.account["id"])
    assert len(resumed) == -(-len(truth) // 15) - 3
    assert held_elsewhere.value.args[0].startswith("the pull in")
    assert list(store.followers(handle)["id"]) == truth
    assert ref.followers == len(truth)
    assert list(ingest.pulls(store)["status"]) == ["committed"]
    assert not list(Path(ingest.pulls(store)["path"].iloc[0]).glob("*.jsonl"))


def _plan_numbers(output: str) -> dict[str, int]:
    """The plan's counts by name: '2 following pages' -> {'following pages': 2}."""
    counts = re.findall(r"([\d,]+) ([a-z][a-z ]*?)(?=[,)])", output)
    return {name: int(n.replace(",", "")) for n, name in counts}


def test_the_plan_of_a_pull_stopped_in_its_following_list_counts_what_is_left(
        small_audience, tmp_path, monkeypatch):
    """A pull stopped after the first page of its following list: the resume's --dry-run
    charges the following it has not read, and asks for exactly the pages the resume reads
    (it charged the whole following list again)."""
    from click.testing import CliRunner

    from follower_kit.cli import main

    handle, account_id = small_audience.account["username"], small_audience.account["id"]
    store = Store(tmp_path / "s")
    faults = Faults(script=[None, "500", "500"], endpoints=("following",))
    with FakeX.from_sample(small_audience, faults=faults) as server:
        client, _ = _client(server, retry=x_api.RetryPolicy(attempts=2))
        with pytest.raises(x_api.PullError, match="get_users_following: gave up"):
            ingest.pull_followers(store, handle, client=client, page_size=10)
        # `pull status` counts followers in `rows`, as the committed record does; the
        # following list read so far is in what was read (and paid for)
        held = ingest.pulls(store).iloc[0]
        assert held["rows"] == len(server.accounts[account_id]["followers"])
        assert held["rows_read"] == held["rows"] + 10
        monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
        dry = CliRunner().invoke(main, ["pull", "followers", handle, "--dry-run", "--page-size",
                                        "10", "--api-url", server.url, "--store", str(store.path)])
        before = len(server.requests)
        ingest.pull_followers(store, handle, client=client, page_size=10)
        resumed = [r["endpoint"] for r in server.requests[before:]]
        following = server.accounts[account_id]["following"]
    assert dry.exit_code == 0, dry.output
    plan = _plan_numbers(dry.output)
    assert len(following) > 20  # three pages: one kept, two left
    assert plan["following pages"] == resumed.count("following") == -(-len(following) // 10) - 1
    assert plan["followers pages"] == resumed.count("followers") == 0
    assert plan["follows"] == len(following) - 10
    assert f"cost at pay-per-use prices: {(len(following) - 10 + 1) * 0.01:,.2f} USD" \
        in dry.output
    assert list(store.read_table("following", handle)["following_id"]) == list(following)


def test_a_resume_at_another_page_size_plans_and_reads_the_followers_left(
        small_audience, tmp_path, monkeypatch, caplog):
    """Stopped after 10 pages of 2 followers, resumed with --page-size 40: the plan counts the
    pages left from the followers held (it subtracted the 10 pages held from the 3 pages of 40
    the whole list takes, and planned 1), and the runaway guard lets the resume read them (it
    counted the 10 small pages against the 11 pages of 40 it allows, and stopped the pull)."""
    from click.testing import CliRunner

    from follower_kit.cli import main

    handle = small_audience.account["username"]
    store = Store(tmp_path / "s")
    with FakeX.from_sample(small_audience) as server:
        client, _ = _client(server)
        truth = server.visible_followers(small_audience.account["id"])
        pages = []

        def stop_after_ten(n):
            pages.append(n)
            if len(pages) == 10:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            ingest.pull_followers(store, handle, client=client, page_size=2, following=False,
                                  progress=stop_after_ten)
        monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
        dry = CliRunner().invoke(main, ["pull", "followers", handle, "--dry-run", "--page-size",
                                        "40", "--no-following", "--api-url", server.url,
                                        "--store", str(store.path)])
        before = len(server.requests)
        with caplog.at_level("WARNING", logger="follower_kit.ingest"):
            ref = ingest.pull_followers(store, handle, client=client, page_size=40,
                                        following=False)
        resumed = [r["endpoint"] for r in server.requests[before:]].count("followers")
    assert dry.exit_code == 0, dry.output
    assert len(truth) > 60  # two pages of 40 left after the 20 held
    plan = _plan_numbers(dry.output)
    planned = plan.get("followers pages", plan.get("followers page"))  # "1 followers page"
    assert planned == resumed == -(-(len(truth) - 20) // 40)
    assert plan["follows"] == len(truth) - 20
    assert "10 pages already checkpointed" in dry.output
    assert list(store.followers(handle)["id"]) == truth and ref.followers == len(truth)
    # the resume says what changed as the options that changed it (it printed both dicts)
    assert "started with --page-size 2: the pages it kept stay, the rest is read with this " \
        "run's --page-size 40" in caplog.text


def test_the_advice_after_ctrl_c_repeats_the_options_given(small_audience, tmp_path,
                                                            monkeypatch):
    """Interrupted, `pull followers` named the command to resume with the handle alone: run as
    told, the resume read the rest at 1,000 a page and the following list it was told not to
    read. The advice now repeats the options typed (not --restart), and run as it says, the
    pull resumes with them."""
    import shlex

    from click.testing import CliRunner

    from follower_kit.cli import main

    handle = small_audience.account["username"]
    real = ingest.pull_followers

    def stopped(*args, progress=None, **kw):
        pages = []

        def stop_after_two(n):
            pages.append(n)
            if len(pages) == 2:
                raise KeyboardInterrupt

        return real(*args, progress=stop_after_two, **kw)

    store = tmp_path / "my store"
    with FakeX.from_sample(small_audience) as server:
        monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
        monkeypatch.setattr(ingest, "pull_followers", stopped)
        out = CliRunner().invoke(main, ["pull", "followers", handle, "--page-size", "10",
                                        "--no-following", "--restart", "-y", "--api-url",
                                        server.url, "--store", str(store)])
        assert out.exit_code == 130, out.output
        advice = re.search(r"Run `follower-kit (.*?)` again to resume", out.output).group(1)
        assert "--restart" not in advice and "'" in advice  # the store's path quoted
        monkeypatch.setattr(ingest, "pull_followers", real)
        before = len(server.requests)
        again = CliRunner().invoke(main, shlex.split(advice))
        asked = [r["endpoint"] for r in server.requests[before:]]
        truth = server.visible_followers(small_audience.account["id"])
    assert again.exit_code == 0, again.output
    assert asked.count("followers") == -(-len(truth) // 10) - 2 and "following" not in asked
    assert list(Store(store).followers(handle)["id"]) == truth


def test_the_plan_of_an_account_that_follows_nobody_counts_the_one_request_it_takes(
        small_audience, tmp_path, monkeypatch):
    """Following nobody, the pull still asks for the following list once (an empty page says
    so): the plan counted 0 following pages, as for --no-following."""
    from click.testing import CliRunner

    from follower_kit.cli import main

    aud = small_audience
    f = aud.followers[aud.followers["snapshot_at"] == aud.followers["snapshot_at"].max()]
    ids = list(f.sort_values("position")["follower_id"])
    users = aud.users[aud.users["id"].isin(ids)]
    handle = aud.account["username"]
    store = Store(tmp_path / "s")
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
    with FakeX.from_frames(aud.account, users, ids, [], aud.tweets) as server:
        plans = {flag: _plan_numbers(CliRunner().invoke(main, [
            "pull", "followers", handle, "--dry-run", *flag, "--api-url", server.url,
            "--store", str(store.path)]).output) for flag in ((), ("--no-following",))}
        client, _ = _client(server)
        ingest.pull_followers(store, handle, client=client)
        asked = [r["endpoint"] for r in server.requests].count("following")
    assert asked == 1 == plans[()]["following page"]   # one, in the singular
    assert plans[("--no-following",)]["following pages"] == 0


def test_a_failed_pull_can_be_retried_while_its_traceback_is_kept(small_audience, tmp_path):
    """A notebook keeps the last traceback (sys.last_traceback), and with it the failed pull's
    frames: the pull must release its lock when it ends, not when it is garbage collected, or
    the retry in the same kernel is refused as 'running in another process'."""
    handle = small_audience.account["username"]
    with FakeX.from_sample(small_audience, forbidden=("following",)) as server:
        client, _ = _client(server)
        store = Store(tmp_path / "s")
        with pytest.raises(x_api.AccessError) as failed:  # followers in, then the fatal 403
            ingest.pull_followers(store, handle, client=client, page_size=40)
        server.forbidden.clear()
        before = len(server.requests)
        ref = ingest.pull_followers(store, handle, client=client, page_size=40)
        refetched = [r for r in server.requests[before:] if r["endpoint"] == "followers"]
    assert failed.value.status == 403 and failed.tb is not None  # still held here
    assert refetched == [] and ref.followers == len(server.visible_followers(
        small_audience.account["id"]))
    assert list(ingest.pulls(store)["status"]) == ["committed"]


@pytest.mark.parametrize("kind", ["followers", "tweets"])
def test_a_crash_while_recording_the_commit_resumes_without_refetching(small_audience, tmp_path,
                                                                       monkeypatch, kind):
    """The process dies right after the snapshot (or the tweets) is stored, before the pull is
    recorded as committed: the rerun finds every page still there, fetches nothing and stores
    nothing twice (earlier, pages went first: the rerun started over and its snapshot clashed
    with the one already committed)."""
    handle = small_audience.account["username"]
    with FakeX.from_sample(small_audience) as server:
        client, _ = _client(server)
        store = Store(tmp_path / "s")
        if kind == "tweets":
            ingest.pull_followers(store, handle, client=client, following=False)
        pull = ingest.pull_followers if kind == "followers" else partial(
            ingest.pull_tweets, per_follower=2)
        real_update = ingest.PullDir.update

        def die_on_commit(self, **kw):
            if kw.get("status") == "committed":
                raise SystemExit("killed")
            return real_update(self, **kw)

        monkeypatch.setattr(ingest.PullDir, "update", die_on_commit)
        with pytest.raises(SystemExit):
            pull(store, handle, client=client)
        monkeypatch.setattr(ingest.PullDir, "update", real_update)
        before = len(server.requests)
        pull(store, handle, client=client)
        refetched = [r for r in server.requests[before:]
                     if r["endpoint"] in ("followers", "tweets")]
    assert refetched == []
    record = ingest.pulls(store)
    assert list(record[record["kind"] == kind]["status"]) == ["committed"]
    assert not list(Path(record["path"].iloc[-1]).glob("*.jsonl"))
    assert len(store.snapshots(handle)) == 1 and store.tweets(handle)["id"].is_unique


# ------------------------------------------------------------------------------ plans
def test_plan_for_a_million_followers():
    plan = x_api.plan_followers(1_000_000, 500, username="big")
    assert plan.requests == {"user lookup": 1, "followers pages": 1000, "following pages": 1}
    assert plan.seconds == (-(-1000 // 15) - 1) * 900
    assert plan.cost == pytest.approx(1_000_500 * 0.010 + 0.010)
    assert plan.needs_confirmation
    assert "requests: 1,002" in plan.describe()


def test_price_table_override(tmp_path):
    f = tmp_path / "prices.toml"
    f.write_text('confirm_above_usd = 100.0\n[price_per_resource]\nfollows_read = 0.001\n'
                 '[rate_limits.followers]\nrequests = 300\n')
    table = x_api.load_plan_table(f)
    plan = x_api.plan_followers(50_000, table=table)
    assert plan.cost == pytest.approx(50_000 * 0.001 + 0.010)
    assert plan.seconds == 0 and not plan.needs_confirmation
    assert table["rate_limits"]["followers"]["window_seconds"] == 900


def test_plan_counts_checkpointed_pages():
    plan = x_api.plan_followers(10_000, done_pages=4)
    assert plan.requests["followers pages"] == 6
    assert plan.cost == pytest.approx(6_000 * 0.010 + 0.010)
    assert plan.spent == pytest.approx(4_000 * 0.010)


def test_plan_of_a_resumed_pull_counts_what_its_runs_read():
    plan = x_api.plan_followers(10_000, done_pages=4, done_rows=3_900, read_pages=5,
                                read_rows=4_900)
    assert plan.cost == pytest.approx(6_100 * 0.010 + 0.010)
    assert plan.spent == pytest.approx(49.0)
    assert "already spent: 49.00 USD on an interrupted run (5 pages, 4,900 follows read)" \
        in plan.describe()
    both = x_api.Plan.combine([plan, x_api.plan_followers(100)])
    assert both.spent == pytest.approx(49.0) and "1 interrupted pull" in both.describe()
    tweets = x_api.plan_tweets(100, 20, done_followers=40, read_posts=500)
    assert tweets.resources == {"posts (at most)": 60 * 20}
    assert tweets.spent == pytest.approx(500 * 0.005) and "40 timelines" in tweets.describe()


# ------------------------------------------------------------------------------ secrets
def test_debug_log_masks_the_token(small_audience, caplog):
    with FakeX.from_sample(small_audience, token=TOKEN) as server:
        client, _ = _client(server)
        with caplog.at_level(logging.DEBUG):
            client.call("get_users_followers", small_audience.account["id"], max_results=5)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "Authorization" in text and "Bearer ***" in text  # tweepy logged the header ...
    assert TOKEN not in text  # ... masked
    assert repr(client) == "XClient(<token hidden>)"


def _all_bytes(root: Path):
    for p in root.rglob("*"):
        if p.is_file():
            yield p, p.read_bytes()


@pytest.mark.slow
def test_token_never_reaches_store_or_logs(small_audience, tmp_path):
    """Run the real CLI with DEBUG logging against the fake server, render the monthly report
    of what it pulled, and grep every artifact: logs, store, checkpoints, notebook, HTML."""
    store = tmp_path / "store"
    env = {**os.environ, "X_BEARER_TOKEN": TOKEN, "FOLLOWER_KIT_STORE": str(store),
           "PYTHONPATH": str(ROOT)}
    with FakeX.from_sample(small_audience, token=TOKEN,
                           faults=Faults(script=[None, "503", "429"], burst=1)) as server:
        env["FOLLOWER_KIT_X_API_URL"] = server.url
        cli = [str(Path(sys.executable).parent / "follower-kit"), "-vv"]
        runs = [subprocess.run(cli + ["pull", "followers", "brightwave", "-y", "--page-size",
                                      "50"], env=env, capture_output=True, cwd=tmp_path),
                subprocess.run(cli + ["pull", "tweets", "brightwave", "--per-follower", "2",
                                      "-y"], env=env, capture_output=True, cwd=tmp_path),
                subprocess.run(cli + ["pull", "status"], env=env, capture_output=True,
                               cwd=tmp_path)]
        assert server.auth_headers == {f"Bearer {TOKEN}"}  # the token was really used
    for r in runs:
        assert r.returncode == 0, r.stderr.decode()[-2000:]
    report = pytest.importorskip("follower_kit.report")
    month = Store(store).snapshots()["snapshot_at"].iloc[-1].strftime("%Y-%m")
    rendered = report.render("brightwave", month=month, store=store, out_dir=tmp_path / "reports",
                             formats=("html",))
    assert list((tmp_path / "reports").rglob("*.html")), rendered
    logs = b"".join(r.stdout + r.stderr for r in runs)
    assert b"Authorization" in logs and b"DEBUG" in logs
    needles = [TOKEN.encode(), TOKEN.split("%")[0][-20:].encode()]
    for needle in needles:
        assert needle not in logs
        for root in (store, tmp_path / "reports"):
            for path, data in _all_bytes(root):
                assert needle not in data, path
    assert len(list(store.rglob("*.parquet"))) >= 4


# ------------------------------------------------------------------------------ command line
def test_cli_dry_run_and_confirmation(small_audience, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from follower_kit.cli import main

    with FakeX.from_sample(small_audience) as server:
        monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
        monkeypatch.setenv("FOLLOWER_KIT_X_API_URL", server.url)
        store = tmp_path / "store"
        early = CliRunner().invoke(main, ["pull", "tweets", "brightwave", "--store", str(store)])
        assert early.exit_code == 1 and "run `follower-kit pull followers brightwave`" in \
            early.output
        args = ["pull", "followers", "brightwave", "--store", str(store)]
        dry = CliRunner().invoke(main, args + ["--dry-run"])
        assert dry.exit_code == 0, dry.output
        n = len(server.visible_followers(small_audience.account["id"]))
        assert f"{n:,} followers" in dry.output and "USD" in dry.output
        assert [r["endpoint"] for r in server.requests] == ["user_by_username"]
        cheap = tmp_path / "prices.json"
        cheap.write_text(json.dumps({"confirm_above_usd": 0.01}))
        no = CliRunner().invoke(main, args + ["--prices", str(cheap)], input="n\n")
        assert no.exit_code == 1 and "Go ahead?" in no.output
        assert not (store / "accounts").exists() or Store(store).snapshots().empty
        yes = CliRunner().invoke(main, args + ["--prices", str(cheap)], input="y\n")
        assert yes.exit_code == 0, yes.output
        assert f"{n:,} followers at" in yes.output
        status = CliRunner().invoke(main, ["pull", "status", "--store", str(store)])
        assert "committed" in status.output


def test_cli_pull_summary_counts_every_request_it_sent(small_audience, tmp_path, monkeypatch):
    """The --dry-run counts the account lookup among its requests; the summary after the pull
    left it out (2 requests where the server had answered 3)."""
    from click.testing import CliRunner

    from follower_kit.cli import main

    with FakeX.from_sample(small_audience) as server:
        monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
        out = CliRunner().invoke(main, ["pull", "followers", "brightwave", "-y", "--page-size",
                                        "40", "--api-url", server.url, "--store",
                                        str(tmp_path / "s")])
        sent = len(server.requests)
    assert out.exit_code == 0, out.output
    assert sent > 2 and f"({sent} requests)" in out.output, (sent, out.output)


def test_cli_batch_pull_for_an_agency(small_audience, tmp_path, monkeypatch):
    """`pull followers --batch clients.toml`: every client into its own store, one total cost
    asked once, and an account that does not exist fails alone."""
    from click.testing import CliRunner

    from follower_kit.cli import main

    handle = small_audience.account["username"]
    clients = tmp_path / "clients.toml"
    clients.write_text(f'[defaults]\nstore = "{tmp_path / "a"}"\n\n[[client]]\naccount = '
                       f'"{handle}"\n\n[[client]]\naccount = "{handle}"\nstore = '
                       f'"{tmp_path / "b"}"\n\n[[client]]\naccount = "nobody_at_all"\n')
    cheap = tmp_path / "prices.json"
    cheap.write_text(json.dumps({"confirm_above_usd": 0.01}))
    with FakeX.from_sample(small_audience) as server:
        monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
        monkeypatch.setenv("FOLLOWER_KIT_X_API_URL", server.url)
        args = ["pull", "followers", "--batch", str(clients)]
        dry = CliRunner().invoke(main, args + ["--dry-run"])
        no = CliRunner().invoke(main, args + ["--prices", str(cheap)], input="n\n")
        pulled_before_yes = [r for r in server.requests if r["endpoint"] == "followers"]
        yes = CliRunner().invoke(main, args + ["--prices", str(cheap)], input="y\n")
        tweets = CliRunner().invoke(main, ["pull", "tweets", "--batch", str(clients),
                                           "--per-follower", "2", "-y"])
    assert tweets.exit_code == 1, tweets.output
    assert "2 of 3 accounts pulled; failed: @nobody_at_all" in tweets.output
    assert "nobody_at_all has no followers in the store" in tweets.output
    assert len(Store(tmp_path / "b").tweets(handle)) > 0
    assert dry.exit_code == 1 and "FAILED @nobody_at_all" in dry.output
    assert dry.output.count(f"pull followers of @{handle}") == 2
    assert "all 2 pulls together" in dry.output
    assert no.exit_code == 1 and no.output.count("Go ahead?") == 1 and not pulled_before_yes
    assert yes.exit_code == 1, yes.output
    assert "2 of 3 accounts pulled; failed: @nobody_at_all" in yes.output
    n = len(server.visible_followers(small_audience.account["id"]))
    for store in ("a", "b"):
        assert len(Store(tmp_path / store).followers(handle)) == n


def test_cli_batch_pull_into_the_store_given_on_the_command_line(small_audience, tmp_path,
                                                                monkeypatch):
    """`pull followers --batch FILE --store DIR` pulled into the file's store, so the report of
    `report --batch FILE --store DIR` would not find the pull."""
    from click.testing import CliRunner

    from follower_kit.cli import main

    handle = small_audience.account["username"]
    clients = tmp_path / "clients.toml"
    clients.write_text(f'[[client]]\naccount = "{handle}"\nstore = "{tmp_path / "file"}"\n')
    with FakeX.from_sample(small_audience) as server:
        monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
        out = CliRunner().invoke(main, ["pull", "followers", "--batch", str(clients), "-y",
                                        "--api-url", server.url, "--store",
                                        str(tmp_path / "given")])
    assert out.exit_code == 0, out.output
    assert len(Store(tmp_path / "given").followers(handle)) > 0
    assert not (tmp_path / "file").exists()


def test_batch_pulls_count_only_their_own_requests(small_audience, tmp_path, monkeypatch):
    """One client serves every account of a batch: the second account's summary line and the
    counts saved with its snapshot are its own, and rate-limit waits are told apart from the
    faults retried."""
    from click.testing import CliRunner

    from follower_kit.cli import main

    handle = small_audience.account["username"]
    clients = tmp_path / "clients.toml"
    clients.write_text(f'[[client]]\naccount = "{handle}"\nstore = "{tmp_path / "a"}"\n\n'
                       f'[[client]]\naccount = "{handle}"\nstore = "{tmp_path / "b"}"\n')
    # the first account's page goes through; the second's meets a 503, then a 429
    faults = Faults(script=[None, "503", "429"], burst=1, reset_in=0, endpoints=("followers",))
    with FakeX.from_sample(small_audience, faults=faults) as server:
        monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
        monkeypatch.setenv("FOLLOWER_KIT_X_API_URL", server.url)
        out = CliRunner().invoke(main, ["pull", "followers", "--batch", str(clients), "-y",
                                        "--no-following"])
    assert out.exit_code == 0, out.output
    first, second = re.findall(rf"@{handle}: 100 followers at \S+ \((.*)\) ->", out.output)
    # each line counts its account's lookup for the plan too, and so do the snapshots' records
    # (they left the lookup out: 1 and 3 requests beside lines saying 2 and 4)
    assert first == "2 requests"
    assert re.fullmatch(r"4 requests, 1 fault retried, 1 rate-limit wait: \d s", second), second
    extra = [Store(tmp_path / s).snapshot_meta(handle)[0]["extra"] for s in "ab"]
    assert [(e["requests"], e["retries"], e["rate_limit_waits"]) for e in extra] == \
        [(2, 0, 0), (4, 1, 1)]


def test_plans_add_up():
    one = x_api.plan_followers(2500, 10, username="a")
    two = x_api.plan_followers(700, 0, username="b")
    both = x_api.Plan.combine([one, two])
    assert both.total_requests == one.total_requests + two.total_requests
    assert both.cost == pytest.approx(one.cost + two.cost)
    assert both.resources["follows"] == 2510 + 700


def test_dotenv_file_gives_the_token_with_quotes_export_and_comments(tmp_path, monkeypatch):
    from follower_kit import config

    env = tmp_path / ".env"
    env.write_text("# the app's token\nexport X_BEARER_TOKEN=\"abc$DEF-0123456789\"\n"
                   "OTHER='x y'  # a note\nNO_VALUE\n")
    assert config.read_dotenv(env) == {"X_BEARER_TOKEN": "abc$DEF-0123456789", "OTHER": "x y"}
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    assert config.bearer_token() == "abc$DEF-0123456789"


def test_a_pull_locked_by_another_process_is_refused(tmp_path):
    pull = tmp_path / "pull"
    pull.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from follower_kit.ingest import PullDir; "
        f"held = PullDir({str(pull)!r}).lock(); print('locked', flush=True); time.sleep(30)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(x_api.PullError, match="running in another process"):
            ingest.PullDir(pull).lock()
    finally:
        holder.kill()
        holder.wait()
    ingest.PullDir(pull).lock().release()  # the kernel dropped the dead process's lock


def test_a_list_answered_with_errors_only_stops_with_a_message(small_audience, tmp_path):
    """X answers the followers of an account it will not show (protected, or unknown to the
    list endpoint) with 200 and an ``errors`` array, no ``meta``: one clear error, not a
    KeyError traceback."""
    protected = small_audience.users.loc[small_audience.users["protected"], "username"]
    with FakeX.from_sample(small_audience) as server:
        client, _ = _client(server)
        store = Store(tmp_path / "s")
        with pytest.raises(x_api.PullError, match="answered no list.*Could not find user"):
            ingest.pull_followers(store, protected.iloc[0], client=client)
    assert store.snapshots().empty
    assert list(ingest.pulls(store)["status"]) == ["running"]
