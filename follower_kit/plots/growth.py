"""Growth plots: the follower line with new/lost bars, the follower-factory scatter, the estimated
growth curve from one snapshot, and the hour-of-week activity heatmap.

Seaborn-style: the computed frame first (from :mod:`follower_kit.analysis.growth`), keyword-only
column names, ``ax=None`` (draw on the current axes), the Axes returned; nothing is shown or saved.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FixedLocator, FuncFormatter

from ._style import COLORS, apply_fonts, safe_text, style


def _axes(ax):
    return ax if ax is not None else plt.gca()


def _dates(values) -> np.ndarray:
    """Timezone-aware times as naive UTC datetimes (what matplotlib's date axis expects)."""
    return pd.to_datetime(pd.Series(values), utc=True).dt.tz_localize(None).to_numpy()


def follower_growth_plot(counts: pd.DataFrame, *, x: str = "snapshot_at",
                         followers: str = "followers", new: str | None = "new",
                         lost: str | None = "lost", per_month: bool | None = None,
                         title: str | None = None, ax=None):
    """Followers over time as a line; beneath it, new followers up and lost ones down.

    The x ticks sit at the snapshot dates. Each bar spans the time between two snapshots (the
    changes happened somewhere in it), so uneven gaps are drawn as such. New and lost share one
    y scale, lost below zero. When the gaps are uneven (the longest over 1.5 times the
    shortest) the bars show followers **per month** and each bar is labelled with its
    snapshot's totals; otherwise the bars are the per-snapshot counts.

    Parameters
    ----------
    counts : DataFrame
        :func:`~follower_kit.analysis.growth.follower_counts`, or
        :func:`~follower_kit.analysis.growth.monthly_growth` (its ``last_snapshot_at`` is used
        as the date, so month-end snapshots are not drawn at the month's start).
    x, followers, new, lost : str
        Column names; ``new=None`` and ``lost=None`` leave the bars out.
    per_month : bool, optional
        Force bars per month (True) or per snapshot (False); default: per month when the gaps
        are uneven.
    title : str, optional
        Drawn through :func:`safe_text`.
    ax : Axes, optional

    Returns
    -------
    Axes
        The axes of the line. The bars live on an axes below it that shares its x axis
        (``ax.bar_axes``), carved out of ``ax``'s area; ``ax.bar_axes.per_month`` says which
        unit the bars use.
    """
    ax = _axes(ax)
    with style():
        if x == "month" and "last_snapshot_at" in counts.columns:
            x = "last_snapshot_at"
        data = counts.sort_values(x, kind="stable").reset_index(drop=True)
        when = _dates(data[x])
        ax.plot(when, data[followers].astype(float), color=COLORS["line"], marker="o",
                markersize=4, linewidth=2, label="followers", zorder=3)
        ax.set_ylabel("followers")
        ticks_on = ax
        if (new or lost) and len(data) >= 2:
            bars = _change_bars(ax, data, when, new, lost, per_month)
            ax.bar_axes = bars
            ticks_on = bars
            ax.tick_params(labelbottom=False)
        handles = ax.get_legend_handles_labels()[0] + (
            ticks_on.get_legend_handles_labels()[0] if ticks_on is not ax else [])
        ax.legend(handles, [h.get_label() for h in handles], loc="upper left", fontsize=8)
        _snapshot_ticks(ticks_on, when)
        if title:
            ax.set_title(safe_text(title))
        apply_fonts(ax, getattr(ax, "bar_axes", None))
    return ax


_DAYS_PER_MONTH = 365.25 / 12


def _change_bars(ax, data: pd.DataFrame, when: np.ndarray, new, lost, per_month):
    from mpl_toolkits.axes_grid1 import make_axes_locatable

    bars = make_axes_locatable(ax).append_axes("bottom", size="70%", pad=0.12, sharex=ax)
    start, end = when[:-1], when[1:]
    gap = (end - start).astype("timedelta64[s]").astype(float) / 86_400
    uneven = bool(gap.max() > 1.5 * max(gap.min(), 1e-9)) if per_month is None else per_month
    scale = _DAYS_PER_MONTH / np.maximum(gap, 1e-9) if uneven else np.ones(len(gap))
    values = {}
    for column, sign, color, word in ((new, 1, COLORS["new"], "new"),
                                      (lost, -1, COLORS["lost"], "lost")):
        if not column:
            continue
        total = pd.to_numeric(data[column].iloc[1:]).fillna(0).to_numpy(dtype=float)
        values[word] = total
        bars.bar(start + _days(gap * 0.04), sign * total * scale,
                 width=gap * 0.92, align="edge", color=color, alpha=0.8,
                 label=f"{word} per month" if uneven else word)
    top = max(max((float(np.max(v * scale)) for v in values.values()), default=0.0), 1.0)
    bars.set_ylim(-top * 1.35, top * 1.35)   # one scale both ways: lost as visible as new
    bars.axhline(0, color=COLORS["muted"], linewidth=0.8)
    bars.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):,.0f}"))
    bars.set_ylabel("new (up) / lost (down)\n" + ("per month" if uneven else "per snapshot"))
    if uneven or len(gap) <= 8:   # few bars: say each snapshot's totals on it
        mid = start + _days(gap / 2)
        months = gap / _DAYS_PER_MONTH
        for i, t in enumerate(mid):
            span = f" in {months[i]:.0f} mo" if uneven else ""
            if "new" in values:
                bars.annotate(f"+{values['new'][i]:,.0f}{span}", (t, values["new"][i] * scale[i]),
                              xytext=(0, 2), textcoords="offset points", ha="center",
                              va="bottom", fontsize=7, color=COLORS["line"])
            if "lost" in values:
                bars.annotate(f"\u2212{values['lost'][i]:,.0f}",
                              (t, -values["lost"][i] * scale[i]), xytext=(0, -2),
                              textcoords="offset points", ha="center", va="top", fontsize=7,
                              color=COLORS["line"])
    bars.per_month = uneven
    return bars


