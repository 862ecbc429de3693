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
                          x: str | None = None, created_at: str = "created_at",
                          bound: str | None = "follow_date_lower_bound",
                          hue: str | None = None, bursts: pd.DataFrame | None = None,
                          title: str | None = None, s: float = 4, ax=None):
    """Follow date (or order) against account creation date: the chart that shows bought
    followers.

    Each dot is a follower, oldest follower on the left. Organic followers scatter over the
    whole history; a batch of accounts created together shows as a flat, dense stripe, drawn
    here inside a band that names its size and kind. The lower bound of the follow date (the
    running maximum of creation dates) is drawn as a line.

    Parameters
    ----------
    bounds : DataFrame
        :func:`~follower_kit.analysis.factory.follower_factory` (creation dates estimated from
        ids where profiles lack them, estimated follow dates),
        :func:`~follower_kit.analysis.growth.follow_date_bounds` or
        :func:`~follower_kit.analysis.growth.label_bursts`.
    order : str
        The follow-order column, used for the x axis when ``x`` is not given and there is no
        ``follow_date_estimated`` column.
    x : str, optional
        The x column; default ``follow_date_estimated`` when present (a date axis), else
        ``order``.
    created_at, bound : str
        Column names; ``bound=None`` leaves the line out.
    hue : str, optional
        ``"burst_id"`` highlights burst members and draws each burst as a labelled band; a
        numeric column such as ``"bot_score"`` colours the dots on a 0..1 scale.
    bursts : DataFrame, optional
        :func:`~follower_kit.analysis.factory.factory_bursts`: its ``label`` names each band
        (default: the burst's size). Bands are drawn whenever ``bounds`` has ``burst_id``
        members and ``hue`` is ``"burst_id"`` or ``bursts`` is given.
    title : str, optional
    s : float
        Dot size.
    ax : Axes, optional

    Returns
    -------
    Axes
        Each band's label is one of ``ax.texts``; the bands are the patches with
        ``get_gid() == "burst"``.
    """
    ax = _axes(ax)
    with style():
        x = x or order
        dated = pd.api.types.is_datetime64_any_dtype(bounds[x].dtype)
        tick_dates = None if dated or "follow_date_estimated" not in bounds.columns \
            else bounds["follow_date_estimated"]
        xs = _dates(bounds[x]) if dated else bounds[x].to_numpy()
        ys = _dates(bounds[created_at])
        raster = len(xs) > 20_000
        is_burst_hue = hue == "burst_id" or (hue is not None
                                             and pd.api.types.is_integer_dtype(bounds[hue].dtype))
        if hue is None:
            ax.scatter(xs, ys, s=s, color=COLORS["line"], alpha=0.6, linewidths=0,
                       label="followers", rasterized=raster)
        elif is_burst_hue:
            member = bounds[hue].notna().to_numpy()
            # no burst: said beside the grey dots, not by a red legend marker with no red dot
            ax.scatter(xs[~member], ys[~member], s=s, color=COLORS["muted"], alpha=0.6,
                       linewidths=0, rasterized=raster, label="followers" if member.any()
                       else "followers (no burst of accounts created together)")
            if member.any():
                n_bursts = bounds[hue].nunique()
                ax.scatter(xs[member], ys[member], s=s * 3, color=COLORS["burst"],
                           linewidths=0, label=f"in a burst ({int(member.sum()):,} followers, "
                           f"{n_bursts} burst{'s' * (n_bursts != 1)})", zorder=3)
        else:
            values = pd.to_numeric(bounds[hue], errors="coerce").to_numpy(dtype=float)
            points = ax.scatter(xs, ys, s=s, c=values, cmap="coolwarm", vmin=0, vmax=1,
                                linewidths=0, rasterized=raster)
            ax.figure.colorbar(points, ax=ax, label=safe_text(hue), fraction=0.04, pad=0.01)
        if bound:
            ax.plot(xs, _dates(bounds[bound]), color=COLORS["new"], linewidth=1.2,
                    label="follow date, lower bound", zorder=2)
        if "burst_id" in bounds.columns and (is_burst_hue or bursts is not None):
            _burst_bands(ax, bounds, xs, ys, bursts, dated)
        estimated = bounds.get("created_at_source")
        share = float((estimated != "profile").mean()) if estimated is not None else 0.0
        if tick_dates is not None and tick_dates.notna().any():
            _follow_date_ticks(ax, xs, tick_dates)
            ax.set_xlabel("followers in follow order, ticks at their estimated follow date")
        else:
            ax.set_xlabel("estimated follow date" if dated else
                          "follow order (oldest follower on the left)")
        ax.set_ylabel("account created" + (" (estimated from ids)" if share > 0.5 else ""))
        ax.yaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=8))
        ax.yaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        if dated:
            _date_axis(ax)
        if hue is None or is_burst_hue or bound:
            ax.legend(loc="upper left", markerscale=3, fontsize=8)
        if title:
            ax.set_title(safe_text(title))
        apply_fonts(ax)
    return ax


