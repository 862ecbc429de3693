"""The one linear model every trained bot score uses: a scikit-learn Pipeline of median
imputation (only for values a source has but could not give for one account; a field group the
source lacks is never imputed, see :mod:`.model`), standardization and L2 logistic regression,
with its fitted state as plain JSON (no pickle)."""

from __future__ import annotations

import numpy as np
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler


def linear_pipeline(C: float = 0.1, class_weight=None) -> Pipeline:
    """Unfitted ``impute -> scale -> logistic regression`` pipeline (deterministic: lbfgs)."""
    return Pipeline([
        ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
        ("scale", StandardScaler()),
        ("logistic", LogisticRegression(C=C, class_weight=class_weight, max_iter=5000)),
    ])


def pipeline_state(pipe: Pipeline, digits: int = 8) -> dict:
    """The fitted state of :func:`linear_pipeline` as JSON-ready lists, rounded so a refit on
    another machine writes the same file."""
    scale = pipe.named_steps["scale"]
    lr = pipe.named_steps["logistic"]

    def r(a):
        return [round(float(v), digits) for v in np.ravel(a)]

    return {"impute": r(pipe.named_steps["impute"].statistics_), "center": r(scale.mean_),
            "scale": r(scale.scale_), "coef": r(lr.coef_[0]),
            "intercept": round(float(lr.intercept_[0]), digits), "C": lr.C,
            "class_weight": lr.class_weight}


def pipeline_from_state(state: dict) -> Pipeline:
    """A fitted :func:`linear_pipeline` rebuilt from :func:`pipeline_state`."""
    pipe = linear_pipeline(state.get("C", 0.1), state.get("class_weight"))
    n = len(state["coef"])
    imp, scale, lr = (pipe.named_steps[k] for k in ("impute", "scale", "logistic"))
    imp.statistics_ = np.asarray(state["impute"], float)
    imp.n_features_in_ = n
    imp._fit_dtype = imp._fill_dtype = np.dtype(float)
    imp.indicator_ = None
    scale.mean_ = np.asarray(state["center"], float)
    scale.scale_ = np.asarray(state["scale"], float)
    scale.var_ = scale.scale_ ** 2
    scale.n_features_in_ = n
    scale.n_samples_seen_ = 1
    lr.coef_ = np.asarray(state["coef"], float)[None, :]
    lr.intercept_ = np.asarray([state["intercept"]], float)
    lr.classes_ = np.array([0, 1])
    lr.n_features_in_ = n
    return pipe


def decision(state: dict, M: np.ndarray) -> np.ndarray:
    """Log-odds of :func:`pipeline_from_state` on a float matrix, in plain numpy (what scoring a
    million rows uses; equal to the pipeline's ``decision_function``)."""
    M = np.where(np.isnan(M), np.asarray(state["impute"])[None, :], M)
    S = (M - np.asarray(state["center"])[None, :]) / np.asarray(state["scale"])[None, :]
    return S @ np.asarray(state["coef"]) + state["intercept"]
