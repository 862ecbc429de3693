"""How well the default bot score separates people from bots, and where a block list should start.

Not a speed benchmark: the figures the README quotes for the sample audience and for the report's
``block_threshold``, measured here so each has a command. For every data set (the default sample
audience with its ground truth; Kaggle 2017 and Bot Repository when ``../shared/data`` exists):

* ROC AUC and PR AUC of ``bots.default_score`` (on the sample: with tweets and follower lists, and
  from profiles alone);
* at the likely-bot threshold (0.5) and at the report's ``block_threshold``: how many accounts are
  flagged and how many of them are people (false accusations);
* the threshold that costs least when a false accusation costs five missed bots
  (``bots.threshold_costs``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("FOLLOWER_KIT_SHARED_DATA", ROOT.parent / "shared" / "data"))


def _row(name: str, y, scores, block: float) -> dict:
    from follower_kit.analysis import bots as B

    y, p = np.asarray(y).astype(int), np.asarray(scores, float)
    costs = B.threshold_costs(y, p, false_accusation_cost=5)
    row = {"data": name, "accounts": len(y), "bots": int(y.sum()),
           "ROC AUC": round(roc_auc_score(y, p), 3), "PR AUC": round(average_precision_score(y, p), 3)}
    for label, t in (("0.5", 0.5), (f"{block:g}", block)):
        flagged = p >= t
        row[f"flagged @{label}"] = int(flagged.sum())
        row[f"people among them @{label}"] = int((flagged & (y == 0)).sum())
    row["cheapest threshold (false accusation = 5 misses)"] = float(
        costs.loc[costs["best"], "threshold"].iloc[0])
    return row


def run(quick: bool = False) -> list[dict]:
    from follower_kit.analysis import bots as B
    from follower_kit.audience import DEFAULTS
    from follower_kit.sources import datasets
    from follower_kit.sources.sample import generate

    block = DEFAULTS.block_threshold
    audience = generate()
    latest = audience.users.drop_duplicates("id", keep="last")
    truth = audience.truth.set_index("follower_id").loc[latest["id"], "is_bot"]
    full = B.default_score(latest, tweets=audience.tweets, followers=audience.followers)
    rows = [_row("sample (tweets + follower lists)", truth, full["bot_score"], block),
            _row("sample (profiles only)", truth, B.default_score(latest)["bot_score"], block)]
    for name in ("kaggle-2017", "botrepo-2019"):
        path = SHARED / "bots" / name
        if path.exists():
            data = datasets.load_labeled(path)
            rows.append(_row(name, data.labels, B.default_score(data.users)["bot_score"], block))
    return rows
