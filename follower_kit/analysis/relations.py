"""How followers relate to the account: mutuals, who is not followed back, who does not follow back,
inactive, default-avatar and empty-bio followers, the named unfollowers, and who the account talks to.

Everything here works from an X archive alone: its follower list, its ``following.js`` (the store
table ``following``) and the owner's own tweets (the table ``own_tweets``: replies carry the
replied-to user id, mentions the handle) and the handles those tweets name (the table
``known_handles``: each mention carries the account's id, handle and name), which name every row
the own tweets name. Profiles and tweets of the followers, where the store has them, add the
inactive, default-avatar and empty-bio lists and names to every row.

Pure functions: frames in, frames out, no I/O.
"""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd

from .. import schema
from .growth import LEFT_WORDS

log = logging.getLogger(__name__)

RELATIONS = ("mutual", "not_followed_back", "not_following_back", "inactive", "default_avatar",
             "empty_bio", "unfollowed", "talk_to")
DESCRIPTIONS = {
    "mutual": "follows you and you follow back",
    "not_followed_back": "follows you, you do not follow back",
    "not_following_back": "you follow them, they do not follow you",
    "inactive": "no post in the last {inactive_days} days (where known)",
    "default_avatar": "still has the default avatar",
    "empty_bio": "has an empty bio",
    "unfollowed": "stopped following you since the snapshot before",
    "talk_to": "you replied to or mentioned them in your own posts",
}
COLUMNS = ["relation", "user_id", "username", "name", "profile_url", "detail"]
#: The detail of an unfollowed row whose account is gone (Bluesky pulls tell them apart).
ACCOUNT_GONE = "did not unfollow: the account was deleted, deactivated or suspended"


#: A Bluesky handle: a domain name (X handles are letters, digits and _ only).
_BLUESKY_HANDLE = re.compile(r"([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+"
                             r"[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?")


#: The handle Bluesky's AppView gives an account whose handle no longer verifies (its domain
#: lapsed, say): every such account has it, so it names none of them.
INVALID_HANDLE = "handle.invalid"


def profile_url(user_id, username=None) -> str:
    """The profile link of an account on its network: ``https://x.com/HANDLE`` (by id when no
    handle is known) or, for Bluesky (a DID, or a handle that is a domain name, which X handles
    never are), ``https://bsky.app/profile/HANDLE`` (or ``/profile/DID``). The handle or id is
    URL-quoted, so a stranger's handle can only ever be a path on the profile site."""
    from urllib.parse import quote

    has_name = isinstance(username, str) and username != ""
    if str(user_id).startswith("did:") or (has_name and _BLUESKY_HANDLE.fullmatch(username)):
        key = username if has_name and username != INVALID_HANDLE else str(user_id)
        return "https://bsky.app/profile/" + quote(key, safe=":")
    if has_name:
        return "https://x.com/" + quote(username, safe="")
    return "https://x.com/i/user/" + quote(str(user_id), safe="")


def profile_label(user_id, username=None) -> str:
    """How a list names an account: ``@HANDLE``; a Bluesky account whose handle does not verify
    (``handle.invalid``, shared by all of them) by its DID, ``did:plc:... (invalid handle)``,
    as bsky.app names it "Invalid Handle" and finds it by the DID."""
    if username == INVALID_HANDLE and str(user_id).startswith("did:"):
        return f"{user_id} (invalid handle)"
    return f"@{username}"


def _text_col(frame: pd.DataFrame | None, name: str, n: int) -> pd.Series:
    if frame is None or name not in frame.columns:
        return pd.Series([np.nan] * n, dtype=schema.STR)
    return frame[name].astype(schema.STR).reset_index(drop=True)


