"""X archive import: the real archive of one account at four dates, and malformed copies of it."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from functools import partial
from pathlib import Path

import pandas as pd
import pytest

from conftest import shared_path
from follower_kit import Store, ingest
from follower_kit.errors import SourceError
from follower_kit.sources import archive

DATES = {"2021-03-22": 405, "2022-04-29": 561, "2022-10-30": 644, "2023-08-20": 764}


def _arc(date):
    return shared_path("x-archive", "larsbrinkhoff", date)


@pytest.fixture(scope="module")
def series_store(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("archives"))
    for date in DATES:
        ingest.import_archive(store, _arc(date))
    return store


def test_four_archives_form_a_series(series_store):
    snaps = series_store.snapshots("larsbrinkhoff")
    assert list(snaps["followers"]) == list(DATES.values())
    assert [s.strftime("%Y-%m-%d") for s in snaps["snapshot_at"]] == list(DATES)
    assert set(snaps["source"]) == {"archive"}
    assert snaps["account_id"].iloc[0] == "3128746474"


def test_new_and_lost_between_first_two(series_store):
    diff = series_store.diff("larsbrinkhoff", "2021-03-22", "2022-04-29")
    counts = diff["change"].value_counts()
    assert counts["new"] == 173 and counts["lost"] == 17


def test_followers_follow_the_file_order(series_store):
    raw = _arc("2021-03-22").joinpath("follower.js").read_text()
    ids = re.findall(r'"accountId" : "(\d+)"', raw)
    got = series_store.followers("larsbrinkhoff", "2021-03-22")
    assert list(got["id"]) == ids


def test_own_tweets_and_following(series_store):
    tweets = series_store.read_table("own_tweets", "larsbrinkhoff",
                                     snapshot_at=series_store.snapshots("larsbrinkhoff")
                                     ["snapshot_at"].iloc[0])
    assert len(tweets) == 1827 and set(tweets["author_id"]) == {"3128746474"}
    assert tweets["created_at"].dt.tz is not None
    following = series_store.read_table("following", "larsbrinkhoff")
    assert len(following) == 79  # the 2023 archive's following.js


def _raw_tweets(date="2021-03-22"):
    raw = _arc(date).joinpath("tweet.js").read_text()
    return [item["tweet"] for item in json.loads(raw[raw.index("["):])]


def test_following_nobody_is_a_list_and_a_missing_file_is_not(tmp_path):
    """An account that follows nobody has an empty following.js: mutuals are then known (none),
    where an archive without the file leaves them unknown (the table was written only when it
    had rows, so the two read alike)."""
    store = Store(tmp_path / "store")
    dst = tmp_path / "empty"
    shutil.copytree(_arc("2023-08-20"), dst)
    target = dst / "following.js"
    target.chmod(0o644)
    target.write_text("window.YTD.following.part0 = [ ]")
    manifest = dst / "manifest.js"
    manifest.chmod(0o644)
    manifest.write_text(re.sub(r'("globalName" : "YTD\.following\.part0",\s*"count" : )"\d+"',
                               r'\1"0"', manifest.read_text()))
    assert archive.read_archive(dst).following_known
    ingest.import_archive(store, dst)
    following = store.read_table("following", "larsbrinkhoff")
    assert following is not None and len(following) == 0
    gone = tmp_path / "gone"
    shutil.copytree(_arc("2022-10-30"), gone)
    (gone / "following.js").unlink()
    assert not archive.read_archive(gone).following_known
    other = Store(tmp_path / "other")
    ingest.import_archive(other, gone)
    assert other.read_table("following", "larsbrinkhoff") is None


def _pre_2020(date, dst):
    """An archive as X made them before 2020, from a later one: no manifest.js, account.js
    instead, each tweet bare, the folder named as X names the zip (twitter-DATE-<hash>)."""
    dst.mkdir(parents=True)
    for name in ("follower.js", "following.js", "profile.js"):
        shutil.copyfile(_arc(date) / name, dst / name)
    (dst / "tweet.js").write_text("window.YTD.tweet.part0 = " + json.dumps(_raw_tweets(date)))
    (dst / "account.js").write_text('window.YTD.account.part0 = [ {\n  "account" : {\n'
                                    '    "accountId" : "3128746474",\n'
                                    '    "username" : "larsbrinkhoff",\n'
                                    '    "accountDisplayName" : "Lars Brinkhoff"\n  }\n} ]')
    return dst


def test_an_archive_made_before_2020_is_dated_by_its_name(tmp_path):
    """Before 2020 an archive had no manifest.js: the account comes from account.js and the
    date from the name X gives the zip; without that name it is refused, not guessed."""
    old = _pre_2020("2021-03-22", tmp_path / "twitter-2021-03-22-0f3a9c1e2b7d")
    got, new = archive.read_archive(old), archive.read_archive(_arc("2021-03-22"))
    assert got.generated_at == pd.Timestamp("2021-03-22", tz="UTC")
    assert got.account == new.account
    pd.testing.assert_frame_equal(got.followers, new.followers)
    pd.testing.assert_frame_equal(got.tweets, new.tweets)
    assert len(got.following) == len(new.following)
    store = Store(tmp_path / "store")        # side by side with a later export: a series
    later = tmp_path / "exports"
    later.mkdir()
    shutil.copytree(old, later / old.name)
    shutil.copytree(_arc("2022-04-29"), later / "twitter-2022-04-29-later")
    assert [p.name for p in archive.archives_in(later)] == [old.name,
                                                            "twitter-2022-04-29-later"]
    for p in archive.archives_in(later):
        ingest.import_archive(store, p)
    assert [s.strftime("%Y-%m-%d") for s in store.snapshots("larsbrinkhoff")["snapshot_at"]] \
        == ["2021-03-22", "2022-04-29"]
    unnamed = tmp_path / "my old archive"
    old.rename(unnamed)
    with pytest.raises(SourceError, match="no manifest.js.*twitter-YYYY-MM-DD"):
        archive.read_archive(unnamed)


def test_an_older_archive_with_bare_tweets_reads_the_same(tmp_path):
    """Archives of 2019-2020 write each tweet bare, without the {"tweet": ...} wrapper of
    later ones; the same tweets read either way (this stopped the whole import)."""
    dst = tmp_path / "old"
    shutil.copytree(_arc("2021-03-22"), dst)
    target = dst / "tweet.js"
    target.chmod(0o644)
    target.write_text("window.YTD.tweet.part0 = " + json.dumps(_raw_tweets(), indent=2))
    old, new = archive.read_archive(dst), archive.read_archive(_arc("2021-03-22"))
    assert len(old.tweets) == 1827
    pd.testing.assert_frame_equal(old.tweets, new.tweets)
    pd.testing.assert_frame_equal(old.known_handles, new.known_handles)


def test_own_tweets_name_the_accounts_they_mention_or_reply_to(series_store):
    """An archive lists followers by id only, but each mention in the own tweets carries the
    id, handle and name, and each reply the replied-to id and handle: those are kept."""
    expected: dict[str, str] = {}  # id -> handle, from the raw tweet.js, oldest tweet first
    for t in sorted(_raw_tweets(), key=lambda t: pd.Timestamp(
            pd.to_datetime(t["created_at"], format="%a %b %d %H:%M:%S %z %Y"))):
        mentioned = {m["id_str"]: m["screen_name"] for m in t["entities"]["user_mentions"]}
        if t.get("in_reply_to_user_id_str") and t.get("in_reply_to_screen_name"):
            # a reply's handle may be lower-cased: the mention's spelling is the account's
            mentioned.setdefault(t["in_reply_to_user_id_str"], t["in_reply_to_screen_name"])
        expected.update(mentioned)
    expected.pop("3128746474", None)  # the account itself (threads reply to it)
    known = series_store.known_handles("larsbrinkhoff")
    assert len(known) == len(expected) == 645
    assert dict(zip(known["id"], known["username"])) == expected
    assert known["id"].is_unique and known["seen_at"].dt.tz is not None
    row = known.set_index("id").loc["9296352"]  # the most talked-to follower
    assert (row["username"], row["name"]) == ("brouhaha",
                                              "AI except neither Artificial nor Intelligent")
    # only what tweets before a time named
    early = series_store.known_handles("larsbrinkhoff", until="2016-01-01")
    assert 0 < len(early) < len(known) and (early["seen_at"] <= pd.Timestamp(
        "2016-01-01", tz="UTC")).all()


def test_a_store_from_before_known_handles_still_reads(tmp_path):
    """A store written before the table existed: no handles, ids link by id; importing the
    same archive again adds them."""
    from follower_kit import audience

    store = Store(tmp_path / "store")
    for date in ("2021-03-22", "2022-04-29"):
        ingest.import_archive(store, _arc(date))
    shutil.rmtree(store.path / "accounts" / "3128746474" / "tables" / "known_handles")
    assert store.known_handles("larsbrinkhoff").empty
    assert list(store.known_handles("larsbrinkhoff").columns) == ["id", "username", "name",
                                                                  "seen_at", "tweets"]
    data = audience.load_month("larsbrinkhoff", "2022-04", store=store)
    rel = audience.relations(data)
    assert rel["username"].isna().all()
    assert rel["profile_url"].str.startswith("https://x.com/i/user/").all()
    assert data.lost_followers["username"].isna().all()
    ingest.import_archive(store, _arc("2021-03-22"))  # the same snapshot: a no-op but for this
    assert len(store.known_handles("larsbrinkhoff")) == 645
    data = audience.load_month("larsbrinkhoff", "2022-04", store=store)
    rel = audience.relations(data)
    talk = rel[rel["relation"] == "talk_to"]
    assert len(talk) and talk["username"].notna().all()
    assert talk["profile_url"].str.fullmatch(r"https://x\.com/[A-Za-z0-9_]+").all()
    # a handle is not a profile: the followers still count as unprofiled everywhere else
    assert data.followers["username"].isna().all()
    assert data.new_followers["username"].isna().all()
    lost = data.lost_followers
    assert lost["username"].notna().any() and lost["observed_at"].isna().all()


def test_zip_equals_folder(tmp_path):
    z = tmp_path / "twitter-archive.zip"
    with zipfile.ZipFile(z, "w") as zf:  # real archives keep data files under data/
        for f in _arc("2022-04-29").iterdir():
            zf.write(f, ("" if f.name == "manifest.js" else "data/") + f.name)
    a = archive.read_archive(z)
    b = archive.read_archive(_arc("2022-04-29"))
    pd.testing.assert_frame_equal(a.followers, b.followers)
    assert a.generated_at == b.generated_at


def test_multi_part_files_found_through_manifest(tmp_path):
    src = _arc("2021-03-22")
    dst = tmp_path / "arc"
    shutil.copytree(src, dst)
    records = archive.parse_js((src / "follower.js").read_bytes(), label="follower.js")
    for i, chunk in enumerate((records[:200], records[200:])):
        (dst / f"follower-part{i}.js").write_text(
            f"window.YTD.follower.part{i} = " + json.dumps(chunk, indent=1))
    (dst / "follower.js").unlink()
    manifest = (dst / "manifest.js").read_text()
    manifest = manifest.replace(
        '"fileName" : "data/follower.js",\n        "globalName" : "YTD.follower.part0",\n'
        '        "count" : "405"',
        '"fileName" : "data/follower-part0.js",\n        "globalName" : "YTD.follower.part0",\n'
        '        "count" : "200"\n      }, {\n        "fileName" : "data/follower-part1.js",\n'
        '        "globalName" : "YTD.follower.part1",\n        "count" : "205"')
    assert "follower-part1.js" in manifest
    (dst / "manifest.js").write_text(manifest)
    a = archive.read_archive(dst)
    b = archive.read_archive(src)
    pd.testing.assert_frame_equal(a.followers, b.followers)
    (dst / "follower-part1.js").unlink()  # a missing part is an error, not a short list
    with pytest.raises(SourceError, match="follower-part1.js.*missing part"):
        archive.read_archive(dst)


def _damage(text: str, how: str) -> bytes:
    if how == "truncated":
        return text[: len(text) * 2 // 3].encode()
    if how == "wrong prefix":
        return text.replace("window.YTD.follower.part0", "window.YTD.following.part0", 1).encode()
    if how == "no prefix":
        return text.split("=", 1)[1].encode()
    if how == "js literal":  # an unquoted key and single quotes: valid JS, not JSON
        return re.sub(r'"accountId" : "(\d+)"', r"accountId : '\1'", text, count=1).encode()
    if how == "wrong encoding":
        return text.replace("15989888", "1598é888").encode("utf-16")
    if how == "trailing comma":   # as a hand edit or a JS serializer leaves it
        head, tail = text.rsplit("]", 1)
        return (head.rstrip() + ",\n]" + tail).encode()
    raise ValueError(how)


@pytest.mark.parametrize("how,line", [("truncated", None), ("wrong prefix", 1),
                                      ("no prefix", 1), ("js literal", 4),
                                      ("wrong encoding", 1), ("trailing comma", None)])
def test_malformed_archive_names_file_and_position_and_leaves_store(tmp_path, how, line):
    store = Store(tmp_path / "store")
    ingest.import_archive(store, _arc("2021-03-22"))
    before = store.snapshots()
    dst = tmp_path / "bad"
    shutil.copytree(_arc("2022-04-29"), dst)
    target = dst / "follower.js"
    target.chmod(0o644)
    target.write_bytes(_damage(target.read_text(), how))
    with pytest.raises(SourceError) as info:
        ingest.import_archive(store, dst)
    msg = str(info.value)
    assert "follower.js" in msg and "line" in msg
    if line is not None:
        assert info.value.line == line, msg
    else:
        assert info.value.line > 1
    if how == "trailing comma":   # not "truncated?": the file is whole
        assert "trailing comma" in msg and "truncated" not in msg, msg
    pd.testing.assert_frame_equal(store.snapshots(), before)
    assert not list((store.path / "accounts").glob("*/tables/following/2022*"))


def test_not_an_archive(tmp_path):
    (tmp_path / "x.zip").write_bytes(b"not a zip")
    with pytest.raises(SourceError, match="not a folder or a zip"):
        archive.read_archive(tmp_path / "x.zip")
    with pytest.raises(SourceError, match="no manifest.js"):
        archive.read_archive(tmp_path)


def test_hydrate_fetches_profiles_through_the_api(tmp_path):
    """Profiles come through the real client from the fake X API, 100 ids a request, for an
    archive imported earlier without them; the snapshot itself stays as imported."""
    from follower_kit.testing.fake_x import FakeX
    from follower_kit.sources import x_api

    arc = archive.read_archive(_arc("2021-03-22"))
    ids = list(arc.followers["follower_id"])
    users = pd.DataFrame({"id": ids, "username": [f"f{i}" for i in range(len(ids))],
                          "name": "someone", "followers_count": range(len(ids))})
    gone = ids[:7]
    store = Store(tmp_path)
    ref = ingest.import_archive(store, _arc("2021-03-22"))
    snapshot_files = sorted(p.name for p in ref.path.iterdir())
    with FakeX.from_frames(arc.account, users, ids, deleted=gone[:4], suspended=gone[4:]) as srv:
        client = x_api.XClient("hydrate-token-123456", base_url=srv.url, sleep=lambda s: None)
        done = ingest.hydrate(store, "larsbrinkhoff", client.lookup_users)
        asked = sum(r["endpoint"] == "users" for r in srv.requests)
        again = ingest.hydrate(store, "larsbrinkhoff", client.lookup_users)
        asked_again = sum(r["endpoint"] == "users" for r in srv.requests) - asked
    assert asked == -(-len(ids) // 100)
    assert done == ingest.Hydration(missing=len(ids), fetched=len(ids) - 7, not_returned=7)
    # X said the 7 are deleted or suspended: remembered, so a rerun pays for none of them
    assert again == ingest.Hydration(missing=0, fetched=0, not_returned=0) and asked_again == 0
    gone_table = store.unavailable("larsbrinkhoff").set_index("id")
    assert set(gone_table.index) == set(gone)
    assert gone_table.loc[gone[0], "reason"].startswith("Could not find user")
    assert gone_table.loc[gone[4], "reason"].startswith("User has been suspended")
    got = store.followers("larsbrinkhoff")
    assert list(got["id"]) == ids
    assert set(got.loc[got["username"].isna(), "id"]) == set(gone)
    assert (got["observed_at"].dropna() > pd.Timestamp("2026-01-01", tz="UTC")).all(), \
        "hydrated profiles are observed now, not on the archive's date"
    assert sorted(p.name for p in ref.path.iterdir()) == snapshot_files
    # importing the archive again is still a no-op, not a conflict with the hydrated store
    assert ingest.import_archive(store, _arc("2021-03-22")).created is False


def test_retry_unavailable_asks_again_and_a_profile_back_leaves_the_list(tmp_path, monkeypatch):
    """--retry-unavailable asks for the remembered ids anyway; one whose profile comes back is
    taken off the list. Writing the list is atomic: a crash in the middle leaves it as it was."""
    import follower_kit.store as store_module

    store = Store(tmp_path)
    ingest.import_archive(store, _arc("2021-03-22"))
    ids = list(store.followers("larsbrinkhoff")["id"])
    gone, asked = set(ids[:5]), []

    def lookup(part):
        asked.extend(part)
        back = [i for i in part if i not in gone]
        errors = pd.DataFrame({"resource_id": [i for i in part if i in gone],
                               "resource_type": "user", "parameter": "ids",
                               "title": "Not Found Error", "type": "about:blank"})
        errors["detail"] = "Could not find user with ids: [" + errors["resource_id"] + "]."
        return pd.DataFrame({"id": back, "username": [f"u{i}" for i in back]}), errors

    ingest.hydrate(store, "larsbrinkhoff", lookup)
    assert set(store.unavailable("larsbrinkhoff")["id"]) == gone
    assert ingest.missing_profiles(store, "larsbrinkhoff") == []
    assert ingest.missing_profiles(store, "larsbrinkhoff", retry_unavailable=True) == ids[:5]
    before = store.unavailable("larsbrinkhoff")
    # the process dies while the list is being replaced: the store keeps the old list
    real_replace = store_module.os.replace

    def die_on_the_list(src, dst):
        if Path(dst).name == "unavailable.parquet":
            raise SystemExit("killed")
        return real_replace(src, dst)

    gone.discard(ids[0])  # the first account is back
    monkeypatch.setattr(store_module.os, "replace", die_on_the_list)
    with pytest.raises(SystemExit):
        ingest.hydrate(store, "larsbrinkhoff", lookup, retry_unavailable=True)
    monkeypatch.setattr(store_module.os, "replace", real_replace)
    pd.testing.assert_frame_equal(store.unavailable("larsbrinkhoff"), before)
    assert not list((tmp_path / ".staging").iterdir())
    assert store.followers("larsbrinkhoff")["username"].isna().sum() == 5, \
        "the list is written before the chunk's profiles: the store is as it was"
    asked.clear()
    done = ingest.hydrate(store, "larsbrinkhoff", lookup, retry_unavailable=True)
    assert asked == ids[:5]
    assert done == ingest.Hydration(missing=5, fetched=1, not_returned=4)
    assert set(store.unavailable("larsbrinkhoff")["id"]) == set(ids[1:5])
    assert store.followers("larsbrinkhoff")["username"].isna().sum() == 4


def test_interrupted_hydration_resumes_without_loss_or_duplicates(tmp_path):
    """The token runs out (or Ctrl-C) in the middle: what was fetched is kept, and the rerun
    fetches exactly the rest."""
    store = Store(tmp_path)
    ingest.import_archive(store, _arc("2021-03-22"))
    ids = list(store.followers("larsbrinkhoff")["id"])
    asked = []

    def lookup(part, fail_after=None):
        asked.extend(part)
        if fail_after is not None and len(asked) > fail_after:
            raise KeyboardInterrupt
        return pd.DataFrame({"id": part, "username": [f"u{i}" for i in part]}), None

    with pytest.raises(KeyboardInterrupt):
        ingest.hydrate(store, "larsbrinkhoff", partial(lookup, fail_after=250), chunk=100)
    kept = store.followers("larsbrinkhoff")["username"].notna().sum()
    assert kept == 200, "the two chunks done before the interruption are stored"
    asked.clear()
    done = ingest.hydrate(store, "larsbrinkhoff", lookup, chunk=100)
    assert asked == ids[200:] and done.fetched == len(ids) - 200
    profiles = store.users("larsbrinkhoff")
    assert profiles["id"].is_unique and set(profiles["id"]) == set(ids)


def test_import_command(tmp_path):
    from click.testing import CliRunner

    from follower_kit.cli import main

    store = tmp_path / "store"
    paths = [str(_arc(d)) for d in DATES]
    out = CliRunner().invoke(main, ["import", "archive", *paths, "--store", str(store)])
    assert out.exit_code == 0, out.output
    assert [f"{n:,} followers" in out.output for n in DATES.values()] == [True] * 4
    again = CliRunner().invoke(main, ["import", "archive", paths[0], "--store", str(store)])
    assert "already in the store" in again.output
    bad = tmp_path / "bad"
    shutil.copytree(_arc("2021-03-22"), bad)
    (bad / "follower.js").chmod(0o644)
    (bad / "follower.js").write_text("window.YTD.follower.part0 = [ {")
    err = CliRunner().invoke(main, ["import", "archive", str(bad), "--store", str(store)])
    assert err.exit_code == 1 and "follower.js, line 1" in err.output


def test_a_folder_of_archives_imports_each_and_never_mixes_them(tmp_path):
    """A user who points at the folder holding all four exports gets the series; the reader
    alone refuses such a folder, since its fallback to a file's name anywhere would otherwise
    build one snapshot from several exports."""
    from click.testing import CliRunner

    from follower_kit.cli import main

    series = _arc("2021-03-22").parent
    with pytest.raises(SourceError, match="holds 4 X archives"):
        archive.read_archive(series)
    # two of them zipped, two unpacked, as downloads pile up
    mixed = tmp_path / "exports"
    for i, date in enumerate(DATES):
        if i % 2:
            with zipfile.ZipFile(tmp_path / f"{date}.zip", "w") as z:
                for f in _arc(date).iterdir():
                    z.write(f, f"twitter-{date}/data/{f.name}")
            (mixed / "zips").mkdir(parents=True, exist_ok=True)
            shutil.move(tmp_path / f"{date}.zip", mixed / "zips" / f"{date}.zip")
        else:
            shutil.copytree(_arc(date), mixed / date / "data")
    assert len(archive.archives_in(mixed)) == 4
    assert archive.archives_in(_arc("2021-03-22")) == [_arc("2021-03-22")]
    for folder in (series, mixed):
        store = tmp_path / f"store-{folder.name}"
        out = CliRunner().invoke(main, ["import", "archive", str(folder), "--store", str(store)])
        assert out.exit_code == 0 and "4 archives, importing each" in out.output, out.output
        assert list(Store(store).snapshots("larsbrinkhoff")["followers"]) == list(DATES.values())


def test_import_command_hydrates_an_archive_imported_before(tmp_path, monkeypatch):
    """The advice the report gives ("import archive PATH --hydrate") works on an archive that
    is already in the store, and says what it fetched."""
    from click.testing import CliRunner

    from follower_kit.cli import main
    from follower_kit.testing.fake_x import FakeX

    store = tmp_path / "store"
    path = str(_arc("2021-03-22"))
    first = CliRunner().invoke(main, ["import", "archive", path, "--store", str(store)])
    assert first.exit_code == 0, first.output
    arc = archive.read_archive(path)
    ids = list(arc.followers["follower_id"])
    users = pd.DataFrame({"id": ids, "username": [f"f{i}" for i in range(len(ids))],
                          "name": "someone"})
    monkeypatch.setenv("X_BEARER_TOKEN", "cli-hydrate-token-98765")
    args = ["import", "archive", path, "--hydrate", "--store", str(store)]
    with FakeX.from_frames(arc.account, users, ids, deleted=ids[:3]) as srv:
        args += ["--api-url", srv.url]
        dry = CliRunner().invoke(main, args + ["--dry-run"])
        # above the cost threshold it asks first; "n" fetches nothing
        cheap = tmp_path / "prices.json"
        cheap.write_text(json.dumps({"confirm_above_usd": 0.01}))
        no = CliRunner().invoke(main, args + ["--prices", str(cheap)], input="n\n")
        asked_before_yes = len(srv.requests)
        out = CliRunner().invoke(main, args)
        asked_before_again = len(srv.requests)
        again = CliRunner().invoke(main, args)
        dry_again = CliRunner().invoke(main, args + ["--dry-run"])
        asked_again = len(srv.requests) - asked_before_again
        retry_dry = CliRunner().invoke(main, args + ["--dry-run", "--retry-unavailable"])
    info = CliRunner().invoke(main, ["store", "info", "--store", str(store)])
    info_json = json.loads(CliRunner().invoke(main, ["store", "info", "--json", "--store",
                                                     str(store)]).output)
    assert dry.exit_code == 0, dry.output
    assert f"fetch the profiles of {len(ids):,} followers of @larsbrinkhoff" in dry.output
    assert f"requests: {-(-len(ids) // 100)}" in dry.output and "USD" in dry.output
    assert no.exit_code == 1 and "Go ahead?" in no.output
    assert asked_before_yes == 0, "neither the dry run nor the refusal sent a request"
    assert out.exit_code == 0, out.output
    assert "(already in the store)" in out.output
    assert f"profiles: {len(ids) - 3:,} fetched, 3 not returned by the API" in out.output
    # the 3 X reported deleted are remembered: the rerun and its dry run pay for none of them
    skipped = "3 followers X reported deleted or suspended are not asked for again"
    assert again.exit_code == 0 and asked_again == 0, again.output
    assert f"profiles: {len(ids) - 3:,} in the store; {skipped}" in again.output
    assert "requests: 0" in dry_again.output and "0.00 USD" in dry_again.output
    assert skipped in dry_again.output
    assert "fetch the profiles of 3 followers" in retry_dry.output
    assert "0.03 USD" in retry_dry.output
    assert "3 followers X reported deleted or suspended" in info.output
    assert info_json["accounts"][0]["unavailable"] == 3
    assert Store(store).followers("larsbrinkhoff")["username"].notna().sum() == len(ids) - 3
    leaked = [p for p in store.rglob("*")
              if p.is_file() and b"cli-hydrate-token" in p.read_bytes()]
    assert not leaked and "cli-hydrate-token" not in out.output + again.output


def test_commands_on_an_archive_without_profiles_advise_hydrating(tmp_path):
    """Scoring and segmenting need profiles: they say how to get them; triage lists only the
    follow-backs the own posts give, instead of crashing on the empty bot-score table."""
    from click.testing import CliRunner

    from follower_kit.cli import main

    store = Store(tmp_path / "store")
    ingest.import_archive(store, _arc("2021-03-22"))
    where = ["--store", str(store.path)]
    for command, verb in ((["bots", "score"], "score"), (["topics"], "segment")):
        out = CliRunner().invoke(main, [*command, "larsbrinkhoff", *where])
        assert out.exit_code == 1, out.output
        assert "none of the 405 followers of @larsbrinkhoff has a profile" in out.output
        assert f"nothing to {verb}" in out.output and "import archive PATH --hydrate" in out.output
    # an empty bot-score table (written by an older version) must not break triage
    store.write_table("bot_scores", "larsbrinkhoff", pd.DataFrame(
        {"id": pd.Series([], dtype=str), "bot_score": pd.Series([], dtype=float)}),
        snapshot_at=store.snapshots("larsbrinkhoff")["snapshot_at"].iloc[-1])
    out = CliRunner().invoke(main, ["triage", "larsbrinkhoff", *where])
    assert out.exit_code == 0, out.output
    assert "405 followers are known by id only" in out.output and "--hydrate" in out.output
    # the 2021 export carries the own tweets: the followers talked to and not followed are the
    # follow-backs; what the other lists need is said once, not "(nobody)" under each of them
    assert "Follow back: followers you talked to in your own posts (" in out.output
    assert "need profiles" in out.output and "(nobody)" not in out.output
    assert "Nothing to rank without profiles" not in out.output


def test_an_archive_hydrated_by_an_earlier_version_imports_again_as_the_same(tmp_path):
    """Earlier versions stored hydrated profiles inside the archive's snapshot, so its content
    differs from an ids-only import; the same follower list still counts as the same import,
    a different one is still refused."""
    from follower_kit.errors import StoreError

    arc = archive.read_archive(_arc("2021-03-22"))
    store = Store(tmp_path)
    ids = list(arc.followers["follower_id"])
    old = store.commit_snapshot(account=arc.account, snapshot_at=arc.generated_at,
                                followers=arc.followers, source="archive",
                                users=pd.DataFrame({"id": ids[:5], "username": list("abcde")}))
    again = ingest.import_archive(store, _arc("2021-03-22"))
    assert not again.created and again.path == old.path and again.followers == len(ids)
    store2 = Store(tmp_path / "other")
    store2.commit_snapshot(account=arc.account, snapshot_at=arc.generated_at,
                           followers=arc.followers.iloc[1:], source="archive")
    with pytest.raises(StoreError, match="already committed"):
        ingest.import_archive(store2, _arc("2021-03-22"))


def test_the_report_counts_followers_x_reported_gone_apart(tmp_path):
    """The profiles note of the report says how many of the followers without a profile X
    reported deleted or suspended (no hydrating will bring those)."""
    from follower_kit import report
    from follower_kit import report_text as rt

    store = Store(tmp_path)
    ingest.import_archive(store, _arc("2021-03-22"))
    ids = list(store.followers("larsbrinkhoff")["id"])

    def lookup(part):  # 100 profiles come back, X reports 7 deleted, the rest is not asked
        back = [i for i in part if i in ids[7:107]]
        errors = pd.DataFrame({"resource_id": [i for i in part if i in ids[:7]],
                               "resource_type": "user", "title": "Not Found Error",
                               "detail": "Could not find user."})
        return pd.DataFrame({"id": back, "username": [f"u{i}" for i in back]}), errors

    ingest.hydrate(store, "larsbrinkhoff", lookup, ids=ids[:107])
    data = report.load_month("larsbrinkhoff", store=store)
    assert set(data.unavailable["id"]) == set(ids[:7])
    note = rt.profiles_note(data.followers, unavailable=data.unavailable["id"])
    assert "305 of the 405 followers" in note
    assert "7 of them are accounts X reported deleted or suspended" in note
    assert "--hydrate" in note  # 298 could still be fetched
    everyone_gone = rt.profiles_note(data.followers.head(7), unavailable=data.unavailable["id"])
    assert "All 7 are accounts X reported" in everyone_gone and "--hydrate" not in \
        everyone_gone
    one_gone = rt.profiles_note(data.followers.head(1), unavailable=data.unavailable["id"])
    assert "The one follower has no profile" in one_gone
    assert "It is an account X reported" in one_gone
    assert "X reported" not in rt.profiles_note(data.followers)


def test_the_explore_table_names_whom_the_own_posts_name(series_store):
    """The explore notebook's follower table on an archive without profiles: the 125 followers
    the own posts name carry their handle and name, as the report's lists do, so a search by
    handle finds them; they stay without a profile (observed_at missing), the rest bare ids."""
    from follower_kit import audience
    from follower_kit import report_text as rt

    data = audience.load_month("larsbrinkhoff", "2023-08", store=series_store)
    frame = audience.follower_frame(data, None, None)
    assert len(frame) == 764 and frame["username"].notna().sum() == 125
    assert frame["observed_at"].isna().all()
    found = rt.filter_followers(frame, text="brouhaha")
    assert list(found["id"]) == ["9296352"]
    assert found["name"].iloc[0] == "AI except neither Artificial nor Intelligent"
