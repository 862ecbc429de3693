"""Other learners beside the shipped recipe: leave-one-data-set-out ROC AUC on the seven mixed
sets for model families the kit does not ship, alone and blended with the kit's score (a quality
benchmark, not a speed one).

For each mixed set in turn, on the training sets the data selection names minus the one left
out (accounts shared with it removed), exactly as ``follower-kit bots evaluate --lodo`` fits the
shipped recipe:

* ``kit``: the shipped recipe; ``peer``: BotometerLite (fitted on every other set with text);
  ``rules``: the hand-set rules;
* ``random forest`` and ``extra trees``: 200 trees (at least 3 accounts a leaf, classes
  balanced) on the kit's features for the left-out set's field groups (the extra trees read a
  missing value as -1);
* ``bio n-grams``: a logistic regression on the character 2-4-grams (TF-IDF) of the bio and the
  display name;
* blends: the mean of the log-odds of the kit and the other (``kit + X``; the shipped kit
  already adds the hand-set profile rules as a prior, ``bots.RULES_WEIGHT``).

Each twice: on the sets as published and as X API v2 user objects would give them
(:func:`~follower_kit.sources.datasets.as_x_api_v2` on every set). ``NO_V2=1`` skips the second.

Needs ``../shared/data/bots`` (or ``$FOLLOWER_KIT_SHARED_DATA/bots``); without it, no rows.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from benchmarks.util import public_bot_sets


def _logit(p):
    p = np.clip(np.asarray(p, dtype=float), 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def _bio(users: pd.DataFrame) -> pd.Series:
    return (users["description"].fillna("").astype(str) + " | "
            + users["name"].fillna("").astype(str)).str.lower()


def _others(sets: dict, train: list, name: str) -> dict:
    """Each learner's left-out scores for ``name`` (log-odds or probabilities, see below)."""
    from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from follower_kit.analysis import bots as B
    from follower_kit.analysis import features as F
    from follower_kit.analysis.bots import model as M

    test = sets[name]
    users, y, fields = B.join_sets([sets[n] for n in train if n != name])
    keep = ~B.overlap(users, test.users)
    users, y, fields = users[keep].reset_index(drop=True), y[keep], fields[keep]
    kinds = M.kind_labels(users, y)
    pattern = M.pattern_name(test.fields)
    need = set(pattern.split("+"))
    rows = np.array([need <= set(f.split("+")) for f in fields]) & (kinds != "")
    handles = users.loc[kinds != "", "username"].dropna()
    hm = F.HandleModel.fit(handles)
    names = [f for g in pattern.split("+") for f in M.GROUP_FEATURES[g]]
    Xtr = M._features(users, hm, M.GROUP_FEATURES).loc[rows, names].to_numpy(dtype=float)
    tu = test.users.reset_index(drop=True)
    Xte = M._features(tu, hm, M.GROUP_FEATURES)[names].to_numpy(dtype=float)
    ytr = (kinds[rows] != "human").astype(int)
    out = {}
    rf = RandomForestClassifier(n_estimators=200, min_samples_leaf=3, max_features="sqrt",
                                class_weight="balanced_subsample", n_jobs=-1, random_state=0)
    out["random forest"] = rf.fit(Xtr, ytr).predict_proba(Xte)[:, 1]
    et = ExtraTreesClassifier(n_estimators=200, min_samples_leaf=3, max_features="sqrt",
                              class_weight="balanced", n_jobs=-1, random_state=0)
    out["extra trees"] = et.fit(np.nan_to_num(Xtr, nan=-1.0), ytr).predict_proba(
        np.nan_to_num(Xte, nan=-1.0))[:, 1]
    if "text" in need:
        vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=5,
                              max_features=100_000, sublinear_tf=True)
        A = vec.fit_transform(_bio(users.loc[rows]))
        lr = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(A, ytr)
        out["bio n-grams"] = 1 / (1 + np.exp(-lr.decision_function(vec.transform(_bio(tu)))))
    return out


def run(quick: bool = False) -> list[dict]:
    from follower_kit.analysis import bots as B
    from follower_kit.analysis.bots import model as M
    from follower_kit.sources.datasets import as_x_api_v2

    published, tests = public_bot_sets(quick)
    if published is None:
        return []
    train = M.training_sets(published)
    ways = [("as published", False)] + ([] if os.environ.get("NO_V2") else [("as X API v2",
                                                                               True)])
    rows = []
    for way, as_v2 in ways:
        sets = {n: as_x_api_v2(s) for n, s in published.items()} if as_v2 else published
        scores = B.lodo_scores(sets, train_names=train, peer=True, test_names=tests)
        auc: dict = {}
        for name, f in scores.items():
            y = f["is_bot"].to_numpy()
            kit = _logit(f["kit"])
            alone = {"kit": kit, "peer": _logit(f["peer"]), "rules": _logit(f["rules"])}
            alone |= {k: _logit(v) for k, v in _others(sets, train, name).items()}
            blends = {f"kit + {k}": (kit + v) / 2 for k, v in alone.items() if k != "kit"}
            for label, s in (alone | blends).items():
                auc.setdefault(label, {})[name] = roc_auc_score(y, s)
        for label, by_set in auc.items():
            rows.append({"learner": label, "fields": way,
                         "mean": round(float(np.mean(list(by_set.values()))), 3),
                         **{n: round(v, 3) for n, v in by_set.items()}})
    return rows