def name_from_known(frame: pd.DataFrame, known: pd.DataFrame | None, *,
                    id_column: str = "id") -> pd.DataFrame:
    """``frame`` with ``username`` and ``name`` filled, for the rows without a handle, from the
    handles the account's own tweets name; a known profile is never overwritten.

    Parameters
    ----------
    frame : DataFrame
        Any frame of accounts: ``id_column`` and, where known, ``username`` and ``name``.
    known : DataFrame or None
        ``id``, ``username``, ``name`` (:meth:`follower_kit.Store.known_handles`).
    id_column : str
        The column holding the account id.

    Returns
    -------
    DataFrame
        A copy of ``frame`` (same rows and columns, ``username`` and ``name`` added when
        absent); ``attrs["named_from_posts"]`` counts the rows named here.
    """
    out = frame.copy()
    for col in ("username", "name"):
        if col not in out.columns:
            out[col] = pd.Series(np.nan, index=out.index, dtype=schema.STR)
    named = 0
    if known is not None and len(known) and len(out):
        by_id = known.assign(id=known["id"].astype(str)).drop_duplicates(
            "id", keep="last").set_index("id")
        ids = out[id_column].astype(str)
        fill = out["username"].isna() & ids.isin(by_id.index)
        if fill.any():
            hit = ids[fill].to_numpy()
            out["username"] = out["username"].astype(schema.STR)
            out["name"] = out["name"].astype(schema.STR)
            out.loc[fill, "username"] = by_id.loc[hit, "username"].to_numpy()
            # a profile's name is the profile's: only rows without a handle take one here
            out.loc[fill, "name"] = by_id.loc[hit, "name"].to_numpy()
            named = int(fill.sum())
    out.attrs["named_from_posts"] = named
    return out


def _rows(relation: str, ids, profiles: pd.DataFrame, detail=None) -> pd.DataFrame:
    """One relation's rows, named from ``profiles`` (indexed by id) where known."""
    ids = pd.Series(pd.Index(ids).astype(str), dtype=schema.STR)
    known = profiles.reindex(ids.to_numpy())
    usernames = known["username"].reset_index(drop=True) if len(known) else \
        pd.Series([], dtype=schema.STR)
    out = pd.DataFrame({
        "relation": pd.Series([relation] * len(ids), dtype=schema.STR),
        "user_id": ids,
        "username": usernames.astype(schema.STR),
        "name": (known["name"].reset_index(drop=True) if len(known) else
                 pd.Series([], dtype=schema.STR)).astype(schema.STR),
        "profile_url": pd.Series([profile_url(i, u) for i, u in zip(ids, usernames)],
                                 dtype=schema.STR),
        "detail": pd.Series(detail if detail is not None else [np.nan] * len(ids),
                            dtype=schema.STR),
    })
    return out


