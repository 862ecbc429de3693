"""Audience insight plots: shares as bars (countries, languages), ranked items (domains, mentions,
hashtags), mixes of several audiences side by side, their overlap as an UpSet-style chart, and
their growth on one time axis.

Seaborn-style: the computed frame first (from :mod:`follower_kit.analysis`), keyword-only column
names, ``ax=None`` (draw on the current axes), the Axes returned; nothing is shown or saved.
Country names, handles, hashtags and domains come from followers, so they go through
:func:`safe_text`.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ._style import COLORS, apply_fonts, safe_text, style


def _axes(ax):
    return ax if ax is not None else plt.gca()


def _finish(ax, title: str | None) -> None:
    if title:
        ax.set_title(safe_text(title))
    apply_fonts(ax)


def _room_for(ax, labels, values, *, floor: float) -> float:
    """The x-limit at which each label, written from the end of its bar, ends inside the axes.

    A label takes a fixed width on screen, so a bar ending at ``v`` needs a limit ``x`` with
    ``v / x <= 1 - width / axes_width``. The widths are measured at the axes' current size, with
    a margin for a figure laid out later (constrained or tight layout shrinks the axes).
    """
    top = max(float(np.max(values)), floor)
    renderer = getattr(ax.figure.canvas, "get_renderer", lambda: None)()
    span = ax.get_window_extent(renderer).width if renderer is not None else 0.0
    if not span:  # no renderer to measure with: the old fixed headroom
        return top * 1.25
    need = top
    for text, v in zip(labels, values):
        free = 1.0 - 1.2 * text.get_window_extent(renderer).width / span
        need = max(need, float(v) / max(free, 0.25))  # a tiny axes: at most 4x the bar
    return need * 1.03


def share_bars(data: pd.DataFrame, *, label: str = "country_name", share: str = "share",
               count: str | None = "followers", title: str | None = None, ax=None):
    """Horizontal bars of shares (countries, languages), largest on top, the unknown share drawn
    muted so it is stated, not hidden.

    Parameters
    ----------
    data : DataFrame
        :func:`~follower_kit.analysis.geo.country_shares` or
        :func:`~follower_kit.analysis.languages.language_shares` (one segment).
    label, share, count : str
        Column names; ``count=None`` leaves the counts off the bar ends.
    title : str, optional
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = _axes(ax)
    with style():
        names = [safe_text(v, max_len=30) for v in data[label]]
        ypos = np.arange(len(data))[::-1]
        muted = data[label].astype(str).str.lower().isin(["unknown", "other", "other countries"])
        colors = [COLORS["muted"] if m else COLORS["line"] for m in muted]
        values = data[share].astype(float).to_numpy()
        ax.barh(ypos, values, color=colors)
        ax.set_yticks(ypos, names)
        labels = [ax.text(v, y, f" {v:.0%}" + (f" ({int(n):,})" if n is not None else ""),
                          va="center", fontsize=8)
                  for y, v, n in zip(ypos, values, data[count] if count else [None] * len(data))]
        ax.set_xlim(0, _room_for(ax, labels, values, floor=0.05) if len(values) else 1)
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
        ax.set_xlabel("share of followers")
        _finish(ax, title)
    return ax