def _days(days: np.ndarray) -> np.ndarray:
    return (np.asarray(days) * 86_400).astype("timedelta64[s]")


def _snapshot_ticks(ax, when: np.ndarray) -> None:
    """Ticks at the snapshot dates (thinned to at most 12 labels), written as dates."""
    if len(when) == 0 or len(when) > 60:
        _date_axis(ax)
        return
    step = int(np.ceil(len(when) / 12))
    ticks = mdates.date2num(when[::step])
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    if len(ticks) > 5:
        ax.tick_params(axis="x", labelrotation=30)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")


def _date_axis(ax) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def follower_factory_plot(bounds: pd.DataFrame, *, order: str = "follow_order",
                          created_at: str = "created_at",
                          bound: str | None = "follow_date_lower_bound",
                          hue: str | None = None, title: str | None = None, s: float = 4,
                          ax=None):
    """Follow order against account creation date: the chart that shows bought followers.

    Each dot is a follower, oldest follower on the left. Organic followers scatter over the
    whole history; a bought batch shows as a flat, dense stripe of accounts created within days.
    The lower bound of the follow date (the running maximum) is drawn as a line.

    Parameters
    ----------
    bounds : DataFrame
        :func:`~follower_kit.analysis.growth.follow_date_bounds` or
        :func:`~follower_kit.analysis.growth.label_bursts`.
    order, created_at, bound : str
        Column names; ``bound=None`` leaves the line out.
    hue : str, optional
        ``"burst_id"`` highlights burst members; a numeric column such as ``"bot_score"``
        colours the dots on a 0..1 scale.
    title : str, optional
    s : float
        Dot size.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = _axes(ax)
    with style():
        xs = bounds[order].to_numpy()
        ys = _dates(bounds[created_at])
        if hue is None:
            ax.scatter(xs, ys, s=s, color=COLORS["line"], alpha=0.6, linewidths=0,
                       label="followers", rasterized=len(xs) > 20_000)
        elif hue == "burst_id" or pd.api.types.is_integer_dtype(bounds[hue].dtype):
            member = bounds[hue].notna().to_numpy()
            ax.scatter(xs[~member], ys[~member], s=s, color=COLORS["muted"], alpha=0.6,
                       linewidths=0, label="followers", rasterized=len(xs) > 20_000)
            n_bursts = bounds[hue].nunique()
            ax.scatter(xs[member], ys[member], s=s * 3, color=COLORS["burst"], linewidths=0,
                       label=f"in a burst ({int(member.sum()):,} followers, {n_bursts} "
                             f"burst{'s' * (n_bursts != 1)})")
        else:
            values = pd.to_numeric(bounds[hue], errors="coerce").to_numpy(dtype=float)
            points = ax.scatter(xs, ys, s=s, c=values, cmap="coolwarm", vmin=0, vmax=1,
                                linewidths=0, rasterized=len(xs) > 20_000)
            ax.figure.colorbar(points, ax=ax, label=safe_text(hue), fraction=0.04, pad=0.01)
        if bound:
            ax.plot(xs, _dates(bounds[bound]), color=COLORS["new"], linewidth=1.2,
                    label="follow date, lower bound")
        ax.set_xlabel("follow order (oldest follower on the left)")
        ax.set_ylabel("account created")
        ax.yaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=8))
        ax.yaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        if hue is None or hue == "burst_id" or bound:
            ax.legend(loc="upper left", markerscale=3)
        if title:
            ax.set_title(safe_text(title))
        apply_fonts(ax)
    return ax


def estimated_growth_plot(curve: pd.DataFrame, *, x: str = "date",
                          y: str = "followers_estimated", counts: pd.DataFrame | None = None,
                          counts_x: str = "snapshot_at", counts_y: str = "followers",
                          title: str | None = None, ax=None):
    """The follower curve estimated from one snapshot, with real snapshot counts when known.

    Parameters
    ----------
    curve : DataFrame
        :func:`~follower_kit.analysis.growth.estimated_growth`.
    counts : DataFrame, optional
        :func:`~follower_kit.analysis.growth.follower_counts`, drawn as dots.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = _axes(ax)
    with style():
        ax.step(_dates(curve[x]), curve[y].astype(float), where="post", color=COLORS["line"],
                linewidth=1.8, label="current followers by earliest possible follow date")
        if counts is not None and len(counts):
            ax.plot(_dates(counts[counts_x]), counts[counts_y].astype(float), "o",
                    color=COLORS["lost"], markersize=4, label="followers at a snapshot")
        ax.set_ylabel("followers")
        _date_axis(ax)
        ax.legend(loc="upper left")
        if title:
            ax.set_title(safe_text(title))
        apply_fonts(ax)
    return ax