def relations(followers: pd.DataFrame, *, following: pd.DataFrame | None = None,
              tweets: pd.DataFrame | None = None, own_tweets: pd.DataFrame | None = None,
              lost: pd.DataFrame | None = None, account_id: str | None = None,
              as_of=None, inactive_days: int = 90,
              known_handles: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every follower (and followed account) in each relation to the account that applies.

    Parameters
    ----------
    followers : DataFrame
        The followers of one snapshot, :meth:`Store.followers` (``id``; profile columns such as
        ``username``, ``name``, ``description``, ``default_profile_image``, ``tweet_count`` and
        ``snapshot_at`` where known: an archive imported without ``--hydrate`` has ids only).
    following : DataFrame, optional
        ``following_id``: the accounts the account follows (the archive's ``following.js``, the
        store table ``following``). Without it, the three follow-back lists are left out.
    tweets : DataFrame, optional
        The followers' own tweets (``author_id``, ``created_at``) for the inactive list.
    own_tweets : DataFrame, optional
        The account's own tweets (``in_reply_to_user_id``, ``mentions``, ``created_at``; the store
        table ``own_tweets``) for the talk-to list.
    lost : DataFrame, optional
        The followers lost since the snapshot before (:meth:`Store.diff` rows whose ``change`` is
        ``"lost"``, or any frame with ``id``, and ``username``/``name`` where known).
    account_id : str, optional
        The account's own id: left out of every list (an account replies to itself in threads).
    as_of : timestamp-like, optional
        "Now" for the inactive list (default: the snapshot time, ``followers["snapshot_at"]``).
    inactive_days : int
        A follower with no post in this many days is inactive. Known only for followers whose
        recent tweets are in ``tweets`` or whose profile says they never posted.
    known_handles : DataFrame, optional
        ``id``, ``username``, ``name``: the accounts the own tweets name
        (:meth:`follower_kit.Store.known_handles`). They name the rows of accounts without a
        profile (:func:`name_from_known`) and match the own tweets' mentions to ids.

    Returns
    -------
    DataFrame
        One row per (relation, account): ``relation`` (one of :data:`RELATIONS`), ``user_id``,
        ``username`` and ``name`` (from the profile, else from ``known_handles``; missing when
        neither knows the account), ``profile_url``, ``detail`` (why: last post, replies and
        mentions, ...). Rows follow :data:`RELATIONS`, then follower
        order (newest first); the followed accounts that do not follow back in file order.
        ``attrs["assessed"]`` maps each relation to how many accounts could be judged for it;
        ``attrs["known"]`` lists the relations whose data is there (a stored following list,
        even an empty one; profiles for the hygiene lists; the own posts for talk to).
    """
    f = followers.reset_index(drop=True)
    ids = f["id"].astype(str)
    n = len(f)
    own = {str(account_id)} if account_id is not None else set()
    cols = {c: _text_col(f, c, n) for c in ("username", "name", "description")}
    profiles = pd.DataFrame({"username": cols["username"].to_numpy(),
                             "name": cols["name"].to_numpy()}, index=ids.to_numpy())
    profiles = profiles[~profiles.index.duplicated()]
    profiled = cols["username"].notna().to_numpy()
    # the handles the own tweets name stand in for a profile in every list (not as a profile:
    # the hygiene lists below judge profiles only)
    def named(frame: pd.DataFrame) -> pd.DataFrame:
        filled = name_from_known(frame.rename_axis("id").reset_index(), known_handles)
        return filled.set_index("id")[["username", "name"]]

    profiles = named(profiles)
    parts: list[pd.DataFrame] = []
    assessed: dict[str, int] = {}
    known: set[str] = set()  # a stored empty list is known (0 of 0); a missing one is not

    # -- follow-back: from the following list alone -------------------------------------------
    if following is not None and "following_id" in following.columns:
        followed = pd.Index(following["following_id"].dropna().astype(str)).drop_duplicates()
        followed = followed[~followed.isin(own)]
        is_mutual = ids.isin(followed).to_numpy()
        parts.append(_rows("mutual", ids[is_mutual], profiles))
        parts.append(_rows("not_followed_back", ids[~is_mutual & ~ids.isin(own).to_numpy()],
                           profiles))
        others = followed[~followed.isin(ids)]
        # not followers: named only by the own tweets
        other_profiles = named(profiles.reindex(others)) if len(others) else profiles.iloc[0:0]
        parts.append(_rows("not_following_back", others, other_profiles))
        assessed.update(mutual=n, not_followed_back=n, not_following_back=len(followed))
        known.update(("mutual", "not_followed_back", "not_following_back"))

    # -- inactive: last post from the tweets, or a profile that never posted ------------------
    when = _as_of(f, as_of)
    if when is not None:
        last = pd.Series([], dtype=schema.TIME, index=pd.Index([], dtype=object))
        if tweets is not None and len(tweets):
            t = tweets[tweets["author_id"].astype(str).isin(ids)]
            last = t.groupby(t["author_id"].astype(str).to_numpy())["created_at"].max()
        last_post = pd.Series(last.reindex(ids.to_numpy()).to_numpy(), dtype=schema.TIME)
        never = (pd.to_numeric(f["tweet_count"], errors="coerce") == 0).astype(
            "boolean").fillna(False).to_numpy(bool) \
            if "tweet_count" in f.columns else np.zeros(n, dtype=bool)
        judged = last_post.notna().to_numpy() | never
        cutoff = when - pd.Timedelta(days=inactive_days)
        recent = (last_post >= cutoff).astype("boolean").fillna(False).to_numpy(bool)
        stale = judged & ~recent
        detail = [("never posted" if pd.isna(lp) else f"last post {lp:%Y-%m-%d}")
                  for lp in last_post[stale]]
        parts.append(_rows("inactive", ids[stale], profiles, detail))
        assessed["inactive"] = int(judged.sum())
        if judged.any():
            known.add("inactive")

    # -- profile hygiene: only where a profile is known -----------------------------------------
    if "default_profile_image" in f.columns:
        avatar = f["default_profile_image"].astype("boolean").fillna(False).to_numpy(bool)
        parts.append(_rows("default_avatar", ids[avatar & profiled], profiles))
        assessed["default_avatar"] = int(profiled.sum())
    empty_bio = profiled & ~cols["description"].fillna("").str.strip().astype(bool).to_numpy()
    parts.append(_rows("empty_bio", ids[empty_bio], profiles))
    assessed["empty_bio"] = int(profiled.sum())
    if profiled.any():
        known.update({"default_avatar", "empty_bio"} & set(assessed))

    # -- the named unfollowers ------------------------------------------------------------------
    if lost is not None:
        gone = lost[lost["change"] == "lost"] if "change" in lost.columns else lost
        gone = gone.reset_index(drop=True)
        gone_ids = gone["id"].astype(str)
        gone_profiles = pd.DataFrame({
            "username": _text_col(gone, "username", len(gone)).to_numpy(),
            "name": _text_col(gone, "name", len(gone)).to_numpy()}, index=gone_ids.to_numpy())
        gone_profiles = named(gone_profiles[~gone_profiles.index.duplicated()])
        # a Bluesky pull tells those whose account is gone apart (MonthData.lost_followers)
        left = gone["left"] if "left" in gone.columns else pd.Series([None] * len(gone))
        parts.append(_rows("unfollowed", gone_ids, gone_profiles,
                           detail=[ACCOUNT_GONE if v == LEFT_WORDS[True] else np.nan
                                   for v in left.astype(object)]))
        assessed["unfollowed"] = len(gone)
        known.add("unfollowed")

    # -- talk to: the followers the owner replied to or mentioned -------------------------------
    if own_tweets is not None:
        talk = talked_to(own_tweets, f, account_id=account_id, known_handles=known_handles)
        detail = [_talk_detail(r) for r in talk.itertuples()]
        parts.append(_rows("talk_to", talk["user_id"], profiles, detail))
        assessed["talk_to"] = n
        known.add("talk_to")

    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        {c: pd.Series([], dtype=schema.STR) for c in COLUMNS})
    out = out[COLUMNS]
    out.attrs.update(assessed=assessed, known=sorted(known), inactive_days=inactive_days)
    return out


def _as_of(f: pd.DataFrame, as_of) -> pd.Timestamp | None:
    if as_of is not None:
        ts = pd.Timestamp(as_of)
        return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    if "snapshot_at" in f.columns and f["snapshot_at"].notna().any():
        return f["snapshot_at"].max()
    return None


def _talk_detail(row) -> str:
    bits = []
    if row.replies:
        bits.append(f"{row.replies} repl{'y' if row.replies == 1 else 'ies'}")
    if row.mentions:
        bits.append(f"{row.mentions} mention{'s' * (row.mentions != 1)}")
    last = f", last {row.last_at:%Y-%m-%d}" if pd.notna(row.last_at) else ""
    return " and ".join(bits) + last


def talked_to(own_tweets: pd.DataFrame, followers: pd.DataFrame, *,
              account_id: str | None = None,
              known_handles: pd.DataFrame | None = None) -> pd.DataFrame:
    """The followers the account replied to or mentioned in its own tweets.

    Replies are matched by id (``in_reply_to_user_id``), mentions by handle (an archive keeps the
    mentioned handles; matched case-insensitively to the followers' profiles, else to the ids the
    own tweets name them with, ``known_handles``). A reply's mention of the account it
    replied to counts as the reply only.

    Parameters
    ----------
    own_tweets : DataFrame
        The account's tweets (canonical tweets columns ``in_reply_to_user_id``, ``mentions``,
        ``created_at``).
    followers : DataFrame
        ``id`` and, where known, ``username``.
    account_id : str, optional
        The account's own id (its replies to itself are left out).
    known_handles : DataFrame, optional
        ``id``, ``username``: the handles the own tweets name.

    Returns
    -------
    DataFrame
        ``user_id``, ``replies``, ``mentions`` (counts of the account's posts), ``last_at`` (the
        latest such post); most talked-to first, then by id.
    """
    ids = followers["id"].astype(str)
    own = own_tweets.reset_index(drop=True)
    events = []
    if "in_reply_to_user_id" in own.columns:
        r = own[own["in_reply_to_user_id"].notna()]
        events.append(pd.DataFrame({"user_id": r["in_reply_to_user_id"].astype(str).to_numpy(),
                                    "kind": "replies", "at": r["created_at"].to_numpy()}))
    handles = [followers[["id", "username"]]] if "username" in followers.columns else []
    if known_handles is not None and len(known_handles):
        # the latest account seen under a handle (handles are given up and taken again)
        handles.append(known_handles.sort_values("seen_at", ascending=False, kind="stable")
                       [["id", "username"]] if "seen_at" in known_handles.columns
                       else known_handles[["id", "username"]])
    if "mentions" in own.columns and handles:
        pairs = pd.concat(handles, ignore_index=True)  # a profile's handle before the tweets'
        by_handle = pd.Series(pairs["id"].astype(str).to_numpy(), index=pairs["username"].astype(
            schema.STR).str.lower().to_numpy())
        by_handle = by_handle[by_handle.index.notna() & ~by_handle.index.duplicated()]
        cols = ["mentions", "created_at"] + (["in_reply_to_user_id"]
                                             if "in_reply_to_user_id" in own.columns else [])
        m = own[cols].explode("mentions").dropna(subset=["mentions"])
        m["user_id"] = m["mentions"].astype(str).str.lower().map(by_handle)
        m = m.dropna(subset=["user_id"])
        if "in_reply_to_user_id" in m.columns:
            # a reply starts with the replied-to handle: that is the reply, not a second mention
            m = m[m["user_id"] != m["in_reply_to_user_id"].astype(schema.STR).fillna("")]
        events.append(pd.DataFrame({"user_id": m["user_id"].astype(str).to_numpy(),
                                    "kind": "mentions", "at": m["created_at"].to_numpy()}))
    ev = pd.concat(events, ignore_index=True) if events else pd.DataFrame(
        {"user_id": [], "kind": [], "at": []})
    ev = ev[ev["user_id"].isin(ids) & (ev["user_id"] != str(account_id))]
    if ev.empty:
        return pd.DataFrame({"user_id": pd.Series([], dtype=schema.STR),
                             "replies": pd.Series([], dtype="int64"),
                             "mentions": pd.Series([], dtype="int64"),
                             "last_at": pd.Series([], dtype=schema.TIME)})
    counts = ev.pivot_table(index="user_id", columns="kind", values="at", aggfunc="count",
                            fill_value=0)
    zero = pd.Series(0, index=counts.index)
    out = pd.DataFrame({
        "user_id": counts.index.astype(str),
        "replies": counts.get("replies", zero).astype("int64").to_numpy(),
        "mentions": counts.get("mentions", zero).astype("int64").to_numpy(),
    })
    out["last_at"] = out["user_id"].map(ev.groupby("user_id")["at"].max()).astype(schema.TIME)
    out["user_id"] = out["user_id"].astype(schema.STR)
    total = out["replies"] + out["mentions"]
    order = np.lexsort((out["user_id"].to_numpy(), -total.to_numpy()))
    return out.iloc[order].reset_index(drop=True)


def relation_counts(rel: pd.DataFrame) -> pd.DataFrame:
    """How many accounts are in each relation, out of how many could be judged.

    Parameters
    ----------
    rel : DataFrame
        The output of :func:`relations` (its ``attrs["assessed"]`` gives the denominators).

    Returns
    -------
    DataFrame
        ``relation``, ``count``, ``assessed`` (accounts that could be judged; 0 when the data for
        it is missing or lists nobody), ``known`` (the data for it is there: False when it is
        missing, e.g. no following list stored, True for a stored but empty one, an account that
        follows nobody), ``share`` (count / assessed; missing when nothing was assessed),
        ``description``; one row per relation in :data:`RELATIONS` order.
    """
    assessed = rel.attrs.get("assessed", {})
    known = rel.attrs.get("known", {k for k, v in assessed.items() if v})
    counts = rel["relation"].value_counts()
    rows = []
    for name in RELATIONS:
        a = int(assessed.get(name, 0))
        c = int(counts.get(name, 0))
        rows.append({"relation": name, "count": c, "assessed": a, "known": name in known,
                     "share": c / a if a else np.nan,
                     "description": DESCRIPTIONS[name].format(
                         inactive_days=rel.attrs.get("inactive_days", 90))})
    return pd.DataFrame(rows)


__all__ = ["DESCRIPTIONS", "INVALID_HANDLE", "RELATIONS", "name_from_known", "profile_label",
           "profile_url", "relation_counts", "relations", "talked_to"]
