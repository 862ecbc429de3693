"""Bot scores with reasons a person can check, a trainable bot classifier, and its evaluation.

* :func:`default_score`: works with no training. A hand-set, additive rule score over
  :mod:`~follower_kit.analysis.features` (every rule is in :data:`DEFAULT_RULES` with its
  weight), mapped to 0..1 by two Platt constants (:data:`DEFAULT_CALIBRATION`). The constants
  were fitted on the public labeled sets and the sample audience by
  :func:`fit_default_calibration`; the map is monotone, so it changes no ranking (ROC AUC is the
  same without it). Each account gets its top reasons in plain words.
* :class:`BotClassifier`: a scikit-learn estimator (regularized logistic regression on scale-free
  profile features, plus tweet and farm features when the input carries them) that users fit on
  their own labels or public sets. :func:`save_model` / :func:`load_model` write and read it as
  versioned JSON; :func:`model_card` describes its training data and measured figures.
* :func:`botometer_lite_forest`: the peer, a BotometerLite-style random forest on the BotometerLite
  profile features, for comparisons measured in the same run.
* :func:`evaluate` and :func:`leave_one_dataset_out`: ROC AUC, PR AUC, F1, calibration error.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from ..errors import FollowerKitError
from . import features as F

log = logging.getLogger(__name__)

MODEL_FORMAT = "follower-kit-bot-model"
MODEL_FORMAT_VERSION = 1


# --------------------------------------------------------------------------------------------
# the default score


@dataclass(frozen=True)
class Rule:
    """One additive term of the default score: ``weight * transform(feature)``, where the
    transform is ``value - center`` (``kind="linear"``), ``max(value - center, 0)`` (``"above"``)
    or ``max(center - value, 0)`` (``"below"``). A missing value contributes nothing."""

    name: str
    feature: str
    kind: str
    center: float
    weight: float


#: The hand-set rules. Weights were chosen by hand from what the bot-detection literature reports
#: about fake followers and automated accounts (default avatars, generated handles, follow-heavy
#: and like-less accounts, young accounts, high posting rates, batch creation); not fitted.
DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("default_avatar", "default_profile_image", "linear", 0.0, 1.0),
    Rule("digit_handle", "handle_trailing_digits", "above", 3.0, 0.45),
    Rule("few_followers", "followers_log", "below", np.log1p(100), 0.45),
    Rule("many_followers", "followers_log", "above", np.log1p(100), -0.45),
    Rule("follow_heavy", "follower_ratio_log", "below", -1.0, 0.5),
    Rule("follower_ratio", "follower_ratio_log", "linear", 0.0, -0.15),
    Rule("few_likes", "likes_per_tweet_log", "below", 0.0, 0.35),
    Rule("many_likes", "likes_per_tweet_log", "above", 0.0, -0.35),
    Rule("young", "age_days_log", "below", np.log1p(730), 0.5),
    Rule("old", "age_days_log", "above", np.log1p(730), -0.5),
    Rule("prolific", "tweets_per_day_log", "above", np.log1p(5), 0.4),
    Rule("quiet", "tweets_per_day_log", "below", np.log1p(5), -0.4),
    Rule("no_location", "has_location", "below", 1.0, 0.3),
    Rule("no_bio", "description_length", "below", 1.0, 0.6),
    Rule("few_posts", "tweets_log", "below", np.log1p(10), 0.5),
    Rule("follow_limit", "following_at_limit", "linear", 0.0, 0.5),
    Rule("farm", "farm_signal", "linear", 0.0, 3.0),
    Rule("shared_bio", "same_bio_log", "above", np.log1p(10), 0.8),
    Rule("fresh_follow", "fresh_follow", "linear", 0.0, 1.0),
    Rule("duplicate_posts", "duplicate_text_share", "above", 0.2, 3.0),
    Rule("clockwork", "interval_cv", "below", 0.5, 3.0),
    Rule("all_hours", "hour_entropy", "above", 4.0, 1.5),
    Rule("link_posts", "link_share", "above", 0.6, 1.5),
)

#: Platt constants mapping the rule sum ``z`` to ``1 / (1 + exp(-(a z + b)))``. Fitted by
#: :func:`fit_default_calibration` on Kaggle 2017 + Bot Repository (botwiki-2019, verified-2019)
#: profiles and the default sample audience (with its tweets and follower lists), pooled; the
#: three have bot shares of 47%, 24% and 19%, so no single pair of constants fits all three
#: (calibration error 0.11-0.14 on each). ``tests/test_bots.py`` refits them and checks these.
DEFAULT_CALIBRATION = {"a": 1.066, "b": -1.66}


def _rule_values(X: pd.DataFrame, rule: Rule) -> np.ndarray:
    if rule.feature not in X:
        return np.zeros(len(X))
    v = X[rule.feature].to_numpy(dtype=float)
    if rule.kind == "linear":
        t = v - rule.center
    elif rule.kind == "above":
        t = np.maximum(v - rule.center, 0.0)
    else:
        t = np.maximum(rule.center - v, 0.0)
    return np.nan_to_num(rule.weight * t, nan=0.0)


def rule_contributions(X: pd.DataFrame, rules=DEFAULT_RULES) -> pd.DataFrame:
    """Each rule's additive contribution to the default score, one column per rule.

    Returns
    -------
    DataFrame
        indexed like ``X``, one float column per rule name (positive = more bot-like).
    """
    return pd.DataFrame({r.name: _rule_values(X, r) for r in rules}, index=X.index)


def bot_features(users: pd.DataFrame, *, tweets: pd.DataFrame | None = None,
                 followers: pd.DataFrame | None = None,
                 handle_model: F.HandleModel | None = None, leaky: bool = False,
                 farms: bool = True, farm_kwargs: dict | None = None
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every feature the scores use: profile, tweet (when ``tweets`` is given) and coordination
    (unless ``farms=False``).

    Returns
    -------
    features : DataFrame
        indexed like ``users``: the profile features of
        :func:`~follower_kit.analysis.features.profile_features`, the tweet features of
        :func:`~follower_kit.analysis.features.tweet_features` (when tweets are given), and with
        ``farms``: ``farm_signal``, ``same_bio_log`` (log1p of other accounts with the same bio),
        ``fresh_follow`` (1 when followed on the day of creation, falling to 0 at 30 days; NaN
        without follow order), and for the reasons ``farm_id``, ``farm_size`` and
        ``days_created_before_follow`` (NaN outside farms / without follow order).
    farms : DataFrame
        the farm groups of :func:`~follower_kit.analysis.features.coordination` (empty without
        ``farms``).
    """
    X = F.profile_features(users, handle_model=handle_model, leaky=leaky)
    if tweets is not None:
        tf = F.tweet_features(tweets, authors=users["id"].astype("str"))
        X = X.join(pd.DataFrame(tf.to_numpy(), index=X.index, columns=tf.columns))
    if not farms:
        return X, pd.DataFrame(columns=["farm_id", "size", "member_ids"])
    groups, acc = F.coordination(users, followers, **(farm_kwargs or {}))
    before = acc["days_created_before_follow"].to_numpy(dtype=float)
    more = pd.DataFrame({
        "farm_signal": acc["farm_signal"].to_numpy(),
        "same_bio_log": np.log1p(acc["same_bio_count"].to_numpy(dtype=float)),
        "fresh_follow": np.clip(1 - before / 30.0, 0, 1),
        "farm_id": acc["farm_id"].to_numpy(dtype=float, na_value=np.nan),
        "farm_size": acc["farm_size"].to_numpy(dtype=float),
        "days_created_before_follow": before,
    }, index=X.index)
    return pd.concat([X, more], axis=1), groups


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


