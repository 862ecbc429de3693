"""The follower triage: who to follow back, check out, block, or talk to, each with its reason.

:func:`triage` turns one snapshot of followers (with profiles), their recent tweets and, when
available, the account's following list, bot scores and topic segments into four short lists:

``follow_back``
    likely human, active, on the account's topics, and not followed back yet; when no follower
    has a profile (an X archive imported without ``--hydrate``), the followers the account
    replied to or mentioned in its own posts and does not follow, most and latest first;
``check_out``
    notable new followers, by reach (followers, lists) and engagement (reactions per post),
    with their latest post to read first;
``block``
    likely bots and spam: the kit's one bot score (given, or computed with
    :func:`~follower_kit.analysis.bots.score_bots`) from ``block_threshold``, kinds that belong on
    a block list only (a declared feed is not blocked);
``talk_to``
    followers who replied to or mentioned the account, or recently posted on its topics.

Every row carries a ``reason`` in plain words, so nobody has to trust a number blindly.
Pure functions: frames in, frames out.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema
from ..config import BLOCK_THRESHOLD, BOT_THRESHOLD
from ..errors import SchemaError
from .bots import score_bots

log = logging.getLogger(__name__)

LISTS = ("follow_back", "check_out", "block", "talk_to")
COLUMNS = ["list", "rank", "follower_id", "username", "name", "score", "reason"]

_STOPWORDS = frozenset("""
about after again also and any are because been being but can could does doing down each every
from further have having here into itself just more most much only other over own same should
some such than that their them then there these they this those through under until very what
when where which while with would your yours from what will just like make made for the
""".split())


# ------------------------------------------------------------------------------------- helpers
def _ids(frame: pd.DataFrame) -> pd.Series:
    for name in ("follower_id", "id"):
        if name in frame.columns:
            return frame[name].astype(schema.STR)
    raise SchemaError(f"frame lacks an id column (follower_id or id); it has "
                      f"{list(frame.columns)}", frame="users", column="id")


def _arrow(values) -> pa.ChunkedArray | pa.Array:
    """Id strings as Arrow (zero-copy for the canonical "str" dtype)."""
    if not isinstance(values, (pd.Series, pd.Index)):
        values = pd.Series(list(values), dtype=object)
    return pa.array(pd.Series(values).astype(schema.STR).array, type=pa.string())


def _rows_of(values, ids) -> np.ndarray:
    """For each of ``values``, its row in ``ids`` (-1 when absent); hashing in Arrow, because
    pandas' string indexers run at Python speed."""
    values = _arrow(values)
    if not len(values):
        return np.zeros(0, dtype="int64")
    out = pc.index_in(values, value_set=_arrow(ids))
    return pc.fill_null(out, -1).to_numpy(zero_copy_only=False).astype("int64")


def _isin(values, members) -> np.ndarray:
    """``values.isin(members)`` for id strings, in Arrow."""
    if not len(members):
        return np.zeros(len(values), dtype=bool)
    return pc.is_in(_arrow(values), value_set=_arrow(members)).to_numpy(
        zero_copy_only=False).astype(bool)


def _keyed(frame: pd.DataFrame, value: str, label: str, ids: pd.Series) -> pd.Series:
    """``frame[value]`` aligned to ``ids`` (accepts ``follower_id`` or ``id``; the last row of
    a repeated id wins; missing where absent)."""
    if value not in frame.columns:
        raise SchemaError(f"{label} frame lacks column {value!r}; it has {list(frame.columns)}",
                          column=value)
    at = _rows_of(_ids(frame), ids)
    src = np.full(len(ids), -1, dtype="int64")
    hit = at >= 0
    src[at[hit]] = np.flatnonzero(hit)  # later rows overwrite earlier ones
    values = frame[value].reset_index(drop=True)
    if not len(values):  # nothing to take from (bot scores of followers without profiles)
        return pd.Series([pd.NA] * len(ids), dtype=object)
    out = values.take(np.maximum(src, 0)).reset_index(drop=True)
    return out.where(pd.Series(src >= 0))


def _match(texts, pattern: str | None) -> np.ndarray:
    if pattern is None or not len(texts):
        return np.zeros(len(texts), dtype=bool)
    arr = pa.array(pd.Series(texts).astype(schema.STR).fillna("").array, type=pa.string())
    return pc.match_substring_regex(arr, pattern).to_numpy(zero_copy_only=False).astype(bool)


def _first_match(text: str, pattern: str) -> str:
    m = re.search(pattern, text or "")
    return m.group(1).lower() if m else ""