#: The title of the follower-factory chart of the report and the explore notebook.
FACTORY_TITLE = "Follow order against account creation date (the follower factory)"


def factory_chart(bounds: pd.DataFrame, bursts: pd.DataFrame | None = None, *,
                  title: str | None = FACTORY_TITLE, ax=None):
    """The follower-factory chart as the monthly report draws it (and the explore notebook, so
    both show the same chart): :func:`follower_factory_plot` with the bursts highlighted and
    each one's band labelled. Creation dates come from the profiles, else from the ids, so an X
    archive without profiles gets it too.

    Parameters
    ----------
    bounds, bursts : DataFrame
        :func:`follower_kit.audience.follower_factory` (``bounds``, ``bursts``).
    title : str, optional
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    return follower_factory_plot(bounds, hue="burst_id", bursts=bursts, title=title, ax=ax)


def _follow_date_ticks(ax, xs: np.ndarray, dates: pd.Series) -> None:
    """Label follow-order ticks with the estimated follow date of the follower there."""
    from matplotlib.ticker import MaxNLocator

    xs = xs.astype(float)
    when = mdates.date2num(_dates(dates))
    ok = ~np.isnan(when)

    def label(v, _pos):
        if not ok.any() or v < xs.min() or v > xs.max():
            return ""
        return mdates.num2date(np.interp(v, xs[ok], when[ok])).strftime("%Y-%m-%d")

    # a "2026-10-31" label at 8 points is about 0.7 inch wide: at most one tick an inch, so a
    # chart beside another (the explore notebook's, with a colour bar) keeps its labels apart
    inches = ax.get_position().width * ax.figure.get_figwidth()
    ax.xaxis.set_major_locator(MaxNLocator(nbins=int(min(7, max(2, inches))), integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(label))
    ax.tick_params(axis="x", labelsize=8)


def _burst_bands(ax, bounds: pd.DataFrame, xs: np.ndarray, ys: np.ndarray,
                 bursts: pd.DataFrame | None, dated: bool) -> None:
    """A shaded band over each burst's follow span and a box around its dots, labelled."""
    from matplotlib.patches import Rectangle

    ids = bounds["burst_id"]
    member = ids.notna().to_numpy()
    if not member.any():
        return
    xnum = mdates.date2num(xs) if dated else xs.astype(float)
    ynum = mdates.date2num(ys)
    known = ~np.isnan(ynum)
    span_x = float(np.nanmax(xnum) - np.nanmin(xnum)) or 1.0
    span_y = float(np.nanmax(ynum[known]) - np.nanmin(ynum[known])) or 1.0
    labels = {}
    if bursts is not None and "label" in bursts.columns:
        labels = dict(zip(bursts["burst_id"].astype(int), bursts["label"]))
    for k, bid in enumerate(sorted(ids[member].astype(int).unique())):
        sel = (ids == bid).fillna(False).to_numpy() & known
        x0, x1 = float(np.nanmin(xnum[sel])), float(np.nanmax(xnum[sel]))
        y0, y1 = float(np.nanmin(ynum[sel])), float(np.nanmax(ynum[sel]))
        pad_x = max(span_x * 0.008, (0.012 * span_x - (x1 - x0)) / 2, 0)
        pad_y = max(span_y * 0.02, 0)
        ax.axvspan(x0 - pad_x, x1 + pad_x, color=COLORS["burst"], alpha=0.14, linewidth=0,
                   zorder=0, gid="burst")
        ax.add_patch(Rectangle((x0 - pad_x, y0 - pad_y), (x1 - x0) + 2 * pad_x,
                               (y1 - y0) + 2 * pad_y, fill=False, edgecolor=COLORS["burst"],
                               linewidth=1.8, zorder=4, gid="burst"))
        text = labels.get(bid) or f"{int(sel.sum()):,} followers"
        # inside the axes, below the band's box, staggered so neighbours do not overlap
        centre = (x0 + x1) / 2
        ax.annotate(safe_text(text, max_len=60), (centre, 0.04 + 0.085 * (k % 4)),
                    xycoords=ax.get_xaxis_transform(), ha="center" if 0.15 < (
                        centre - np.nanmin(xnum)) / span_x < 0.85 else
                    ("left" if centre < np.nanmean(xnum) else "right"),
                    va="bottom", fontsize=8, fontweight="bold", color=COLORS["burst"],
                    zorder=5, bbox={"boxstyle": "round,pad=0.25", "facecolor": "white",
                                    "edgecolor": COLORS["burst"], "alpha": 0.95})


