"""The snapshot store: atomic, immutable, idempotent snapshots, and clear errors on bad files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from follower_kit import SchemaError, Store, StoreError, schema

ACCOUNT = {"id": "42", "username": "acme", "name": "Acme"}


def _commit(store, at, ids, users=None, **kw):
    return store.commit_snapshot(account=ACCOUNT, snapshot_at=at,
                                 followers=pd.DataFrame({"follower_id": ids}), users=users,
                                 source="api", **kw)


def _tree(path: Path) -> dict:
    return {str(p.relative_to(path)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(path.rglob("*")) if p.is_file() and ".staging" not in p.parts}


def test_roundtrip_keeps_canonical_types(tmp_path):
    store = Store(tmp_path)
    users = pd.DataFrame({"id": ["1", "2"], "username": ["ann", "bob"],
                          "followers_count": [10, None], "created_at": ["2020-01-01T00:00:00Z"] * 2})
    ref = _commit(store, "2026-01-31", ["2", "1"], users)
    assert ref.created and ref.followers == 2
    got = store.followers("@ACME")
    assert got["id"].tolist() == ["2", "1"] and got["position"].tolist() == [0, 1]
    assert got.set_index("id").loc["1", "username"] == "ann"
    for name, dtype in schema.USERS.dtypes.items():
        assert got[name].dtype == dtype, name
    assert store.accounts()["username"].tolist() == ["acme"]


def test_same_snapshot_twice_changes_nothing(tmp_path):
    store = Store(tmp_path)
    _commit(store, "2026-01-31", ["1", "2"])
    before = _tree(tmp_path)
    again = _commit(store, "2026-01-31T00:00:00Z", ["1", "2"])
    assert not again.created
    assert _tree(tmp_path) == before


def test_snapshots_are_immutable(tmp_path):
    store = Store(tmp_path)
    _commit(store, "2026-01-31", ["1", "2"])
    before = _tree(tmp_path)
    with pytest.raises(StoreError, match="immutable"):
        _commit(store, "2026-01-31", ["1", "3"])
    assert _tree(tmp_path) == before


def test_invalid_input_writes_nothing(tmp_path):
    store = Store(tmp_path)
    _commit(store, "2026-01-31", ["1"])
    before = _tree(tmp_path)
    with pytest.raises(SchemaError, match="follower_id"):
        _commit(store, "2026-02-28", ["1", "not-an-id"])
    with pytest.raises(SchemaError, match="duplicated"):
        _commit(store, "2026-02-28", ["1", "1"])
    assert _tree(tmp_path) == before
    assert len(store.snapshots()) == 1


def test_unwritable_store_gives_clear_message(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    store = Store(blocker / "store")
    with pytest.raises(StoreError, match="cannot write to the store directory"):
        _commit(store, "2026-01-31", ["1"])


def test_truncated_parquet_is_named(tmp_path):
    store = Store(tmp_path)
    ref = _commit(store, "2026-01-31", ["1", "2"])
    target = ref.path / "followers.parquet"
    target.write_bytes(target.read_bytes()[:-40])
    with pytest.raises(StoreError) as err:
        store.followers("acme")
    assert str(target) in str(err.value)


def test_foreign_parquet_is_named(tmp_path):
    store = Store(tmp_path)
    ref = _commit(store, "2026-01-31", ["1", "2"])
    target = ref.path / "users.parquet"
    pd.DataFrame({"something": [1, 2]}).to_parquet(target)
    with pytest.raises(StoreError) as err:
        store.followers("acme")
    assert str(target) in str(err.value) and "lacks column" in str(err.value)


def test_followers_at_a_date_use_profiles_known_then(tmp_path):
    store = Store(tmp_path)
    _commit(store, "2026-01-31", ["1"], pd.DataFrame({"id": ["1"], "username": ["old_name"]}))
    _commit(store, "2026-02-28", ["2", "1"], pd.DataFrame({"id": ["1", "2"],
                                                           "username": ["new_name", "b"]}))
    jan = store.followers("acme", at="2026-01")
    assert jan["username"].tolist() == ["old_name"]
    assert store.followers("acme", at="2026-02-15")["username"].tolist() == ["old_name"]
    assert store.followers("acme")["username"].tolist() == ["b", "new_name"]
    with pytest.raises(StoreError, match="no snapshot at or before"):
        store.followers("acme", at="2025-12")
    with pytest.raises(StoreError, match="no account 'nobody'.*acme"):
        store.followers("nobody")


def test_profiles_added_later_fill_an_id_only_snapshot(tmp_path):
    """Hydrating an archive: profiles stored apart from the immutable snapshot are read with it
    by followers() and diff() alike; the same profiles twice make one file; invalid ones write
    nothing."""
    store = Store(tmp_path)
    _commit(store, "2026-01-31", ["1"])
    snap = _commit(store, "2026-02-28", ["2", "1"])
    assert store.followers("acme")["username"].isna().all()
    before = _tree(tmp_path)
    with pytest.raises(SchemaError):
        store.add_profiles("acme", pd.DataFrame({"id": ["2"], "followers_count": ["many"]}))
    assert _tree(tmp_path) == before
    profiles = pd.DataFrame({"id": ["1", "2"], "username": ["a", "b"]})
    first = store.add_profiles("acme", profiles, observed_at="2026-11-26 12:00")
    again = store.add_profiles("acme", profiles, observed_at="2026-11-26 12:00")
    assert first.created and not again.created and again.path == first.path
    assert len(list(first.path.parent.iterdir())) == 1 and first.rows == 2
    assert store.add_profiles("acme", profiles.head(0)) is None
    assert store.followers("acme")["username"].tolist() == ["b", "a"]
    assert store.followers("acme", at="2026-01")["username"].tolist() == ["a"]
    new = store.diff("acme")
    assert new[["change", "id", "username"]].values.tolist() == [["new", "2", "b"]]
    after = _tree(tmp_path)
    inside = str(snap.path.relative_to(tmp_path))
    assert {k: v for k, v in after.items() if k.startswith(inside)} == \
        {k: v for k, v in before.items() if k.startswith(inside)}, "the snapshot is untouched"


def test_a_snapshot_shows_its_own_profiles_though_read_after_its_second(tmp_path):
    """A pull is dated when it starts (to the second) and observes each profile when its page
    arrives: the latest pull's own profiles, read after its time, beat those observed before
    it, in followers() and diff() alike; an earlier snapshot keeps its own."""
    store = Store(tmp_path)

    def users(ids, name, at):
        return pd.DataFrame({"id": ids, "username": ids, "name": [name] * len(ids),
                             "observed_at": [pd.Timestamp(at, tz="UTC")] * len(ids)})

    _commit(store, "2026-01-31 10:00:00", ["1", "2"], users(["1", "2"], "jan",
                                                             "2026-01-31 10:00:00.4"))
    _commit(store, "2026-02-28 10:00:00", ["1"], users(["1"], "feb", "2026-02-28 10:00:00.5"))
    _commit(store, "2026-03-31 10:00:00", ["2", "1"], users(["2", "1"], "mar",
                                                             "2026-03-31 10:07:12.25"))
    assert store.followers("acme")["name"].tolist() == ["mar", "mar"]
    assert store.followers("acme", at="2026-01")["name"].tolist() == ["jan", "jan"]
    assert store.diff("acme")[["change", "id", "name"]].values.tolist() == [["new", "2", "mar"]]


def test_tweets_added_apart_join_the_snapshots_tweets_latest_copy_winning(tmp_path):
    """pull tweets and twarc2 timelines store tweets beside the snapshots: store.tweets() reads
    both, one row per tweet, the copy observed last (its counts) winning whichever folder it
    is in; no snapshot is added."""
    store = Store(tmp_path)

    def tweets(likes):
        return pd.DataFrame({"id": ["101", "102"], "author_id": ["1", "2"], "likes": likes,
                             "kind": "original",
                             "created_at": ["2026-01-20T00:00:00Z"] * 2}).rename(
            columns={"likes": "like_count"})

    store.commit_snapshot(account=ACCOUNT, snapshot_at="2026-01-31",
                          followers=pd.DataFrame({"follower_id": ["1", "2"]}),
                          tweets=tweets([1, 1]), source="api")
    ref = store.add_tweets("acme", tweets([5, 7]).head(1), observed_at="2026-02-10")
    assert ref.created and ref.rows == 1
    got = store.tweets("acme").set_index("id")["like_count"]
    assert got.to_dict() == {"101": 5, "102": 1}
    # a later snapshot's copy beats an earlier copy kept apart
    store.commit_snapshot(account=ACCOUNT, snapshot_at="2026-02-28",
                          followers=pd.DataFrame({"follower_id": ["1", "2"]}),
                          tweets=tweets([9, 9]), source="api")
    assert store.tweets("acme").set_index("id")["like_count"].to_dict() == {"101": 9, "102": 9}
    assert len(store.snapshots("acme")) == 2
    with pytest.raises(SchemaError):
        store.add_tweets("acme", pd.DataFrame({"id": ["103"]}))


def test_copied_follower_lists_of_earlier_versions_are_not_snapshots(tmp_path):
    """Earlier versions committed a tweets pull as a snapshot repeating the previous follower
    list. Such a copy is no follower observation: it is left out of the snapshots, the growth
    and the diffs, while its tweets are still read."""
    store = Store(tmp_path)
    _commit(store, "2026-01-31", ["1", "2"])
    tweets = pd.DataFrame({"id": ["501"], "author_id": ["1"], "kind": "original",
                           "created_at": ["2026-02-01T00:00:00Z"]})
    store.commit_snapshot(account=ACCOUNT, snapshot_at="2026-02-02",
                          followers=pd.DataFrame({"follower_id": ["1", "2"]}), tweets=tweets,
                          source="api", extra={"followers_from": "2026-01-31T00:00:00+00:00"})
    _commit(store, "2026-02-28", ["3", "1"])
    assert [t.strftime("%m-%d") for t in store.snapshots("acme")["snapshot_at"]] == \
        ["01-31", "02-28"]
    assert sorted(store.follower_edges("acme")["snapshot_at"].dt.strftime("%m-%d").unique()) == \
        ["01-31", "02-28"]
    changes = store.diff("acme")
    assert changes.attrs["before"].strftime("%m-%d") == "01-31"
    assert sorted(changes["id"]) == ["2", "3"]
    assert list(store.tweets("acme")["id"]) == ["501"]
    assert store.info()["accounts"][0]["apart"]["tweets"] == 1
    assert store.followers("acme", at="2026-02-10")["id"].tolist() == ["1", "2"]


ids = st.sets(st.integers(1, 60).map(str), max_size=40)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=ids, after=ids)
def test_new_and_lost_match_set_differences(tmp_path_factory, before, after):
    store = Store(tmp_path_factory.mktemp("diff"))
    _commit(store, "2026-01-31", sorted(before))
    _commit(store, "2026-02-28", sorted(after))
    d = store.diff("acme")
    assert set(d.loc[d["change"] == "new", "id"]) == after - before
    assert set(d.loc[d["change"] == "lost", "id"]) == before - after


def test_tweets_are_deduplicated_across_snapshots(tmp_path):
    store = Store(tmp_path)
    tweets = pd.DataFrame({"id": ["10", "11"], "author_id": ["1", "1"], "kind": "original",
                           "created_at": ["2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"],
                           "like_count": [1, 2]})
    _commit(store, "2026-01-31", ["1"], tweets=tweets)
    _commit(store, "2026-02-28", ["1"], tweets=tweets.assign(like_count=[5, 6]))
    got = store.tweets("acme")
    assert got["id"].tolist() == ["10", "11"] and got["like_count"].tolist() == [5, 6]
    assert store.tweets("acme", authors=["999"]).empty


WRITER = textwrap.dedent("""
    import os, sys, time
    import numpy as np, pandas as pd
    from follower_kit import Store
    store_dir, mode = sys.argv[1], sys.argv[2]
    if mode == "block-before-rename":
        real_rename = os.rename
        def blocked(src, dst):
            if "snapshots" in str(dst):
                print("ready", flush=True)
                time.sleep(600)
            return real_rename(src, dst)
        os.rename = blocked
    ids = (np.arange(300_000) + 10**15).astype(str)
    print("writing", flush=True)
    Store(store_dir).commit_snapshot(account={"id": "42", "username": "acme"},
        snapshot_at="2026-02-28", followers=pd.DataFrame({"follower_id": ids}), source="api")
    print("done", flush=True)
