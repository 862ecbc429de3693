"""The follower factory from ids alone: follow dates, bursts with a kind, the words, the chart."""

from __future__ import annotations

import io

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from follower_kit import plots
from follower_kit.analysis import factory, growth
from follower_kit.analysis.factory import _snapshot_bounds


@pytest.fixture(scope="module")
def sample_last(sample_audience):
    a = sample_audience
    last = a.followers[a.followers["snapshot_at"] == a.followers["snapshot_at"].max()]
    users = a.users.drop_duplicates("id", keep="last")[["id", "created_at"]]
    return last.merge(users, left_on="follower_id", right_on="id", how="left")


@pytest.fixture(scope="module")
def ids_only(sample_audience, sample_last):
    return factory.follower_factory(sample_last.drop(columns=["id", "created_at"]),
                                    edges=sample_audience.followers)


def test_follow_dates_from_ids_alone_beat_the_lower_bound(sample_audience, ids_only):
    f = ids_only
    assert (f["created_at_source"] != "profile").all()
    assert f["follow_date_estimated"].is_monotonic_increasing
    lb, est, ub = f["follow_date_lower_bound"], f["follow_date_estimated"], \
        f["follow_date_upper_bound"]
    assert ((est >= lb) | lb.isna()).all() and (est <= ub).all()
    truth = sample_audience.truth.set_index("follower_id").loc[f["follower_id"], "follow_date"]
    days = (lambda col: (col.to_numpy() - truth.to_numpy()) / np.timedelta64(1, "D"))
    # measured: 8.1 days for the estimate, 13.5 for the lower bound (docs/growth.md)
    assert np.nanmedian(np.abs(days(est))) < 0.75 * np.nanmedian(np.abs(days(lb)))


def test_bursts_from_ids_alone_are_the_farms(sample_audience, ids_only):
    bursts = factory.factory_bursts(ids_only)
    assert len(bursts) == 3
    members = ids_only[ids_only["burst_id"].notna()]
    farm = sample_audience.truth.set_index("follower_id").loc[members["follower_id"], "farm_id"]
    assert (farm >= 0).mean() > 0.95
    assert set(bursts["kind"]) == {"brand-new accounts"}
    assert (bursts["followed_from"] <= bursts["followed_to"]).all()
    assert all(lab.startswith(f"{n:,} brand-new accounts, followed ")
               for n, lab in zip(bursts["followers"], bursts["label"]))
    scored = ids_only.assign(bot_score=np.where(ids_only["burst_id"].notna(), 0.9, 0.1))
    assert set(factory.factory_bursts(scored)["kind"]) == {"likely bought"}
    empty = factory.factory_bursts(ids_only.assign(burst_id=pd.NA))
    assert empty.empty and "label" in empty.columns


def test_spike_sentence_links_the_month_to_the_bursts(ids_only):
    bursts = factory.factory_bursts(ids_only)
    members = ids_only.loc[ids_only["burst_id"] == 3, "follower_id"].tolist()
    organic = ids_only.loc[ids_only["burst_id"].isna(), "follower_id"].tolist()[:50]
    text = factory.burst_spike_sentence(ids_only, bursts, new_ids=members + organic,
                                        month="March 2026")
    assert text.startswith("3 bursts of accounts created within days of each other hold 223")
    assert f"{len(members)} of the {len(members) + 50} new followers of March 2026" in text
    assert "came in 1 of them: most of the month's growth is not organic." in text
    text = factory.burst_spike_sentence(ids_only, bursts, new_ids=organic, month="October 2026")
    assert "None of the 50 new followers of October 2026 is in one" in text
    assert factory.burst_spike_sentence(ids_only, bursts.iloc[0:0]).startswith("No burst")
    assert "no new followers" in factory.burst_spike_sentence(ids_only, bursts, new_ids=[])


def test_snapshot_bounds_tolerate_a_restored_account():
    snaps = np.array([0.0, 10.0, 20.0])
    seen = np.array([0, 0, 0, 20, 0, 10, 10, 10, 20, 20], dtype=float)  # #3 reappeared late
    upper, before = _snapshot_bounds(seen, snaps)
    assert list(upper) == [0, 0, 0, 0, 0, 10, 10, 10, 20, 20]
    assert np.isnan(before[:5]).all() and list(before[5:]) == [0, 0, 0, 10, 10]


def _red_pixels(fig) -> int:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    img = mpimg.imread(io.BytesIO(buf.getvalue()))[..., :3]
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    return int(((r - g > 0.06) & (r - b > 0.06)).sum())   # the burst red and its tint


