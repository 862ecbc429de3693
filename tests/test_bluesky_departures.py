"""Followers who left a Bluesky account told apart: unfollowed, or gone with their account
(deleted, deactivated, taken down). Two pulls against the fake AppView over real HTTP, with
followers unfollowing and accounts vanishing between them."""

from __future__ import annotations

import json

import pandas as pd
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


def _client(server, at=None):
    kw = {"clock": lambda: pd.Timestamp(at).timestamp()} if at is not None else {}
    return bluesky.BlueskyClient(server.url, timeout=5, sleep=lambda s: None, **kw)


def _profile_requests(server, since: int) -> list[list[str]]:
    """The actors of each getProfiles request since request ``since``."""
    return [list(r["query"]["actors"]) for r in server.requests[since:]
            if r["nsid"].endswith("getProfiles")]


def two_pulls(audience, lexicons, path, *, unfollow: int, gone: int,
              at=("2026-10-31T12:00Z", "2026-11-30T12:00Z")):
    """Pull (at ``at[0]``), then ``unfollow`` followers unfollow and ``gone`` accounts vanish,
    then pull again (at ``at[1]``). Returns the store, the two sets of DIDs and the actors of
    each getProfiles request the second pull made."""
    store = Store(path)
    with FakeBluesky.from_sample(audience, lexicons=lexicons) as server:
        ingest.pull_bluesky_followers(store, HANDLE, client=_client(server, at[0]),
                                      following=False)
        did = store.resolve(HANDLE)
        followers = server.accounts[did]["followers"]
        left, vanished = followers[5:5 + unfollow], followers[len(followers) - gone:]
        assert len(followers) > 5 + unfollow + gone
        server.accounts[did]["followers"] = [d for d in followers if d not in set(left)]
        server.hidden.update(vanished)  # the AppView shows them nowhere, getProfiles included
        asked = len(server.requests)
        ingest.pull_bluesky_followers(store, HANDLE, client=_client(server, at[1]),
                                      following=False)
        lookups = _profile_requests(server, asked)
        assert server.invalid_requests == [] and server.invalid_responses == []
    return store, set(left), set(vanished), lookups


@pytest.fixture(scope="module")
def pulled(audience, lexicons, tmp_path_factory):
    """Two pulls a month apart: 48 followers unfollowed, 5 accounts vanished between them."""
    return two_pulls(audience, lexicons, tmp_path_factory.mktemp("departures"), unfollow=48,
                     gone=5)


def test_the_second_pull_tells_unfollowed_from_gone(pulled):
    store, left, vanished, lookups = pulled
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


def test_growth_and_changes_say_who_unfollowed_and_whose_account_is_gone(pulled, tmp_path):
    from click.testing import CliRunner

    from follower_kit.cli import main

    store, left, vanished, _ = pulled
    where = ["--store", str(store.path)]
    out = CliRunner().invoke(main, ["growth", HANDLE, *where])
    assert out.exit_code == 0, out.output
    header, last = out.output.splitlines()[1].split(), out.output.splitlines()[3].split()
    assert header[:7] == ["snapshot", "followers", "new", "lost", "unfollowed", "gone", "net"]
    assert last[2:6] == ["0", "53", "48", "5"]
    rows = json.loads(CliRunner().invoke(main, ["growth", HANDLE, "--monthly", "--json",
                                                *where]).output)
    assert [(r["lost"], r["unfollowed"], r["gone"]) for r in rows] == [(None, None, None),
                                                                        (53, 48, 5)]
    csv = tmp_path / "changes.csv"
    out = CliRunner().invoke(main, ["changes", HANDLE, "--limit", "0", "--csv", str(csv),
                                    *where])
    assert out.exit_code == 0, out.output
    assert "Lost followers (53: 48 unfollowed, 5 accounts gone (deleted, deactivated or " \
        "suspended))" in out.output
    assert out.output.count("(account gone)") == 5
    written = pd.read_csv(csv)
    assert set(written.loc[written["left"] == "account gone", "id"]) == vanished
    assert set(written.loc[written["left"] == "unfollowed", "id"]) == left


def test_x_stores_keep_lost_as_one_number(archive_store):
    """No check exists for X (nor for Bluesky snapshots pulled before it): lost stays one
    number, with no unfollowed/gone columns or keys and no sentence about accounts gone."""
    from click.testing import CliRunner

    from follower_kit import audience
    from follower_kit.cli import main

    out = CliRunner().invoke(main, ["growth", "larsbrinkhoff", "--store",
                                    str(archive_store.path)])
    assert "gone" not in out.output and "unfollowed" not in out.output
    out = CliRunner().invoke(main, ["changes", "larsbrinkhoff", "--store",
                                    str(archive_store.path)])
    assert "Lost followers (53)" in out.output and "account gone" not in out.output
    data = audience.load_month("larsbrinkhoff", store=archive_store.path)
    assert data.lost_followers["left"].isna().all()
    head = audience.growth(data).headline
    assert head["lost"] == 53 and head["gone"] is None and head["unfollowed"] is None