def _snippet(text, width: int = 80) -> str:
    one = " ".join(str(text or "").split())
    return one if len(one) <= width else one[: width - 1] + "…"


def _n(v) -> str:
    return f"{int(v):,}"


def _times(n: int) -> str:
    """``1`` -> ``"once"``, ``2`` -> ``"twice"``, ``3`` -> ``"3 times"``: how people say it."""
    return {1: "once", 2: "twice"}.get(n, f"{n:,} times")


def _count(v, word: str) -> str:
    """``_count(1, "follower")`` -> ``"1 follower"``; ``_count(2, "time")`` -> ``"2 times"``."""
    return f"{_n(v)} {word}{'s' * (int(v) != 1)}"


def _numbers(f: pd.DataFrame, name: str, default=np.nan) -> np.ndarray:
    if name not in f.columns:
        return np.full(len(f), default, dtype=float)
    return pd.to_numeric(f[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _flags(f: pd.DataFrame, name: str) -> np.ndarray:
    if name not in f.columns:
        return np.zeros(len(f), dtype=bool)
    return f[name].fillna(False).to_numpy(dtype=bool)


def account_keywords(account: Mapping | None = None, tweets: pd.DataFrame | None = None,
                     n: int = 12) -> list[str]:
    """Default topic keywords: the words of the account's bio (4+ letters, no stop words), else
    the ``n`` hashtags its followers use most."""
    bio = str((account or {}).get("description") or "")
    words = [w.lower() for w in re.findall(r"[^\W\d_]{4,}", bio)]
    words = list(dict.fromkeys(w for w in words if w not in _STOPWORDS))
    if words:
        return words[:n]
    if tweets is not None and "hashtags" in tweets.columns and len(tweets):
        tags = pc.list_flatten(pa.array(tweets["hashtags"].array))
        tags = pd.Series(pc.utf8_lower(tags).to_numpy(zero_copy_only=False))
        return tags.value_counts().head(n).index.tolist()
    return []


def _keyword_pattern(keywords: Iterable[str]) -> str | None:
    kws = sorted({k.strip().lstrip("#").lower() for k in keywords if k and k.strip()}, key=len,
                 reverse=True)
    if not kws:
        return None
    return r"(?i)(?:^|[^\w])#?(" + "|".join(re.escape(k) for k in kws) + r")(?:$|[^\w])"



def _clean_keywords(keywords: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(k.strip().lstrip("#").lower() for k in keywords
                              if k and k.strip().lstrip("#")))


def keyword_relevance(followers: pd.DataFrame, tweets: pd.DataFrame | None = None, *,
                      keywords: Iterable[str]) -> pd.DataFrame:
    """How closely each follower matches the keywords a client cares about.

    A keyword counts once per follower wherever it appears: as a whole word (or hashtag) in
    the bio, or in a post's text or hashtags. Bio matches weigh double: they say what someone
    is about, a post may be a one-off.

    Parameters
    ----------
    followers : DataFrame
        Followers with an id column (``follower_id`` or ``id``) and ``description``.
    tweets : DataFrame, optional
        Their posts (``author_id``, ``text``, optionally ``hashtags``).
    keywords : iterable of str
        The client's topics or keywords (``#`` and case ignored).

    Returns
    -------
    DataFrame
        One row per follower, in input order: ``follower_id``, ``bio_keywords`` and
        ``post_keywords`` (the matched keywords, comma-separated, in the client's order),
        ``relevance`` (2 per bio keyword + 1 per further keyword found only in posts).
    """
    kws = _clean_keywords(keywords)
    f = followers.reset_index(drop=True)
    ids = _ids(f)
    n = len(f)
    bio = f["description"] if "description" in f.columns else pd.Series([""] * n)
    t = tweets if tweets is not None else schema.empty("tweets")
    rows = _rows_of(t["author_id"], ids) if len(t) else np.zeros(0, dtype="int64")
    t = t.reset_index(drop=True)[rows >= 0].reset_index(drop=True)
    row = rows[rows >= 0]
    words = t["text"].astype(schema.STR).fillna("") if len(t) else pd.Series([], dtype=object)
    if len(t) and "hashtags" in t.columns:
        tags = t["hashtags"].map(lambda x: " ".join("#" + str(v) for v in x)
                                 if x is not None and len(x) else "")
        words = words + " " + tags.astype(str)
    in_bio = np.zeros((len(kws), n), dtype=bool)
    in_posts = np.zeros((len(kws), n), dtype=bool)
    for k, kw in enumerate(kws):
        pattern = _keyword_pattern([kw])
        in_bio[k] = _match(bio, pattern)
        hit = _match(words, pattern) if len(t) else np.zeros(0, dtype=bool)
        in_posts[k, np.unique(row[hit])] = True
    only_posts = in_posts & ~in_bio

    def joined(mask: np.ndarray) -> list[str]:
        return [", ".join(kw for kw, m in zip(kws, col) if m) for col in mask.T]

    return pd.DataFrame({
        "follower_id": ids.to_numpy(),
        "bio_keywords": pd.Series(joined(in_bio), dtype=schema.STR),
        "post_keywords": pd.Series(joined(only_posts), dtype=schema.STR),
        "relevance": (2 * in_bio.sum(axis=0) + only_posts.sum(axis=0)).astype("int64"),
    }).astype({"follower_id": schema.STR})


# ---------------------------------------------------------------------------------------- triage
def triage(followers: pd.DataFrame, *, tweets: pd.DataFrame | None = None,
           following: pd.DataFrame | None = None, bot_scores: pd.DataFrame | None = None,
           segments: pd.DataFrame | None = None, account: Mapping | None = None,
           topics: Iterable[str] | None = None, keywords: Iterable[str] | None = None,
           new_followers: Iterable[str] | None = None, limit: int | None = 25,
           active_days: int = 30, recent_days: int = 14,
           human_below: float = BOT_THRESHOLD, block_at: float = BLOCK_THRESHOLD,
           own_tweets: pd.DataFrame | None = None,
           known_handles: pd.DataFrame | None = None) -> pd.DataFrame:
    """Four short lists of followers to act on, each entry with the reason it is there.

    Parameters
    ----------
    followers : DataFrame
        One snapshot of followers with profiles (``Store.followers(account)``: ``id`` or
        ``follower_id``, ``username``, ``name``, counts, ``created_at``, ``position``,
        ``snapshot_at``).
    tweets : DataFrame, optional
        Their recent tweets (canonical tweets frame). Without them, activity falls back to the
        profile's post count and there are no conversation openings from replies or mentions.
    following : DataFrame, optional
        The accounts the account follows (column ``following_id``; the store table
        "following"). Without it, follow-back candidates may include accounts already followed,
        and their reason says so.
    bot_scores : DataFrame, optional
        ``follower_id`` or ``id``, ``bot_score`` (0..1) and optionally ``reasons`` from a bot
        model; else the kit's one score, :func:`~follower_kit.analysis.bots.score_bots` with the
        shipped model, is computed here (the same score and thresholds as the report). With a
        ``block_kind`` column, only kinds that belong on a block list are blocked.
    segments : DataFrame, optional
        ``follower_id`` or ``id`` and ``label`` (topic segment name); a follower whose segment
        label contains a topic keyword counts as on topic.
    account : mapping, optional
        The account: ``id``, ``username`` (to find replies and mentions) and ``description``
        (default topic keywords).
    topics : iterable of str, optional
        Topic keywords or hashtags; default :func:`account_keywords`.
    keywords : iterable of str, optional
        The topics or keywords the client cares about (the client profile's ``keywords``).
        When given they define "on your topics" (instead of ``topics``) and rank
        ``follow_back`` and ``check_out`` by :func:`keyword_relevance` first, reach second;
        each reason names the matched keywords. Without them the lists are as before.
    new_followers : iterable of str, optional
        Ids of the new followers (e.g. from ``Store.diff``): ``check_out`` lists notable ones,
        its reasons saying what sets each apart (the list's title says they are new). Default
        the newest 5% by position (at least 50), each reason then saying "among your N newest
        followers" after the rest, since no title says so.
    limit : int or None
        Entries per list; None or 0 keeps every entry (the whole block list, for a CSV).
    active_days, recent_days : int
        A follower is active with a post in the last ``active_days`` before the snapshot; a
        topical post is a conversation opening in the last ``recent_days``.
    human_below, block_at : float
        Bot-score thresholds: likely human below ``human_below``, to block from ``block_at``.
    own_tweets : DataFrame, optional
        The account's own posts (``in_reply_to_user_id``, ``mentions``, ``created_at``; the
        store table ``own_tweets``). Used only when no follower has a profile (an X archive
        imported without ``--hydrate``): ``follow_back`` then lists the followers the account
        replied to or mentioned in them and does not follow (see :func:`talked_follow_back`);
        the other three lists need profiles and stay empty.
    known_handles : DataFrame, optional
        ``id``, ``username``, ``name``: the accounts the own posts name
        (:meth:`follower_kit.Store.known_handles`); they match mentions to ids and name the
        rows of that follow-back list.

    Returns
    -------
    DataFrame
        ``list`` (follow_back, check_out, block, talk_to), ``rank`` (1 = first to look at),
        ``follower_id``, ``username``, ``name``, ``score`` (the list's ranking score, higher
        first) and ``reason`` (plain words); at most ``limit`` rows per list.
    """
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be a count of entries per list (0 or None: all), not "
                         f"{limit}")
    if following is not None and "following_id" not in following.columns:
        raise SchemaError(f"following frame lacks column 'following_id'; it has "
                          f"{list(following.columns)}", column="following_id")
    f = followers.reset_index(drop=True)
    ids = _ids(f)
    n = len(f)
    if n == 0:
        return _empty()
    if tweets is None:
        tweets = schema.empty("tweets")
    # every per-follower tally below is a bincount over this: the row of each tweet's author
    rows = _rows_of(tweets["author_id"], ids)
    t = tweets.reset_index(drop=True)[rows >= 0].reset_index(drop=True)
    row = rows[rows >= 0]
    created = pd.to_datetime(t["created_at"], utc=True)
    when = pd.to_datetime(f["snapshot_at"], utc=True).max() if "snapshot_at" in f.columns \
        else (created.max() if len(t) else pd.Timestamp.now(tz="UTC"))

    def tally(mask=None, weights=None) -> np.ndarray:
        r = row if mask is None else row[mask]
        w = None if weights is None else (weights if mask is None else weights[mask])
        return np.bincount(r, weights=w, minlength=n)

    # --- bot score -------------------------------------------------------------------------
    if bot_scores is not None:
        bot = pd.to_numeric(_keyed(bot_scores, "bot_score", "bot_scores", ids),
                            errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bot_why = _keyed(bot_scores, "reasons", "bot_scores", ids).fillna("").astype(str) \
            .to_numpy() if "reasons" in bot_scores.columns else np.full(n, "", dtype=object)
        bot_source, signals = "bot model", None
    else:
        users = f.assign(id=pd.Series(ids.array, dtype=schema.STR))
        if "observed_at" not in users.columns and "snapshot_at" in users.columns:
            users["observed_at"] = users["snapshot_at"]
        bot_scores = score_bots(users, tweets=t if len(t) else None, reasons_above=block_at)
        bot = bot_scores["bot_score"].to_numpy(dtype=float)
        bot_why = bot_scores["reasons"].to_numpy()
        bot_source, signals = "bot model", None
    blockable = (_keyed(bot_scores, "block_kind", "bot_scores", ids).fillna(True)
                 .to_numpy(dtype=bool) if "block_kind" in bot_scores.columns
                 else np.ones(n, dtype=bool))
    human = ~np.isnan(bot) & (bot < human_below)

    # --- activity ----------------------------------------------------------------------------
    is_recent = (created >= when - pd.Timedelta(days=active_days)).to_numpy(dtype=bool)
    n_recent = tally(is_recent).astype("int64")
    post_count = _numbers(f, "tweet_count")
    have_tweets = len(tweets) > 0
    active = n_recent > 0 if have_tweets else np.nan_to_num(post_count >= 100, nan=0).astype(bool)

    # --- topics ------------------------------------------------------------------------------
    client = _clean_keywords(keywords or [])
    words = client or (list(topics) if topics is not None else account_keywords(account, t))
    pattern = _keyword_pattern(words)
    relevance = keyword_relevance(f, t, keywords=client) if client else None
    bio = f["description"] if "description" in f.columns else pd.Series([""] * n)
    bio_hit = _match(bio, pattern)
    tweet_hit = _match(t["text"], pattern) if len(t) else np.zeros(0, dtype=bool)
    if len(t) and "hashtags" in t.columns and pattern is not None:
        tags = pa.array(t["hashtags"].array)
        flat = pc.list_flatten(tags)
        parent = pc.list_parent_indices(tags).to_numpy()
        hit = _match(pd.Series(flat.to_pandas(), dtype=schema.STR), pattern)
        tweet_hit[np.unique(parent[hit])] = True
    n_topical = tally(tweet_hit).astype("int64")
    seg_hit = np.zeros(n, dtype=bool)
    seg_label = None
    if segments is not None:
        seg_label = _keyed(segments, "label", "segments", ids)
        seg_hit = _match(seg_label.fillna("").astype(str), pattern)
    on_topic = bio_hit | (n_topical > 0) | seg_hit

    # --- interactions with the account -------------------------------------------------------
    acct_id = str((account or {}).get("id") or "")
    acct_name = str((account or {}).get("username") or "").lower()
    reply = np.zeros(len(t), dtype=bool)
    if acct_id and len(t):
        reply = (t["in_reply_to_user_id"].astype(schema.STR) == acct_id).fillna(False) \
            .to_numpy(dtype=bool)
    mention = np.zeros(len(t), dtype=bool)
    if acct_name and len(t) and "mentions" in t.columns:
        lists = pa.array(t["mentions"].array)
        flat = pc.list_flatten(lists)
        parent = pc.list_parent_indices(lists).to_numpy()
        hit = pc.equal(pc.utf8_lower(flat), acct_name).to_numpy(zero_copy_only=False)
        mention[np.unique(parent[np.asarray(hit, dtype=bool)])] = True
        mention &= ~reply
    n_reply = tally(reply).astype("int64")
    n_mention = tally(mention).astype("int64")

    # --- engagement per post ----------------------------------------------------------------
    own = (t["kind"] != "retweet").to_numpy(dtype=bool) if "kind" in t.columns else \
        np.ones(len(t), dtype=bool)
    reactions = np.zeros(len(t))
    for c in ("like_count", "retweet_count", "reply_count", "quote_count"):
        if c in t.columns:
            reactions += _numbers(t, c, 0.0).astype(float)
    reactions = np.nan_to_num(reactions)
    n_own = tally(own)
    with np.errstate(divide="ignore", invalid="ignore"):
        engagement = np.where(n_own > 0, tally(own, reactions) / n_own, np.nan)

    ctx = dict(f=f, t=t, row=row, ids=ids, bot=bot, bot_why=bot_why, bot_source=bot_source,
               blockable=blockable,
               signals=signals, human=human, active=active, n_recent=n_recent,
               post_count=post_count, have_tweets=have_tweets, bio=bio, bio_hit=bio_hit,
               n_topical=n_topical, tweet_hit=tweet_hit, seg_label=seg_label, pattern=pattern,
               fol=_numbers(f, "followers_count", 0.0), listed=_numbers(f, "listed_count", 0.0),
               engagement=engagement, own=own, n_reply=n_reply, n_mention=n_mention,
               talking=reply | mention, created=created, when=when, active_days=active_days,
               recent_days=recent_days, limit=limit or None, human_below=human_below,
               block_at=block_at, on_topic=on_topic, relevance=relevance)
    ctx["fol"] = np.nan_to_num(ctx["fol"])
    ctx["listed"] = np.nan_to_num(ctx["listed"])
    back = _follow_back(ctx, following)
    if own_tweets is not None and not has_profiles(f).any():
        # an archive alone: its own posts say whom the account talks to
        back = talked_follow_back(f, own_tweets, following=following, account=account,
                                  known_handles=known_handles, as_of=when, limit=limit)
    parts = [back, _check_out(ctx, new_followers), _block(ctx), _talk_to(ctx)]
    parts = [p for p in parts if len(p)]
    out = pd.concat(parts, ignore_index=True) if parts else _empty()
    log.info("triage of %d followers: %s", n, out["list"].value_counts().to_dict())
    return out


def has_profiles(followers: pd.DataFrame) -> np.ndarray:
    """Which followers have a profile (a handle and, where the column is there, an
    ``observed_at``): an X archive lists followers by id only."""
    if "username" not in followers.columns:
        return np.zeros(len(followers), dtype=bool)
    has = followers["username"].notna()
    if "observed_at" in followers.columns:
        has &= followers["observed_at"].notna()
    return has.to_numpy(dtype=bool)


#: Talk in the own posts counts half as much for each this many days since the latest of it.
TALK_HALF_LIFE_DAYS = 365.0


def talked_follow_back(followers: pd.DataFrame, own_tweets: pd.DataFrame, *,
                       following: pd.DataFrame | None = None, account: Mapping | None = None,
                       known_handles: pd.DataFrame | None = None, as_of=None,
                       limit: int | None = 25) -> pd.DataFrame:
    """The follow-back list an X archive alone gives: the followers the account replied to or
    mentioned in its own posts (:func:`~follower_kit.analysis.relations.talked_to`, as the
    report's "You talked to them" list counts them) and does not follow.

    Ranked by how much and how recently: ``score`` is the replies plus mentions, halved for
    each :data:`TALK_HALF_LIFE_DAYS` between the latest of them and ``as_of``; ties newest
    follower first. The reason says it in words: "you replied to them 54 times and mentioned
    them 54 times, last 2021-03-17; you do not follow them back".

    Parameters
    ----------
    followers : DataFrame
        One snapshot of followers (``id`` or ``follower_id``; ``position`` where known).
    own_tweets : DataFrame
        The account's own posts (store table ``own_tweets``).
    following : DataFrame, optional
        ``following_id``: the accounts the account follows. Without it, the reason says the
        account may follow them already.
    account : mapping, optional
        ``id``: the account's own id (its replies to itself are left out).
    known_handles : DataFrame, optional
        The accounts the own posts name (:meth:`follower_kit.Store.known_handles`): they match
        mentions to ids and give the rows their ``username`` and ``name``.
    as_of : timestamp-like, optional
        "Now" for the recency (default: the latest ``snapshot_at``, else the latest post).
    limit : int or None
        Entries kept; None or 0 keeps every entry.

    Returns
    -------
    DataFrame
        Rows of the list ``follow_back`` in :func:`triage`'s columns.
    """
    from .relations import name_from_known, talked_to

    f = followers.reset_index(drop=True)
    ids = _ids(f)
    people = pd.DataFrame({"id": ids.to_numpy()}).astype({"id": schema.STR})
    if "username" in f.columns:
        people["username"] = f["username"].astype(schema.STR).to_numpy()
    talk = talked_to(own_tweets, people, account_id=(account or {}).get("id"),
                     known_handles=known_handles)
    if following is not None:
        talk = talk[~_isin(talk["user_id"], following["following_id"].dropna())]
    if talk.empty:
        return _empty()
    talk = talk.reset_index(drop=True)
    when = pd.Timestamp(as_of) if as_of is not None else (
        pd.to_datetime(f["snapshot_at"], utc=True).max() if "snapshot_at" in f.columns
        else talk["last_at"].max())
    when = when.tz_localize("UTC") if when.tzinfo is None else when
    age = ((when - talk["last_at"]).dt.total_seconds() / 86400).clip(lower=0).fillna(0)
    total = (talk["replies"] + talk["mentions"]).to_numpy(dtype=float)
    score = total * 0.5 ** (age.to_numpy(dtype=float) / TALK_HALF_LIFE_DAYS)
    rows = _rows_of(talk["user_id"], ids)
    ctx = {"f": f, "ids": ids, "limit": limit or None}
    by_row = dict(zip(rows, talk.itertuples()))
    tail = "you do not follow them back" if following is not None else \
        "following list not loaded: you may follow them already"

    def why(i):
        t = by_row[i]
        what = " and ".join(x for x in (
            f"replied to them {_times(int(t.replies))}" if t.replies else "",
            f"mentioned them {_times(int(t.mentions))}" if t.mentions else "") if x)
        last = f", last {t.last_at:%Y-%m-%d}" if pd.notna(t.last_at) else ""
        return f"you {what}{last}; {tail}"

    out = _finish(ctx, "follow_back", rows, score, why)
    named = name_from_known(out, known_handles, id_column="follower_id")
    return named.astype({"username": schema.STR, "name": schema.STR})[COLUMNS]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=d) for c, d in zip(
        COLUMNS, [schema.STR, "int64", schema.STR, schema.STR, schema.STR, "float64",
                  schema.STR])})


