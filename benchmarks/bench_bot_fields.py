"""What each optional field group is worth to the bot score: leave-one-data-set-out ROC AUC on
the seven mixed sets with every group each left-out set has, and with each group taken away
(a quality benchmark, not a speed one).

For each mixed set in turn the kit's recipe is fitted on the training sets the data selection
names minus the one left out (accounts shared with it removed), exactly as ``follower-kit bots
evaluate --lodo`` fits it; the left-out set is then stripped of the groups named
(:func:`~follower_kit.sources.datasets.without_fields`) and scored: the kit with the classifiers
fitted without those groups, the peer (BotometerLite, fitted on every other set with profile
text) and the hand-set rules on the blanked columns (the peer reads a blank as 0, the rules let
it contribute nothing). ``follower-kit bots evaluate --lodo DIR --without GROUP`` measures one
row over every set.

Tweets are in no public set; their worth is measured on the sample audience
(``python -m benchmarks bot_quality``: tweets and follower lists against profiles only).

Needs ``../shared/data/bots`` (or ``$FOLLOWER_KIT_SHARED_DATA/bots``); without it, no rows.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from benchmarks.util import public_bot_sets

VARIANTS = {
    "every group the set has": (),
    "without likes": ("likes",),
    "without listed": ("listed",),
    "without text (handle, name, bio, location, link, avatar)": ("text",),
    "counts and dates only": ("likes", "listed", "text"),
}


def run(quick: bool = False) -> list[dict]:
    from follower_kit.analysis import bots as B
    from follower_kit.analysis.bots import model as M

    sets, tests = public_bot_sets(quick)
    if sets is None:
        return []
    train = M.training_sets(sets)
    rows = []
    for label, groups in VARIANTS.items():
        if quick and groups not in ((), ("text",)):
            continue
        scores = B.lodo_scores(sets, train_names=train, peer=True, test_names=tests,
                               drop_fields=groups)
        for who in ("kit", "peer", "rules"):
            auc = {n: roc_auc_score(f["is_bot"], f[who]) for n, f in scores.items()}
            rows.append({"fields": label, "scorer": who,
                         "mean": round(float(np.mean(list(auc.values()))), 3),
                         **{n: round(v, 3) for n, v in auc.items()}})
    return rows
