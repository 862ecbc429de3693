"""Which bot model generalises: leave-one-data-set-out ROC AUC on the seven mixed sets for the
recipe variants docs/bots.md compares (a quality benchmark, not a speed one).

Each variant is fitted, for every mixed set in turn, on the training sets the data selection
names minus the one left out (accounts shared with it removed) and scored on it, exactly as
``follower-kit bots evaluate --lodo`` fits the shipped recipe. Each variant is measured twice:
on the sets as they are (``mean``) and as X API v2 user objects would give them (``mean_v2``:
:func:`~follower_kit.sources.datasets.as_x_api_v2` strips the like count, ``default_profile`` and
``profile_use_background_image`` from every set). A row per variant and per way; the peer
(BotometerLite, fitted on every other set with profile text, stripped the same way) has rows of
its own. ``VARIANTS`` (labels separated by ``;``) in the environment limits the run; ``NO_PEER=1``
leaves the peer out.

Variants (each a change to the shipped recipe, ``shipped``):

* ``+ verified``: the ``verified`` flag (the public sets' labels leak it), text group;
* ``+ bio hashtags and mentions``: their counts in the bio, text group;
* ``trees regularised``: 30 trees of at least 300 accounts a leaf;
* ``no rules prior``: the learned parts alone (``rules_weight=0``, the recipe before the prior);
* ``rules prior x2``: the hand-set profile rules at twice the shipped weight;
* ``prior with the follower-count rules``: the prior holding every profile rule, the
  "few followers" and "many followers" ones too;
* ``+ gilani-2017``, ``+ cresci-rtbust-2019``, ``+ cresci-2015``: the data selection with a set
  it leaves out trained on again (the first two as kind ``other``, cresci-2015 as
  ``fake_follower``), to re-check the selection with the rules prior;
* ``every account weighted alike``: no set weighting (the recipe before
  :data:`~follower_kit.analysis.bots.model.BALANCE_SETS`: pronbots-2019 and cresci-2017 then
  decide most of what a bot looks like);
* ``groups weighted equally``: each sub-group (cresci-2017's nine, botrepo-2019's two) weighs
  the same within a class, rather than each set;
* ``no account age``: without ``age_days_log`` (the per-day rates keep age as denominator);
* ``no account age or per-day rates``: counts and ratios only.

Needs ``../shared/data/bots`` (or ``$FOLLOWER_KIT_SHARED_DATA/bots``); without it, no rows.
"""

from __future__ import annotations

import os

import numpy as np
from sklearn.metrics import roc_auc_score

from benchmarks.util import public_bot_sets


PER_DAY = ("tweets_per_day_log", "followers_per_day_log", "following_per_day_log",
           "likes_per_day_log", "listed_per_day_log")


def _with(groups: dict, group: str, add=(), drop=()) -> dict:
    out = {g: tuple(f for f in fs if f not in drop) for g, fs in groups.items()}
    out[group] = out[group] + tuple(add)
    return out


def variants(quick: bool = False) -> dict:
    from follower_kit.analysis.bots import model as M

    G = M.GROUP_FEATURES                                     # the shipped recipe
    ageless = _with(G, "core", drop=("age_days_log",))
    out = {"shipped": {}}
    if quick:
        return out
    out |= {
        "+ verified": {"group_features": _with(G, "text", ("verified",))},
        "+ bio hashtags and mentions": {"group_features": _with(
            G, "text", ("bio_hashtags", "bio_mentions"))},
        "no rules prior": {"rules_weight": 0.0},
        "+ gilani-2017": {"training_kinds": M.TRAINING_KINDS | {"gilani-2017": "other"}},
        "+ cresci-rtbust-2019": {"training_kinds": M.TRAINING_KINDS | {
            "cresci-rtbust-2019": "other"}},
        "+ cresci-2015": {"training_kinds": M.TRAINING_KINDS | {"cresci-2015": "fake_follower"}},
        "rules prior x2": {"rules_weight": 2 * M.RULES_WEIGHT},
        "prior with the follower-count rules": {"prior_rules": (
            *M.PRIOR_RULES, "few_followers", "many_followers")},
        "trees regularised": {"booster_params": {"max_iter": 30, "min_samples_leaf": 300}},
        "every account weighted alike": {"balance_sets": False},
        "groups weighted equally": {"balance_sets": "group"},
        "no account age": {"group_features": ageless},
        "no account age or per-day rates": {"group_features": _with(ageless, "core",
                                                                    drop=PER_DAY)},
    }
    return out


def run(quick: bool = False) -> list[dict]:
    return measure(variants(quick), quick)


def measure(variants: dict, quick: bool = False) -> list[dict]:
    """Rows of the leave-one-out means (both ways) for each of ``variants`` (label: keyword
    arguments of :func:`~follower_kit.analysis.bots.lodo_scores`, ``training_kinds`` also
    choosing the training sets); the peer's rows beside ``shipped``."""
    from follower_kit.analysis import bots as B
    from follower_kit.analysis.bots import model as M
    from follower_kit.sources.datasets import as_x_api_v2

    sets, _ = public_bot_sets(quick)
    if sets is None:
        return []
    only = [v.strip() for v in os.environ.get("VARIANTS", "").split(";") if v.strip()]
    rows = []
    for label, kw in variants.items():
        if only and label not in only:
            continue
        train = M.training_sets(sets, kw.get("training_kinds"))
        peer = label == "shipped" and not os.environ.get("NO_PEER")
        for way, as_v2 in (("as published", False), ("as X API v2", True)):
            use = {n: as_x_api_v2(s) for n, s in sets.items()} if as_v2 else sets
            scores = B.lodo_scores(use, train_names=train, peer=peer, test_names=B.MIXED_SETS,
                                   **kw)
            for who in ("kit", "peer") if peer else ("kit",):
                auc = {n: roc_auc_score(f["is_bot"], f[who]) for n, f in scores.items()}
                name = label if who == "kit" else "peer (BotometerLite)"
                rows.append({"variant": name, "fields": way,
                             "mean": round(float(np.mean(list(auc.values()))), 3),
                             **{n: round(v, 3) for n, v in auc.items()}})
    return rows
