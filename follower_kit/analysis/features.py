"""Bot-detection features, vectorized over canonical frames.

* :func:`profile_features`: from the users frame alone (the BotometerLite set plus scale-free
  ratios). Ages and per-day rates are measured against each profile's ``observed_at``, never "now",
  so the same profile gives the same features whenever it is scored.
* :func:`tweet_features`: from recent tweets, per author (retweet, reply and link shares, duplicate
  text, hashtag rate, posting regularity, hour-of-day entropy, burstiness).
* :func:`coordination`: groups of followers that look made in one batch (created in the same short
  window, same handle pattern or bio, followed in one burst) and a per-account farm signal.
* :class:`HandleModel`: a character bigram model of handles; ``handle_loglik`` is a handle's mean
  log-likelihood under it.

All functions are pure: frames in, frames out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

log = logging.getLogger(__name__)

#: Features that leak the label in the public data sets rather than describe behaviour: in
#: Kaggle 2017 and the Bot Repository the humans are mostly verified celebrities.
LEAKY_FEATURES = ("verified",)

COUNTS = ("followers_count", "following_count", "tweet_count", "listed_count", "like_count")

#: Column -> plain-words meaning, for model cards and reasons.
FEATURE_DOCS = {
    "followers_log": "log1p(followers)",
    "following_log": "log1p(accounts followed)",
    "tweets_log": "log1p(posts)",
    "listed_log": "log1p(lists including the account)",
    "likes_log": "log1p(posts liked)",
    "age_days_log": "log1p(account age in days at observed_at)",
    "tweets_per_day_log": "log1p(posts per day of account age)",
    "followers_per_day_log": "log1p(followers per day of account age)",
    "following_per_day_log": "log1p(follows per day of account age)",
    "likes_per_day_log": "log1p(likes per day of account age)",
    "listed_per_day_log": "log1p(lists per day of account age)",
    "follower_ratio_log": "log1p(followers) - log1p(following)",
    "listed_per_follower_log": "log1p(listed) - log1p(followers)",
    "likes_per_tweet_log": "log1p(likes) - log1p(posts)",
    "following_at_limit": "follows 4,900 to 5,100 accounts (X's follow limit for small accounts)",
    "handle_length": "characters in the handle",
    "handle_digits": "digits in the handle",
    "handle_trailing_digits": "length of the digit run that ends the handle",
    "handle_loglik": "mean log-likelihood of the handle under a character bigram model",
    "name_length": "characters in the display name",
    "name_digits": "digits in the display name",
    "description_length": "characters in the bio",
    "description_has_url": "the bio holds a link",
    "has_url": "the profile has a link",
    "has_location": "the profile has a location",
    "default_profile_image": "default avatar",
    "handle_entropy": "Shannon entropy of the handle's characters, in bits per character",
    "name_in_handle": "the display name's first letters appear in the handle (or the reverse)",
    "bio_says_bot": "the bio calls the account a bot, a feed or automated",
    "bio_promotes": "the bio asks for follows or promotes money (follow back, crypto, promo, DM)",
    "bio_hashtags": "hashtags in the bio",
    "bio_mentions": "@mentions in the bio",
    "verified": "verified (leaks the label in public data sets)",
}

#: Bio counts tried as model features and not kept (docs/bots.md): :func:`bio_counts` gives them.
BIO_COUNTS = ("bio_hashtags", "bio_mentions")
PROFILE_FEATURES = tuple(f for f in FEATURE_DOCS if f not in BIO_COUNTS)

#: X's limits on a display name and a bio, in characters
MAX_NAME_CHARS = 50
MAX_BIO_CHARS = 160


# --------------------------------------------------------------------------------------------
# handles as a padded byte matrix, and a character bigram model over it

_ALPHABET = 39  # 0 = start/end, 1-26 a-z, 27-36 0-9, 37 '_', 38 anything else
_CHAR_CLASS = np.full(256, 38, dtype=np.int8)
_CHAR_CLASS[ord("a"): ord("z") + 1] = np.arange(1, 27)
_CHAR_CLASS[ord("A"): ord("Z") + 1] = np.arange(1, 27)
_CHAR_CLASS[ord("0"): ord("9") + 1] = np.arange(27, 37)
_CHAR_CLASS[ord("_")] = 37
MAX_HANDLE = 16


def _byte_matrix(values: pd.Series | pa.Array, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(n x width) uint8 matrix of the first ``width`` UTF-8 bytes of each string (0 padded) and
    the byte lengths. Nulls are empty."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        arr = values.cast(pa.large_string())
    else:
        arr = pa.array(values.astype("str") if values.dtype == object else values,
                       type=pa.large_string(), from_pandas=True)
    arr = pc.fill_null(arr, "")
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8) if arr.buffers()[2] is not None \
        else np.zeros(0, np.uint8)
    if len(data) == 0:  # every value null or empty (an archive import without profiles)
        data = np.zeros(1, np.uint8)
    lengths = np.diff(offsets)
    cols = np.arange(width)
    idx = offsets[:-1, None] + cols[None, :]
    inside = cols[None, :] < lengths[:, None]
    out = data[np.where(inside, np.minimum(idx, len(data) - 1), 0)]
    out[~inside] = 0
    return out.astype(np.uint8, copy=False), lengths


def _classes(handles: pd.Series) -> np.ndarray:
    """Handle characters as bigram-model classes, with 0 marking start and end."""
    mat, lengths = _byte_matrix(handles, MAX_HANDLE)
    cls = _CHAR_CLASS[mat].astype(np.int16)
    cls[np.arange(MAX_HANDLE)[None, :] >= lengths[:, None]] = 0
    return np.concatenate([np.zeros((len(cls), 1), np.int16), cls,
                           np.zeros((len(cls), 1), np.int16)], axis=1)


def _trailing_digits(cls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(length of the digit run ending each handle, handle length) from a :func:`_classes`
    matrix."""
    chars = cls[:, 1:-1]
    length = (chars != 0).sum(axis=1)
    digit = (chars >= 27) & (chars <= 36)
    # walk back from each handle's last character while the characters are digits
    steps = np.arange(chars.shape[1])[None, :]
    back = np.maximum(length[:, None] - 1 - steps, 0)
    from_end = np.take_along_axis(digit, back, axis=1) & (steps < length[:, None])
    run = np.where(from_end.all(axis=1), chars.shape[1], np.argmin(from_end, axis=1))
    return run, length