def item_bars(data: pd.DataFrame, *, item: str = "item", followers: str = "followers",
              prefix: str = "", title: str | None = None, max_len: int = 32, ax=None):
    """Horizontal bars of the most used domains, mentioned accounts or hashtags, by distinct
    followers; with a baseline, the lift is written at the bar end.

    Parameters
    ----------
    data : DataFrame
        :func:`~follower_kit.analysis.reading.top_items`.
    item, followers : str
    prefix : str
        Put before each item (``"@"`` for mentions, ``"#"`` for hashtags).
    title : str, optional
    max_len : int
        Longer labels are cut, ending in an ellipsis.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = _axes(ax)
    with style():
        ypos = np.arange(len(data))[::-1]
        ax.barh(ypos, data[followers].astype(float), color=COLORS["new"])
        ax.set_yticks(ypos, [safe_text(prefix + str(v), max_len=max_len) for v in data[item]])
        if "lift" in data.columns:
            for y, v, lift in zip(ypos, data[followers], data["lift"]):
                ax.text(v, y, f" {lift:.1f}x", va="center", fontsize=8)
        ax.set_xlabel("distinct followers")
        _finish(ax, title)
    return ax


def reading_bars(rankings, *, rows: int = 25, width: float = 14.0, max_len: int = 24):
    """What an audience reads, side by side: one :func:`item_bars` panel per ranking (sites,
    mentioned accounts, hashtags), on a new figure laid out so that no panel's labels run into
    the bars of the panel to its left.

    Parameters
    ----------
    rankings : mapping
        Panel title -> ``(ranking, prefix)``: a :func:`~follower_kit.analysis.reading.top_items`
        frame and the text put before each item (``"@"``, ``"#"`` or ``""``). Empty rankings
        get no panel.
    rows : int
        The most rows a ranking has (sets the figure's height).
    width : float
        Figure width in inches.
    max_len : int
        Longer labels are cut, ending in an ellipsis.

    Returns
    -------
    ndarray of Axes
        One per panel drawn (none, and no figure, when every ranking is empty).
    """
    shown = {title: pair for title, pair in rankings.items() if len(pair[0])}
    if not shown:
        return np.array([], dtype=object)
    fig = plt.figure(figsize=(width, 0.3 * rows + 1.4), layout="constrained")
    axes = fig.subplots(1, len(shown), squeeze=False)[0]
    for ax, (title, (ranking, prefix)) in zip(axes, shown.items()):
        item_bars(ranking, prefix=prefix, title=title, max_len=max_len, ax=ax)
    return axes


def mix_bars(data: pd.DataFrame, *, value: str = "value", accounts=None,
             title: str | None = None, ax=None):
    """Grouped bars: a mix (countries, languages, segments) of several audiences side by side.

    Parameters
    ----------
    data : DataFrame
        :func:`~follower_kit.analysis.compare.mix`: ``value`` and one share column per account.
    value : str
    accounts : list of str, optional
        The account columns (default: every column but ``value``).
    title : str, optional
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = _axes(ax)
    accounts = list(accounts) if accounts is not None else [c for c in data.columns if c != value]
    with style():
        n = max(len(accounts), 1)
        width = 0.8 / n
        x = np.arange(len(data))
        cmap = plt.get_cmap("tab10")
        for i, acct in enumerate(accounts):
            ax.bar(x + (i - (n - 1) / 2) * width, data[acct].astype(float), width,
                   label=safe_text("@" + str(acct), max_len=25), color=cmap(i))
        ax.set_xticks(x, [safe_text(v, max_len=14) for v in data[value]], rotation=30,
                      ha="right")
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
        ax.set_ylabel("share of each audience")
        ax.legend(frameon=False, fontsize=8)
        _finish(ax, title)
    return ax


def overlap_upset(data: pd.DataFrame, *, followers: str = "followers", accounts=None,
                  title: str | None = None, ax=None):
    """An UpSet-style chart of audience overlap: one bar per exact combination of followed
    accounts, and below it a dot per account in that combination (dots joined by a line).

    Parameters
    ----------
    data : DataFrame
        :func:`~follower_kit.analysis.compare.intersections` (one boolean column per account).
    followers : str
    accounts : list of str, optional
        The account columns (default: every boolean column).
    title : str, optional
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = _axes(ax)
    accounts = list(accounts) if accounts is not None else [
        c for c in data.columns if c not in ("accounts", "degree", followers)]
    with style():
        counts = data[followers].astype(float).to_numpy()
        top = counts.max() if len(counts) else 1.0
        x = np.arange(len(data))
        ax.bar(x, counts, color=COLORS["line"], width=0.6)
        for xi, c in zip(x, counts):
            ax.text(xi, c, f"{int(c):,}", ha="center", va="bottom", fontsize=8)
        # the matrix: one row per account below the bars, in data units under zero
        step = top * 0.12
        rows = {a: -step * (i + 1) for i, a in enumerate(accounts)}
        for xi, (_, r) in zip(x, data.iterrows()):
            ax.scatter([xi] * len(accounts), list(rows.values()), s=30, color="#dddddd",
                       zorder=2)
            inside = [rows[a] for a in accounts if bool(r[a])]
            ax.scatter([xi] * len(inside), inside, s=40, color=COLORS["line"], zorder=3)
            if len(inside) > 1:
                ax.plot([xi, xi], [min(inside), max(inside)], color=COLORS["line"], zorder=3)
        ax.set_ylim(-step * (len(accounts) + 0.7), top * 1.15)
        ax.set_xticks([])
        ax.set_yticks(list(rows.values()) + [0, top],
                      [safe_text("@" + str(a), max_len=20) for a in accounts]
                      + ["0", f"{int(top):,}"])
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_ylabel("followers")
        _finish(ax, title)
    return ax


def growth_compare(data: pd.DataFrame, *, x: str = "snapshot_at", y: str = "followers",
                   hue: str = "account", title: str | None = None, ax=None):
    """Followers of several accounts over time on one axis, a line per account with its
    snapshots marked.

    Parameters
    ----------
    data : DataFrame
        One row per (account, snapshot): ``hue``, ``x``, ``y``.
    x, y, hue : str
    title : str, optional
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = _axes(ax)
    with style():
        cmap = plt.get_cmap("tab10")
        for i, (name, part) in enumerate(data.groupby(hue, sort=False)):
            part = part.sort_values(x)
            when = pd.to_datetime(part[x], utc=True).dt.tz_localize(None)
            ax.plot(when, part[y].astype(float), marker="o", markersize=3, color=cmap(i),
                    label=safe_text("@" + str(name), max_len=25))
        ax.set_ylabel("followers")
        ax.legend(frameon=False, fontsize=8)
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        _finish(ax, title)
    return ax


def country_map(data: pd.DataFrame, *, lon: str = "lon", lat: str = "lat",
                size: str = "followers", label: str = "country",
                background: pd.DataFrame | None = None, top_labels: int = 8,
                title: str | None = None, ax=None):
    """A world map of followers per country: a bubble per country sized by its followers, over
    the world's towns drawn as faint dots (no map library or shapefile needed).

    Parameters
    ----------
    data : DataFrame
        One row per country with ``lon``, ``lat`` (e.g.
        :func:`~follower_kit.analysis.geo.country_shares` merged with
        :func:`~follower_kit.analysis.geo.country_points`); rows without a position are skipped.
    lon, lat, size, label : str
    background : DataFrame, optional
        ``lon`` and ``lat`` of points outlining the land
        (:func:`~follower_kit.analysis.geo.land_points`).
    top_labels : int
        The largest countries get their label written.
    title : str, optional
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = _axes(ax)
    with style():
        if background is not None and len(background):
            ax.scatter(background["lon"], background["lat"], s=0.5, color="#b8c2cc",
                       linewidths=0, zorder=1)
        pts = data.dropna(subset=[lon, lat])
        sizes = pts[size].astype(float).to_numpy()
        scale = 1500.0 / max(sizes.max(), 1.0) if len(sizes) else 1.0
        ax.scatter(pts[lon], pts[lat], s=sizes * scale, color=COLORS["new"], alpha=0.6,
                   edgecolors=COLORS["line"], linewidths=0.5, zorder=2)
        for _, r in pts.nlargest(top_labels, size).iterrows():
            ax.annotate(safe_text(r[label], max_len=20), (r[lon], r[lat]), fontsize=8,
                        ha="center", va="center", zorder=3)
        ax.set_xlim(-180, 180)
        ax.set_ylim(-60, 85)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        _finish(ax, title)
    return ax


def competitor_bars(data: pd.DataFrame, *, account: str, account_followers: int | None = None,
                    account_shared: int | None = None, competitor: str = "competitor",
                    shared: str = "shared", exclusive: str = "exclusive",
                    title: str | None = None, ax=None):
    """One bar per competitor, its followers split into those who follow the account too (dark)
    and those who do not (light: the people the account could still reach); the account's own
    bar on top when its numbers are given.

    Parameters
    ----------
    data : DataFrame
        :func:`~follower_kit.analysis.compare.versus`.
    account : str
        The account's handle (without ``@``).
    account_followers, account_shared : int, optional
        The account's followers, and how many of them follow any competitor.
    competitor, shared, exclusive : str
        Column names.
    title : str, optional
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = _axes(ax)
    with style():
        names = [f"@{c}" for c in data[competitor]]
        both = data[shared].astype(float).tolist()
        rest = data[exclusive].astype(float).tolist()
        if account_followers is not None and account_shared is not None:
            names.insert(0, f"@{account} (you)")
            both.insert(0, float(account_shared))
            rest.insert(0, float(account_followers - account_shared))
        ypos = np.arange(len(names))[::-1]
        ax.barh(ypos, both, color=COLORS["line"], label="in common")
        ax.barh(ypos, rest, left=both, color="#c9d1db", label="not in common")
        top = max([b + r for b, r in zip(both, rest)] or [1.0])
        for y, b, r in zip(ypos, both, rest):
            ax.text(b / 2, y, f"{int(b):,}", ha="center", va="center", fontsize=8,
                    color="white" if b > top * 0.06 else "black")
            ax.text(b + r, y, f" {int(b + r):,}", va="center", fontsize=8)
        ax.set_yticks(ypos, [safe_text(n, max_len=28) for n in names])
        ax.set_xlim(0, top * 1.15)
        ax.set_xlabel("followers")
        ax.legend(frameon=False, fontsize=8, loc="lower right")
        _finish(ax, title)
    return ax


def comparison_grid(intersections: pd.DataFrame, growth: pd.DataFrame, countries: pd.DataFrame,
                    languages: pd.DataFrame, *, accounts=None, axes=None):
    """Several audiences on four panels: their overlap (:func:`overlap_upset`), their growth on
    one time axis (:func:`growth_compare`), and their country and language mixes
    (:func:`mix_bars`), as ``follower-kit compare --chart`` and the explore notebook show them.

    Parameters
    ----------
    intersections, growth, countries, languages : DataFrame
        :func:`~follower_kit.analysis.compare.intersections`; ``account``, ``snapshot_at``,
        ``followers``; :func:`~follower_kit.analysis.compare.mix` of countries and languages.
    accounts : list of str, optional
        The accounts in order (default: the boolean columns of ``intersections``).
    axes : 2x2 array of Axes, optional
        Default: a new 13 x 9 inch figure.

    Returns
    -------
    ndarray of Axes
    """
    if axes is None:
        _, axes = plt.subplots(2, 2, figsize=(13, 9))
    overlap_upset(intersections, accounts=accounts, title="Followers in common", ax=axes[0, 0])
    growth_compare(growth, title="Followers over time", ax=axes[0, 1])
    mix_bars(countries, accounts=accounts, title="Countries", ax=axes[1, 0])
    mix_bars(languages, accounts=accounts, title="Languages", ax=axes[1, 1])
    axes[0, 0].figure.tight_layout()
    return axes


__all__ = ["comparison_grid", "competitor_bars", "country_map", "growth_compare", "item_bars",
           "mix_bars", "overlap_upset", "reading_bars", "share_bars"]