""")


def _writer(store_dir, mode):
    return subprocess.Popen([sys.executable, "-c", WRITER, str(store_dir), mode],
                            stdout=subprocess.PIPE, text=True)


def test_kill_between_write_and_rename_keeps_previous_state(tmp_path):
    store = Store(tmp_path)
    _commit(store, "2026-01-31", ["1", "2"])
    before = _tree(tmp_path)
    proc = _writer(tmp_path, "block-before-rename")
    lines = []
    for line in proc.stdout:
        lines.append(line.strip())
        if line.strip() == "ready":
            break
    assert lines[-1] == "ready", lines
    assert any((tmp_path / ".staging").iterdir())  # the new snapshot is written, not renamed
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _tree(tmp_path) == before
    assert store.snapshots()["snapshot_at"].dt.strftime("%Y-%m-%d").tolist() == ["2026-01-31"]
    assert store.followers("acme")["id"].tolist() == ["1", "2"]
    _commit(store, "2026-02-28", ["3"])  # the next write sweeps the dead writer's staging
    assert not any((tmp_path / ".staging").iterdir())


@pytest.mark.parametrize("delay", [0.4, 0.9, 1.5, 2.5])
def test_kill_at_random_points_leaves_whole_or_nothing(tmp_path, delay):
    store = Store(tmp_path)
    _commit(store, "2026-01-31", ["1", "2"])
    proc = _writer(tmp_path, "plain")
    assert proc.stdout.readline().strip() == "writing"
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    snaps = store.snapshots()
    assert len(snaps) in (1, 2)
    if len(snaps) == 2:  # it finished before the kill: the snapshot is whole
        assert len(store.followers("acme")) == 300_000
    assert store.followers("acme", at="2026-01")["id"].tolist() == ["1", "2"]


def test_derived_tables_by_snapshot_with_optional_fallback(tmp_path):
    store = Store(tmp_path)
    _commit(store, "2026-01-31", ["1"])
    store.write_table("scores", "acme", pd.DataFrame({"v": [1]}), snapshot_at="2026-01-31")
    store.write_table("following", "acme", pd.DataFrame({"following_id": ["9"]}))
    assert store.read_table("scores", "acme", snapshot_at="2026-02-28") is None
    assert store.read_table("scores", "acme", snapshot_at="2026-02-28",
                            latest_if_missing=True)["v"].tolist() == [1]
    assert store.read_table("scores", "acme")["v"].tolist() == [1]
    assert store.read_table("following", "acme", snapshot_at="2026-01-31",
                            latest_if_missing=True)["following_id"].tolist() == ["9"]
    assert store.read_table("nothing", "acme") is None


def test_an_unknown_account_names_the_likely_typo_and_how_to_add_one(tmp_path):
    """An agency's clients file with a typo ('acmee'): the error names the account meant and
    says how a new account gets into the store, not only the list of what it holds."""
    store = Store(tmp_path)
    _commit(store, "2026-01-31", ["1"], pd.DataFrame({"id": ["1"], "username": ["u1"]}))
    with pytest.raises(StoreError) as err:
        store.resolve("Acmee")
    message = str(err.value)
    assert "no account 'Acmee'" in message and "did you mean @acme?" in message
    assert "It has: acme." in message and "follower-kit pull followers HANDLE" in message
    with pytest.raises(StoreError) as far:
        store.resolve("zzzzzz")
    assert "did you mean" not in str(far.value) and "It has: acme." in str(far.value)
