"""Growth: counts, new/lost, monthly, retention, follow-date bounds, bursts, activity hours."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from follower_kit import report_text as rt
from follower_kit import schema
from follower_kit.analysis import growth
from follower_kit.errors import SchemaError

from conftest import shared_path

T0 = pd.Timestamp("2026-01-15", tz="UTC")


def edges_from(snapshots: dict[pd.Timestamp, list[str]], account_id: str = "1") -> pd.DataFrame:
    """A canonical followers frame from {snapshot_at: [follower ids, newest first]}."""
    rows = [{"account_id": account_id, "snapshot_at": at, "follower_id": fid, "position": i,
             "source": "sample"}
            for at, ids in snapshots.items() for i, fid in enumerate(ids)]
    frame = pd.DataFrame(rows, columns=schema.FOLLOWERS.names)
    return schema.validate(schema.coerce(frame, "followers"), "followers")


# ------------------------------------------------------------------------- the real archive
@pytest.fixture(scope="module")
def archive_store(tmp_path_factory):
    """The four real archive generations imported into a store, one snapshot each."""
    from follower_kit import Store
    from follower_kit.ingest import import_archive

    root = shared_path("x-archive", "larsbrinkhoff")
    store = Store(tmp_path_factory.mktemp("archive-store"))
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        import_archive(store, folder)
    return store


@pytest.fixture(scope="module")
def archive_edges(archive_store):
    return archive_store.follower_edges("larsbrinkhoff")


def follower_js_ids(folder) -> list[str]:
    """follower.js read directly (``window.YTD.follower.part0 = [...]``), to check the store."""
    text = (folder / "follower.js").read_text(encoding="utf-8")
    return [i["follower"]["accountId"] for i in json.loads(text[text.index("["):])]


def test_real_archive_series(archive_edges):
    counts = growth.follower_counts(archive_edges)
    assert counts["followers"].tolist() == [405, 561, 644, 764]
    assert counts["new"].tolist()[1:] == [173, 94, 173]
    assert counts["lost"].tolist()[1:] == [17, 11, 53]
    assert counts["new"].isna().iloc[0] and counts["lost"].isna().iloc[0]
    assert counts["net"].tolist()[1:] == [156, 83, 120]
    assert counts["churn_rate"].iloc[1] == pytest.approx(17 / 405)
    assert counts["growth_rate"].iloc[3] == pytest.approx(120 / 644)


def test_real_archive_changes_name_who_came_and_left(archive_edges):
    edges = archive_edges
    changes = growth.follower_changes(edges)
    per = changes.groupby(["snapshot_at", "change"]).size()
    assert per.xs("new", level="change").tolist() == [173, 94, 173]
    assert per.xs("lost", level="change").tolist() == [17, 11, 53]
    snaps = sorted(edges["snapshot_at"].unique())
    ids = {s: set(edges.loc[edges["snapshot_at"] == s, "follower_id"]) for s in snaps}
    new_last = set(changes.loc[(changes["snapshot_at"] == snaps[-1])
                               & (changes["change"] == "new"), "follower_id"])
    assert new_last == ids[snaps[-1]] - ids[snaps[-2]]
    raw = [set(follower_js_ids(folder)) for folder in sorted(
        p for p in shared_path("x-archive", "larsbrinkhoff").iterdir() if p.is_dir())]
    assert new_last == raw[3] - raw[2]  # the same sets as follower.js itself
    # X lists followers newest first: this cycle's new followers sit at the top of the list,
    # except two in 2022 that reappear at their old place (accounts deactivated, then restored)
    new = changes[changes["change"] == "new"]
    on_top = new["position"] <= new.groupby("snapshot_at")["position"].transform("size")
    assert on_top.groupby(new["snapshot_at"]).sum().tolist() == [171, 94, 173]


def test_real_archive_monthly_and_retention(archive_edges):
    edges = archive_edges
    monthly = growth.monthly_growth(edges)
    assert monthly["month"].dt.strftime("%Y-%m").tolist() == ["2021-03", "2022-04", "2022-10",
                                                             "2023-08"]
    assert monthly["new"].tolist()[1:] == [173, 94, 173]
    # archives are exported mid-month: the month's figures are as of its last snapshot
    assert monthly["last_snapshot_at"].dt.strftime("%Y-%m-%d").tolist() == [
        "2021-03-22", "2022-04-29", "2022-10-30", "2023-08-20"]
    assert str(monthly["last_snapshot_at"].dt.tz) == "UTC"
    ret = growth.retention(edges, months=(6,))
    first = ret.iloc[0]
    assert first["new_followers"] == 173
    assert first["checked_at"].date() == pd.Timestamp("2022-10-30").date()
    snaps = sorted(edges["snapshot_at"].unique())
    ids = {s: set(edges.loc[edges["snapshot_at"] == s, "follower_id"]) for s in snaps}
    cohort = ids[snaps[1]] - ids[snaps[0]]
    assert first["retained"] == len(cohort & ids[snaps[2]])
    assert pd.isna(ret.iloc[-1]["checked_at"])  # the last cohort has nothing to be checked at


# --------------------------------------------------------------------------- hand-made frames
def test_counts_and_changes_by_hand():
    s = [T0, T0 + pd.Timedelta(days=10), T0 + pd.Timedelta(days=40)]
    edges = edges_from({s[0]: ["3", "2", "1"], s[1]: ["5", "4", "3", "1"], s[2]: ["6", "5", "1"]})
    counts = growth.follower_counts(edges)
    assert counts["followers"].tolist() == [3, 4, 3]
    assert counts["new"].tolist()[1:] == [2, 1] and counts["lost"].tolist()[1:] == [1, 2]
    changes = growth.follower_changes(edges)
    got = {(str(r.snapshot_at.date()), r.change, r.follower_id, r.position)
           for r in changes.itertuples()}
    assert got == {("2026-01-25", "new", "5", 0), ("2026-01-25", "new", "4", 1),
                   ("2026-01-25", "lost", "2", 1),
                   ("2026-02-24", "new", "6", 0), ("2026-02-24", "lost", "4", 1),
                   ("2026-02-24", "lost", "3", 2)}
    assert changes["month"].dt.strftime("%Y-%m").tolist()[:3] == ["2026-01"] * 3
    monthly = growth.monthly_growth(edges)
    # two January snapshots fold into one month; the month's count is its last snapshot's
    assert monthly["snapshots"].tolist() == [2, 1]
    assert monthly["last_snapshot_at"].tolist() == [s[1], s[2]]
    assert monthly["followers"].tolist() == [4, 3]
    assert monthly["new"].tolist() == [2, 1] and monthly["lost"].tolist() == [1, 2]
    assert monthly["churn_rate"].iloc[1] == pytest.approx(2 / 4)


def test_changes_carry_profiles_when_given():
    edges = edges_from({T0: ["1"], T0 + pd.Timedelta(days=31): ["2", "1"]})
    users = schema.coerce(pd.DataFrame({
        "id": ["2", "2"], "username": ["old_name", "new_name"],
        "observed_at": [T0, T0 + pd.Timedelta(days=31)]}), "users")
    changes = growth.follower_changes(edges, users)
    assert changes[["follower_id", "change", "username"]].values.tolist() == [
        ["2", "new", "new_name"]]


def test_retention_by_hand():
    s = [T0 + pd.DateOffset(months=i) for i in range(4)]
    edges = edges_from({s[0]: ["1"], s[1]: ["3", "2", "1"], s[2]: ["3", "1"], s[3]: ["1"]})
    ret = growth.retention(edges, months=(1, 2, 5))
    row = ret[(ret["cohort_snapshot_at"] == s[1])].set_index("months")
    assert row.loc[1, "new_followers"] == 2
    assert row.loc[1, "retained"] == 1 and row.loc[1, "retention_rate"] == pytest.approx(0.5)
    assert row.loc[2, "retained"] == 0
    assert pd.isna(row.loc[5, "checked_at"]) and pd.isna(row.loc[5, "retained"])


def test_single_snapshot_and_errors():
    edges = edges_from({T0: ["1", "2"]})
    counts = growth.follower_counts(edges)
    assert counts["followers"].tolist() == [2] and counts["new"].isna().all()
    assert growth.follower_changes(edges).empty
    assert growth.retention(edges).empty
    two = pd.concat([edges, edges.assign(account_id="9")])
    with pytest.raises(SchemaError, match="2 accounts"):
        growth.follower_counts(two)
    with pytest.raises(SchemaError, match="follower_id"):
        growth.follower_counts(edges.drop(columns="follower_id"))
    with pytest.raises(SchemaError, match="repeat a follower"):
        growth.follower_counts(pd.concat([edges, edges]))
    holey = edges.copy()
    holey.loc[1, "follower_id"] = np.nan
    with pytest.raises(SchemaError, match="follower_id is required but row 1 is missing"):
        growth.follower_counts(holey)


def test_ids_that_are_not_plain_integers_still_match():
    # leading zeros would be merged by integer parsing: the string path keeps them apart
    edges = edges_from({T0: ["007", "7"], T0 + pd.Timedelta(days=1): ["7"]})
    assert growth.follower_counts(edges)["lost"].tolist()[1:] == [1]
    assert growth.follower_changes(edges)["follower_id"].tolist() == ["007"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sets(st.integers(1, 40), max_size=30), min_size=1, max_size=6),
       st.booleans())
def test_new_and_lost_are_set_differences(sets, big_ids):
    offset = 10**18 if big_ids else 0  # X ids exceed float precision: stay exact up there
    snaps = {T0 + pd.Timedelta(days=7 * i): [str(x + offset) for x in sorted(s, reverse=True)]
             for i, s in enumerate(sets)}
    edges = edges_from(snaps)
    times = list(snaps)  # a snapshot with no follower has no edge rows: pass the times
    counts = growth.follower_counts(edges, snapshots=times).set_index("snapshot_at")
    changes = growth.follower_changes(edges, snapshots=times)
    assert counts.index.tolist() == times
    for prev, cur in zip(times, times[1:]):
        a, b = set(snaps[prev]), set(snaps[cur])
        assert counts.loc[cur, "followers"] == len(b)
        assert counts.loc[cur, "new"] == len(b - a)
        assert counts.loc[cur, "lost"] == len(a - b)
        here = changes[changes["snapshot_at"] == cur]
        assert set(here.loc[here["change"] == "new", "follower_id"]) == b - a
        assert set(here.loc[here["change"] == "lost", "follower_id"]) == a - b


# --------------------------------------------------------------------------------- follow dates
@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3000), st.integers(0, 3000), st.booleans()),
                min_size=1, max_size=60))
def test_follow_date_bound_never_exceeds_the_truth(draws):
    # followers in true follow order (oldest first); each account was created before it followed
    base = pd.Timestamp("2010-01-01", tz="UTC")
    follow_days = np.cumsum([d[0] for d in draws])
    created_days = [f - d[1] for f, d in zip(follow_days, draws)]
    n = len(draws)
    followers = pd.DataFrame({
        "id": [str(i) for i in range(n)],
        "position": np.arange(n)[::-1],  # the oldest follower is listed last
        "created_at": [pd.NaT if d[2] and i % 3 == 0 else base + pd.Timedelta(days=int(c))
                       for i, (c, d) in enumerate(zip(created_days, draws))],
    })
    bounds = growth.follow_date_bounds(followers)
    truth = base + pd.to_timedelta(follow_days, unit="D")
    bound = bounds["follow_date_lower_bound"]
    known = bound.notna().to_numpy()
    assert (bound[known].to_numpy() <= truth[known].to_numpy()).all()
    assert bound[known].is_monotonic_increasing
    assert bounds["follow_order"].tolist() == list(range(n))


def test_follow_date_bounds_by_hand():
    d = lambda s: pd.Timestamp(s, tz="UTC")  # noqa: E731
    followers = pd.DataFrame({
        "id": ["4", "3", "2", "1"], "position": [0, 1, 2, 3],
        "created_at": [d("2019-01-01"), d("2021-06-01"), pd.NaT, d("2020-01-01")],
        "bot_score": [0.1, 0.2, 0.3, 0.4],
        "snapshot_at": [d("2026-01-01")] * 4,
    })
    b = growth.follow_date_bounds(followers)
    assert b["follower_id"].tolist() == ["1", "2", "3", "4"]
    assert b["follow_date_lower_bound"].tolist() == [d("2020-01-01"), d("2020-01-01"),
                                                     d("2021-06-01"), d("2021-06-01")]
    assert b["sets_bound"].tolist() == [True, False, True, False]
    assert b["bot_score"].tolist() == [0.4, 0.3, 0.2, 0.1]
    curve = growth.estimated_growth(b, freq="YS")
    assert curve["date"].iloc[-1] == d("2026-01-01")
    assert curve["followers_estimated"].iloc[-1] == 4
    assert curve["followers_estimated"].is_monotonic_increasing
    at_2021 = curve.loc[curve["date"] == d("2021-01-01"), "followers_estimated"].item()
    assert at_2021 == 2
    with pytest.raises(SchemaError, match="one snapshot"):
        growth.follow_date_bounds(followers.assign(snapshot_at=[d("2026-01-01"), d("2026-02-01")]
                                                   * 2))


def synthetic_with_burst(n=3000, burst_at=1200, burst=300, seed=1):
    """Followers whose creation dates spread over 12 years, with ``burst`` consecutive followers
    all created within 10 days (a bought batch), 10% of them genuine followers mixed in."""
    rng = np.random.default_rng(seed)
    base = pd.Timestamp("2012-01-01", tz="UTC")
    created = base + pd.to_timedelta(rng.uniform(0, 12 * 365, n), unit="D")
    batch = pd.Timestamp("2019-05-01", tz="UTC") + pd.to_timedelta(rng.uniform(0, 10, burst),
                                                                     unit="D")
    mixed = rng.random(burst) < 0.1
    created = created.to_series().to_numpy().copy()
    created[burst_at:burst_at + burst] = np.where(mixed, created[burst_at:burst_at + burst],
                                                  batch.to_series().to_numpy())
    order = np.arange(n)  # oldest first
    frame = pd.DataFrame({"id": [str(10**17 + i) for i in order], "position": n - 1 - order,
                          "created_at": pd.to_datetime(created, utc=True),
                          "bot_score": np.where(
                              (order >= burst_at) & (order < burst_at + burst) & ~np.pad(
                                  mixed, (burst_at, n - burst_at - burst)), 0.9, 0.1)})
    return frame, mixed


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bursts_find_a_bought_batch_and_link_bot_scores(seed):
    followers, mixed = synthetic_with_burst(seed=seed)
    labelled = growth.label_bursts(growth.follow_date_bounds(followers))
    summary = growth.burst_summary(labelled)
    assert len(summary) == 1
    row = summary.iloc[0]
    batch_size = int((~mixed).sum())
    members = labelled[labelled["burst_id"].notna()]
    genuine = members["bot_score"] < 0.5
    assert genuine.sum() <= 0.01 * batch_size  # hardly a genuine follower taken for bought
    assert (~genuine).sum() >= 0.97 * batch_size  # and nearly all of the batch found
    assert members["follow_order"].between(1195, 1505).all()
    assert row["created_span_days"] <= 11
    assert row["density"] > 50
    assert row["mean_bot_score"] > 0.85 and row["bot_share"] > 0.97
    assert growth.detect_bursts(followers).iloc[0]["followers"] == row["followers"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_bursts_in_an_organic_audience(seed):
    followers, _ = synthetic_with_burst(burst=0, seed=seed)
    assert growth.detect_bursts(followers.drop(columns="bot_score")).empty
    assert growth.detect_bursts(followers.head(10)).empty  # too few followers to judge


# ------------------------------------------------------------------------------------ activity
def test_activity_heatmap_uses_the_account_time_zone():
    tweets = schema.coerce(pd.DataFrame({
        "id": ["1", "2", "3", "4"], "author_id": ["10", "10", "11", "12"], "kind": "original",
        # Monday 2026-01-05 14:30 UTC = 09:30 in New York; author 10 posts twice in that hour
        "created_at": ["2026-01-05T14:30:00Z", "2026-01-05T14:50:00Z", "2026-01-05T14:05:00Z",
                       "2026-01-10T03:00:00Z"],
    }), "tweets")
    hm = growth.activity_heatmap(tweets, tz="America/New_York")
    assert hm.shape == (7, 24) and hm.index.tolist()[0] == "Mon"
    assert hm.loc["Mon", 9] == 2  # distinct authors
    assert hm.loc["Fri", 22] == 1  # Saturday 03:00 UTC is Friday 22:00 in New York
    assert int(hm.to_numpy().sum()) == 3
    by_tweets = growth.activity_heatmap(tweets, tz="America/New_York", count="tweets")
    assert by_tweets.loc["Mon", 9] == 3
    only = growth.activity_heatmap(tweets, tz="UTC", authors=["12"])
    assert only.loc["Sat", 3] == 1 and int(only.to_numpy().sum()) == 1
    best = growth.best_posting_hours(hm, n=2)
    assert best.iloc[0][["weekday", "hour", "active"]].tolist() == ["Mon", 9, 2]
    assert best.iloc[0]["share"] == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="count"):
        growth.activity_heatmap(tweets, count="likes")


def test_best_posting_hours_lists_only_hours_someone_posted_in():
    # one post: a "next best" Mon 00:00 with nobody active was shown ("Next best: Mon 00:00 and
    # Mon 01:00" in the report), and five all-zero rows when followers had no posts at all
    tweets = schema.coerce(pd.DataFrame({
        "id": ["1"], "author_id": ["10"], "kind": "original",
        "created_at": ["2026-10-21T14:10:00Z"]}), "tweets")
    best = growth.best_posting_hours(growth.activity_heatmap(tweets))
    assert best[["weekday", "hour", "active"]].values.tolist() == [["Wed", 14, 1]]
    assert "Next best" not in rt.activity_sentence(best, tz="UTC", tweets=1)
    empty = growth.best_posting_hours(growth.activity_heatmap(tweets.iloc[:0]))
    assert empty.empty and list(empty.columns) == ["weekday", "hour", "active", "share"]


# ------------------------------------------------------------------------ the sample audience
def test_sample_follow_date_bounds_against_truth(sample_store, sample_audience):
    followers = sample_store.followers(sample_audience.account["username"])
    bounds = growth.follow_date_bounds(followers)
    truth = bounds.merge(sample_audience.truth, on="follower_id", validate="one_to_one")
    assert len(truth) == len(followers) == 5000
    error = truth["follow_date"] - truth["follow_date_lower_bound"]
    assert (error >= pd.Timedelta(0)).all()  # a lower bound never exceeds the true date
    median_days = error.median() / pd.Timedelta(days=1)
    print(f"median follow-date error of the lower bound: {median_days:.1f} days")
    assert median_days < 60
    # the estimated curve from the last snapshot alone counts, at every date, at least the
    # current followers who had truly followed by then (it counts each from its lower bound)
    curve = growth.estimated_growth(bounds, freq="MS")
    truly = np.searchsorted(np.sort(truth["follow_date"].to_numpy()),
                            curve["date"].to_numpy(), side="right")
    assert (curve["followers_estimated"].to_numpy() >= truly).all()
    assert curve["followers_estimated"].iloc[-1] == 5000


def test_sample_bursts_are_the_follower_farms(sample_store, sample_audience):
    followers = sample_store.followers(sample_audience.account["username"])
    labelled = growth.label_bursts(growth.follow_date_bounds(followers))
    joined = labelled.merge(sample_audience.truth[["follower_id", "farm_id"]], on="follower_id")
    flagged = joined["burst_id"].notna()
    farm = joined["farm_id"] >= 0
    precision = (flagged & farm).sum() / flagged.sum()
    recall = (flagged & farm).sum() / farm.sum()
    print(f"burst members vs farm accounts: precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.95 and recall >= 0.9
    # each burst is one farm (give or take a genuine follower who followed in the middle)
    per_burst = joined[flagged].groupby("burst_id")["farm_id"]
    assert (per_burst.agg(lambda s: s.value_counts(normalize=True).iloc[0]) >= 0.95).all()
    assert per_burst.agg(lambda s: s.mode().iloc[0]).is_unique


def test_sample_growth_through_the_store(sample_store, sample_audience):
    account = sample_audience.account["id"]
    counts = growth.follower_counts(sample_store.follower_edges(account))
    snaps = sample_store.snapshots(account)
    assert counts["snapshot_at"].tolist() == snaps["snapshot_at"].tolist()
    assert counts["followers"].tolist() == snaps["followers"].tolist()
    last_two = sample_store.diff(account)
    assert counts["new"].iloc[-1] == (last_two["change"] == "new").sum()
    assert counts["lost"].iloc[-1] == (last_two["change"] == "lost").sum()
    hm = growth.activity_heatmap(sample_store.tweets(account), tz="Europe/Berlin")
    assert int(hm.to_numpy().sum()) > 0


def test_cli_growth_on_the_real_archive(archive_store):
    from click.testing import CliRunner

    from follower_kit.cli import main

    runner = CliRunner()
    result = runner.invoke(main, ["growth", "larsbrinkhoff", "--json", "--store",
                                  str(archive_store.path)])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["followers"] for r in rows] == [405, 561, 644, 764]
    assert [(r["new"], r["lost"]) for r in rows] == [(None, None), (173, 17), (94, 11), (173, 53)]
    assert set(rows[0]) == {"snapshot_at", "followers", "new", "lost"}
    assert pd.Timestamp(rows[-1]["snapshot_at"]).year == 2023
    table = runner.invoke(main, ["growth", "@LarsBrinkhoff", "--store", str(archive_store.path)])
    assert table.exit_code == 0, table.output
    last = table.output.strip().splitlines()[-1].split()
    assert last[1:5] == ["764", "173", "53", "+120"]
    monthly = runner.invoke(main, ["growth", "larsbrinkhoff", "--monthly", "--json", "--store",
                                   str(archive_store.path)])
    assert [r["month"][:7] for r in json.loads(monthly.output)] == [
        "2021-03", "2022-04", "2022-10", "2023-08"]
    missing = runner.invoke(main, ["growth", "nobody", "--store", str(archive_store.path)])
    assert missing.exit_code == 1 and "no account 'nobody'" in missing.output


def test_growth_tables_match_the_single_functions_on_shuffled_edges(archive_edges):
    tables = growth.growth_tables(archive_edges, months=(6,))
    shuffled = archive_edges.sample(frac=1, random_state=0)  # the order of rows must not matter
    pd.testing.assert_frame_equal(tables["counts"], growth.follower_counts(shuffled))
    pd.testing.assert_frame_equal(tables["changes"], growth.follower_changes(shuffled))
    pd.testing.assert_frame_equal(tables["monthly"], growth.monthly_growth(archive_edges))
    pd.testing.assert_frame_equal(tables["retention"], growth.retention(archive_edges, (6,)))