def default_score(users: pd.DataFrame, *, tweets: pd.DataFrame | None = None,
                  followers: pd.DataFrame | None = None, farms: bool = True, n_reasons: int = 3,
                  reasons_above: float = 0.0, calibration: dict | None = None,
                  features: pd.DataFrame | None = None) -> pd.DataFrame:
    """Score every account 0..1 with no training, with its top reasons in plain words.

    Parameters
    ----------
    users : DataFrame
        Canonical users frame (ages are measured at each profile's ``observed_at``).
    tweets, followers : DataFrame, optional
        Canonical tweets and followers frames: add tweet behaviour and farm/burst signals.
    farms : bool
        Look for farms (coordination); off = profile rules only.
    n_reasons : int
        Reasons to write per account (0: none).
    reasons_above : float
        Write reasons only for accounts scoring at least this (writing them is the slow part on
        millions of rows; 0 writes them for everyone).
    calibration : dict, optional
        ``{"a", "b"}`` Platt constants (default :data:`DEFAULT_CALIBRATION`).
    features : DataFrame, optional
        Precomputed :func:`bot_features` output.

    Returns
    -------
    DataFrame
        indexed like ``users``: ``id``, ``username``, ``bot_score`` (0..1; NaN for an id with no
        profile, as an X archive lists followers), ``raw_score`` (the rule sum), ``reasons``
        ("; "-joined, most important first; empty below ``reasons_above`` or when nothing
        stands out), ``farm_id`` (Int64, NA outside farms).
    """
    if features is None:
        X, _ = bot_features(users, tweets=tweets, followers=followers, farms=farms)
    else:
        X = features
    contrib = rule_contributions(X)
    z = contrib.to_numpy().sum(axis=1)
    # An id with no profile at all (an X archive imported without --hydrate) has nothing to
    # score: NaN, not the constant the rules would give an empty row.
    z = np.where(_no_profile(users), np.nan, z)
    cal = calibration or DEFAULT_CALIBRATION
    score = _sigmoid(cal["a"] * z + cal["b"])
    if n_reasons > 0:
        reasons = explain(users, X, contrib, n_reasons=n_reasons,
                          rows=np.flatnonzero(score >= reasons_above))
    else:
        reasons = np.full(len(users), "", dtype=object)
    farm = (X["farm_id"].to_numpy() if "farm_id" in X else np.full(len(users), np.nan))
    return pd.DataFrame({
        "id": users["id"].astype("str").to_numpy(),
        "username": users["username"].to_numpy(),
        "bot_score": score,
        "raw_score": z,
        "reasons": reasons,
        "farm_id": pd.arrays.IntegerArray(np.nan_to_num(farm).astype(np.int64), np.isnan(farm)),
    }, index=users.index).astype({"id": "str", "username": "str"})