def activity_heatmap_plot(heatmap: pd.DataFrame, *, cmap: str = "viridis",
                          annotate: bool = False, title: str | None = None, ax=None):
    """When followers are active: weekdays by hours of the account's day.

    Parameters
    ----------
    heatmap : DataFrame
        :func:`~follower_kit.analysis.growth.activity_heatmap` (7 weekdays x 24 hours); its time
        zone and what it counts are read from ``heatmap.attrs``.
    cmap : str
    annotate : bool
        Write each cell's count.
    title : str, optional
        Default: "Followers active by hour (<time zone>)".
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = _axes(ax)
    with style():
        values = heatmap.to_numpy(dtype=float)
        image = ax.imshow(values, aspect="auto", cmap=cmap, interpolation="nearest",
                          vmin=0)
        ax.set_yticks(range(len(heatmap.index)),
                      [safe_text(d, max_len=12) for d in heatmap.index])
        ax.set_xticks(range(0, len(heatmap.columns), 3),
                      [f"{int(h):02d}" for h in heatmap.columns[::3]])
        ax.set_xlabel("hour of day")
        ax.grid(False)
        for side in ("top", "right", "left", "bottom"):
            ax.spines[side].set_visible(False)
        what = "followers active" if heatmap.attrs.get("count", "authors") == "authors" \
            else "posts"
        ax.figure.colorbar(image, ax=ax, label=what, fraction=0.04, pad=0.01)
        if annotate:
            top = np.nanmax(values) if values.size else 0
            for (r, c), v in np.ndenumerate(values):
                ax.text(c, r, f"{int(v)}", ha="center", va="center", fontsize=6,
                        color="white" if v < top * 0.6 else "black")
        tz = heatmap.attrs.get("tz", "UTC")
        ax.set_title(safe_text(title or f"Followers active by hour ({tz})"))
        apply_fonts(ax)
    return ax


__all__ = ["activity_heatmap_plot", "estimated_growth_plot", "follower_factory_plot",
           "follower_growth_plot"]
