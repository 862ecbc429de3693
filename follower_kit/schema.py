"""The canonical frames every source produces and every analysis consumes.

Three frames, documented column by column below (``describe("users")`` prints the table):

* **users**: one row per account profile as observed at ``observed_at``; the X API v2 user fields
  plus the derived ``default_profile_image`` and Bluesky's ``labels``.
* **followers**: follower snapshots, one row per (account, snapshot, follower); ``position`` 0 is the
  newest follower, the order in which X lists followers.
* **tweets**: recent tweets of followers, one row per tweet.

Networks: an id names its network. X ids are decimal strings; Bluesky accounts are DIDs
(``did:plc:...``) and Bluesky posts AT URIs (``at://did:.../app.bsky.feed.post/...``), so the ids of
the two networks can never collide (:func:`network_of`), and a snapshot's ``meta.json`` records the
network of its account (``x`` when absent, as in stores written before Bluesky).

Conventions: IDs are strings (X ids exceed float precision); times are timezone-aware UTC; counts
are nullable integers (``Int64``); lists of hashtags, mentions and URLs are Arrow list columns.
:func:`empty` gives a typed empty frame, :func:`coerce` casts loosely typed input, and
:func:`validate` raises :class:`~follower_kit.errors.SchemaError` naming the column and the problem.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from .errors import FollowerKitError, SchemaError

STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default "str" dtype
TIME = pd.DatetimeTZDtype("us", "UTC")
COUNT = pd.Int64Dtype()
BOOL = pd.BooleanDtype()
INT = np.dtype("int64")
STR_LIST = pd.ArrowDtype(pa.list_(pa.string()))

#: X's snowflake ids hold their creation time: ``(id >> 22) + SNOWFLAKE_EPOCH_MS`` is Unix ms
#: (ids since November 2010; older user ids are sequential).
SNOWFLAKE_EPOCH_MS = 1_288_834_974_657
TWEET_KINDS = ("original", "reply", "retweet", "quote")
SOURCES = ("api", "archive", "twarc", "sample")
NETWORKS = ("x", "bluesky")
#: An id of either network: X's decimal string, a Bluesky DID, or the AT URI of a Bluesky post.
ID_PATTERN = (r"[0-9]+|did:[a-z]+:[A-Za-z0-9._:%-]+"
              r"|at://did:[a-z]+:[A-Za-z0-9._:%-]+/[A-Za-z0-9.-]+/[A-Za-z0-9._~:-]+")


@dataclass(frozen=True)
class Column:
    name: str
    dtype: object
    doc: str
    nullable: bool = True
    is_id: bool = False


@dataclass(frozen=True)
class FrameSpec:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def dtypes(self) -> dict[str, object]:
        return {c.name: c.dtype for c in self.columns}

    def __getitem__(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


USERS = FrameSpec(
    "users",
    (
        Column("id", STR, "user id: X's decimal string or a Bluesky DID", nullable=False,
               is_id=True),
        Column("username", STR, "handle without the @", nullable=False),
        Column("name", STR, "display name (free text: may hold markup, emoji, RTL marks)"),
        Column("description", STR, "bio (free text)"),
        Column("location", STR, "self-reported location (free text)"),
        Column("url", STR, "profile URL (expanded where known)"),
        Column("created_at", TIME, "when the account was created (UTC)"),
        Column("followers_count", COUNT, "accounts following this one"),
        Column("following_count", COUNT, "accounts this one follows (v1.1: friends_count)"),
        Column("tweet_count", COUNT, "posts written (v1.1: statuses_count)"),
        Column("listed_count", COUNT, "lists that include this account"),
        Column("like_count", COUNT, "posts this account liked (v1.1: favourites_count)"),
        Column("verified", BOOL, "legacy or paid verification flag"),
        Column("verified_type", STR, "none, blue, business or government when known"),
        Column("protected", BOOL, "tweets are private"),
        Column("profile_image_url", STR, "avatar URL"),
        Column("pinned_tweet_id", STR, "id of the pinned post", is_id=True),
        Column("default_profile_image", BOOL, "derived: the avatar is X's default egg/silhouette"),
        Column("labels", STR_LIST, "Bluesky moderation and self labels on the account (spam, "
               "bot, !hide ...); empty on X"),
        Column("observed_at", TIME, "when this profile was read (UTC)", nullable=False),
    ),
    key=("id",),
)

#: Optional field groups a profile source may lack (counts and the creation date are always
#: there), and the users-frame columns each covers: ``likes`` (like_count), ``listed``
#: (listed_count), ``text`` (everything typed or chosen by the account: handle, name, bio,
#: location, link and avatar). Profiles read from v1.1 user objects carry all three.
FIELD_COLUMNS = {
    "likes": ("like_count",),
    "listed": ("listed_count",),
    "text": ("username", "name", "description", "location", "url", "profile_image_url",
             "default_profile_image"),
}
FIELD_GROUPS = tuple(FIELD_COLUMNS)


def without_field_groups(users: pd.DataFrame, groups) -> pd.DataFrame:
    """``users`` as a source without the optional field ``groups`` gives it: the groups'
    :data:`FIELD_COLUMNS` blank (NA, dtypes kept) for every account. A copy.

    Raises
    ------
    ValueError
        For a group that is not one of :data:`FIELD_GROUPS`.
    """
    groups = tuple(groups)
    unknown = [g for g in groups if g not in FIELD_COLUMNS]
    if unknown:
        raise ValueError(f"unknown field group(s) {unknown}: expected some of {FIELD_GROUPS}")
    out = users.copy()
    for c in (c for g in groups for c in FIELD_COLUMNS[g]):
        if c in out:
            out[c] = pd.Series(pd.NA, index=out.index, dtype=out[c].dtype)
    return out


FOLLOWERS = FrameSpec(
    "followers",
    (
        Column("account_id", STR, "the followed account", nullable=False, is_id=True),
        Column("snapshot_at", TIME, "when the follower list was read (UTC)", nullable=False),
        Column("follower_id", STR, "the following account", nullable=False, is_id=True),
        Column("position", INT, "0 = newest follower: the order in which X lists followers",
               nullable=False),
        Column("source", STR, "api, archive, twarc or sample", nullable=False),
    ),
    key=("account_id", "snapshot_at", "follower_id"),
)

TWEETS = FrameSpec(
    "tweets",
    (
        Column("id", STR, "post id: X's decimal string or a Bluesky post's AT URI",
               nullable=False, is_id=True),
        Column("author_id", STR, "author's user id", nullable=False, is_id=True),
        Column("created_at", TIME, "when posted (UTC)", nullable=False),
        Column("text", STR, "full text (free text)"),
        Column("lang", STR, "BCP 47 language X detected (und when unknown)"),
        Column("conversation_id", STR, "id of the conversation's first post", is_id=True),
        Column("in_reply_to_user_id", STR, "user replied to, if a reply", is_id=True),
        Column("kind", STR, "original, reply, retweet or quote", nullable=False),
        Column("like_count", COUNT, "likes the post received"),
        Column("retweet_count", COUNT, "reposts of the post"),
        Column("reply_count", COUNT, "replies to the post"),
        Column("quote_count", COUNT, "quote posts of the post"),
        Column("hashtags", STR_LIST, "hashtags without the #, as written"),
        Column("mentions", STR_LIST, "usernames mentioned, without the @"),
        Column("urls", STR_LIST, "expanded URLs"),
    ),
    key=("id",),
)

FRAMES = {spec.name: spec for spec in (USERS, FOLLOWERS, TWEETS)}


def spec(kind: str | FrameSpec) -> FrameSpec:
    if isinstance(kind, FrameSpec):
        return kind
    try:
        return FRAMES[kind]
    except KeyError:
        raise SchemaError(f"unknown frame {kind!r}; expected one of {sorted(FRAMES)}") from None


def network_of(ids) -> pd.Series:
    """The network of each id: ``"bluesky"`` for a DID or an AT URI, else ``"x"``.

    Returns
    -------
    Series
        ``"x"`` or ``"bluesky"`` per id, on the index of ``ids``.
    """
    s = pd.Series(ids, dtype=STR) if not isinstance(ids, pd.Series) else ids.astype(STR)
    blue = s.str.startswith("did:").fillna(False) | s.str.startswith("at://").fillna(False)
    return pd.Series(np.where(blue.astype(bool), "bluesky", "x"), index=s.index, dtype=STR)


def describe(kind: str) -> pd.DataFrame:
    """The column table of a frame: name, dtype, nullable, meaning."""
    s = spec(kind)
    return pd.DataFrame(
        {
            "column": [c.name for c in s.columns],
            "dtype": [str(c.dtype) for c in s.columns],
            "nullable": [c.nullable for c in s.columns],
            "meaning": [c.doc for c in s.columns],
        }
    )


def empty(kind: str) -> pd.DataFrame:
    """A typed empty frame of the given kind."""
    s = spec(kind)
    return pd.DataFrame({c.name: pd.Series([], dtype=c.dtype) for c in s.columns})


def _cast(series: pd.Series, col: Column, frame: str) -> pd.Series:
    dtype = col.dtype
    if series.dtype == dtype:
        return series
    try:
        if dtype is STR:
            if pd.api.types.is_float_dtype(series.dtype) and col.is_id and series.notna().any():
                raise SchemaError(
                    f"{frame}.{col.name} holds floats; X ids exceed float precision, read them as "
                    f"strings", frame=frame, column=col.name)
            if pd.api.types.is_integer_dtype(series.dtype):
                return series.astype("Int64").astype(STR)
            return series.astype(STR)
        if dtype is TIME:
            if pd.api.types.is_datetime64_any_dtype(series.dtype):
                if getattr(series.dtype, "tz", None) is None:
                    raise SchemaError(f"{frame}.{col.name} is a naive datetime; times must be "
                                      f"timezone-aware UTC", frame=frame, column=col.name)
                return series.dt.tz_convert("UTC").astype(TIME)
            return pd.to_datetime(series, utc=True, format="mixed").astype(TIME)
        if dtype is STR_LIST:
            if series.empty:  # Arrow cannot cast an empty object column to lists
                return empty_column(dtype, 0, index=series.index)
            return series.map(lambda v: [] if v is None or v is np.nan else list(v)).astype(dtype)
        if dtype is INT and series.isna().any():
            raise SchemaError(f"{frame}.{col.name} has missing values", frame=frame, column=col.name)
        return series.astype(dtype)
    except SchemaError:
        raise
    except (TypeError, ValueError, pa.ArrowException) as exc:
        raise SchemaError(f"{frame}.{col.name} cannot be read as {dtype}: {exc}", frame=frame,
                          column=col.name) from exc


def empty_column(dtype, n: int, index=None) -> pd.Series:
    """A column of ``n`` missing values of a canonical dtype (empty lists for list columns)."""
    if dtype is STR_LIST:
        return pd.Series([[]] * n, dtype=dtype, index=index)
    return pd.Series(pd.NA if dtype is not STR else np.nan, index=index, dtype=dtype)


def coerce(df: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Cast ``df`` to the canonical dtypes of ``kind``: missing nullable columns are added empty,
    extra columns dropped, columns put in canonical order. Raises SchemaError when a required
    column is missing or a value cannot be cast."""
    s = spec(kind)
    missing = [c.name for c in s.columns if c.name not in df.columns and not c.nullable]
    if missing:
        raise SchemaError(f"{s.name} frame lacks required column(s) {missing}", frame=s.name,
                          column=missing[0])
    out = {}
    for c in s.columns:
        if c.name in df.columns:
            out[c.name] = _cast(df[c.name], c, s.name)
        else:
            out[c.name] = empty_column(c.dtype, len(df), df.index)
    return pd.DataFrame(out, index=df.index).reset_index(drop=True)