def _no_profile(users: pd.DataFrame) -> np.ndarray:
    """Rows that hold an id and nothing else a profile has."""
    cols = [c for c in ("username", "created_at", "followers_count", "following_count",
                        "tweet_count", "description") if c in users.columns]
    if not cols:
        return np.ones(len(users), dtype=bool)
    return users[cols].isna().all(axis=1).to_numpy()


def _ints(values) -> np.ndarray:
    """Whole numbers with thousands separators ("4,990"); "?" when unknown."""
    values = np.asarray(values, dtype=float)
    known = ~np.isnan(values)
    out = np.full(len(values), "?", dtype=object)
    out[known] = [f"{v:,}" for v in np.round(values[known]).astype(np.int64).tolist()]
    return out


def _plural(values, unit: str) -> np.ndarray:
    n = _ints(values)
    return np.where(np.round(np.nan_to_num(values, nan=0)) == 1, n + f" {unit}", n + f" {unit}s")


def _pct(values) -> np.ndarray:
    return np.array([f"{v:.0%}" for v in values], dtype=object)


#: rule -> reason: rules telling the same story share one phrase (and their contributions add up).
REASON_OF = {"few_followers": "follow_ratio", "follow_heavy": "follow_ratio",
             "follower_ratio": "follow_ratio"}

# reason -> phrase builder over arrays (u: user counts, x: features, r: coordination columns)
_PHRASES = {
    "default_avatar": lambda u, x, r: np.full(len(x["default_profile_image"]), "default avatar",
                                              dtype=object),
    "digit_handle": lambda u, x, r: "handle ends in " + _ints(x["handle_trailing_digits"])
    + " digits",
    "follow_ratio": lambda u, x, r: "follows " + _ints(u["following_count"])
    + " and is followed by " + _ints(u["followers_count"]),
    "follow_limit": lambda u, x, r: "follows " + _ints(u["following_count"])
    + ", at X's follow limit of about 5,000",
    "few_likes": lambda u, x, r: _ints(u["like_count"]) + " likes for "
    + _ints(u["tweet_count"]) + " posts",
    "young": lambda u, x, r: "account is " + _plural(np.expm1(x["age_days_log"]), "day") + " old",
    "prolific": lambda u, x, r: "posts " + _ints(np.expm1(x["tweets_per_day_log"]))
    + " times a day",
    "no_location": lambda u, x, r: np.full(len(x["has_location"]), "no location", dtype=object),
    "no_bio": lambda u, x, r: np.full(len(x["has_location"]), "no bio", dtype=object),
    "few_posts": lambda u, x, r: _ints(u["tweet_count"]) + " posts ever",
    "farm": lambda u, x, r: "one of " + _ints(r["farm_size"]) + " accounts created together "
    "with the same handle pattern or bio (farm " + _ints(r["farm_id"]) + ")",
    "shared_bio": lambda u, x, r: "bio shared with " + _ints(np.expm1(x["same_bio_log"]))
    + " other accounts",
    "fresh_follow": lambda u, x, r: "created " + _plural(
        np.maximum(r["days_created_before_follow"], 0), "day") + " before following",
    "duplicate_posts": lambda u, x, r: _pct(x["duplicate_text_share"])
    + " of recent posts repeat each other",
    "clockwork": lambda u, x, r: np.full(len(x["interval_cv"]),
                                         "posts at regular intervals like a timer", dtype=object),
    "all_hours": lambda u, x, r: np.full(len(x["hour_entropy"]),
                                         "posts at every hour of the day", dtype=object),
    "link_posts": lambda u, x, r: _pct(x["link_share"]) + " of recent posts carry a link",
}