def test_factory_chart_draws_labelled_bands_and_date_ticks(ids_only):
    bursts = factory.factory_bursts(ids_only)
    fig, ax = plt.subplots(figsize=(8, 3.5))
    assert plots.follower_factory_plot(ids_only, hue="burst_id", bursts=bursts, ax=ax) is ax
    bands = [p for p in ax.patches if p.get_gid() == "burst"]
    assert len(bands) == 2 * len(bursts)                       # a shaded span and a box each
    texts = [t.get_text() for t in ax.texts]
    assert texts == list(bursts["label"])
    assert ax.get_ylabel() == "account created (estimated from ids)"
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks and all(pd.Timestamp(t).year >= 2000 for t in ticks)   # dates, not orders
    with_bands = _red_pixels(fig)
    fig2, ax2 = plt.subplots(figsize=(8, 3.5))
    plots.follower_factory_plot(ids_only.assign(burst_id=pd.NA), hue="burst_id", ax=ax2)
    legend = ax2.get_legend()
    assert "no burst" in legend.get_texts()[0].get_text()   # beside the grey dots
    # and no red marker in the legend for dots that are not drawn
    from matplotlib.colors import to_hex

    from follower_kit.plots._style import COLORS
    marks = [to_hex(h.get_facecolor()[0]) for h in legend.legend_handles
             if hasattr(h, "get_facecolor") and len(h.get_facecolor())]
    assert marks and to_hex(COLORS["burst"]) not in marks
    # the bursts cannot be missed: at 480x210 pixels, over 5% of the image is burst red
    assert with_bands > 0.05 * 480 * 210 > 20 * _red_pixels(fig2)


def test_factory_on_a_real_archive_without_profiles(archive_store):
    store = archive_store
    acct = store.resolve("larsbrinkhoff")
    followers = store.followers(acct)
    assert followers["created_at"].isna().all()               # ids only
    f = factory.follower_factory(followers, edges=store.follower_edges(acct))
    assert len(f) == 764 and f["created_at"].notna().all()
    assert f["follow_date_estimated"].is_monotonic_increasing
    assert f["follow_date_estimated"].min() >= f["created_at"].min()
    # changes of the last export: every new follower's estimate lies after the export before
    changes = growth.follower_changes(store.follower_edges(acct))
    new = changes[(changes["change"] == "new")
                  & (changes["snapshot_at"] == changes["snapshot_at"].max())]
    est = f.set_index("follower_id").loc[new["follower_id"], "follow_date_estimated"]
    assert (est > pd.Timestamp("2022-10-30", tz="UTC")).mean() > 0.9
    fig, ax = plt.subplots()
    plots.follower_factory_plot(f, hue="burst_id", bursts=factory.factory_bursts(f), ax=ax)
    fig.canvas.draw()


def test_the_shared_factory_step_dates_followers_known_by_id_only(sample_store):
    """The report's step (audience.follower_factory): followers without a profile (an archive
    imported without --hydrate) get creation dates from their ids, so the chart and the bursts
    exist; with profiles the dates are the profiles' own and the bursts the same."""
    import dataclasses

    from follower_kit import audience

    data = audience.load_month("brightwave", "2026-10", store=sample_store)
    scores = audience.score_bots(data)
    with_profiles, bursts = audience.follower_factory(data, scores)
    assert (with_profiles["created_at_source"] == "profile").all() and len(bursts) >= 1
    assert {"kind", "label", "followed_from"} <= set(bursts.columns)
    bare = dataclasses.replace(data, followers=data.followers.assign(created_at=pd.NaT))
    from_ids, id_bursts = audience.follower_factory(bare, None)
    assert from_ids["created_at"].notna().all()
    assert set(from_ids["created_at_source"]) <= {"snowflake", "interpolated", "beyond_table"}
    assert from_ids["follow_date_estimated"].notna().all()
    assert list(id_bursts["followers"]) == list(bursts["followers"])


def test_follow_date_ticks_never_overlap_in_a_narrow_chart(ids_only):
    """The explore notebook draws the chart beside the score histogram, with a colour bar (12 x
    4 inches for both): its seven date labels ran into each other there ("2017-09-072022-...")."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    plots.follower_factory_plot(ids_only.assign(bot_score=0.5), hue="bot_score", ax=axes[1])
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in axes[1].get_xticklabels() if t.get_text()]
    assert len(boxes) >= 3
    assert not any(a.overlaps(b) for a, b in zip(boxes, boxes[1:])), \
        [t.get_text() for t in axes[1].get_xticklabels()]
    plt.close(fig)
