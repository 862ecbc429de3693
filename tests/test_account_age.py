"""Account creation dates from ids, account ages and new-account bursts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from follower_kit.analysis import account_age as aa
from follower_kit.cli import main
from follower_kit.errors import SchemaError

from conftest import shared_path

PACKAGE_TABLE = Path(aa.__file__).resolve().parent.parent / "data" / aa.TABLE_RESOURCE


def _snowflake_id(when: str, low_bits: int = 12345) -> str:
    ms = int(pd.Timestamp(when).timestamp() * 1000) - aa.SNOWFLAKE_EPOCH_MS
    return str((ms << 22) | low_bits)


TABLE = pd.DataFrame({"id": ["1000", "2000", "3000"],
                      "created_at": pd.to_datetime(["2008-01-01", "2009-01-01", "2011-01-01"],
                                                   utc=True)})


def test_snowflake_ids_give_their_creation_time_exactly():
    ids = [_snowflake_id("2019-05-04 12:34:56.789Z"), _snowflake_id("2023-01-01T00:00:00Z", 0)]
    est = aa.estimate_created_at(ids)
    assert list(est["method"]) == ["snowflake", "snowflake"]
    assert est["created_at_estimated"].iloc[0] == pd.Timestamp("2019-05-04 12:34:56.789Z")
    assert est["created_at_estimated"].iloc[1] == pd.Timestamp("2023-01-01T00:00:00Z")


def test_sequential_ids_are_interpolated_and_bad_ids_get_nothing():
    est = aa.estimate_created_at(["1500", "2500", "5", "999999999", "u12", ""], table=TABLE)
    assert list(est["id"]) == ["1500", "2500", "5", "999999999", "u12", ""]
    assert est["created_at_estimated"].iloc[0] == pd.Timestamp("2008-07-02T00:00Z")
    assert est["created_at_estimated"].iloc[1] == pd.Timestamp("2010-01-01T00:00Z")
    assert list(est["method"].iloc[:4]) == ["interpolated", "interpolated", "beyond_table",
                                            "beyond_table"]
    assert est["created_at_estimated"].iloc[2] == pd.Timestamp("2008-01-01", tz="UTC")
    assert est["created_at_estimated"].iloc[4:].isna().all()
    assert est["method"].iloc[4:].isna().all()


def test_fit_is_monotone_and_robust_to_a_wrong_date():
    rng = np.random.default_rng(3)
    ids = np.sort(rng.choice(np.arange(1, 4_000_000_000, 1000), 5000, replace=False))
    start = pd.Timestamp("2007-01-01", tz="UTC")
    created = start + pd.to_timedelta(ids / 4e9 * 3000, unit="D")
    created = pd.Series(created)
    created.iloc[::50] = pd.Timestamp("2019-01-01", tz="UTC")   # mislabeled dates
    pairs = pd.DataFrame({"id": ids.astype(str), "created_at": created})
    table = aa.fit_id_dates(pairs, knots=100)
    assert len(table) <= 100 and table["created_at"].is_monotonic_increasing
    est = aa.estimate_created_at(pairs["id"], table=table)
    truth = start + pd.to_timedelta(ids / 4e9 * 3000, unit="D")
    err = (est["created_at_estimated"] - pd.Series(truth)).abs().dt.total_seconds() / 86400
    assert err.median() < 2
    with pytest.raises(SchemaError, match="needs at least"):
        aa.fit_id_dates(pairs.head(10))
    with pytest.raises(SchemaError, match="created_at"):
        aa.fit_id_dates(pairs[["id"]])


def test_packaged_table_is_monotone_and_covers_sequential_ids():
    table = aa.id_table()
    ids = table["id"].map(int)
    assert 500 <= len(table) <= 1000
    assert ids.is_monotonic_increasing and table["created_at"].is_monotonic_increasing
    assert ids.iloc[-1] > 4_000_000_000 and table["created_at"].iloc[0].year <= 2007
    # @jack is id 12; ids in the few millions are 2007
    assert aa.estimate_created_at(["5000000"])["created_at_estimated"].iloc[0].year == 2007


def test_refit_on_the_public_sets_reproduces_the_packaged_table(tmp_path):
    bots = shared_path("bots")
    out = tmp_path / "id_dates.csv"
    res = CliRunner().invoke(main, ["ages", "fit", str(bots), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8") == PACKAGE_TABLE.read_text(encoding="utf-8")


def test_held_out_error_on_the_public_sets():
    from follower_kit.sources.id_dates import read_id_date_pairs

    pairs = read_id_date_pairs(shared_path("bots"))
    assert pairs["id"].is_unique and pairs["dataset"].nunique() >= 10
    table = aa.evaluate_id_dates(pairs)
    overall = table.set_index("dataset").loc["all"]
    # measured: 0.19 days pooled; snowflakes exact; no held-out set above 0.3 days
    assert overall["median_abs_error_days"] < 1.0
    assert overall["snowflake_median_abs_error_days"] < 1e-3
    assert (table["median_abs_error_days"] < 3).all(), table
    assert overall["within_30_days"] > 0.95


def test_ids_only_on_the_sample_match_the_profiles(sample_audience):
    users = sample_audience.users
    est = aa.estimate_created_at(users["id"])
    snow = (est["method"] == "snowflake").to_numpy()
    assert snow.mean() > 0.5
    err = (est["created_at_estimated"].to_numpy()[snow] - users["created_at"].to_numpy()[snow])
    assert np.abs(pd.Series(err).dt.total_seconds()).max() < 0.001


def test_with_estimated_creation_keeps_profiles_and_fills_the_rest():
    df = pd.DataFrame({"follower_id": [_snowflake_id("2020-02-02T00:00Z"), "2500"],
                       "created_at": [pd.NaT, pd.Timestamp("2015-05-05", tz="UTC")]})
    out = aa.with_estimated_creation(df, table=TABLE)
    assert list(out["created_at_source"]) == ["snowflake", "profile"]
    assert out["created_at"].iloc[1] == pd.Timestamp("2015-05-05", tz="UTC")
    assert out["created_at"].iloc[0] == pd.Timestamp("2020-02-02", tz="UTC")
    ids_only = aa.with_estimated_creation(df[["follower_id"]], table=TABLE)
    assert list(ids_only["created_at_source"]) == ["snowflake", "interpolated"]
    with pytest.raises(SchemaError, match="id column"):
        aa.with_estimated_creation(pd.DataFrame({"x": [1]}))


def _followers(n_old=600, n_batch=80, batch_at="2026-09-20"):
    rng = np.random.default_rng(5)
    old = pd.Timestamp("2012-01-01", tz="UTC") + pd.to_timedelta(
        rng.uniform(0, 14 * 365, n_old), unit="D")
    batch = pd.Timestamp(batch_at, tz="UTC") + pd.to_timedelta(rng.uniform(0, 2, n_batch),
                                                               unit="D")
    times = list(old) + list(batch)
    return pd.DataFrame({"follower_id": [_snowflake_id(t.isoformat(), i)
                                         for i, t in enumerate(times)],
                         "snapshot_at": pd.Timestamp("2026-10-31", tz="UTC")})


def test_creation_bursts_find_a_batch_from_ids_alone():
    bursts = aa.creation_bursts(_followers())
    assert len(bursts) == 1
    b = bursts.iloc[0]
    assert 80 <= b["followers"] <= 84 and b["kind"] == "brand-new accounts"
    assert b["ratio"] > 10 and b["estimated_share"] == 1.0
    assert b["created_from"] >= pd.Timestamp("2026-09-20", tz="UTC")
    members = bursts.attrs["members"]
    assert len(members) == b["followers"] and set(members["burst_id"]) == {1}
    older = aa.creation_bursts(_followers(batch_at="2016-03-01"))
    assert list(older["kind"]) == ["created together"]
    assert aa.creation_bursts(_followers(n_batch=0)).empty


def test_account_ages_bands():
    df = _followers()
    bands = aa.account_ages(df, at="2026-10-31")
    assert list(bands["age_band"]) == [b for b, _ in aa.AGE_BANDS]
    assert bands["followers"].sum() == len(df)
    assert bands.set_index("age_band").loc["1-3 months", "followers"] == 80
    assert bands["share"].sum() == pytest.approx(1.0)
    ages = bands.attrs["ages"]
    assert (ages["age_days"] >= 0).all() and len(ages) == len(df)


def test_cli_ages_show_on_an_archive_without_profiles(archive_store):
    store = archive_store
    res = CliRunner().invoke(main, ["ages", "show", "larsbrinkhoff", "--store",
                                    str(store.path), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    bands = {b["age_band"]: b for b in out["age_bands"]}
    assert sum(b["followers"] for b in bands.values()) == 764
    assert sum(b["estimated"] for b in bands.values()) == 764   # every date from the id
    assert bands["10+ years"]["followers"] > 300
    res = CliRunner().invoke(main, ["ages", "show", "larsbrinkhoff", "--store",
                                    str(store.path)])
    assert res.exit_code == 0 and "estimated from ids" in res.output


def test_cli_ages_show_on_a_snapshot_without_followers(tmp_path):
    # a brand-new account's archive lists no follower: its snapshot time came from the (empty)
    # follower rows, NaT, and `ages show` died in strftime
    from follower_kit import Store

    store = Store(tmp_path / "store")
    store.commit_snapshot(account={"id": "1690000000000000001", "username": "brand_new"},
                          snapshot_at="2023-08-20T11:06:14Z", source="archive",
                          followers=pd.DataFrame({"follower_id": pd.Series([], dtype=str)}))
    res = CliRunner().invoke(main, ["ages", "show", "brand_new", "--store", str(store.path)])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("0 followers at 2023-08-20;")
    res = CliRunner().invoke(main, ["ages", "show", "brand_new", "--json", "--store",
                                    str(store.path)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["snapshot_at"].startswith("2023-08-20T11:06:14")
    assert sum(b["followers"] for b in out["age_bands"]) == 0


def test_cli_ages_show_ties_the_march_spike_to_the_farms(sample_store):
    res = CliRunner().invoke(main, ["ages", "show", "brightwave", "--store",
                                    str(sample_store.path), "--at", "2026-03", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["snapshot_at"].startswith("2026-03-31")
    assert {b["kind"] for b in out["bursts"]} == {"brand-new accounts"}
    # the sample's three farms followed in March: over half of that month's new followers
    assert "of the snapshot of 2026-03-31 (5" in out["follower_factory"]
    assert "came in 3 of them: most of the month's growth is not organic" in \
        out["follower_factory"]
    # people count from 1, as the farms in the bot reasons are numbered ("burst 0:" before)
    assert [b["burst_id"] for b in out["bursts"]] == [1, 2, 3]
    text = CliRunner().invoke(main, ["ages", "show", "brightwave", "--store",
                                     str(sample_store.path), "--at", "2026-03"]).output
    assert [line.split(":")[0] for line in text.splitlines() if line.startswith("burst ")] \
        == ["burst 1", "burst 2", "burst 3"]


def test_cli_ages_show_lists_the_bursts_its_verdict_counts(tmp_path):
    # twarc pages of 1,000 followers that are copies of 91 real profiles (ids renumbered): their
    # creation dates repeat, so counting them per week found four bursts, which `ages show`
    # listed, while the follower factory (the report's detector: created together and followed
    # in a row) found none, and the next line said "No burst ... looks organic"
    from follower_kit import Store, audience
    from follower_kit.analysis import factory

    real = list({u["id"]: u for u in json.loads(shared_path(
        "x-api", "twarc2-pages", "users.jsonl").read_text().splitlines()[0])["data"]}.values())
    stamp = {"url": "https://api.twitter.com/2/users/777/followers?max_results=1000",
             "retrieved_at": "2024-01-01T00:00:00+00:00"}
    pages = tmp_path / "followers.jsonl"
    pages.write_text("".join(json.dumps({"data": [
        {**real[i % len(real)], "id": str(10**15 + i)} for i in range(p * 500, p * 500 + 500)],
        "__twarc": stamp}) + "\n" for p in range(2)))
    where = ["--store", str(tmp_path / "store")]
    res = CliRunner().invoke(main, ["import", "twarc", str(pages), "--account", "synth", *where])
    assert res.exit_code == 0, res.output
    store = Store(tmp_path / "store")
    assert len(aa.creation_bursts(store.followers("synth"))) > 0  # the detectors disagree here
    data = audience.load_snapshot("synth", store=store)
    bounds, bursts = audience.follower_factory(data, None)  # the report's bursts
    text = CliRunner().invoke(main, ["ages", "show", "synth", *where]).output
    listed = [line for line in text.splitlines() if line.startswith("burst ")]
    verdict = text.split("follower factory: ", 1)[1]
    assert len(listed) == len(bursts)
    assert verdict.startswith("No burst") == (not listed)
    assert verdict.strip() == factory.burst_spike_sentence(bounds, bursts)  # one snapshot
    out = json.loads(CliRunner().invoke(main, ["ages", "show", "synth", "--json", *where]).output)
    assert len(out["bursts"]) == len(bursts)
    assert out["follower_factory"].startswith("No burst") == (not out["bursts"])


def test_account_age_plot_marks_estimated_dates():
    import matplotlib.pyplot as plt

    from follower_kit import plots

    df = _followers()
    created = pd.Series(pd.NaT, index=df.index, dtype="datetime64[us, UTC]")
    created.iloc[:100] = pd.Timestamp("2015-01-01", tz="UTC")          # 100 from profiles
    df["created_at"] = created
    bands = aa.account_ages(df, at="2026-10-31")
    fig, ax = plt.subplots()
    assert plots.account_age_plot(bands, ax=ax, title="ages") is ax
    assert [t.get_text() for t in ax.get_yticklabels()] == [b for b, _ in aa.AGE_BANDS]
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == len(aa.AGE_BANDS)
    assert sum(p.get_width() for p in hatched) == len(df) - 100
    assert "80 (12%)" in [t.get_text() for t in ax.texts]          # the brand-new batch
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["from profiles",
                                                                   "estimated from ids"]
    fig.canvas.draw()