class _Rows:
    """Columns of a dict of arrays, taken at ``rows`` only when a phrase asks for them."""

    def __init__(self, arrays: dict, rows: np.ndarray):
        self.arrays, self.rows = arrays, rows

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name][self.rows]


def explain(users: pd.DataFrame, X: pd.DataFrame, contrib: pd.DataFrame, *,
            n_reasons: int = 3, rows=None, min_contribution: float = 0.2) -> np.ndarray:
    """The top ``n_reasons`` plain-words reasons per account: the reasons that pushed its score up
    the most (rules telling the same story are added together first), each at least
    ``min_contribution``, "; "-joined, most important first.

    Returns
    -------
    ndarray of str
        one per row of ``users`` (empty outside ``rows`` or when no rule stands out).
    """
    out = np.full(len(users), "", dtype=object)
    rows = np.arange(len(users)) if rows is None else np.asarray(rows)
    if not len(rows):
        return out
    keys = list(dict.fromkeys(REASON_OF.get(c, c) for c in contrib.columns))
    key_of = np.array([keys.index(REASON_OF.get(c, c)) for c in contrib.columns])
    c = np.zeros((len(rows), len(keys)))
    np.add.at(c.T, key_of, contrib.to_numpy()[rows].T)
    top = np.argsort(-c, axis=1, kind="stable")[:, :n_reasons]
    strength = np.take_along_axis(c, top, axis=1)
    u_all = {f: pd.to_numeric(users[f], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
             for f in F.COUNTS if f in users}
    x_all = {f: X[f].to_numpy(dtype=float) for f in X.columns}
    cols = []
    for j in range(top.shape[1]):
        col = np.full(len(rows), None, dtype=object)
        for k in np.unique(top[:, j]):
            sel = (top[:, j] == k) & (strength[:, j] >= min_contribution)
            if not sel.any():
                continue
            r = rows[sel]
            col[sel] = _PHRASES[keys[k]](_Rows(u_all, r), _Rows(x_all, r), _Rows(x_all, r))
        cols.append(col)
    joined = np.full(len(rows), "", dtype=object)
    for col in cols:   # reasons fill from the left, so a missing one ends the list
        has = col != None  # noqa: E711  (elementwise on an object array)
        joined[has] = np.where(joined[has] == "", col[has], joined[has] + "; " + col[has])
    out[rows] = joined
    return out


def fit_default_calibration(items) -> dict:
    """Refit the two Platt constants of the default score on labeled accounts.

    Parameters
    ----------
    items : iterable
        :class:`~follower_kit.sources.datasets.LabeledSet` objects, or tuples
        ``(users, labels, tweets, followers)`` (tweets and followers may be None).

    Returns
    -------
    dict
        ``{"a", "b"}`` rounded to 3 decimals (compare with :data:`DEFAULT_CALIBRATION`).
    """
    from sklearn.linear_model import LogisticRegression

    zs, ys = [], []
    for item in items:
        if isinstance(item, tuple):
            users, labels, tweets, followers = item
        else:
            users, labels, tweets, followers = item.users, item.labels, None, None
        X, _ = bot_features(users, tweets=tweets, followers=followers)
        zs.append(rule_contributions(X).to_numpy().sum(axis=1))
        ys.append(np.asarray(labels).astype(int))
    z, y = np.concatenate(zs), np.concatenate(ys)
    lr = LogisticRegression(C=1e6, max_iter=1000).fit(z[:, None], y)
    return {"a": round(float(lr.coef_[0, 0]), 3), "b": round(float(lr.intercept_[0]), 3)}


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
    center_, scale_, impute_ : ndarray
        standardization and the medians that fill missing values.
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
        from sklearn.linear_model import LogisticRegression

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
        M = feats[names].to_numpy(dtype=float)
        self.impute_ = np.nan_to_num(np.nanmedian(M, axis=0), nan=0.0)
        M = np.where(np.isnan(M), self.impute_, M)
        self.center_ = M.mean(axis=0)
        self.scale_ = M.std(axis=0)
        self.scale_[self.scale_ == 0] = 1.0
        lr = LogisticRegression(C=self.C, max_iter=5000).fit((M - self.center_) / self.scale_, y)
        self.coef_, self.intercept_ = lr.coef_, lr.intercept_
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
        "impute": model.impute_.tolist(), "center": model.center_.tolist(),
        "scale": model.scale_.tolist(), "coef": model.coef_[0].tolist(),
        "intercept": float(model.intercept_[0]),
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
    m.impute_ = np.asarray(data["impute"])
    m.center_ = np.asarray(data["center"])
    m.scale_ = np.asarray(data["scale"])
    m.coef_ = np.asarray(data["coef"])[None, :]
    m.intercept_ = np.asarray([data["intercept"]])
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


# --------------------------------------------------------------------------------------------
# the peer: BotometerLite-style random forest

BOTOMETER_LITE_COLUMNS = (
    "statuses_count", "followers_count", "friends_count", "favourites_count", "listed_count",
    "default_profile_image", "tweet_freq", "followers_growth_rate", "friends_growth_rate",
    "favourites_growth_rate", "listed_growth_rate", "followers_friends_ratio",
    "screen_name_length", "num_digits_in_screen_name", "name_length", "num_digits_in_name",
    "description_length", "screen_name_likelihood")


def botometer_lite_features(users: pd.DataFrame, verified: bool = False) -> pd.DataFrame:
    """The BotometerLite profile features (Yang et al. 2020, AAAI), computed as that paper does:
    raw counts, counts per hour of account age, followers/friends ratio, handle and name length
    and digits, bio length, default avatar and the handle's bigram likelihood (fitted on the same
    frame). ``verified`` adds the verified flag.

    Returns
    -------
    DataFrame
        the columns of :data:`BOTOMETER_LITE_COLUMNS` (float), indexed like ``users``.
    """
    p = F.profile_features(users, leaky=verified)
    cnt = {c: pd.to_numeric(users[c], errors="coerce").to_numpy(dtype=float, na_value=0.0)
           for c in F.COUNTS}
    age_h = np.expm1(p["age_days_log"].to_numpy()) * 24
    age_h = np.where(np.isnan(age_h), 24.0, age_h)
    out = pd.DataFrame({
        "statuses_count": cnt["tweet_count"], "followers_count": cnt["followers_count"],
        "friends_count": cnt["following_count"], "favourites_count": cnt["like_count"],
        "listed_count": cnt["listed_count"],
        "default_profile_image": p["default_profile_image"].fillna(0).to_numpy(),
        "tweet_freq": cnt["tweet_count"] / age_h,
        "followers_growth_rate": cnt["followers_count"] / age_h,
        "friends_growth_rate": cnt["following_count"] / age_h,
        "favourites_growth_rate": cnt["like_count"] / age_h,
        "listed_growth_rate": cnt["listed_count"] / age_h,
        "followers_friends_ratio": cnt["followers_count"] / np.maximum(cnt["following_count"], 1),
        "screen_name_length": p["handle_length"].to_numpy(),
        "num_digits_in_screen_name": p["handle_digits"].to_numpy(),
        "name_length": p["name_length"].to_numpy(),
        "num_digits_in_name": p["name_digits"].to_numpy(),
        "description_length": p["description_length"].to_numpy(),
        "screen_name_likelihood": p["handle_loglik"].to_numpy(),
    }, index=users.index)
    if verified:
        out["verified"] = p["verified"].fillna(0).to_numpy()
    return out


def botometer_lite_forest(n_estimators: int = 100, random_state: int = 0, verified: bool = False):
    """The peer model: a Pipeline of :func:`botometer_lite_features` and a random forest, fitted
    on users frames like :class:`BotClassifier`."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    return make_pipeline(
        FunctionTransformer(botometer_lite_features, kw_args={"verified": verified}),
        RandomForestClassifier(n_estimators=n_estimators, random_state=random_state, n_jobs=1))


# --------------------------------------------------------------------------------------------
# evaluation


def calibration_error(y, p, bins: int = 10) -> float:
    """Expected calibration error: the bin-size-weighted mean |observed bot share - mean score|
    over ``bins`` equal-width score bins."""
    y, p = np.asarray(y, float), np.asarray(p, float)
    idx = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            total += m.sum() * abs(y[m].mean() - p[m].mean())
    return float(total / len(y))


def evaluate(y, p, *, threshold: float = 0.5) -> dict:
    """Ranking and decision quality of scores ``p`` against labels ``y`` (1 = bot).

    Returns
    -------
    dict
        ``n``, ``bots``, ``roc_auc``, ``pr_auc`` (average precision), ``f1``, ``precision``,
        ``recall`` (at ``threshold``), ``threshold``, ``ece`` (expected calibration error, 10
        bins), ``brier``.
    """
    from sklearn.metrics import (average_precision_score, brier_score_loss, f1_score,
                                 precision_score, recall_score, roc_auc_score)

    y, p = np.asarray(y).astype(int), np.asarray(p, float)
    pred = (p >= threshold).astype(int)
    both = len(np.unique(y)) == 2
    return {
        "n": int(len(y)), "bots": int(y.sum()),
        "roc_auc": float(roc_auc_score(y, p)) if both else float("nan"),
        "pr_auc": float(average_precision_score(y, p)) if both else float("nan"),
        "f1": float(f1_score(y, pred, zero_division=0)),
        "precision": float(precision_score(y, pred, zero_division=0)),
        "recall": float(recall_score(y, pred, zero_division=0)),
        "threshold": float(threshold),
        "ece": calibration_error(y, p),
        "brier": float(brier_score_loss(y, p)),
    }


def threshold_costs(y, p, *, false_accusation_cost: float = 5.0, missed_bot_cost: float = 1.0,
                    thresholds=None) -> pd.DataFrame:
    """Expected cost of flagging every account scoring at least each threshold, where calling a
    human a bot costs ``false_accusation_cost`` and missing a bot ``missed_bot_cost``.

    Returns
    -------
    DataFrame
        ``threshold``, ``flagged``, ``false_accusations``, ``missed_bots``, ``cost``, ``best``
        (True on the cheapest row).
    """
    y, p = np.asarray(y).astype(int), np.asarray(p, float)
    ts = np.linspace(0, 1, 101) if thresholds is None else np.asarray(thresholds, float)
    flagged = p[None, :] >= ts[:, None]
    fa = (flagged & (y[None, :] == 0)).sum(axis=1)
    miss = (~flagged & (y[None, :] == 1)).sum(axis=1)
    cost = false_accusation_cost * fa + missed_bot_cost * miss
    df = pd.DataFrame({"threshold": ts, "flagged": flagged.sum(axis=1), "false_accusations": fa,
                       "missed_bots": miss, "cost": cost})
    df["best"] = False
    df.loc[int(np.argmin(cost)), "best"] = True
    return df


def _default_model_scores(users):
    return default_score(users, reasons_above=2.0)["bot_score"].to_numpy()


def leave_one_dataset_out(sets: dict, *, models=None, threshold: float = 0.5) -> pd.DataFrame:
    """Train on all sets but one, test on the one left out (accounts shared with the training sets
    removed first); repeat for each set.

    Parameters
    ----------
    sets : dict of name -> LabeledSet
    models : dict of name -> callable returning an unfitted estimator, or None for a score that
        needs no training; default: ``BotClassifier``, the BotometerLite-style forest (peer) and the
        default score.

    Returns
    -------
    DataFrame
        one row per (test set, model): ``train``, ``test``, ``model`` and the :func:`evaluate`
        figures.
    """
    from ..sources.datasets import load_many, remove_overlap

    models = models or {"bot_classifier": BotClassifier, "botometer_lite_rf": botometer_lite_forest,
                        "default_score": None}
    rows = []
    for test_name, test in sets.items():
        train = load_many([s for n, s in sets.items() if n != test_name])
        held = remove_overlap(test, train)
        for mname, make in models.items():
            if make is None:
                p = _default_model_scores(held.users)
            else:
                est = make().fit(train.users, train.labels.to_numpy())
                p = est.predict_proba(held.users)[:, 1]
            rows.append({"train": train.name, "test": held.name, "model": mname,
                         **evaluate(held.labels, p, threshold=threshold)})
    return pd.DataFrame(rows)
