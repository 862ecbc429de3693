"""Growth plots and the shared style: they draw, they return the Axes, hostile text is safe."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from follower_kit import plots, schema
from follower_kit.analysis import growth
from follower_kit.plots import _style

T0 = pd.Timestamp("2026-01-31 12:00", tz="UTC")


def counts_frame() -> pd.DataFrame:
    snaps = {T0 + pd.DateOffset(months=i): [str(j) for j in range(100 + 10 * i, 0, -1)]
             for i in range(4)}
    rows = [{"account_id": "1", "snapshot_at": at, "follower_id": fid, "position": k,
             "source": "sample"} for at, ids in snaps.items() for k, fid in enumerate(ids)]
    return growth.follower_counts(schema.coerce(pd.DataFrame(rows), "followers"))


def bounds_frame(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    created = pd.Timestamp("2010-01-01", tz="UTC") + pd.to_timedelta(
        rng.uniform(0, 4000, n), unit="D")
    created = pd.Series(created)
    created.iloc[150:220] = pd.Timestamp("2020-06-01", tz="UTC") + pd.to_timedelta(
        rng.uniform(0, 5, 70), unit="D")
    followers = pd.DataFrame({"id": [str(i) for i in range(n)], "position": np.arange(n)[::-1],
                              "created_at": created.to_numpy(),
                              "bot_score": rng.uniform(0, 1, n)})
    return growth.label_bursts(growth.follow_date_bounds(followers))


def heatmap_frame() -> pd.DataFrame:
    times = pd.date_range("2026-01-05", periods=300, freq="37min", tz="UTC")
    tweets = pd.DataFrame({"id": [str(i) for i in range(300)],
                           "author_id": [str(i % 17) for i in range(300)],
                           "created_at": times, "kind": "original"})
    return growth.activity_heatmap(schema.coerce(tweets, "tweets"), tz="Asia/Tokyo")


def test_growth_plot_draws_line_and_bars():
    counts = counts_frame()
    fig, ax = plt.subplots()
    out = plots.follower_growth_plot(counts, ax=ax, title="@acct")
    assert out is ax
    assert list(ax.lines[0].get_ydata()) == [100, 110, 120, 130]
    heights = [p.get_height() for p in ax.bar_axes.patches]
    # one bar per gap between snapshots (monthly: even gaps, counts per snapshot)
    assert heights[:3] == [10, 10, 10] and heights[3:] == [0, 0, 0]  # new up, lost down
    assert ax.bar_axes.per_month is False
    fig.canvas.draw()
    # the ticks are the snapshot dates themselves, not month starts
    ticks = [t.get_text() for t in ax.bar_axes.get_xticklabels()]
    assert ticks == [f"{t:%Y-%m-%d}" for t in counts["snapshot_at"]]
    plt.figure()
    assert plots.follower_growth_plot(counts, new=None, lost=None) is plt.gca()  # current axes


def test_growth_plot_uneven_gaps_per_month_on_one_scale():
    # the real archive's shape: gaps of 13, 6 and 10 months
    at = pd.to_datetime(["2021-03-22", "2022-04-29", "2022-10-30", "2023-08-20"], utc=True)
    counts = pd.DataFrame({"snapshot_at": at, "followers": [405, 561, 644, 764],
                           "new": pd.array([pd.NA, 173, 94, 173], dtype="Int64"),
                           "lost": pd.array([pd.NA, 17, 11, 53], dtype="Int64")})
    fig, ax = plt.subplots()
    plots.follower_growth_plot(counts, ax=ax)
    bars = ax.bar_axes
    assert bars.per_month is True
    gaps = np.diff(at.to_numpy()).astype("timedelta64[s]").astype(float) / 86400
    heights = [p.get_height() for p in bars.patches]
    assert heights[:3] == pytest.approx([n * 30.4375 / g for n, g in zip([173, 94, 173], gaps)])
    assert heights[3:] == pytest.approx([-17 * 30.4375 / gaps[0], -11 * 30.4375 / gaps[1],
                                         -53 * 30.4375 / gaps[2]])
    widths = [p.get_width() for p in bars.patches[:3]]
    assert widths == pytest.approx(list(gaps * 0.92))      # uneven gaps drawn as such
    lo, hi = bars.get_ylim()
    assert lo == pytest.approx(-hi)                         # lost below zero, same scale
    texts = [t.get_text() for t in bars.texts]
    assert "+173 in 13 mo" in texts and "\u221253" in texts  # each snapshot's totals
    fig.canvas.draw()
    # the monthly table is drawn at its snapshots, not at the month starts
    month = at.tz_convert(None).to_period("M").to_timestamp().tz_localize("UTC")
    monthly = counts.assign(month=month, last_snapshot_at=at)
    fig, ax = plt.subplots()
    plots.follower_growth_plot(monthly.drop(columns="snapshot_at"), x="month", ax=ax)
    fig.canvas.draw()
    assert [t.get_text() for t in ax.bar_axes.get_xticklabels()] == \
        ["2021-03-22", "2022-04-29", "2022-10-30", "2023-08-20"]


def test_follower_factory_estimated_growth_and_heatmap_draw():
    bounds = bounds_frame()
    fig, axes = plt.subplots(1, 4, figsize=(16, 4))
    assert plots.follower_factory_plot(bounds, ax=axes[0]) is axes[0]
    plots.follower_factory_plot(bounds, hue="burst_id", ax=axes[1])
    labels = [t.get_text() for t in axes[1].get_legend().get_texts()]
    assert any(label.startswith("in a burst (") for label in labels)
    plots.follower_factory_plot(bounds, hue="bot_score", bound=None, ax=axes[2])
    assert len(fig.axes) == 5  # the bot-score colour bar was added
    curve = growth.estimated_growth(bounds)
    plots.estimated_growth_plot(curve, counts=counts_frame(), ax=axes[3])
    assert len(axes[3].lines) == 2
    fig.canvas.draw()
    fig, ax = plt.subplots()
    hm = heatmap_frame()
    plots.activity_heatmap_plot(hm, annotate=True, ax=ax)
    assert ax.get_title() == "Followers active by hour (Asia/Tokyo)"
    assert [t.get_text() for t in ax.get_yticklabels()] == list(growth.WEEKDAYS)
    assert len(ax.texts) == 7 * 24
    assert ax.images[0].get_array().sum() == hm.to_numpy().sum()
    fig.canvas.draw()


HOSTILE = ["$\\foo$", "win $$$ now", "\u202eevil\u202c 🤖 東京 ñ", "<b>x</b>" + "é" * 500,
           "a\\$b $x^2$", None, float("nan")]


def test_hostile_titles_draw_literally():
    fig, ax = plt.subplots()
    ax.set_title("$\\foo$")
    with pytest.raises(ValueError):  # what an unescaped follower name does to matplotlib
        fig.canvas.draw()
    for raw in HOSTILE:
        fig, ax = plt.subplots()
        plots.follower_growth_plot(counts_frame(), ax=ax, title=raw)
        fig.canvas.draw()
    assert _style.safe_text("$\\foo$") == "\\$\\foo\\$"
    assert _style.safe_text("\u202eevil\u202c\x00 name\n\tx") == "evil name x"
    assert _style.safe_text("a" * 100, max_len=10) == "a" * 9 + "…"
    assert _style.safe_text(None) == "" and _style.safe_text(float("nan")) == ""
    with matplotlib.rc_context({"text.parse_math": False}):
        assert _style.safe_text("$5") == "$5"  # no math parsing: no escaping either


def test_style_uses_only_installed_fonts():
    families = _style.font_families()
    installed = {f.name for f in matplotlib.font_manager.fontManager.ttflist}
    assert families and set(families) <= installed | {"sans-serif"}
    assert "Noto Color Emoji" not in families
    with _style.style():
        assert list(matplotlib.rcParams["font.family"]) == list(families)
        assert matplotlib.rcParams["axes.spines.top"] is False


def test_cjk_and_emoji_names_draw_with_installed_fonts():
    import warnings

    families = _style.font_families()
    cjk = [f for f in families if f in _style.CJK_FONTS]
    emoji = [f for f in families if f in _style.EMOJI_FONTS]
    if not cjk or not emoji:
        pytest.skip(f"no CJK or emoji font installed (have {families}); .ci/run installs "
                    f"fonts-noto-cjk and fonts-symbola")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, ax = plt.subplots()
        plots.follower_growth_plot(counts_frame(), ax=ax, title="東京のファン 🤖 $5")
        fig.canvas.draw()
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == []


def test_pr_curves_draw_each_sets_own_chance_line():
    """bot_lab draws one PR curve per left-out set; each set has its own bot share, so a
    random score's precision differs per curve. One pooled line (0.39 on the real sets) sat
    under sets of 20% and 51% bots alike."""
    rng = np.random.default_rng(0)
    rows = [pd.DataFrame({"model": name, "is_bot": (rng.uniform(size=400) < share).astype(int),
                          "score": rng.uniform(size=400)})
            for name, share in (("few bots", 0.2), ("many bots", 0.8))]
    data = pd.concat(rows, ignore_index=True)
    fig, ax = plt.subplots()
    plots.bot_pr_curves(data, ax=ax)
    curves = {line.get_label(): line.get_color() for line in ax.lines
              if not line.get_label().startswith("_")}
    chance = {round(float(line.get_ydata()[0]), 6): line.get_color() for line in ax.lines
              if line.get_linestyle() == "--"}
    for name, g in data.groupby("model"):
        share = round(float(g["is_bot"].mean()), 6)
        color = next(c for label, c in curves.items() if label.startswith(name))
        assert chance.get(share) == color, (name, share, chance)
    plt.close(fig)
    # one test set for every curve keeps the one grey line
    same = pd.concat([rows[0], rows[0].assign(model="again")], ignore_index=True)
    fig, ax = plt.subplots()
    plots.bot_pr_curves(same, ax=ax)
    assert len([line for line in ax.lines if line.get_linestyle() == "--"]) == 1
    plt.close(fig)
