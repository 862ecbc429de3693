"""`BotClassifier`: a scikit-learn estimator users fit on their own labels, with JSON
persistence and a model card."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from ...errors import FollowerKitError
from .. import features as F

log = logging.getLogger(__name__)
from .linear import linear_pipeline, pipeline_from_state, pipeline_state
from .rules import _sigmoid

MODEL_FORMAT = "follower-kit-bot-model"
MODEL_FORMAT_VERSION = 2

# --------------------------------------------------------------------------------------------
# the trainable estimator

#: Extra columns BotClassifier learns from when the training frame carries them.
OPTIONAL_FEATURES = F.TWEET_FEATURES + ("farm_signal", "same_bio_log", "fresh_follow")


class BotClassifier(ClassifierMixin, BaseEstimator):
    """A bot classifier that generalizes across data sets: L2-regularized logistic regression on
    standardized, scale-free profile features.

    ``X`` is either a canonical users frame (profile features are computed inside, with a handle
    bigram model learned from the training handles; any tweet or farm columns of
    :func:`bot_features` it carries are used too) or a numeric feature frame from
    :func:`bot_features`. ``y`` is 1 for bot, 0 for human.

    Parameters
    ----------
    C : float
        Inverse regularization strength (smaller = simpler model; cross-data-set accuracy comes
        from keeping this small).
    leaky : bool
        Also learn from ``verified`` (do not, for public data sets: it encodes who was sampled as
        human rather than automation).
    features : sequence of str, optional
        Feature columns to use (default: all profile features, plus the optional ones present).

    Attributes
    ----------
    feature_names_ : list of str
    handle_model_ : HandleModel
    pipeline_ : Pipeline
        the fitted scikit-learn Pipeline (median imputation, standardization, logistic
        regression); ``impute_``, ``center_``, ``scale_``, ``coef_``, ``intercept_`` are its state.
    coef_ : ndarray of shape (1, n_features)
    intercept_ : ndarray of shape (1,)
    classes_ : ndarray ``[0, 1]``
    training_ : dict
        rows, bots, humans, and the data set names (from a ``dataset`` column when present).
    evaluations_ : list of dict
        figures recorded with :meth:`record_evaluation`, for the model card.
    """

    def __init__(self, C: float = 0.1, leaky: bool = False, features=None):
        self.C = C
        self.leaky = leaky
        self.features = features

    def _matrix(self, X: pd.DataFrame, fitting: bool = False) -> pd.DataFrame:
        if not isinstance(X, pd.DataFrame):
            raise FollowerKitError("BotClassifier needs a DataFrame: a users frame or the "
                                   "output of bot_features()")
        if "username" in X.columns:
            if fitting:
                self.handle_model_ = F.HandleModel.fit(X["username"])
            feats = F.profile_features(X, handle_model=self.handle_model_, leaky=self.leaky)
            extra = [c for c in OPTIONAL_FEATURES if c in X.columns]
            if extra:
                feats = feats.join(X[extra].astype(float))
            return feats
        return X

    def fit(self, X, y):
        """Learn from labeled accounts (``y``: 1 bot, 0 human)."""
        if "username" not in getattr(X, "columns", []):
            self.handle_model_ = None
        feats = self._matrix(X, fitting=True)
        if self.features is not None:
            names = list(self.features)
        else:
            base = list(F.PROFILE_FEATURES if self.leaky else
                        [f for f in F.PROFILE_FEATURES if f not in F.LEAKY_FEATURES])
            names = [c for c in base if c in feats] + [c for c in OPTIONAL_FEATURES if c in feats]
        missing = [c for c in names if c not in feats]
        if missing:
            raise FollowerKitError(f"BotClassifier.fit: feature column(s) {missing} missing")
        y = np.asarray(y).astype(int)
        pipe = linear_pipeline(self.C).fit(feats[names].to_numpy(dtype=float), y)
        self._set_state(pipeline_state(pipe))
        self.classes_ = np.array([0, 1])
        self.feature_names_ = names
        self.n_features_in_ = len(names)
        datasets = (sorted(pd.unique(X["dataset"].dropna()).tolist())
                    if "dataset" in getattr(X, "columns", []) else [])
        self.training_ = {"rows": int(len(y)), "bots": int(y.sum()), "humans": int((y == 0).sum()),
                          "datasets": datasets, "C": self.C, "leaky": self.leaky}
        self.evaluations_ = []
        return self

    def _standardized(self, X) -> np.ndarray:
        check_is_fitted(self, "coef_")
        feats = self._matrix(X)
        missing = [c for c in self.feature_names_ if c not in feats]
        if missing:
            raise FollowerKitError(f"BotClassifier: input lacks feature column(s) {missing} the "
                                   f"model was trained with")
        M = feats[self.feature_names_].to_numpy(dtype=float)
        M = np.where(np.isnan(M), self.impute_, M)
        return (M - self.center_) / self.scale_

    def _set_state(self, state: dict) -> None:
        self.state_ = state
        self.impute_ = np.asarray(state["impute"])
        self.center_ = np.asarray(state["center"])
        self.scale_ = np.asarray(state["scale"])
        self.coef_ = np.asarray(state["coef"])[None, :]
        self.intercept_ = np.asarray([state["intercept"]])

    @property
    def pipeline_(self):
        """The fitted scikit-learn Pipeline (impute, scale, logistic) on the feature matrix."""
        check_is_fitted(self, "coef_")
        return pipeline_from_state(self.state_)

    def decision_function(self, X) -> np.ndarray:
        return self._standardized(X) @ self.coef_[0] + self.intercept_[0]

    def predict_proba(self, X) -> np.ndarray:
        p = _sigmoid(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def contributions(self, X) -> pd.DataFrame:
        """Each feature's additive contribution to the log-odds (standardized value x weight).

        Returns
        -------
        DataFrame
            one column per feature in ``feature_names_``, indexed like ``X``.
        """
        S = self._standardized(X)
        return pd.DataFrame(S * self.coef_[0], columns=self.feature_names_, index=X.index)

    def feature_importance(self) -> pd.DataFrame:
        """Standardized weights, largest magnitude first.

        Returns
        -------
        DataFrame
            ``feature``, ``weight`` (log-odds per standard deviation; positive = more bot-like),
            ``meaning``.
        """
        check_is_fitted(self, "coef_")
        df = pd.DataFrame({"feature": self.feature_names_, "weight": self.coef_[0]})
        df["meaning"] = df["feature"].map(F.FEATURE_DOCS).fillna(df["feature"])
        return df.reindex(df["weight"].abs().sort_values(ascending=False).index).reset_index(
            drop=True)

    def record_evaluation(self, test_name: str, metrics: dict) -> None:
        """Keep measured figures with the model so its card reports them."""
        check_is_fitted(self, "coef_")
        self.evaluations_.append({"test": test_name, **{k: v for k, v in metrics.items()
                                                          if not isinstance(v, (list, dict))}})


def save_model(model: BotClassifier, path: str | Path) -> Path:
    """Write a fitted :class:`BotClassifier` as JSON (no pickle: safe to load from anywhere).

    The file holds ``format``, ``version`` (:data:`MODEL_FORMAT_VERSION`), the parameters, the
    learned state and the model card fields."""
    check_is_fitted(model, "coef_")
    data = {
        "format": MODEL_FORMAT, "version": MODEL_FORMAT_VERSION,
        "params": model.get_params(),
        "feature_names": model.feature_names_,
        "pipeline": model.state_,
        "handle_model": model.handle_model_.to_dict() if model.handle_model_ is not None else None,
        "training": model.training_, "evaluations": model.evaluations_,
    }
    if data["params"]["features"] is not None:
        data["params"]["features"] = list(data["params"]["features"])
    path = Path(path)
    path.write_text(json.dumps(data, indent=1, default=float))
    return path


def load_model(path: str | Path) -> BotClassifier:
    """Read a model written by :func:`save_model`.

    Raises
    ------
    FollowerKitError
        When the file is not a follower-kit bot model or its format version is newer than this kit
        reads.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise FollowerKitError(f"{path}: cannot read a bot model: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
        raise FollowerKitError(f"{path}: not a follower-kit bot model (format field is "
                               f"{data.get('format') if isinstance(data, dict) else None!r})")
    if data.get("version") != MODEL_FORMAT_VERSION:
        raise FollowerKitError(f"{path}: bot model format version {data.get('version')}; this kit "
                               f"reads version {MODEL_FORMAT_VERSION}")
    m = BotClassifier(**data["params"])
    m.feature_names_ = data["feature_names"]
    m.n_features_in_ = len(m.feature_names_)
    m._set_state(data["pipeline"])
    m.handle_model_ = (F.HandleModel.from_dict(data["handle_model"])
                       if data["handle_model"] is not None else None)
    m.classes_ = np.array([0, 1])
    m.training_ = data["training"]
    m.evaluations_ = data["evaluations"]
    return m


def model_card(model: BotClassifier) -> str:
    """A Markdown model card: what the model is, what it was trained on, what it measured, and
    its weights.

    Returns
    -------
    str
    """
    check_is_fitted(model, "coef_")
    t = model.training_
    lines = [
        "# Bot classifier model card", "",
        f"- **Model**: L2 logistic regression on standardized scale-free features (C={model.C}, "
        f"leaky features {'included' if model.leaky else 'excluded'}); format "
        f"{MODEL_FORMAT} v{MODEL_FORMAT_VERSION}.",
        f"- **Training data**: {', '.join(t['datasets']) or 'unnamed frame'}: {t['rows']:,} "
        f"accounts ({t['bots']:,} bots, {t['humans']:,} humans).",
        "- **Intended use**: ranking followers for review; a score is evidence, not a verdict. "
        "Public sets label novelty bots and verified celebrities; ordinary humans look different.",
        "", "## Measured figures", "",
    ]
    if model.evaluations_:
        keys = ["test", "n", "bots", "roc_auc", "pr_auc", "f1", "threshold", "ece"]
        lines += ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
        for e in model.evaluations_:
            lines.append("| " + " | ".join(
                f"{e.get(k):.3f}" if isinstance(e.get(k), float) else str(e.get(k, ""))
                for k in keys) + " |")
    else:
        lines.append("No evaluation recorded (call `record_evaluation`).")
    lines += ["", "## Weights (log-odds per standard deviation)", "",
              "| feature | weight | meaning |", "|---|---|---|"]
    for _, r in model.feature_importance().iterrows():
        lines.append(f"| {r['feature']} | {r['weight']:+.3f} | {r['meaning']} |")
    return "\n".join(lines) + "\n"


