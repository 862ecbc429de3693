"""Gradient-boosted trees stored as plain JSON and scored with numpy: scikit-learn's
``HistGradientBoostingClassifier`` (missing values handled by the trees, not imputed), its
fitted trees read out node by node (:func:`booster_state`), and a numpy scorer
(:func:`booster_decision`) equal to the booster's ``decision_function``. No pickle: a model
file is data anyone can read, and scoring needs no private scikit-learn code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier


def booster(*, max_iter: int = 50, max_leaf_nodes: int = 8, learning_rate: float = 0.2,
            min_samples_leaf: int = 100, random_state: int = 0
            ) -> HistGradientBoostingClassifier:
    """Unfitted boosted trees, small enough to score a million profiles in about a second
    (deterministic: no early stopping, fixed seed; classes weighted equally)."""
    return HistGradientBoostingClassifier(
        max_iter=max_iter, max_leaf_nodes=max_leaf_nodes, learning_rate=learning_rate,
        min_samples_leaf=min_samples_leaf, l2_regularization=1.0, class_weight="balanced",
        early_stopping=False, random_state=random_state)


def booster_state(clf: HistGradientBoostingClassifier, digits: int = 8) -> dict:
    """A fitted binary :func:`booster` as JSON-ready node arrays.

    Returns
    -------
    dict
        ``base`` (the baseline log-odds) and ``trees``: one dict per tree of equal-length node
        lists ``feature`` (column index), ``threshold`` (``x <= threshold`` goes left; exact,
        not rounded, so a value on a split point falls where the tree sent it), ``nan_left``
        (where a missing value goes), ``left`` and ``right`` (child node indices; 0 at a leaf)
        and ``value`` (a leaf's log-odds, shrinkage included; 0 inside).
    """
    trees = []
    for (pred,) in clf._predictors:
        n = pred.nodes
        leaf = n["is_leaf"].astype(bool)
        trees.append({
            "feature": np.where(leaf, 0, n["feature_idx"]).astype(int).tolist(),
            "threshold": np.where(leaf, 0.0, n["num_threshold"]).astype(float).tolist(),
            "nan_left": np.where(leaf, 0, n["missing_go_to_left"]).astype(int).tolist(),
            "left": np.where(leaf, 0, n["left"]).astype(int).tolist(),
            "right": np.where(leaf, 0, n["right"]).astype(int).tolist(),
            "value": [round(float(v), digits) if lf else 0.0
                      for v, lf in zip(n["value"], leaf)],
        })
    return {"base": round(float(np.ravel(clf._baseline_prediction)[0]), digits),
            "trees": trees}


def booster_decision(state: dict, M: np.ndarray) -> np.ndarray:
    """Log-odds of the stored booster on a float matrix (NaN = missing), in numpy.

    Each tree is walked node by node over whole columns: a node's rows are those that reached
    it, split by one comparison of its feature's column; a leaf adds its value to its rows.
    """
    M = np.asfortranarray(M, dtype=float)
    z = np.full(len(M), float(state["base"]))
    nan = {}
    for tree in state["trees"]:
        feat, thr, nan_left = tree["feature"], tree["threshold"], tree["nan_left"]
        left, right, value = tree["left"], tree["right"], tree["value"]
        reach = {0: None}   # None: every row
        for k in range(len(feat)):
            rows = reach.pop(k)
            if left[k] == 0:                       # a leaf
                z += value[k] if rows is None else value[k] * rows
                continue
            x = M[:, feat[k]]
            go = x <= thr[k]
            if nan_left[k]:
                if feat[k] not in nan:
                    nan[feat[k]] = np.isnan(x)
                go |= nan[feat[k]]
            reach[left[k]] = go if rows is None else rows & go
            reach[right[k]] = ~go if rows is None else rows & ~go
    return z


def booster_importance(state: dict, names) -> pd.DataFrame:
    """How much the stored trees lean on each feature: the number of splits on it (features
    never split on are left out).

    Returns
    -------
    DataFrame
        ``feature``, ``splits``, ``share`` (of all splits), most used first.
    """
    names = list(names)
    counts = np.zeros(len(names), dtype=int)
    for tree in state["trees"]:
        for feat, left in zip(tree["feature"], tree["left"]):
            if left:
                counts[feat] += 1
    df = pd.DataFrame({"feature": names, "splits": counts})
    df = df[df["splits"] > 0].sort_values(["splits", "feature"], ascending=[False, True])
    df["share"] = (df["splits"] / df["splits"].sum()).round(3)
    return df.reset_index(drop=True)