def _top(ctx, rows: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The best ``limit`` of ``rows`` by ``score`` (ties: newest follower first)."""
    f = ctx["f"]
    position = f["position"].to_numpy()[rows] if "position" in f.columns else rows
    order = np.lexsort((position, -score))[: ctx["limit"]]
    return rows[order], score[order]


def _finish(ctx, name: str, rows: np.ndarray, score: np.ndarray, reasons) -> pd.DataFrame:
    """The top ``limit`` rows as triage entries, with their reasons."""
    if not len(rows):
        return _empty()
    rows, score = _top(ctx, rows, score)
    f = ctx["f"]
    why = [reasons(i) for i in rows]

    def col(c):
        return f[c].take(rows).to_numpy() if c in f.columns else [None] * len(rows)

    return pd.DataFrame({
        "list": name, "rank": np.arange(1, len(rows) + 1, dtype="int64"),
        "follower_id": ctx["ids"].take(rows).to_numpy(), "username": col("username"),
        "name": col("name"), "score": np.round(score.astype(float), 3), "reason": why,
    }).astype({"list": schema.STR, "follower_id": schema.STR, "username": schema.STR,
               "name": schema.STR, "reason": schema.STR})


def _posts_of(ctx, rows: np.ndarray, mask: np.ndarray) -> dict[int, pd.Series]:
    """The latest post matching ``mask`` of each follower in ``rows`` (only those few are
    looked at, so reasons cost nothing on a million followers)."""
    t, row = ctx["t"], ctx["row"]
    pick = np.flatnonzero(mask & np.isin(row, rows))
    if not len(pick):
        return {}
    sub = t.iloc[pick].assign(_row=row[pick]).sort_values("created_at", kind="stable")
    return {int(r): post for r, post in sub.groupby("_row").tail(1).set_index("_row").iterrows()}


def _bot_phrase(ctx, i: int) -> str:
    b = ctx["bot"][i]
    return f"likely human (bot score {b:.2f})" if ctx["bot_source"] == "bot model" else \
        "likely human (no bot signal)" if b == 0 else f"likely human ({ctx['bot_why'][i]} only)"


def _activity_phrase(ctx, i: int) -> str:
    if ctx["have_tweets"]:
        k = int(ctx["n_recent"][i])
        return f"active ({k} post{'s' * (k != 1)} in the last {ctx['active_days']} days)"
    return f"active ({_count(ctx['post_count'][i], 'post')} in total; recent posts not loaded)"


def _topic_phrase(ctx, i: int, topical: dict) -> str:
    pattern = ctx["pattern"]
    if ctx["bio_hit"][i]:
        return f"bio mentions {_first_match(str(ctx['bio'].iloc[i]), pattern)}"
    if ctx["n_topical"][i]:
        post = topical[i]
        k = int(ctx["n_topical"][i])
        word = _first_match(_post_words(post), pattern) or "your topics"
        return f"{k} recent post{'s' * (k != 1)} on {word}"
    return f"in the segment \"{ctx['seg_label'].iloc[i]}\""


#: A point of keyword relevance outweighs the whole reach score of nearly anyone (log10 of
#: followers, lists and reactions stays below 10 but for the largest accounts): the client's
#: keywords decide the order, reach orders people equally relevant.
_RELEVANCE_WEIGHT = 10.0


def _relevance_boost(ctx, rows: np.ndarray) -> np.ndarray:
    if ctx["relevance"] is None:
        return np.zeros(len(rows))
    return _RELEVANCE_WEIGHT * ctx["relevance"]["relevance"].to_numpy()[rows]


def _keyword_phrase(ctx, i: int) -> str:
    """``on your keywords: bio mentions data, tools; posts on python`` (empty without any)."""
    rel = ctx["relevance"]
    if rel is None:
        return ""
    bio, posts = rel["bio_keywords"].iloc[i], rel["post_keywords"].iloc[i]
    parts = ([f"bio mentions {bio}"] if bio else []) + ([f"posts on {posts}"] if posts else [])
    return "on your keywords: " + " and ".join(parts) if parts else ""


def _post_words(post) -> str:
    tags = post.get("hashtags")
    tags = " ".join("#" + str(x) for x in tags) if tags is not None and len(tags) else ""
    return f"{post.get('text') or ''} {tags}"


def _follow_back(ctx, following) -> pd.DataFrame:
    followed = _isin(ctx["ids"], following["following_id"]) if following is not None \
        else np.zeros(len(ctx["ids"]), dtype=bool)
    rows = np.flatnonzero(ctx["human"] & ctx["active"] & ctx["on_topic"] & ~followed)
    score = (np.log10(1 + ctx["fol"][rows]) + np.minimum(ctx["n_topical"][rows], 5) * 0.3
             + ctx["bio_hit"][rows] * 0.5 + (ctx["n_reply"][rows] + ctx["n_mention"][rows]) * 0.5)
    score = score + _relevance_boost(ctx, rows)
    rows, score = _top(ctx, rows, score)
    topical = _posts_of(ctx, rows, ctx["tweet_hit"])
    tail = "you do not follow them back" if following is not None else \
        "following list not loaded: you may follow them already"

    def why(i):
        topic = _keyword_phrase(ctx, i) or _topic_phrase(ctx, i, topical)
        return "; ".join([_bot_phrase(ctx, i), _activity_phrase(ctx, i), topic,
                          _count(ctx['fol'][i], 'follower'), tail])

    return _finish(ctx, "follow_back", rows, score, why)


def _check_out(ctx, new_followers) -> pd.DataFrame:
    f, ids = ctx["f"], ctx["ids"]
    if new_followers is not None:
        is_new = _isin(ids, list(new_followers) if not isinstance(
            new_followers, (pd.Series, pd.Index)) else new_followers)
        # the list is of new followers, as its title in the report and the CLI says: each reason
        # starts with what sets the account apart, not "new since the last snapshot" again
        pool = ""
    else:
        k = max(50, int(np.ceil(0.05 * len(f))))
        pos = f["position"].to_numpy() if "position" in f.columns else np.arange(len(f))
        is_new = pos < k
        # a guess at who is new that no title states: said after what sets the account apart
        pool = f"among your {k:,} newest followers"
    rows = np.flatnonzero(is_new & ctx["human"])
    verified = _flags(f, "verified")
    eng = np.nan_to_num(ctx["engagement"][rows], nan=0.0)
    score = (np.log10(1 + ctx["fol"][rows]) + 0.5 * np.log10(1 + ctx["listed"][rows])
             + np.log10(1 + eng) + 0.5 * verified[rows])
    score = score + _relevance_boost(ctx, rows)
    rows, score = _top(ctx, rows, score)
    latest = _posts_of(ctx, rows, ctx["own"])  # what they post: the first thing to read

    def why(i):
        parts = [p for p in (_keyword_phrase(ctx, i), _count(ctx['fol'][i], 'follower')) if p]
        if ctx["listed"][i]:
            parts.append(f"listed {_times(int(ctx['listed'][i]))}")
        e = ctx["engagement"][i]
        if not np.isnan(e):
            parts.append(f"{e:,.1f} reactions per post")
        if verified[i]:
            parts.append("verified")
        if pool:
            parts.append(pool)
        if i in latest:
            post = latest[i]
            parts.append(f"latest post {post['created_at']:%Y-%m-%d}: "
                         f"\"{_snippet(post['text'])}\"")
        return "; ".join(parts)

    return _finish(ctx, "check_out", rows, score, why)


def _block(ctx) -> pd.DataFrame:
    bot = ctx["bot"]
    rows = np.flatnonzero(~np.isnan(bot) & (bot >= ctx["block_at"]) & ctx["blockable"])

    def why(i):
        head = f"bot score {bot[i]:.2f}" if ctx["bot_source"] == "bot model" else \
            f"{ctx['signals'][i]} bot signal points"
        detail = ctx["bot_why"][i]
        return f"{head}: {detail}" if detail else head

    return _finish(ctx, "block", rows, bot[rows], why)


def _talk_to(ctx) -> pd.DataFrame:
    recent = (ctx["created"] >= ctx["when"] - pd.Timedelta(days=ctx["recent_days"])) \
        .to_numpy(dtype=bool)
    recent_topical = ctx["tweet_hit"] & recent
    n_recent_topical = np.bincount(ctx["row"][recent_topical], minlength=len(ctx["ids"]))
    talk = ctx["n_reply"] + ctx["n_mention"]
    keep = ~(ctx["bot"] >= ctx["human_below"]) & ((talk > 0) | (n_recent_topical > 0))
    rows = np.flatnonzero(keep)
    score = 3.0 * ctx["n_reply"][rows] + 2.0 * ctx["n_mention"][rows] \
        + np.minimum(n_recent_topical[rows], 3)
    rows, score = _top(ctx, rows, score)
    last_talk = _posts_of(ctx, rows, ctx["talking"])
    last_topical = _posts_of(ctx, rows, recent_topical)

    def why(i):
        parts = []
        if talk[i]:
            post = last_talk[i]
            r, m = int(ctx["n_reply"][i]), int(ctx["n_mention"][i])
            what = " and ".join(x for x in (
                f"replied to you {_times(r)}" if r else "",
                f"mentioned you {_times(m)}" if m else "") if x)
            parts.append(f"{what}, last on {post['created_at']:%Y-%m-%d}: "
                         f"\"{_snippet(post['text'])}\"")
        if n_recent_topical[i]:
            post = last_topical[i]
            word = _first_match(_post_words(post), ctx["pattern"]) or "your topics"
            parts.append(f"posted on {word} on {post['created_at']:%Y-%m-%d}: "
                         f"\"{_snippet(post['text'])}\"")
        return "; ".join(parts)

    return _finish(ctx, "talk_to", rows, score, why)


__all__ = ["LISTS", "TALK_HALF_LIFE_DAYS", "account_keywords", "has_profiles",
           "keyword_relevance", "talked_follow_back", "triage"]
