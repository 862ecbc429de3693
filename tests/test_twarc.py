"""twarc2 JSONL import: the real pages published with twarc-csv, read into canonical frames."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from conftest import shared_path
from follower_kit import Store, ingest, schema
from follower_kit.errors import SourceError
from follower_kit.sources import twarc


def _raw_pages(path):
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_user_pages_match_the_raw_json():
    path = shared_path("x-api", "twarc2-pages", "users.jsonl")
    raw = _raw_pages(path)[0]["data"]
    users = twarc.users_frame(twarc.read_pages(path), includes=False)
    schema.validate(users, "users")
    by_id = {}
    for u in raw:  # the page repeats some ids; the first copy wins
        by_id.setdefault(u["id"], u)
    assert list(users["id"]) == list(by_id)
    for row in users.itertuples():
        u = by_id[row.id]
        assert row.username == u["username"]
        assert row.followers_count == u["public_metrics"]["followers_count"]
        assert row.tweet_count == u["public_metrics"]["tweet_count"]
        assert row.created_at == pd.Timestamp(u["created_at"])
        assert row.protected == u["protected"]
        expanded = ((u.get("entities") or {}).get("url") or {}).get("urls") or []
        want_url = expanded[0]["expanded_url"] if expanded else (u.get("url") or None)
        assert (row.url if isinstance(row.url, str) else None) == want_url
        assert row.default_profile_image == ("default_profile_images" in u["profile_image_url"])
    assert (users["observed_at"] == pd.Timestamp("2021-10-23T19:36:18Z")).all()


@pytest.mark.parametrize("name", ["brexit.jsonl", "kpop.jsonl", "noflat.jsonl", "withheld.jsonl",
                                  "entities_test.jsonl", "two_tweets.jsonl"])
def test_tweet_pages_match_the_raw_json(name):
    path = shared_path("x-api", "twarc2-pages", name)
    tweets = twarc.tweets_frame(twarc.read_pages(path))
    schema.validate(tweets, "tweets")
    raw = {t["id"]: t for p in _raw_pages(path) for t in p.get("data", [])}
    assert set(tweets["id"]) == set(raw)
    for row in tweets.itertuples():
        t = raw[row.id]
        types = {r["type"] for r in t.get("referenced_tweets", [])}
        want = ("retweet" if "retweeted" in types else "quote" if "quoted" in types
                else "reply" if "replied_to" in types else "original")
        assert row.kind == want
        assert row.author_id == t["author_id"]
        assert list(row.hashtags) == [h["tag"] for h in t.get("entities", {}).get("hashtags", [])]
        assert list(row.mentions) == [m["username"] for m in
                                      t.get("entities", {}).get("mentions", [])]
        assert row.like_count == t["public_metrics"]["like_count"]


def test_partial_errors_are_reported_not_fatal():
    path = shared_path("x-api", "twarc2-pages", "withheld.jsonl")
    errors = twarc.page_errors(twarc.read_pages(path))
    raw = [e for p in _raw_pages(path) for e in p.get("errors", [])]
    assert len(errors) == len(raw) > 0
    assert "User has been suspended: [RSS4India]." in set(errors["detail"])


def test_import_into_store(tmp_path):
    path = shared_path("x-api", "twarc2-pages", "users.jsonl")
    store = Store(tmp_path / "store")
    ref = ingest.import_twarc(store, path, account={"id": "12", "username": "someone"},
                              users_as_followers=True)
    assert ref.followers == 91
    followers = store.followers("someone")
    assert followers["username"].notna().all()
    # importing the same pages again is a no-op
    assert not ingest.import_twarc(store, path, account={"id": "12", "username": "someone"},
                                   users_as_followers=True).created


def test_follower_pages_shifted_by_new_follows_are_deduplicated(tmp_path):
    users = _raw_pages(shared_path("x-api", "twarc2-pages", "users.jsonl"))[0]["data"]
    uniq = list({u["id"]: u for u in users}.values())
    url = "https://api.twitter.com/2/users/777/followers?max_results=40"
    stamp = {"url": url, "retrieved_at": "2024-01-01T00:00:00+00:00"}
    # page 2 repeats the last 5 of page 1: five accounts followed between the two requests
    pages = [uniq[:40], uniq[35:75], uniq[75:]]
    f = tmp_path / "followers.jsonl"
    f.write_text("\n".join(json.dumps({"data": p, "__twarc": stamp}) for p in pages))
    data = twarc.load(f)
    assert data.account_id == "777"
    assert list(data.followers["follower_id"]) == [u["id"] for u in uniq]
    assert list(data.followers["position"]) == list(range(len(uniq)))


def test_bad_line_names_file_and_line(tmp_path):
    src = shared_path("x-api", "twarc2-pages", "brexit.jsonl").read_text().strip()
    f = tmp_path / "bad.jsonl"
    f.write_text(src + "\n" + src[: len(src) // 2] + "\n")
    store = Store(tmp_path / "store")
    with pytest.raises(SourceError) as info:
        ingest.import_twarc(store, f, account={"id": "1", "username": "x"})
    assert info.value.line == 2 and str(f) in str(info.value)
    assert not (tmp_path / "store" / "accounts").exists()


def test_single_object_page_is_read(tmp_path):
    user = _raw_pages(shared_path("x-api", "twarc2-pages", "users.jsonl"))[0]["data"][0]
    f = tmp_path / "one.jsonl"
    f.write_text(json.dumps({"data": user, "__twarc": {
        "url": f"https://api.twitter.com/2/users/{user['id']}",
        "retrieved_at": "2024-01-01T00:00:00+00:00"}}))
    users = twarc.users_frame(twarc.read_pages(f))
    assert list(users["id"]) == [user["id"]]


def test_import_command(tmp_path):
    from click.testing import CliRunner

    from follower_kit.cli import main

    path = shared_path("x-api", "twarc2-pages", "users.jsonl")
    store = tmp_path / "store"
    out = CliRunner().invoke(main, ["import", "twarc", str(path), "--account", "12",
                                    "--as-followers", "--store", str(store)])
    assert out.exit_code == 0, out.output
    assert "91 followers" in out.output
    assert len(Store(store).followers("12")) == 91
    # timelines on their own: how many tweets, and how many of them the followers wrote
    timeline = shared_path("x-api", "twarc2-pages", "withheld.jsonl")
    out = CliRunner().invoke(main, ["import", "twarc", str(timeline), "--account", "12",
                                    "--store", str(store)])
    assert out.exit_code == 0, out.output
    followers = Store(store).followers("12")["id"]
    by = len(Store(store).tweets("12", authors=followers))
    assert "215 tweets retrieved" in out.output and f"{by:,} of them by its followers" in out.output


def test_user_lookup_pages_are_a_follower_list_only_when_told(tmp_path):
    """`twarc2 users` pages say nothing of whom their users follow: imported with --account they
    became that account's followers snapshot (a point of its growth, for good) with only a
    logged warning. Refused now, in one line naming the file and what to pass, the store left
    as it was; --as-followers takes them, and the snapshot says where its list came from."""
    from click.testing import CliRunner

    from follower_kit.cli import main

    users = shared_path("x-api", "twarc2-pages", "users.jsonl")
    followers = tmp_path / "followers.jsonl"  # a real follower list beside them
    page = _raw_pages(users)[0]
    followers.write_text(json.dumps({"data": page["data"][:10], "__twarc": {
        "url": "https://api.twitter.com/2/users/12/followers",
        "retrieved_at": "2024-01-01T00:00:00+00:00"}}) + "\n")
    store = tmp_path / "store"
    ok = CliRunner().invoke(main, ["import", "twarc", str(followers), "--account", "someone",
                                   "--store", str(store)])
    assert ok.exit_code == 0, ok.output
    before = sorted(p.relative_to(store) for p in store.rglob("*"))
    r = CliRunner().invoke(main, ["import", "twarc", str(users), "--account", "someone",
                                  "--store", str(store)])
    assert r.exit_code == 1, r.output
    errors = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(errors) == 1 and errors[0].startswith("error:"), r.output
    assert str(users) in errors[0] and "--as-followers" in errors[0]
    assert "user lookup pages" in errors[0] and "twarc2 followers" in errors[0]
    assert sorted(p.relative_to(store) for p in store.rglob("*")) == before
    assert len(Store(store).snapshots("someone")) == 1
    # followers pages with lookups beside them: the lookups only add profiles, as before
    both = ingest.import_twarc(Store(tmp_path / "both"), [followers, users], account="someone")
    assert both.followers == 10
    r = CliRunner().invoke(main, ["import", "twarc", str(users), "--account", "someone",
                                  "--at", "2024-02-01", "--as-followers", "--store", str(store)])
    assert r.exit_code == 0, r.output
    assert "91 followers" in r.output
    meta = Store(store).snapshot_meta("someone")[-1]
    assert meta["extra"]["follower_list"] == "user lookups"


def test_timeline_pages_are_stored_beside_the_follower_list(tmp_path):
    """Timelines imported after the followers join them without adding a snapshot: no follower
    list is claimed for a time nobody read one, so the growth keeps one point. Importing them
    again changes nothing."""
    store = Store(tmp_path / "store")
    timeline = shared_path("x-api", "twarc2-pages", "withheld.jsonl")
    with pytest.raises(SourceError, match="followers first"):
        ingest.import_twarc(store, timeline, account="12")
    users = shared_path("x-api", "twarc2-pages", "users.jsonl")
    ingest.import_twarc(store, users, account={"id": "12", "username": "someone"},
                        users_as_followers=True)
    ref = ingest.import_twarc(store, timeline, account="someone")
    assert ref.created and ref.rows == 215
    snaps = store.snapshots("someone")
    assert list(snaps["followers"]) == [91] and list(snaps["tweets"]) == [0]
    assert len(store.tweets("someone")) == 215
    assert store.info()["accounts"][0]["apart"]["tweets"] == 215
    again = ingest.import_twarc(store, timeline, account="someone")
    assert not again.created and len(store.tweets("someone")) == 215
    assert len(store.snapshots("someone")) == 1


def _user_pages(n_pages: int, per_page: int, ids=None):
    """Pages of real user objects, each copy with its own id (or the ids given)."""
    real = list({u["id"]: u for u in _raw_pages(
        shared_path("x-api", "twarc2-pages", "users.jsonl"))[0]["data"]}.values())
    stamp = {"url": "https://api.twitter.com/2/users/777/followers?max_results=1000",
             "retrieved_at": "2024-01-01T00:00:00+00:00"}
    lines = []
    for p in range(n_pages):
        page = []
        for i in range(p * per_page, (p + 1) * per_page):
            u = dict(real[i % len(real)])
            u["id"] = ids[i] if ids is not None else str(10**15 + i)
            page.append(u)
        lines.append(json.dumps({"data": page, "__twarc": stamp}))
    return lines


def test_read_users_agrees_with_the_page_reader_over_many_blocks_and_files(tmp_path):
    # 24 pages of 1,000 users (~17 MB): several parsed blocks, flattened on the helper thread
    lines = _user_pages(24, 1000)
    lines.insert(5, lines[3])  # a page fetched twice (a resumed pull): its users are kept once
    whole = tmp_path / "all.jsonl"
    whole.write_text("\n".join(lines) + "\n")
    parts = []
    for k in range(0, len(lines), 7):
        parts.append(tmp_path / f"part-{k:03d}.jsonl")
        parts[-1].write_text("\n".join(lines[k:k + 7]) + "\n")

    expected = twarc.users_frame(twarc.read_pages(whole), includes=False)
    one, _ = twarc.read_users(whole)
    many, _ = twarc.read_users(parts)  # files are read in parallel, results kept in file order
    schema.validate(one, "users")
    assert len(expected) == 24_000
    assert list(expected["id"]) == [str(10**15 + i) for i in range(24_000)]
    pd.testing.assert_frame_equal(one, expected)
    pd.testing.assert_frame_equal(many, expected)


@pytest.mark.parametrize("ids, kept", [
    (["5", "05", "0x5", "5", None, "7"], ["5", "05", "0x5", "7"]),  # not numerically the same
    (["b", "a", "b", "12", "a"], ["b", "a", "12"]),  # not numeric at all
    (["18446744073709551615", "2", "18446744073709551615"], ["18446744073709551615", "2"]),
])
def test_first_copy_of_each_id_is_kept_whatever_the_ids_look_like(tmp_path, ids, kept):
    f = tmp_path / "odd.jsonl"
    f.write_text("\n".join(_user_pages(1, len(ids), ids=ids)) + "\n")
    users, _ = twarc.read_users(f)
    assert list(users["id"]) == kept
    assert users.equals(twarc.users_frame(twarc.read_pages(f), includes=False))


def test_profile_link_prefers_the_expanded_url_and_falls_back_to_the_short_one(tmp_path):
    def user(i, url, expanded=None, image="https://pbs.twimg.com/profile_images/1/a_normal.jpg"):
        u = {"id": str(i), "username": f"u{i}", "url": url, "profile_image_url": image}
        if expanded is not None:
            u["entities"] = {"url": {"urls": [{"url": url, "expanded_url": expanded}]}}
        return u

    default = "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
    page = [user(1, "https://t.co/a", "https://example.org"), user(2, "https://t.co/b"),
            user(3, ""), user(4, "https://t.co/d", "", image=default)]
    f = tmp_path / "links.jsonl"
    f.write_text(json.dumps({"data": page, "__twarc": {
        "url": "https://api.twitter.com/2/users?ids=1,2,3,4",
        "retrieved_at": "2024-01-01T00:00:00+00:00"}}) + "\n")
    users, _ = twarc.read_users(f)
    links = [u if isinstance(u, str) else None for u in users["url"]]
    assert links == ["https://example.org", "https://t.co/b", None, "https://t.co/d"]
    assert users["default_profile_image"].tolist() == [False, False, False, True]


def test_the_import_command_takes_the_id_its_advice_names(tmp_path):
    """Without a /followers URL and with a handle the store does not know, the advice names
    --account-id, which must exist; timeline-only pages get the advice that applies to them."""
    from click.testing import CliRunner

    from follower_kit.cli import main

    users = str(shared_path("x-api", "twarc2-pages", "users.jsonl"))
    timeline = str(shared_path("x-api", "twarc2-pages", "withheld.jsonl"))
    store = str(tmp_path / "store")
    run = CliRunner().invoke
    r = run(main, ["import", "twarc", users, "--account", "@someone", "--as-followers",
                   "--store", store])
    assert r.exit_code == 1 and "(--account-id)" in r.output
    assert not (tmp_path / "store" / "accounts").exists()
    r = run(main, ["import", "twarc", users, "--account", "@someone", "--account-id", "12",
                   "--as-followers", "--store", store])
    assert r.exit_code == 0, r.output
    assert Store(store).snapshots("someone")["account_id"].tolist() == ["12"]
    assert run(main, ["import", "twarc", users, "--account", "x", "--account-id", "twelve",
                      "--as-followers", "--store", store]).exit_code == 2
    search = str(shared_path("x-api", "twarc2-pages", "brexit.jsonl"))  # /2/tweets/search/recent
    for pages, extra in ((timeline, []), (timeline, ["--account-id", "99"]), (search, [])):
        r = run(main, ["import", "twarc", pages, "--account", "nobody", *extra,
                       "--store", store])
        assert r.exit_code == 1, r.output
        assert "only tweet pages (timelines or searches)" in r.output and "@nobody" in r.output
    counts = str(shared_path("x-api", "twarc2-pages", "counts.jsonl"))
    r = run(main, ["import", "twarc", counts, "--account", "nobody", "--store", store])
    assert r.exit_code == 1 and "no follower, user or tweet pages found" in r.output


def test_flattened_output_is_named_as_such(tmp_path):
    """`twarc2 flatten` writes one bare user or tweet per line; the pages' structure (which
    list, when read) is gone, so the kit refuses it and says what to import instead."""
    from click.testing import CliRunner

    from follower_kit.cli import main

    pages = _raw_pages(shared_path("x-api", "twarc2-pages", "users.jsonl"))
    tweets = _raw_pages(shared_path("x-api", "twarc2-pages", "two_tweets.jsonl"))
    store = str(tmp_path / "store")
    for name, page in (("users", pages[0]), ("tweets", tweets[0])):
        flat = tmp_path / f"flat_{name}.jsonl"
        flat.write_text("".join(json.dumps({**o, "__twarc": page["__twarc"]}) + "\n"
                                for o in page["data"]))
        r = CliRunner().invoke(main, ["import", "twarc", str(flat), "--account", "someone",
                                      "--store", store])
        assert r.exit_code == 1, r.output
        assert "as `twarc2 flatten` writes" in r.output and str(flat) in r.output
        assert ("one user object" if name == "users" else "one tweet object") in r.output
    assert not (tmp_path / "store" / "accounts").exists()


def test_a_given_id_that_contradicts_the_follower_urls_is_refused(tmp_path):
    users = _raw_pages(shared_path("x-api", "twarc2-pages", "users.jsonl"))[0]["data"]
    stamp = {"url": "https://api.twitter.com/2/users/777/followers",
             "retrieved_at": "2024-01-01T00:00:00+00:00"}
    f = tmp_path / "followers.jsonl"
    f.write_text(json.dumps({"data": users, "__twarc": stamp}))
    store = Store(tmp_path / "store")
    with pytest.raises(SourceError, match="followers of account 777, not of the given 12"):
        ingest.import_twarc(store, f, account={"id": "12", "username": "someone"})
    assert ingest.import_twarc(store, f, account={"id": "777", "username": "someone"}).created
