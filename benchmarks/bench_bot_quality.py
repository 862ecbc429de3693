"""How well the kit's one bot score (and the hand-set rules) separate people from bots on the
sample audience, and what its block list holds there.

Not a speed benchmark. On the public sets the shipped model was trained on, an in-sample figure
would flatter it: their figures come from leaving each set out, with
``follower-kit bots evaluate --lodo ../shared/data/bots --json`` (see docs/bots.md). Here, on the
sample audience (which no model was fitted on), for the kit's score and for the rules:

* ROC AUC and PR AUC (with tweets and follower lists, and from profiles alone);
* at ``bot_threshold`` and at ``block_threshold`` (``follower_kit.config``): how many accounts are
  flagged and how many of them are people (false accusations);
* the threshold that costs least when a false accusation costs five missed bots.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score


def _row(name: str, y, scores, block: float, blockable=None) -> dict:
    from follower_kit.analysis import bots as B
    from follower_kit.config import BOT_THRESHOLD

    y, p = np.asarray(y).astype(int), np.asarray(scores, float)
    ok = np.ones(len(y), bool) if blockable is None else np.asarray(blockable, bool)
    costs = B.threshold_costs(y, p, false_accusation_cost=5)
    row = {"data": name, "accounts": len(y), "bots": int(y.sum()),
           "ROC AUC": round(roc_auc_score(y, p), 3),
           "PR AUC": round(average_precision_score(y, p), 3)}
    for label, t, mask in ((f"{BOT_THRESHOLD:g}", BOT_THRESHOLD, np.ones(len(y), bool)),
                           (f"{block:g} (block list)", block, ok)):
        flagged = (p >= t) & mask
        row[f"flagged @{label}"] = int(flagged.sum())
        row[f"people among them @{label}"] = int((flagged & (y == 0)).sum())
    row["cheapest threshold (false accusation = 5 misses)"] = float(
        costs.loc[costs["best"], "threshold"].iloc[0])
    return row


def run(quick: bool = False) -> list[dict]:
    from follower_kit.analysis import bots as B
    from follower_kit.config import BLOCK_THRESHOLD
    from follower_kit.sources.sample import generate

    audience = generate()
    latest = audience.users.drop_duplicates("id", keep="last")
    truth = audience.truth.set_index("follower_id").loc[latest["id"], "is_bot"]
    rows = []
    for label, kw in (("tweets + follower lists", {"tweets": audience.tweets,
                                                    "followers": audience.followers}),
                      ("profiles only", {})):
        kit = B.score_bots(latest, n_reasons=0, **kw)
        rules = B.score_bots(latest, model=None, n_reasons=0, **kw)
        rows.append(_row(f"sample, kit ({label})", truth, kit["bot_score"], BLOCK_THRESHOLD,
                         kit["block_kind"]))
        rows.append(_row(f"sample, rules ({label})", truth, rules["bot_score"], BLOCK_THRESHOLD))
    return rows
