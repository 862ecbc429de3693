"""Audience insight plots draw what they are given, return the Axes, and keep hostile text safe."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from follower_kit import plots
from follower_kit.analysis.compare import intersections, mix
from follower_kit.analysis.geo import country_shares
from follower_kit.analysis.reading import top_items

HOSTILE = "$\\frac{a}{b}$ <script>"


def test_share_and_item_bars_draw_every_row(sample_audience):
    shares = country_shares(sample_audience.users.head(500), top_n=5)
    fig, ax = plt.subplots()
    assert plots.share_bars(shares, ax=ax) is ax
    assert len(ax.patches) == len(shares)
    assert ax.get_yticklabels()[0].get_text() == shares["country_name"].iloc[0]
    items = top_items(sample_audience.tweets, "hashtags", top_n=6)
    ax2 = plots.item_bars(items.assign(item=[HOSTILE] + items["item"].tolist()[1:]), prefix="#",
                          ax=plt.figure().gca())
    assert len(ax2.patches) == 6
    ax2.figure.canvas.draw()  # a "$" in follower text must not break mathtext


def test_upset_mix_and_growth_compare():
    edges = pd.DataFrame({"account": ["a", "a", "b", "b", "c"],
                          "follower_id": ["1", "2", "2", "3", "2"]})
    inter = intersections(edges)
    fig, ax = plt.subplots()
    assert plots.overlap_upset(inter, ax=ax) is ax
    assert [p.get_height() for p in ax.patches] == inter["followers"].astype(float).tolist()
    table = mix({"a": pd.DataFrame({"c": ["US", "GB"]}), HOSTILE: pd.DataFrame({"c": ["US"]})},
                "c")
    ax2 = plots.mix_bars(table, ax=plt.figure().gca())
    assert len(ax2.patches) == 2 * len(table)
    growth = pd.DataFrame({"account": ["a", "a", "b", "b"],
                           "snapshot_at": pd.to_datetime(["2026-01-31", "2026-02-28"] * 2,
                                                         utc=True),
                           "followers": [10, 12, 5, 9]})
    ax3 = plots.growth_compare(growth, ax=plt.figure().gca())
    assert len(ax3.get_lines()) == 2
    for a in (ax, ax2, ax3):
        a.figure.canvas.draw()


def test_country_map_draws_a_bubble_per_placed_country():
    from follower_kit.analysis import geo

    shares = country_shares(pd.DataFrame({"location": ["NYC", "Austin, TX", "東京", "the moon"]}))
    placed = shares.merge(geo.country_points(), on="country", how="left")
    assert placed.loc[placed["country"] == "unknown", "lon"].isna().all()
    fig, ax = plt.subplots()
    assert plots.country_map(placed, background=geo.land_points().head(500), ax=ax) is ax
    bubbles = ax.collections[-1]
    assert len(bubbles.get_offsets()) == 2  # US and JP; unknown has no place
    us = geo.country_points().set_index("country").loc["US"]
    assert -125 < us["lon"] < -70 and 25 < us["lat"] < 50
    fig.canvas.draw()


def test_competitor_bars_split_each_audience_into_shared_and_not():
    from follower_kit.analysis.compare import overlap, versus

    edges = pd.DataFrame({"account": ["me"] * 4 + ["b"] * 3 + [HOSTILE] * 2,
                          "follower_id": ["1", "2", "3", "4", "3", "4", "5", "1", "9"]})
    table = versus(overlap(intersections(edges)))
    assert table[["competitor", "shared", "exclusive"]].values.tolist() == [
        ["b", 2, 1], [HOSTILE, 1, 1]]
    fig, ax = plt.subplots()
    assert plots.competitor_bars(table, account="me", account_followers=4, account_shared=3,
                                 ax=ax) is ax
    widths = [p.get_width() for p in ax.patches]
    assert widths == [3.0, 2.0, 1.0, 1.0, 1.0, 1.0]  # in common, then not in common
    assert ax.get_yticklabels()[0].get_text() == "@me (you)"
    ax.figure.canvas.draw()  # a "$" in a handle must not break mathtext
    plt.close("all")


def _extents(artists, renderer):
    return [a.get_window_extent(renderer) for a in artists if a.get_text()]


def test_share_bars_value_labels_stay_inside_the_axes():
    # the explore notebook's narrow panel beside the map: "30% (1,483)" ran off the figure
    shares = pd.DataFrame({"country_name": ["United States", "Japan", "unknown"],
                           "followers": [14_830, 3_050, 13_840],
                           "share": [0.2966, 0.061, 0.2768]})
    for figsize in ((3.0, 2.5), (4.5, 4.2), (10, 2.0)):
        fig, ax = plt.subplots(figsize=figsize)
        plots.share_bars(shares, ax=ax)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        right = ax.get_window_extent(renderer).x1
        assert all(box.x1 <= right for box in _extents(ax.texts, renderer)), figsize
        plt.close(fig)


def test_reading_bars_labels_never_run_into_the_panel_on_their_left():
    long = [f"averyveryverylonghandle{i}_and_more_words" for i in range(25)]
    items = pd.DataFrame({"item": long, "followers": range(25, 0, -1)})
    axes = plots.reading_bars({"Sites": (items, ""), "Mentions": (items, "@"),
                               "Hashtags": (items, "#"), "Nothing": (items.head(0), "#")})
    assert [a.get_title() for a in axes] == ["Sites", "Mentions", "Hashtags"]
    fig = axes[0].figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    assert axes[0].get_yticklabels()[0].get_text().endswith("…")  # cut, with an ellipsis
    for left, right in zip(axes[:-1], axes[1:]):
        labels = _extents(right.get_yticklabels(), renderer)
        # the panel on the left: its bars, and the labels it draws (tight bbox)
        assert min(box.x0 for box in labels) >= left.get_tightbbox(renderer).x1
    assert min(b.x0 for b in _extents(axes[0].get_yticklabels(), renderer)) >= 0
    assert plots.reading_bars({"Sites": (items.head(0), "")}).size == 0
    plt.close("all")