def validate(df: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Check ``df`` against the canonical schema of ``kind``; return it unchanged when valid.

    Raises
    ------
    SchemaError
        naming the column and the problem: a missing column, a wrong dtype, nulls in a required
        column, an id that is not a decimal string, a negative count, an unknown category, or a
        duplicated key (with the first offending row).
    """
    s = spec(kind)
    missing = [name for name in s.names if name not in df.columns]
    if missing:
        raise SchemaError(f"{s.name} frame lacks column(s) {missing}", frame=s.name,
                          column=missing[0])
    for c in s.columns:
        col = df[c.name]
        if col.dtype != c.dtype:
            raise SchemaError(f"{s.name}.{c.name} has dtype {col.dtype}, expected {c.dtype} "
                              f"(schema.coerce casts it)", frame=s.name, column=c.name)
        if not c.nullable and col.isna().any():
            row = int(np.flatnonzero(col.isna().to_numpy())[0])
            raise SchemaError(f"{s.name}.{c.name} is required but row {row} is missing",
                              frame=s.name, column=c.name)
        if c.is_id:
            bad = col.notna() & ~col.str.fullmatch(ID_PATTERN).fillna(False).astype(bool)
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise SchemaError(f"{s.name}.{c.name} must hold decimal id strings (X) or DIDs "
                                  f"and at:// URIs (Bluesky); row {row} has "
                                  f"{col.iloc[row]!r}", frame=s.name, column=c.name)
        if c.dtype is COUNT or c.name == "position":
            neg = col.fillna(0) < 0
            if neg.any():
                row = int(np.flatnonzero(neg.to_numpy())[0])
                raise SchemaError(f"{s.name}.{c.name} must not be negative; row {row} has "
                                  f"{col.iloc[row]}", frame=s.name, column=c.name)
    allowed = {"kind": TWEET_KINDS, "source": SOURCES}
    for name, values in allowed.items():
        if name in s.names:
            bad = ~df[name].isin(values)
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise SchemaError(f"{s.name}.{name} must be one of {values}; row {row} has "
                                  f"{df[name].iloc[row]!r}", frame=s.name, column=name)
    dup = df.duplicated(list(s.key))
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        raise SchemaError(f"{s.name} key {list(s.key)} is duplicated at row {row}",
                          frame=s.name, column=s.key[-1])
    if s is FOLLOWERS and len(df):
        dup = df.duplicated(["account_id", "snapshot_at", "position"])
        if dup.any():
            row = int(np.flatnonzero(dup.to_numpy())[0])
            raise SchemaError(f"followers.position repeats within a snapshot at row {row}",
                              frame=s.name, column="position")
    return df


# ---------------------------------------------------------------------------------- frame checks
HYDRATE_HINT = ("`follower-kit import archive PATH --hydrate` fetches the missing profiles with "
                "an X API token.")


def require_profiles(followers: pd.DataFrame, username: str, what: str) -> None:
    """Stop with advice when none of ``followers`` has a profile in the store (an X archive
    imported without ``--hydrate`` lists ids only) and ``what`` needs profiles.

    The commands and the notebooks that score or segment followers share this check, so they fail
    at the start with the same advice instead of deep inside an estimator.

    Parameters
    ----------
    followers : DataFrame
        :meth:`Store.followers` of one snapshot (needs ``username``).
    username : str
        The followed account's handle, for the message.
    what : str
        The verb that needs profiles (``"score"``, ``"segment"``).

    Raises
    ------
    FollowerKitError
        Saying how many followers lack a profile and how to fetch them.
    """
    if len(followers) and followers["username"].isna().all():
        who = ("the one follower of {} has no" if len(followers) == 1 else
               f"none of the {len(followers):,} followers of {{}} has a")
        raise FollowerKitError(
            who.format("@" + str(username).removeprefix("@")) + " profile in the store (an X "
            f"archive lists followers by id only), so there is nothing to {what}. {HYDRATE_HINT}")

