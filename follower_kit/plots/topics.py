"""Topic segment plots: segment sizes as bars, and the 2-D audience map.

Seaborn-style: the computed frame first (from :mod:`follower_kit.analysis.topics`), keyword-only
column names, ``ax=None`` (draw on the current axes), the Axes returned; nothing is shown or saved.
Segment labels are follower-written words and hashtags, so they go through :func:`safe_text`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ._style import COLORS, apply_fonts, safe_text, style


def _axes(ax):
    return ax if ax is not None else plt.gca()


def _palette(n: int):
    cmap = plt.get_cmap("tab10" if n <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(n)]


def segment_bars(summary: pd.DataFrame, *, label: str = "label", size: str = "followers",
                 new: str | None = "new_followers", bot_share: str | None = "bot_share",
                 title: str | None = None, ax=None):
    """Horizontal bars: followers per segment, this month's new followers as an inner bar, and
    the bot share written at the end of each bar when known.

    Parameters
    ----------
    summary : DataFrame
        :func:`~follower_kit.analysis.topics.segment_summary`.
    label, size, new, bot_share : str
        Column names; ``new=None`` / ``bot_share=None`` leave those out.
    title : str, optional
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = _axes(ax)
    with style():
        data = summary.sort_values(size, ascending=True, kind="stable")
        ypos = np.arange(len(data))
        names = [safe_text(v, max_len=45) for v in data[label]]
        ax.barh(ypos, data[size].astype(float), color=COLORS["line"], alpha=0.8,
                label="followers")
        if new and new in data:
            ax.barh(ypos, data[new].astype(float), height=0.4, color=COLORS["new"],
                    label="new this month")
        if bot_share and bot_share in data:
            for y, (n, share) in enumerate(zip(data[size], data[bot_share])):
                if pd.notna(share):
                    ax.annotate(f"{share:.0%} bots", (float(n), y), xytext=(4, 0),
                                textcoords="offset points", va="center", fontsize=8,
                                color=COLORS["muted"])
        ax.set_yticks(ypos, names)
        ax.set_xlabel("followers")
        ax.margins(x=0.15)
        if new and new in data:
            ax.legend(loc="lower right")
        if title:
            ax.set_title(safe_text(title))
        apply_fonts(ax)
    return ax


def audience_map(assignments: pd.DataFrame, *, x: str = "x", y: str = "y",
                 segment: str = "segment", label: str = "label", highlight=None,
                 max_points: int = 20_000, title: str | None = None, ax=None):
    """The audience as a scatter: one dot per follower, coloured by segment, each segment's
    label at its anchor (followers between two anchors belong partly to both).

    Parameters
    ----------
    assignments : DataFrame
        :meth:`~follower_kit.analysis.topics.TopicSegmenter.assign`.
    x, y, segment, label : str
        Column names.
    highlight : iterable of str, optional
        Follower ids drawn on top with a black edge (for example this month's new followers).
    max_points : int
        Draw at most this many dots (a fixed-seed sample) so large audiences stay readable.
    title : str, optional
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = _axes(ax)
    with style():
        data = assignments
        if len(data) > max_points:
            data = data.sample(max_points, random_state=0)
        # A little fixed jitter: followers of one segment share a point otherwise.
        rng = np.random.default_rng(0)
        jitter = rng.normal(0, 0.03, size=(len(data), 2))
        segs = sorted(s for s in data[segment].unique() if s >= 0)
        colors = dict(zip(segs, _palette(len(segs))))
        for seg in segs:
            rows = (data[segment] == seg).to_numpy()
            ax.scatter(data[x].to_numpy()[rows] + jitter[rows, 0],
                       data[y].to_numpy()[rows] + jitter[rows, 1], s=6, alpha=0.5,
                       color=colors[seg], linewidths=0)
        if highlight is not None and "follower_id" in data:
            rows = data["follower_id"].isin(set(map(str, highlight))).to_numpy()
            ax.scatter(data[x].to_numpy()[rows] + jitter[rows, 0],
                       data[y].to_numpy()[rows] + jitter[rows, 1], s=14, facecolors="none",
                       edgecolors="black", linewidths=0.6, label="highlighted")
            ax.legend(loc="lower right")
        # labels at the segment anchors: where the firmest members sit
        for seg in segs:
            members = data[data[segment] == seg]
            top = members.nlargest(max(1, len(members) // 10), "membership") \
                if "membership" in members else members
            ax.annotate(safe_text(members[label].iloc[0], max_len=40),
                        (float(top[x].median()) * 1.12, float(top[y].median()) * 1.12),
                        ha="center", va="center", fontsize=8, color=colors[seg],
                        fontweight="bold")
        ax.set_xlim(-1.5, 1.5)
        ax.set_ylim(-1.3, 1.3)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        if title:
            ax.set_title(safe_text(title))
        apply_fonts(ax)
    return ax
