"""The hand-set rules: a bot score that needs no training, and the plain-words reasons every
score reports (:func:`default_score`, :func:`explain`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import features as F

log = logging.getLogger(__name__)

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
    # Bluesky labels: a moderation service calling the account spam, or the account declaring
    # itself a bot (a self-label), each outweighs any profile evidence; 0 on X (no labels)
    Rule("spam_label", "spam_label", "linear", 0.0, 4.0),
    Rule("bot_label", "bot_label", "linear", 0.0, 4.0),
)

#: Bluesky label values that count as a moderation service's spam verdict (``spam`` is
#: Bluesky's own; the others are values labelers use for the same thing).
SPAM_LABELS = frozenset({"spam", "scam", "impersonation", "inauthentic", "engagement-farming"})

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
    X = X.join(label_features(users).set_axis(X.index))
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


def label_features(users: pd.DataFrame) -> pd.DataFrame:
    """Bluesky's labels as bot evidence: the negated labels are already gone (the source drops
    them), so a label present is a label in force.

    Returns
    -------
    DataFrame
        indexed like ``users``: ``spam_label`` (1.0 when a moderation label such as ``spam``
        is on the account, else 0.0) and ``bot_label`` (1.0 when it self-labels ``bot``).
    """
    spam, bot = np.zeros(len(users)), np.zeros(len(users))
    if "labels" in users.columns:
        # one pass in Arrow over the flattened labels: a Python set per follower cost 2.4 s
        # a million X followers, who have no labels at all
        try:
            arr = pa.array(users["labels"], type=pa.list_(pa.string()), from_pandas=True)
        except (pa.ArrowException, TypeError):  # values that are not all lists: one by one
            arr = pa.array([list(map(str, v)) if isinstance(v, (list, tuple, np.ndarray))
                            else None for v in users["labels"].tolist()],
                           type=pa.list_(pa.string()))
        flat = pc.list_flatten(arr)
        if len(flat):
            parent = pc.list_parent_indices(arr).to_numpy()
            is_spam = pc.is_in(flat, value_set=pa.array(sorted(SPAM_LABELS))).to_numpy(
                zero_copy_only=False)
            is_bot = pc.equal(flat, "bot").fill_null(False).to_numpy(zero_copy_only=False)
            spam[parent[is_spam]] = 1.0
            bot[parent[is_bot]] = 1.0
    return pd.DataFrame({"spam_label": spam, "bot_label": bot}, index=users.index)


#: What a Bluesky profile lacks that X's has, in words (the score leaves these out for
#: Bluesky accounts: their features are missing, not zero).
BLUESKY_LACKS = "likes given, list memberships, location and X's verified type"


def missing_fields_note(users: pd.DataFrame) -> str:
    """A sentence saying which profile fields the score could not use, for the Bluesky accounts
    among ``users`` (ids that are DIDs), and which Bluesky signal it adds; "" when none.

    Returns
    -------
    str
    """
    ids = users["id"] if "id" in users.columns else users.get("follower_id", pd.Series([]))
    n = int(ids.astype(str).str.startswith("did:").sum())
    if not n:
        return ""
    return (f"{n:,} Bluesky accounts: their profiles have no {BLUESKY_LACKS}, so the score "
            "rests on counts, account age, handle, bio, avatar and posts; Bluesky's moderation "
            "labels (spam) and bot self-labels count as evidence.")


def bluesky_basis_note(users: pd.DataFrame) -> str:
    """What the scores of the Bluesky accounts among ``users`` rest on, for a report or the
    triage to say beside a list of them: the hand-set rules (the shipped model learned from X
    profiles, :func:`~follower_kit.analysis.bots.model_for`), the fields Bluesky lacks, the
    labels that count, and that no measurement says how many people such a list holds; ""
    without Bluesky accounts.

    Returns
    -------
    str
    """
    ids = users["id"] if "id" in users.columns else users.get("follower_id", pd.Series([]))
    if not int(ids.astype(str).str.startswith("did:").sum()):
        return ""
    return ("These Bluesky accounts are scored by the kit's hand-set rules, not by its bot "
            f"model, which learned from X profiles: Bluesky profiles have no {BLUESKY_LACKS}, "
            "so the scores rest on counts, account age, handle, bio, avatar and posts, and a "
            "Bluesky moderation label such as spam, or a bot self-label, counts as evidence. "
            "How many real people such a list holds has been measured on X accounts only.")


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
    "few_likes": lambda u, x, r: _plural(u["like_count"], "like") + " for "
    + _plural(u["tweet_count"], "post"),
    "young": lambda u, x, r: "account is " + _plural(np.expm1(x["age_days_log"]), "day") + " old",
    "prolific": lambda u, x, r: "posts " + _ints(np.expm1(x["tweets_per_day_log"]))
    + " times a day",
    # the human side (explain(..., toward="human")): what made an account look like a person
    "many_likes": lambda u, x, r: _plural(u["like_count"], "like") + " for "
    + _plural(u["tweet_count"], "post"),
    "old": lambda u, x, r: "account is " + _plural(np.floor(np.expm1(x["age_days_log"]) / 365.25),
                                                   "year") + " old",
    "quiet": lambda u, x, r: np.array([f"posts {v:.1f} times a day" if v >= 0.1 else
                                       "posts less than once in 10 days" for v in
                                       np.expm1(x["tweets_per_day_log"])], dtype=object),
    "no_location": lambda u, x, r: np.full(len(x["has_location"]), "no location", dtype=object),
    "no_bio": lambda u, x, r: np.full(len(x["has_location"]), "no bio", dtype=object),
    "few_posts": lambda u, x, r: _plural(u["tweet_count"], "post") + " ever",
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
    "spam_label": lambda u, x, r: np.full(len(x["spam_label"]), "labelled spam by a Bluesky "
                                          "moderation service", dtype=object),
    "bot_label": lambda u, x, r: np.full(len(x["bot_label"]), "declares itself a bot (Bluesky "
                                         "self-label)", dtype=object),
}


class _Rows:
    """Columns of a dict of arrays, taken at ``rows`` only when a phrase asks for them."""

    def __init__(self, arrays: dict, rows: np.ndarray):
        self.arrays, self.rows = arrays, rows

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name][self.rows]


def explain(users: pd.DataFrame, X: pd.DataFrame, contrib: pd.DataFrame, *,
            n_reasons: int = 3, rows=None, min_contribution: float = 0.2,
            toward: str = "bot") -> np.ndarray:
    """The top ``n_reasons`` plain-words reasons per account: the reasons that pushed its score up
    the most (rules telling the same story are added together first), each at least
    ``min_contribution``, "; "-joined, most important first. ``toward="human"`` gives those
    that pushed it down instead ("followed by 4,200; account is 13 years old"): why a bot
    passed as a person.

    Returns
    -------
    ndarray of str
        one per row of ``users`` (empty outside ``rows`` or when no rule stands out).
    """
    if toward not in ("bot", "human"):
        raise ValueError(f"explain: toward must be 'bot' or 'human', not {toward!r}")
    out = np.full(len(users), "", dtype=object)
    rows = np.arange(len(users)) if rows is None else np.asarray(rows)
    if not len(rows):
        return out
    reason_of = REASON_OF
    if toward == "human":
        contrib = -contrib
        # a person's many followers are the follow ratio's story told the other way
        reason_of = {**REASON_OF, "many_followers": "follow_ratio"}
    keys = list(dict.fromkeys(reason_of.get(c, c) for c in contrib.columns))
    key_of = np.array([keys.index(reason_of.get(c, c)) for c in contrib.columns])
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


