"""Bot-detection plots: ROC and PR curves, feature weights, the cost of a threshold, score spread.

Each takes a DataFrame first, keyword-only column names, draws on ``ax`` (or the current Axes) and
returns it. The numbers come from :mod:`follower_kit.analysis.bots`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


def _groups(data: pd.DataFrame, hue: str | None):
    if hue is None:
        return [(None, data)]
    return list(data.groupby(hue, sort=False))


def bot_roc_curves(data: pd.DataFrame, *, label: str = "is_bot", score: str = "score",
                   hue: str | None = "model", ax=None, **kwargs):
    """ROC curve of ``score`` against ``label`` (1 = bot), one line per ``hue`` value, with the
    area under each in the legend."""
    from sklearn.metrics import roc_auc_score, roc_curve

    ax = ax or plt.gca()
    for name, g in _groups(data, hue):
        fpr, tpr, _ = roc_curve(g[label], g[score])
        auc = roc_auc_score(g[label], g[score])
        ax.plot(fpr, tpr, label=f"{name or score} (AUC {auc:.3f})", **kwargs)
    ax.plot([0, 1], [0, 1], color="0.7", lw=0.8, ls="--")
    ax.set(xlabel="humans flagged (false positive rate)", ylabel="bots caught (recall)",
           xlim=(0, 1), ylim=(0, 1.01), title="ROC")
    ax.legend(loc="lower right", fontsize="small")
    return ax


def bot_pr_curves(data: pd.DataFrame, *, label: str = "is_bot", score: str = "score",
                  hue: str | None = "model", ax=None, **kwargs):
    """Precision-recall curve per ``hue`` value, with average precision in the legend and the bot
    share (a random score's precision) as a dashed line: one grey line when every curve is
    measured on the same share, else one line per curve in its colour (left-out sets differ)."""
    from sklearn.metrics import average_precision_score, precision_recall_curve

    ax = ax or plt.gca()
    baselines = []
    for name, g in _groups(data, hue):
        prec, rec, _ = precision_recall_curve(g[label], g[score])
        ap = average_precision_score(g[label], g[score])
        (line,) = ax.plot(rec, prec, label=f"{name or score} (AP {ap:.3f})", **kwargs)
        baselines.append((float(np.mean(g[label])), line.get_color()))
    shares = [share for share, _ in baselines]
    if max(shares) - min(shares) < 1e-9:
        ax.axhline(shares[0], color="0.7", lw=0.8, ls="--")
    else:
        for share, color in baselines:
            ax.axhline(share, color=color, lw=0.8, ls="--", alpha=0.6)
    ax.set(xlabel="bots caught (recall)", ylabel="flagged that are bots (precision)",
           xlim=(0, 1), ylim=(0, 1.01), title="Precision-recall")
    ax.legend(loc="lower left", fontsize="small")
    return ax


def bot_feature_importance(data: pd.DataFrame, *, feature: str = "feature",
                           weight: str = "weight", top: int = 15, ax=None, **kwargs):
    """Horizontal bars of the ``top`` largest |weight|: red pushes toward bot, blue toward human
    (for ``BotClassifier.feature_importance()``: log-odds per standard deviation)."""
    ax = ax or plt.gca()
    d = data.reindex(data[weight].abs().sort_values(ascending=False).index).head(top)[::-1]
    colors = np.where(d[weight] > 0, "#c0392b", "#2f6690")
    ax.barh(d[feature].astype(str), d[weight], color=colors, **kwargs)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set(xlabel="weight (+ bot-like, - human-like)", title="What the model looks at")
    return ax


def bot_threshold_costs(data: pd.DataFrame, *, threshold: str = "threshold", cost: str = "cost",
                        best: str | None = "best", ax=None, **kwargs):
    """Expected cost against the flagging threshold (``analysis.bots.threshold_costs``), with the
    cheapest threshold marked."""
    ax = ax or plt.gca()
    ax.plot(data[threshold], data[cost], **kwargs)
    if best is not None and best in data and data[best].any():
        row = data[data[best]].iloc[0]
        ax.axvline(row[threshold], color="#c0392b", ls="--", lw=1)
        ax.annotate(f"best {row[threshold]:.2f}", (row[threshold], row[cost]),
                    textcoords="offset points", xytext=(5, 10), fontsize="small")
    ax.set(xlabel="flag accounts scoring at least", ylabel="expected cost", title="Threshold cost")
    return ax


def bot_block_people(data: pd.DataFrame, *, threshold: str = "block_threshold",
                     people: str = "people_share", hue: str = "audience",
                     marked: float | None = None, ax=None, **kwargs):
    """The share of people on a block list against its threshold, one line per ``hue``
    (``analysis.bots.block_people_curve``: the public sets as they are and audiences with fewer
    bots), with the shipped threshold ``marked``; where the data has ``stated_share``, a ring on
    each line at the marked threshold shows the figure a report states (the threshold chosen
    without each set in turn, which the line at that point flatters)."""
    from matplotlib.ticker import PercentFormatter

    ax = ax or plt.gca()
    label = "what a report states (threshold chosen without each set)"
    for name, g in _groups(data, hue):
        (line,) = ax.plot(g[threshold], g[people].astype(float), label=name, **kwargs)
        stated = g["stated_share"].dropna() if "stated_share" in g else ()
        if marked is not None and len(stated):
            ax.scatter([marked], [float(stated.iloc[0])], s=40, facecolors="none",
                       edgecolors=line.get_color(), zorder=3, label=label)
            label = None                # one legend entry for all the rings
    if marked is not None:
        ax.axvline(marked, color="grey", ls="--", lw=1)
        ax.annotate(f"shipped {marked:.2f}", (marked, 0.95), textcoords="offset points",
                    xytext=(-5, 0), ha="right", fontsize="small")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(xlim=(0.5, 1), ylim=(0, 1), xlabel="block list from bot score",
           ylabel="people on the block list", title="Who a block list would name")
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: labels[i].startswith("what a report"))
    ax.legend([handles[i] for i in order], [labels[i] for i in order], fontsize="small",
              loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return ax


def bot_score_histogram(data: pd.DataFrame, *, score: str = "bot_score", hue: str | None = None,
                        bins: int = 30, ax=None, **kwargs):
    """Histogram of scores, stacked by ``hue`` (e.g. the true label) when given."""
    ax = ax or plt.gca()
    edges = np.linspace(0, 1, bins + 1)
    groups = _groups(data, hue)
    ax.hist([g[score] for _, g in groups], bins=edges, stacked=True,
            label=[str(n) for n, _ in groups] if hue else None, **kwargs)
    if hue:
        ax.legend(title=hue, fontsize="small")
    ax.set(xlabel="bot score", ylabel="accounts", title="Scores")
    return ax