@dataclass
class HandleModel:
    """A character bigram model of handles (letters case-folded; digits, ``_`` and the rest as
    their own classes), add-one smoothed.

    ``HandleModel.fit(handles)`` learns it from handles taken as real; :meth:`loglik` gives each
    handle's mean log-probability per transition (higher = more like the handles it learned).
    """

    log_prob: np.ndarray  # (_ALPHABET, _ALPHABET)

    @classmethod
    def fit(cls, handles: pd.Series) -> "HandleModel":
        return cls.fit_classes(_classes(pd.Series(handles).dropna()))

    @classmethod
    def fit_classes(cls, c: np.ndarray) -> "HandleModel":
        """Fit from a class matrix of :func:`_classes` (start marker, characters, end markers)."""
        flat = (c[:, :-1].astype(np.int32) * _ALPHABET + c[:, 1:]).ravel()
        # padding after the end marker is (0, 0); the one real (0, 0) would be an empty handle
        counts = np.bincount(flat[flat != 0], minlength=_ALPHABET * _ALPHABET)
        counts = counts.reshape(_ALPHABET, _ALPHABET).astype(float) + 1.0
        return cls(np.log(counts / counts.sum(axis=1, keepdims=True)))

    def loglik(self, handles: pd.Series) -> np.ndarray:
        return self.loglik_classes(_classes(handles))

    def loglik_classes(self, c: np.ndarray) -> np.ndarray:
        flat = c[:, :-1].astype(np.int32) * _ALPHABET + c[:, 1:]
        lp = self.log_prob.ravel()[flat]
        lp[flat == 0] = 0.0   # padding after the end
        steps = np.maximum((flat != 0).sum(axis=1), 1)
        return lp.sum(axis=1) / steps

    def to_dict(self) -> dict:
        return {"log_prob": self.log_prob.round(6).tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> "HandleModel":
        return cls(np.asarray(d["log_prob"], dtype=float))


# --------------------------------------------------------------------------------------------
# profile features


def _naive_utc(series: pd.Series) -> np.ndarray:
    """UTC times as datetime64[us] without a timezone (NaT where missing), with no per-element
    conversion."""
    return pd.to_datetime(series, utc=True).dt.tz_localize(None).to_numpy(dtype="datetime64[us]")


def _float(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _str_len(series: pd.Series) -> np.ndarray:
    arr = pa.array(series, type=pa.large_string(), from_pandas=True)
    return pc.fill_null(pc.utf8_length(arr), 0).to_numpy(zero_copy_only=False).astype(float)


def _count_digits(series: pd.Series) -> np.ndarray:
    arr = pa.array(series, type=pa.large_string(), from_pandas=True)
    return pc.fill_null(pc.count_substring_regex(arr, "[0-9]"), 0).to_numpy(
        zero_copy_only=False).astype(float)


def _has_text(series: pd.Series) -> np.ndarray:
    return _str_len(series) > 0


#: Bio words of a self-declared automated account, and of follow-for-follow or money promotion
#: (whole words, any case).
BOT_WORDS = r"(?i)\b(bots?|automated|automatic(ally)?|feed|every (hour|day)|tweets? every)\b"
PROMO_WORDS = (r"(?i)(follow ?back|\bf4f\b|\bteam ?follow|\bcrypto|\bbitcoin|\bforex|\bnft\b|"
               r"\bgiveaway|\bpromo(tion)?s?\b|\bdm (me )?for|\bbusiness inquir|\bsignals?\b)")


def _entropy(cls: np.ndarray) -> np.ndarray:
    """Shannon entropy (bits) of each handle's character distribution, from :func:`_classes`
    (random strings of digits and letters score high; names low):
    ``log2 L - sum over characters of log2(count of that character) / L``."""
    chars = cls[:, 1:-1]
    real = chars != 0
    length = real.sum(axis=1)
    total = np.zeros(len(chars))
    step = 65_536   # a (rows x 16 x 16) equality table per slice, so a million fit in memory
    for start in range(0, len(chars), step):
        c = chars[start:start + step]
        same = (c[:, :, None] == c[:, None, :]).sum(axis=2)       # count of each character
        total[start:start + len(c)] = np.where(real[start:start + len(c)],
                                               np.log2(np.maximum(same, 1)), 0.0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(length > 0, np.log2(np.maximum(length, 1)) - total / np.maximum(length, 1),
                        0.0)


def _letters(series: pd.Series) -> pa.Array:
    """Each text's letters a-z, lower-cased, others dropped."""
    arr = pa.array(series, type=pa.large_string(), from_pandas=True)
    low = pc.replace_substring_regex(pc.utf8_lower(pc.fill_null(arr, "")), r"[^a-z]+", "")
    return low.combine_chunks() if isinstance(low, pa.ChunkedArray) else low


def _quads(letters: np.ndarray) -> np.ndarray:
    """Every run of four letters of each row as one uint32 (n x width-3); 0 past the end."""
    t = letters.astype(np.uint32)
    return t[:, :-3] << 24 | t[:, 1:-2] << 16 | t[:, 2:-1] << 8 | t[:, 3:]


def _name_in_handle(handle: pd.Series, name: pd.Series) -> np.ndarray:
    """1 when the display name's first four letters (a-z) are in the handle or the handle's in
    the name; 0 when not; NaN when either has fewer than four letters."""
    hl, ml = _letters(handle), _letters(name)
    out = np.full(len(hl), np.nan)
    step = 65_536   # letter matrices in slices, so a million names fit in memory
    for start in range(0, len(hl), step):
        h = _byte_matrix(hl.slice(start, step), MAX_HANDLE)[0]
        m = _byte_matrix(ml.slice(start, step), MAX_NAME_CHARS)[0]
        hq, mq = _quads(h), _quads(m)
        hit = (hq == mq[:, :1]).any(axis=1) | (mq == hq[:, :1]).any(axis=1)
        known = (h[:, 3] != 0) & (m[:, 3] != 0)
        out[start:start + len(h)] = np.where(known, hit.astype(float), np.nan)
    return out


def _count(arr: pa.Array, pattern: str) -> np.ndarray:
    return pc.fill_null(pc.count_substring_regex(arr, pattern), 0).to_numpy(
        zero_copy_only=False).astype(float)


def _matches(arr: pa.Array, pattern: str) -> np.ndarray:
    return pc.fill_null(pc.match_substring_regex(arr, pattern), False).to_numpy(
        zero_copy_only=False).astype(float)


def profile_features(users: pd.DataFrame, *, handle_model: HandleModel | None = None,
                     leaky: bool = False) -> pd.DataFrame:
    """Profile-only features, one row per user, indexed like ``users``.

    Parameters
    ----------
    users : DataFrame
        Canonical users frame (``observed_at`` is the reference time for ages).
    handle_model : HandleModel, optional
        Bigram model for ``handle_loglik``; default: fitted on ``users["username"]`` itself, so a
        handle is scored against the rest of the same audience.
    leaky : bool
        Keep ``verified``, which separates the classes of the public data sets for reasons that have
        nothing to do with automation (their humans are verified celebrities).

    Returns
    -------
    DataFrame
        float columns, see :data:`FEATURE_DOCS`: ``followers_log``, ``following_log``,
        ``tweets_log``, ``listed_log``, ``likes_log``, ``age_days_log``, ``tweets_per_day_log``,
        ``followers_per_day_log``, ``following_per_day_log``, ``likes_per_day_log``,
        ``listed_per_day_log``, ``follower_ratio_log``, ``listed_per_follower_log``,
        ``likes_per_tweet_log``, ``following_at_limit``, ``handle_length``, ``handle_digits``,
        ``handle_trailing_digits``, ``handle_loglik``, ``name_length``, ``name_digits``,
        ``description_length``, ``description_has_url``, ``has_url``,
        ``has_location``, ``default_profile_image``, ``handle_entropy``, ``name_in_handle``,
        ``bio_says_bot``, ``bio_promotes`` (and ``verified`` when ``leaky``). Missing
        counts give NaN in the columns built from them.
    """
    out = {}
    counts = {c: _float(users[c]) if c in users else np.full(len(users), np.nan) for c in COUNTS}
    logs = {c: np.log1p(np.maximum(v, 0)) for c, v in counts.items()}
    created = _naive_utc(users["created_at"])
    observed = _naive_utc(users["observed_at"])
    age = (observed - created).astype("timedelta64[s]").astype(float) / 86400.0
    age[np.isnat(created) | np.isnat(observed)] = np.nan
    age = np.maximum(age, 1.0)  # a new account has lived a day, not zero
    names = {"followers_count": "followers", "following_count": "following",
             "tweet_count": "tweets", "listed_count": "listed", "like_count": "likes"}
    for c, short in names.items():
        out[f"{short}_log"] = logs[c]
    out["age_days_log"] = np.log1p(age)
    for c, short in (("tweet_count", "tweets"), ("followers_count", "followers"),
                     ("following_count", "following"), ("like_count", "likes"),
                     ("listed_count", "listed")):
        out[f"{short}_per_day_log"] = np.log1p(np.maximum(counts[c], 0) / age)
    out["follower_ratio_log"] = logs["followers_count"] - logs["following_count"]
    out["listed_per_follower_log"] = logs["listed_count"] - logs["followers_count"]
    out["likes_per_tweet_log"] = logs["like_count"] - logs["tweet_count"]
    following = counts["following_count"]
    out["following_at_limit"] = ((following >= 4900) & (following <= 5100)).astype(float)

    handle = users["username"]
    cls = _classes(handle)
    out["handle_length"] = _str_len(handle)
    out["handle_digits"] = ((cls >= 27) & (cls <= 36)).sum(axis=1).astype(float)
    out["handle_trailing_digits"] = _trailing_digits(cls)[0].astype(float)
    if handle_model is None:
        # bigram statistics settle long before a million handles: learn from at most 200,000,
        # evenly spaced so the result does not depend on chance
        step = max(1, len(cls) // 200_000)
        handle_model = HandleModel.fit_classes(cls[::step])
    model = handle_model
    out["handle_loglik"] = model.loglik_classes(cls)
    name = users["name"] if "name" in users else pd.Series(np.nan, index=users.index)
    # X caps display names at 50 characters and bios at 160: longer text (an import's or a
    # stranger's fixture) counts as the longest real one, so no linear weight sees a length
    # it was never fitted on (a 10,000-character bio once scored 1.0 as "automated")
    out["name_length"] = np.minimum(_str_len(name), MAX_NAME_CHARS)
    out["name_digits"] = _count_digits(name)
    desc = users["description"] if "description" in users else pd.Series(np.nan, index=users.index)
    out["description_length"] = np.minimum(_str_len(desc), MAX_BIO_CHARS)
    desc_arr = pa.array(desc, type=pa.large_string(), from_pandas=True)
    has_link = pc.or_(pc.match_substring(desc_arr, "http"), pc.match_substring(desc_arr, "www."))
    out["description_has_url"] = pc.fill_null(has_link, False).to_numpy(
        zero_copy_only=False).astype(float)
    out["has_url"] = (_has_text(users["url"]).astype(float) if "url" in users
                      else np.zeros(len(users)))
    out["has_location"] = (_has_text(users["location"]).astype(float) if "location" in users
                           else np.zeros(len(users)))
    if "id" in users:  # Bluesky profiles have no location field: unknown, not "none given"
        out["has_location"] = np.where(
            users["id"].astype(str).str.startswith("did:").to_numpy(dtype=bool), np.nan,
            out["has_location"])
    dpi = users["default_profile_image"] if "default_profile_image" in users else None
    out["default_profile_image"] = (np.zeros(len(users)) if dpi is None
                                    else _float(dpi.astype("Float64")))
    out["handle_entropy"] = _entropy(cls)
    out["name_in_handle"] = _name_in_handle(handle, name)
    out["bio_says_bot"] = _matches(desc_arr, BOT_WORDS)
    out["bio_promotes"] = _matches(desc_arr, PROMO_WORDS)
    if leaky:
        out["verified"] = _float(users["verified"].astype("Float64")) if "verified" in users \
            else np.zeros(len(users))
    return pd.DataFrame(out, index=users.index)


def bio_counts(users: pd.DataFrame) -> pd.DataFrame:
    """Hashtags and @mentions in each bio (not in :func:`profile_features`: tried as model
    features, they did not generalise, docs/bots.md).

    Returns
    -------
    DataFrame
        indexed like ``users``: ``bio_hashtags``, ``bio_mentions`` (float).
    """
    desc = users["description"] if "description" in users else pd.Series(np.nan, index=users.index)
    arr = pa.array(desc, type=pa.large_string(), from_pandas=True)
    return pd.DataFrame({"bio_hashtags": _count(arr, r"(?:^|[^\w&])#\w"),
                         "bio_mentions": _count(arr, r"(?:^|[^\w])@\w")}, index=users.index)


# --------------------------------------------------------------------------------------------
# tweet features

TWEET_FEATURES = ("n_tweets", "retweet_share", "reply_share", "link_share", "duplicate_text_share",
                  "hashtags_per_tweet", "interval_cv", "burstiness", "hour_entropy")


def tweet_features(tweets: pd.DataFrame, *, authors=None) -> pd.DataFrame:
    """Behaviour in recent tweets, one row per author.

    Parameters
    ----------
    tweets : DataFrame
        Canonical tweets frame.
    authors : sequence of str, optional
        Ids to return rows for (authors without tweets get ``n_tweets`` 0 and NaN elsewhere).

    Returns
    -------
    DataFrame
        indexed by author id: ``n_tweets``; ``retweet_share``, ``reply_share``, ``link_share``
        (share of tweets with a URL), ``duplicate_text_share`` (share of tweets whose text,
        lower-cased and with links and digits removed, repeats another of the author's);
        ``hashtags_per_tweet``;
        ``interval_cv`` (std/mean of gaps between tweets: near 0 = clockwork posting);
        ``burstiness`` ((std - mean)/(std + mean) of the gaps, -1 regular .. 1 bursty);
        ``hour_entropy`` (entropy of the posting hour in bits, 0..log2 24).
    """
    t = tweets
    if len(t) == 0:
        idx = pd.Index(list(authors) if authors is not None else [], name="author_id", dtype="str")
        df = pd.DataFrame(np.nan, index=idx, columns=list(TWEET_FEATURES))
        df["n_tweets"] = 0.0
        return df
    author = t["author_id"].astype("str")
    kind = t["kind"].astype("str")
    n_urls = pc.fill_null(pc.list_value_length(pa.array(t["urls"], from_pandas=True)), 0)
    n_tags = pc.fill_null(pc.list_value_length(pa.array(t["hashtags"], from_pandas=True)), 0)
    text = pa.array(t["text"], type=pa.large_string(), from_pandas=True)
    norm = pc.replace_substring_regex(pc.utf8_lower(pc.fill_null(text, "")),
                                      r"https?://\S+|[0-9]+|@\w+|\s+", "")
    frame = pd.DataFrame({
        "author": author.to_numpy(),
        "retweet": (kind == "retweet").to_numpy(float),
        "reply": (kind == "reply").to_numpy(float),
        "link": (n_urls.to_numpy(zero_copy_only=False) > 0).astype(float),
        "tags": n_tags.to_numpy(zero_copy_only=False).astype(float),
        "norm": norm.to_numpy(zero_copy_only=False),
        "ts": t["created_at"].to_numpy(dtype="datetime64[us]").astype("int64") / 1e6,
    })
    frame["dup"] = frame.duplicated(["author", "norm"], keep=False) & (frame["norm"] != "")
    frame["hour"] = ((frame["ts"] // 3600) % 24).astype(int)
    g = frame.groupby("author", sort=True)
    out = pd.DataFrame({
        "n_tweets": g.size().astype(float),
        "retweet_share": g["retweet"].mean(),
        "reply_share": g["reply"].mean(),
        "link_share": g["link"].mean(),
        "duplicate_text_share": g["dup"].mean().astype(float),
        "hashtags_per_tweet": g["tags"].mean(),
    })
    frame = frame.sort_values(["author", "ts"], kind="stable")
    gap = frame["ts"].diff()
    gap[frame["author"].ne(frame["author"].shift())] = np.nan
    gs = gap.groupby(frame["author"], sort=True)
    mean, std = gs.mean(), gs.std(ddof=0)
    # Two or three posts always look regular: judge rhythm only from 5 gaps or more.
    enough = gs.count() >= 5
    out["interval_cv"] = (std / mean.where(mean > 0)).where(enough)
    out["burstiness"] = (std - mean) / (std + mean).where((std + mean) > 0)
    hours = pd.crosstab(frame["author"], frame["hour"]).to_numpy(float)
    p = hours / hours.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        ent = -np.nansum(np.where(p > 0, p * np.log2(p), 0.0), axis=1)
    out["hour_entropy"] = pd.Series(ent, index=pd.crosstab(frame["author"], frame["hour"]).index)
    out.index = out.index.astype("str")
    out.index.name = "author_id"
    if authors is not None:
        out = out.reindex(pd.Index(list(authors), dtype="str", name="author_id"))
        out["n_tweets"] = out["n_tweets"].fillna(0.0)
    return out[list(TWEET_FEATURES)]


# --------------------------------------------------------------------------------------------
# coordination: follower farms


def follow_order(followers: pd.DataFrame) -> pd.DataFrame:
    """When each follower was first listed, and the global order in which they followed.

    Returns
    -------
    DataFrame
        one row per follower: ``follower_id``, ``first_seen`` (the first snapshot listing them: an
        upper bound of the follow date), ``position`` (in that snapshot), ``follow_rank`` (0 = the
        earliest follower; adjacent ranks followed one after the other).
    """
    if len(followers) == 0:
        return pd.DataFrame({"follower_id": pd.Series([], dtype="str"),
                             "first_seen": pd.Series([], dtype="datetime64[us, UTC]"),
                             "position": pd.Series([], dtype="int64"),
                             "follow_rank": pd.Series([], dtype="int64")})
    f = followers.sort_values(["snapshot_at", "position"], kind="stable")
    first = f.drop_duplicates("follower_id", keep="first")
    # older snapshots first; inside one, larger positions followed earlier
    first = first.sort_values(["snapshot_at", "position"], ascending=[True, False], kind="stable")
    return pd.DataFrame({"follower_id": first["follower_id"].to_numpy(),
                         "first_seen": first["snapshot_at"].to_numpy(),
                         "position": first["position"].to_numpy(),
                         "follow_rank": np.arange(len(first))}).astype(
        {"follower_id": "str", "first_seen": "datetime64[us, UTC]"})


def coordination(users: pd.DataFrame, followers: pd.DataFrame | None = None, *,
                 window_days: float = 7.0, burst_gap: int = 3, min_size: int = 5
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Find farms: followers that look made and aimed in one batch.

    Two accounts are linked when they were created within ``window_days`` of each other, share a
    batch trait (the same handle pattern, a name plus 6 or more digits, or the same bio after
    lower-casing and removing digits and punctuation) and, when ``followers`` is given, followed
    within ``burst_gap`` places of each other. Without ``followers`` there is no follow burst to
    check, so the bio must match (a handle pattern alone chains unrelated batches). Linked
    components of at least ``min_size`` accounts are farms.

    Parameters
    ----------
    users : DataFrame
        Canonical users frame.
    followers : DataFrame, optional
        Canonical followers frame (one or many snapshots) for the follow order.

    Returns
    -------
    groups : DataFrame
        one row per farm, largest first: ``farm_id`` (1.., the number people read: farm 1 is
        the largest, as in the bot reasons' "(farm 1)"), ``size``, ``created_from``,
        ``created_to``, ``handle_pattern`` (e.g. ``name+8 digits``, or ``mixed``), ``shared_bio``
        (the most common bio, or NaN), ``follow_rank_span`` (first and last follow rank, or NaN),
        ``member_ids`` (list of ids).
    accounts : DataFrame
        one row per user, indexed like ``users``: ``id``, ``farm_id`` (Int64, NA outside farms),
        ``farm_size`` (0 outside), ``farm_signal`` (0..1: 0 outside farms, rising with farm size,
        1 at 50 members or more), ``first_seen``, ``follow_rank``, ``days_created_before_follow``
        (``first_seen`` - ``created_at``: an upper bound), ``same_bio_count`` (other accounts with
        the same normalized bio).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(users)
    ids = users["id"].astype("str").to_numpy()
    created = _naive_utc(users["created_at"])
    created_days = created.astype("int64") / 86400e6
    created_days[np.isnat(created)] = np.nan
    cls = _classes(users["username"])
    digits, length = _trailing_digits(cls)
    pattern = np.where((digits >= 6) & (length > digits), 1, -1)  # a name + 6 or more digits
    desc = pa.array(users["description"] if "description" in users else [None] * n,
                    type=pa.large_string(), from_pandas=True)
    # normalize each distinct bio once: audiences repeat bios (templates, farms)
    enc = pc.dictionary_encode(pc.utf8_lower(pc.fill_null(desc, "")))
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    norm = pc.replace_substring_regex(enc.dictionary, r"[^a-z\p{L}]+", "")
    norm_code, _ = pd.factorize(pd.Series(norm.to_numpy(zero_copy_only=False), dtype=object))
    norm_code = np.where(pc.equal(norm, "").to_numpy(zero_copy_only=False), -1, norm_code)
    bio_code = norm_code[enc.indices.to_numpy(zero_copy_only=False)] if n else np.zeros(0, int)
    # count real bios only: an empty bio (code -1) must not add to whichever bio got code 0
    has_bio = bio_code >= 0
    same_bio = np.where(has_bio, np.bincount(bio_code[has_bio], minlength=1)[
        np.maximum(bio_code, 0)] - 1, 0) if n else np.zeros(0, int)

    order = None
    if followers is not None and len(followers):
        order = follow_order(followers).set_index("follower_id")
        rank = order["follow_rank"].reindex(ids).to_numpy(dtype=float)
    else:
        rank = np.full(n, np.nan)

    rows, cols = [], []
    if order is not None:
        # followed in one burst: compare each follower with the next few in follow order
        known = np.flatnonzero(~np.isnan(rank))
        by_rank = known[np.argsort(rank[known], kind="stable")]
        for k in range(1, burst_gap + 1):
            a, b = by_rank[:-k], by_rank[k:]
            link = _linked(a, b, created_days, pattern, bio_code, window_days)
            rows.append(a[link])
            cols.append(b[link])
    else:
        # no follow order: compare neighbours in creation time among accounts that share the bio
        # (a handle pattern alone chains unrelated batches)
        for key in (bio_code,):
            ok = np.flatnonzero((key >= 0) & ~np.isnan(created_days))
            srt = ok[np.lexsort((created_days[ok], key[ok]))]
            for k in range(1, burst_gap + 1):
                a, b = srt[:-k], srt[k:]
                link = (key[a] == key[b]) & (np.abs(created_days[a] - created_days[b])
                                             <= window_days)
                rows.append(a[link])
                cols.append(b[link])
    r = np.concatenate(rows) if rows else np.array([], int)
    c = np.concatenate(cols) if cols else np.array([], int)
    graph = coo_matrix((np.ones(len(r)), (r, c)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    sizes = np.bincount(comp, minlength=comp.max() + 1 if n else 0)
    member = sizes[comp] >= min_size if n else np.zeros(0, bool)

    farm_id = np.full(n, -1, dtype=np.int64)
    groups = []
    in_farm = np.flatnonzero(member)
    by_comp = in_farm[np.argsort(comp[in_farm], kind="stable")]   # members by component, id order
    starts = np.flatnonzero(np.r_[True, comp[by_comp][1:] != comp[by_comp][:-1]]) \
        if len(by_comp) else np.array([], int)
    blocks = np.split(by_comp, starts[1:]) if len(by_comp) else []
    blocks.sort(key=lambda idx: (-len(idx), idx[0]))   # largest first, then first seen
    descriptions = users["description"].to_numpy() if "description" in users else None
    for fid, idx in enumerate(blocks, start=1):   # counted from 1: people read "farm 1"
        farm_id[idx] = fid
        codes = bio_code[idx]
        common_bio = np.nan
        if descriptions is not None and (codes >= 0).any():
            vals, counts = np.unique(codes[codes >= 0], return_counts=True)
            if counts.max() > 1:
                common_bio = descriptions[idx[np.flatnonzero(codes == vals[counts.argmax()])[0]]]
        groups.append({
            "farm_id": fid, "size": len(idx),
            "created_from": pd.Timestamp(np.nanmin(created[idx]), tz="UTC"),
            "created_to": pd.Timestamp(np.nanmax(created[idx]), tz="UTC"),
            "handle_pattern": _pattern_label(digits[idx]) if (pattern[idx] > 0).all() else "mixed",
            "shared_bio": common_bio,
            "follow_rank_span": ((int(np.nanmin(rank[idx])), int(np.nanmax(rank[idx])))
                                 if not np.isnan(rank[idx]).all() else np.nan),
            "member_ids": sorted(ids[idx].tolist()),
        })
    farm_id = pd.array(np.where(farm_id >= 0, farm_id, 0), dtype="Int64")
    farm_id[~member] = pd.NA
    group_cols = ["farm_id", "size", "created_from", "created_to", "handle_pattern", "shared_bio",
                  "follow_rank_span", "member_ids"]
    groups = pd.DataFrame(groups, columns=group_cols)
    size = np.where(member, sizes[comp] if n else 0, 0)
    if order is not None:
        first_seen = order["first_seen"].reindex(ids).astype("datetime64[us, UTC]")
    else:
        first_seen = pd.Series(pd.NaT, index=range(n), dtype="datetime64[us, UTC]")
    seen_np = _naive_utc(first_seen)
    before = (seen_np - created).astype("timedelta64[s]").astype(float) / 86400
    before[np.isnat(created) | np.isnat(seen_np)] = np.nan
    accounts = pd.DataFrame({
        "id": pd.array(ids, dtype="str"),
        "farm_id": farm_id,
        "farm_size": size.astype(int),
        "farm_signal": np.where(member, np.clip(np.log(np.maximum(size, 1)) / np.log(50), 0, 1),
                                0.0),
        "follow_rank": rank,
        "days_created_before_follow": before,
        "same_bio_count": same_bio,
    }, index=users.index)
    accounts.insert(4, "first_seen", first_seen.set_axis(users.index))
    log.info("coordination: %d farms, %d accounts in farms", len(groups), int(member.sum()))
    return groups, accounts


def _pattern_label(digits: np.ndarray) -> str:
    lo, hi = int(digits.min()), int(digits.max())
    return f"name+{lo} digits" if lo == hi else f"name+{lo}-{hi} digits"


def _linked(a, b, created_days, pattern, bio_code, window_days):
    close = np.abs(created_days[a] - created_days[b]) <= window_days
    same = ((pattern[a] == pattern[b]) & (pattern[a] > 0)) | ((bio_code[a] == bio_code[b])
                                                              & (bio_code[a] >= 0))
    return close & same
