"""Followers who left a Bluesky account told apart: unfollowed, or gone with their account
(deleted, deactivated, taken down). Two pulls against the fake AppView over real HTTP, with
followers unfollowing and accounts vanishing between them."""

from __future__ import annotations

import pytest

from conftest import shared_path
from follower_kit import Store, ingest
from follower_kit.analysis import growth
from follower_kit.sources import bluesky
from follower_kit.testing.fake_bluesky import FakeBluesky
from follower_kit.testing.lexicon import Lexicons

HANDLE = "sample.bsky.social"


@pytest.fixture(scope="module")
def lexicons():
    return Lexicons(shared_path("bluesky", "lexicons"))


@pytest.fixture(scope="module")
def audience():
    from follower_kit.sources.sample import generate

    return generate(followers=120, months=2, seed=11, tweets_per_follower=2)


def _client(server):
    return bluesky.BlueskyClient(server.url, timeout=5, sleep=lambda s: None)


def _profile_requests(server, since: int) -> list[list[str]]:
    """The actors of each getProfiles request since request ``since``."""
    return [list(r["query"]["actors"]) for r in server.requests[since:]
            if r["nsid"].endswith("getProfiles")]


def two_pulls(audience, lexicons, path, *, unfollow: int, gone: int):
    """Pull, then ``unfollow`` followers unfollow and ``gone`` accounts vanish, then pull
    again. Returns the store, the two sets of DIDs and the getProfiles requests the second
    pull made."""
    store = Store(path)
    with FakeBluesky.from_sample(audience, lexicons=lexicons) as server:
        ingest.pull_bluesky_followers(store, HANDLE, client=_client(server), following=False)
        did = store.resolve(HANDLE)
        followers = server.accounts[did]["followers"]
        left, vanished = followers[5:5 + unfollow], followers[-gone:]
        assert len(followers) > 5 + unfollow + gone
        server.accounts[did]["followers"] = [d for d in followers if d not in set(left)]
        server.hidden.update(vanished)  # the AppView shows them nowhere, getProfiles included
        asked = len(server.requests)
        ingest.pull_bluesky_followers(store, HANDLE, client=_client(server), following=False)
        lookups = _profile_requests(server, asked)
        assert server.invalid_requests == [] and server.invalid_responses == []
    return store, set(left), set(vanished), lookups


def test_the_second_pull_tells_unfollowed_from_gone(audience, lexicons, tmp_path):
    store, left, vanished, lookups = two_pulls(audience, lexicons, tmp_path, unfollow=48,
                                               gone=5)
    table = store.departures(HANDLE)
    assert len(table) == 53 and table["snapshot_at"].nunique() == 1
    assert set(table.loc[table["gone"], "follower_id"]) == vanished
    assert set(table.loc[~table["gone"], "follower_id"]) == left
    snaps = store.snapshots(HANDLE)["snapshot_at"]
    assert (table["since"] == snaps.iloc[0]).all()
    assert table["snapshot_at"].iloc[0] == snaps.iloc[1]
    counts = growth.follower_counts(store.follower_edges(HANDLE), snapshots=snaps,
                                    departures=table)
    last = counts.iloc[-1]
    assert (last["lost"], last["unfollowed"], last["gone"]) == (53, 48, 5)
    assert counts["gone"].isna().iloc[0]  # the first snapshot has nothing to compare with
    changes = growth.follower_changes(store.follower_edges(HANDLE), snapshots=snaps,
                                      departures=table)
    lost = changes[changes["change"] == "lost"].set_index("follower_id")["gone"]
    assert set(lost[lost.astype(bool)].index) == vanished
    assert changes.loc[changes["change"] == "new", "gone"].isna().all()
    # the lost ones are asked for once each, 25 a request: 3 requests for 53
    asking = [a for a in lookups if set(a) & (left | vanished)]
    assert [len(a) for a in asking] == [25, 25, 3]
    assert set(sum(asking, [])) == left | vanished


def test_a_first_pull_records_nothing_and_x_style_stores_stay_unknown(audience, lexicons,
                                                                      tmp_path):
    store = Store(tmp_path)
    with FakeBluesky.from_sample(audience, lexicons=lexicons) as server:
        ingest.pull_bluesky_followers(store, HANDLE, client=_client(server), following=False)
    table = store.departures(HANDLE)
    assert table.empty and table.attrs["checked"] == []
    snaps = store.snapshots(HANDLE)["snapshot_at"]
    counts = growth.follower_counts(store.follower_edges(HANDLE), snapshots=snaps,
                                    departures=table)
    assert counts["gone"].isna().all()


def test_a_pull_stopped_before_its_record_is_written_redoes_it(audience, lexicons, tmp_path,
                                                               monkeypatch):
    """The snapshot is committed, then the record written: a pull stopped in between is
    resumed by the same command, which commits nothing new and checks the lost again."""
    store = Store(tmp_path)
    with FakeBluesky.from_sample(audience, lexicons=lexicons) as server:
        ingest.pull_bluesky_followers(store, HANDLE, client=_client(server), following=False)
        did = store.resolve(HANDLE)
        followers = server.accounts[did]["followers"]
        server.accounts[did]["followers"] = followers[3:]
        server.hidden.update(followers[-2:])
        real = Store.write_table

        def crash(self, name, *args, **kw):
            if name == "departures":
                raise KeyboardInterrupt
            return real(self, name, *args, **kw)

        monkeypatch.setattr(Store, "write_table", crash)
        with pytest.raises(KeyboardInterrupt):
            ingest.pull_bluesky_followers(store, HANDLE, client=_client(server),
                                          following=False)
        monkeypatch.setattr(Store, "write_table", real)
        assert len(store.snapshots(HANDLE)) == 2 and store.departures(HANDLE).empty
        ref = ingest.pull_bluesky_followers(store, HANDLE, client=_client(server),
                                            following=False)
    assert not ref.created and len(store.snapshots(HANDLE)) == 2
    table = store.departures(HANDLE)
    assert table.attrs["checked"] == [ref.snapshot_at]
    assert set(table.loc[table["gone"], "follower_id"]) == set(followers[-2:])
    assert set(table.loc[~table["gone"], "follower_id"]) == set(followers[:3])
