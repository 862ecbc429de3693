"""The peer: BotometerLite (Yang et al. 2020), for comparisons measured in the same run."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from .. import features as F

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# the peer: BotometerLite-style random forest

#: BotometerLite's features (Yang et al. 2020, "Scalable and generalizable social bot
#: detection through data selection", Table 2): the user-metadata counts and flags, and the
#: derived rates, ratio, lengths, digit counts and screen-name likelihood.
BOTOMETER_LITE_COLUMNS = (
    "statuses_count", "followers_count", "friends_count", "favourites_count", "listed_count",
    "default_profile", "profile_use_background_image", "verified",
    "tweet_freq", "followers_growth_rate", "friends_growth_rate",
    "favourites_growth_rate", "listed_growth_rate", "followers_friends_ratio",
    "screen_name_length", "num_digits_in_screen_name", "name_length", "num_digits_in_name",
    "description_length", "screen_name_likelihood")


def _flag(users: pd.DataFrame, col: str) -> np.ndarray:
    if col not in users:
        return np.zeros(len(users))
    return pd.to_numeric(users[col].astype("Float64"), errors="coerce").to_numpy(
        dtype=float, na_value=0.0)


def botometer_lite_features(users: pd.DataFrame, handle_model: F.HandleModel | None = None
                            ) -> pd.DataFrame:
    """The BotometerLite profile features, computed as the paper does: raw counts, counts per
    hour of account age at the time the profile was read, followers/friends ratio, handle and
    name length and digits, bio length, the ``default_profile``, ``profile_use_background_image``
    and ``verified`` flags (0 when a source lacks them, as X API v2 does for the first two) and
    the handle's bigram likelihood.

    Returns
    -------
    DataFrame
        the columns of :data:`BOTOMETER_LITE_COLUMNS` (float), indexed like ``users``.
    """
    p = F.profile_features(users, handle_model=handle_model)
    cnt = {c: pd.to_numeric(users[c], errors="coerce").to_numpy(dtype=float, na_value=0.0)
           if c in users else np.zeros(len(users)) for c in F.COUNTS}
    age_h = np.expm1(p["age_days_log"].to_numpy()) * 24
    age_h = np.where(np.isnan(age_h), 24.0, age_h)
    return pd.DataFrame({
        "statuses_count": cnt["tweet_count"], "followers_count": cnt["followers_count"],
        "friends_count": cnt["following_count"], "favourites_count": cnt["like_count"],
        "listed_count": cnt["listed_count"],
        "default_profile": _flag(users, "default_profile"),
        "profile_use_background_image": _flag(users, "profile_use_background_image"),
        "verified": _flag(users, "verified"),
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


class BotometerLite(ClassifierMixin, BaseEstimator):
    """The peer: BotometerLite's features and a random forest, fitted on users frames. The
    screen-name likelihood model is learned from the training handles (the paper learned it
    from a large random sample of handles, which the kit does not ship).

    Parameters
    ----------
    n_estimators : int
        Trees (the paper's random forest; 100 here).
    random_state : int
    """

    def __init__(self, n_estimators: int = 100, random_state: int = 0):
        self.n_estimators = n_estimators
        self.random_state = random_state

    def fit(self, users: pd.DataFrame, y):
        from sklearn.ensemble import RandomForestClassifier

        self.handle_model_ = F.HandleModel.fit(users["username"].dropna())
        X = botometer_lite_features(users, self.handle_model_)
        self.forest_ = RandomForestClassifier(n_estimators=self.n_estimators,
                                              random_state=self.random_state, n_jobs=1)
        self.forest_.fit(X.to_numpy(dtype=float), np.asarray(y).astype(int))
        self.classes_ = self.forest_.classes_
        return self

    def predict_proba(self, users: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "forest_")
        X = botometer_lite_features(users, self.handle_model_)
        return self.forest_.predict_proba(X.to_numpy(dtype=float))

    def predict(self, users: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(users)[:, 1] >= 0.5).astype(int)


def botometer_lite_forest(n_estimators: int = 100, random_state: int = 0) -> BotometerLite:
    """An unfitted :class:`BotometerLite` peer."""
    return BotometerLite(n_estimators=n_estimators, random_state=random_state)