def account_age_plot(bands: pd.DataFrame, *, label: str = "age_band",
                     count: str = "followers", estimated: str | None = "estimated",
                     title: str | None = None, ax=None):
    """Followers by how old their accounts are, youngest band on top.

    Parameters
    ----------
    bands : DataFrame
        :func:`~follower_kit.analysis.account_age.account_ages`.
    label, count : str
        Column names.
    estimated : str, optional
        Column of how many dates in each band come from ids; that part of a bar is hatched and
        the legend says so. ``None`` draws plain bars.
    title : str, optional
    ax : Axes, optional

    Returns
    -------
    Axes
        Each bar is labelled with its count and share (``ax.texts``).
    """
    ax = _axes(ax)
    with style():
        y = np.arange(len(bands))[::-1]
        n = bands[count].to_numpy(dtype=float)
        total = n.sum()
        est = bands[estimated].to_numpy(dtype=float) if estimated else np.zeros(len(n))
        ax.barh(y, n - est, color=COLORS["line"], label="from profiles")
        if est.any():
            ax.barh(y, est, left=n - est, color=COLORS["muted"], hatch="///",
                    edgecolor="white", label="estimated from ids")
        for yi, v in zip(y, n):
            share = f" ({v / total:.0%})" if total else ""
            ax.annotate(f"{v:,.0f}{share}", (v, yi), xytext=(3, 0), textcoords="offset points",
                        va="center", fontsize=8)
        ax.set_yticks(y, [safe_text(v, max_len=20) for v in bands[label]])
        ax.set_xlabel("followers")
        ax.set_xlim(0, max(total and n.max(), 1) * 1.2)
        ax.grid(axis="y", visible=False)
        if (n - est).any() and est.any():
            ax.legend(loc="lower right", fontsize=8)
        elif est.any():
            ax.set_xlabel("followers (account creation estimated from ids)")
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


__all__ = ["FACTORY_TITLE", "account_age_plot", "activity_heatmap_plot", "estimated_growth_plot",
           "factory_chart", "follower_factory_plot", "follower_growth_plot"]
