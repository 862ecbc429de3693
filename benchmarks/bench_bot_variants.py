"""Which bot model generalises: leave-one-data-set-out ROC AUC on the seven mixed sets for the
recipe variants docs/bots.md compares (a quality benchmark, not a speed one).

Each variant is fitted, for every mixed set in turn, on the training sets the data selection
names minus the one left out (accounts shared with it removed) and scored on it, exactly as
``follower-kit bots evaluate --lodo`` fits the shipped recipe; only the kit is fitted (no peer, no
rules), so a row is one variant, its mean over the seven sets and each set's ROC AUC. Variants:

* ``kinds alone, earlier features``: the kind classifiers (L2 logistic regression per kind) on
  the profile features without ``handle_entropy``, ``name_in_handle``, ``bio_says_bot`` and
  ``bio_promotes``;
* ``kinds alone``: the same with those four text features;
* ``trees alone``: the boosted trees (bots of every kind against people) alone;
* ``blend w``: ``w`` x the highest kind log-odds + (1 - ``w``) x the trees' (the shipped recipe
  is :data:`~follower_kit.analysis.bots.model.BLEND_LINEAR`);
* ``blend 0.5, every set``: the data selection off (cresci-2015, gilani-2017 and
  cresci-rtbust-2019 trained on too);
* ``..., no likes``: the left-out sets scored without their like counts, as X API v2 user
  objects come.

Needs ``../shared/data/bots`` (or ``$FOLLOWER_KIT_SHARED_DATA/bots``); without it, no rows.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

NEW_TEXT = ("handle_entropy", "name_in_handle", "bio_says_bot", "bio_promotes")


def variants(quick: bool = False) -> dict:
    from follower_kit.analysis.bots import model as M

    earlier = {g: tuple(f for f in fs if f not in NEW_TEXT)
               for g, fs in M.GROUP_FEATURES.items()}
    every = dict(M.TRAINING_KINDS)
    every.update({("cresci-2015", g): "fake_follower" for g in ("INT", "FSF", "TWT",
                                                                  "FSF_or_TWT")})
    every.update({("cresci-2015", "E13"): "human", ("cresci-2015", "TFP"): "human",
                  "gilani-2017": "other", "cresci-rtbust-2019": "other"})
    out = {"kinds alone, earlier features": {"blend": 1.0, "group_features": earlier},
           "blend 0.5": {"blend": 0.5}}
    if quick:
        return out
    out |= {"kinds alone": {"blend": 1.0}, "trees alone": {"blend": 0.0},
            "blend 0.3": {"blend": 0.3}, "blend 0.7": {"blend": 0.7},
            "blend 0.5, every set": {"blend": 0.5, "training_kinds": every},
            "kinds alone, no likes": {"blend": 1.0, "drop_fields": ("likes",)},
            "trees alone, no likes": {"blend": 0.0, "drop_fields": ("likes",)},
            "blend 0.5, no likes": {"blend": 0.5, "drop_fields": ("likes",)}}
    return out


def run(quick: bool = False) -> list[dict]:
    from follower_kit.analysis import bots as B
    from follower_kit.analysis.bots import model as M
    from follower_kit.sources.datasets import load_bot_sets, shared_bots_dir

    folder = shared_bots_dir()
    if folder is None:
        return []
    sets = load_bot_sets(folder)
    rows = []
    for label, kw in variants(quick).items():
        kinds = kw.get("training_kinds", M.TRAINING_KINDS)
        selected = {k if isinstance(k, str) else k[0] for k in kinds}
        train = [n for n in sets if n in selected]
        scores = B.lodo_scores(sets, train_names=train, peer=False, test_names=B.MIXED_SETS,
                               **kw)
        auc = {n: roc_auc_score(f["is_bot"], f["kit"]) for n, f in scores.items()}
        rows.append({"variant": label, "mean": round(float(np.mean(list(auc.values()))), 3),
                     **{n: round(v, 3) for n, v in auc.items()}})
    return rows