def test_the_sentence_counts_the_accounts_gone():
    from follower_kit.report.prose import gone_sentence

    assert gone_sentence(53, 5) == ("5 of them did not unfollow: their accounts were deleted, "
                                    "deactivated or suspended.")
    assert gone_sentence(53, 1) == ("One of them did not unfollow: the account was deleted, "
                                    "deactivated or suspended.")
    assert gone_sentence(4, 4) == ("None of them unfollowed: their accounts were deleted, "
                                   "deactivated or suspended.")
    assert gone_sentence(1, 1).startswith("That follower did not unfollow: the account was")
    assert gone_sentence(53, 0) is None and gone_sentence(53, None) is None
    assert gone_sentence(0, 0) is None


def test_the_report_says_how_many_accounts_are_gone(pulled, tmp_path):
    import follower_kit as fk
    from follower_kit import audience

    store, left, vanished, _ = pulled
    result = fk.report(HANDLE, month="2026-11", store=str(store.path), out_dir=tmp_path,
                       formats=("html",))
    page = result.paths["html"].read_text()
    assert "and 53 followers left. 5 of them did not unfollow: their accounts were deleted, " \
        "deactivated or suspended." in page
    assert "How they left" in page  # the lost followers' table
    lost = pd.read_csv(next(tmp_path.rglob("*-lost-followers.csv")))
    related = audience.relations(fk.load_month(HANDLE, "2026-11", store=store.path))
    unfollowed = related[related["relation"] == "unfollowed"]
    assert set(unfollowed.loc[unfollowed["detail"].notna(), "user_id"]) == vanished
    assert unfollowed["detail"].dropna().str.startswith("did not unfollow: the account").all()
    assert set(lost.loc[lost["left"] == "account gone", "follower_id"]) == vanished
    assert set(lost.loc[lost["left"] == "unfollowed", "follower_id"]) == left


def test_the_fake_appview_leaves_gone_accounts_out_of_getprofiles(audience, lexicons):
    """As the AppView does (getProfiles.ts; the recorded 25-actor answer keeps order and
    duplicates): an account that is gone is simply absent, the call does not fail."""
    with FakeBluesky.from_sample(audience, lexicons=lexicons) as server:
        did = next(iter(server.accounts))
        a, b, c = server.accounts[did]["followers"][:3]
        server.hidden.add(b)
        page = _client(server).call("getProfiles", actors=[a, b, c, a, "did:plc:" + "x" * 24])
        assert [p["did"] for p in page.body["profiles"]] == [a, c, a]
        assert bluesky.still_shown(_client(server), [a, b, c, a]) == {a, c}
        assert server.invalid_requests == [] and server.invalid_responses == []


@pytest.mark.parametrize("unfollow, gone, requests", [(0, 0, 0), (20, 5, 1), (48, 5, 3),
                                                      (90, 10, 4)])
def test_the_check_costs_one_request_per_25_lost(audience, lexicons, tmp_path, unfollow, gone,
                                                 requests):
    """What docs/bluesky.md states: ceil(lost / 25) getProfiles requests, none when nobody
    left; every lost follower asked once."""
    store, left, vanished, lookups = two_pulls(audience, lexicons, tmp_path, unfollow=unfollow,
                                               gone=gone)
    asking = [a for a in lookups if set(a) & (left | vanished)]
    assert len(asking) == requests
    assert sorted(sum(asking, [])) == sorted(left | vanished)
    table = store.departures(HANDLE)
    assert (int(table["gone"].sum()), int((~table["gone"]).sum())) == (gone, unfollow)


def test_a_pull_that_finds_no_follower_left_records_every_one(audience, lexicons, tmp_path):
    """Everyone left, some with their account: the pull commits an empty follower list (it
    stopped with "users.labels cannot be read as list<item: string>" on an empty users
    frame) and records each one's departure."""
    with FakeBluesky.from_sample(audience, lexicons=lexicons) as server:
        store = Store(tmp_path)
        ingest.pull_bluesky_followers(store, HANDLE, client=_client(server, "2026-10-31"),
                                      following=False)
        did = store.resolve(HANDLE)
        followers = server.accounts[did]["followers"]
        server.hidden.update(followers[:4])
        server.accounts[did]["followers"] = followers[:4]
        ref = ingest.pull_bluesky_followers(store, HANDLE, client=_client(server, "2026-11-30"),
                                            following=False)
    assert ref.followers == 0 and store.followers(HANDLE).empty
    table = store.departures(HANDLE)
    assert len(table) == len(followers) and int(table["gone"].sum()) == 4


def test_the_lost_card_says_how_many_accounts_are_gone():
    """The report's "followers lost" card counted the gone with those who unfollowed; its
    note now says how many of them are gone, and nothing where nobody checked (X)."""
    from follower_kit.report import prose

    base = {"snapshot_at": pd.Timestamp("2026-10-31", tz="UTC"), "followers": 500, "new": 60,
            "lost": 53, "net": 7, "growth_rate": 0.014, "previous_followers": 493,
            "previous_new": None, "previous_lost": None, "months_since_previous": 1,
            "previous_snapshot_at": pd.Timestamp("2026-09-30", tz="UTC"), "month": "2026-10"}
    lost = {c[0].split(" since")[0]: c for c in prose.headline_cards({**base, "gone": 5})}
    assert lost["followers lost"][1:] == ("53", "5 accounts gone")
    assert prose.headline_cards({**base, "gone": 1})[2][2] == "1 account gone"
    assert prose.headline_cards({**base, "gone": 53})[2][2] == "all accounts gone"
    assert prose.headline_cards({**base, "gone": None})[2][2] is None  # X: nobody checked
    assert prose.headline_cards({**base, "gone": 0})[2][2] is None
