"""One client on two networks: the growth of its X and its Bluesky audience on one axis.

Seaborn-style: the frame from :func:`follower_kit.audience.cross_network` first, keyword-only
column names, ``ax=None`` (draw on the current axes), the Axes returned; nothing is shown or
saved. Handles come from the store, so they go through :func:`safe_text`.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd

from ._style import apply_fonts, safe_text, style

#: The networks' own colours (X black, Bluesky's butterfly blue) and names.
NETWORK_COLORS = {"x": "#14171a", "bluesky": "#1185fe"}
NETWORK_NAMES = {"x": "X", "bluesky": "Bluesky"}


def network_growth_plot(data: pd.DataFrame, *, x: str = "snapshot_at", y: str = "followers",
                        network: str = "network", account: str = "account",
                        title: str | None = None, ax=None):
    """Followers of the client's accounts on each network over time, on one axis: a line per
    network, its snapshots marked, labelled with the network and the handle.

    Parameters
    ----------
    data : DataFrame
        One row per (network, snapshot): ``network`` (``x``, ``bluesky``), ``account``
        (handle), ``x`` (time), ``y`` (followers); :attr:`CrossNetwork.growth
        <follower_kit.audience.CrossNetwork>`.
    x, y, network, account : str
        Column names.
    title : str, optional
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = ax if ax is not None else plt.gca()
    with style():
        for name, part in data.groupby(network, sort=False):
            part = part.sort_values(x)
            when = pd.to_datetime(part[x], utc=True).dt.tz_localize(None)
            label = f"{NETWORK_NAMES.get(name, name)}: @{part[account].iloc[0]}"
            ax.plot(when, part[y].astype(float), marker="o", markersize=4, linewidth=2,
                    color=NETWORK_COLORS.get(name), label=safe_text(label, max_len=45))
        ax.set_ylabel("followers")
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.legend(frameon=False, fontsize=9, loc="upper left")
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        if title:
            ax.set_title(safe_text(title))
        apply_fonts(ax)
    return ax


__all__ = ["NETWORK_COLORS", "NETWORK_NAMES", "network_growth_plot"]
