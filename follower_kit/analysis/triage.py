"""The follower triage: who to follow back, check out, block, or talk to, each with its reason.

:func:`triage` turns one snapshot of followers (with profiles), their recent tweets and, when
available, the account's following list, bot scores and topic segments into four short lists:

``follow_back``
    likely human, active, on the account's topics, and not followed back yet;
``check_out``
    notable new followers, by reach (followers, lists) and engagement (reactions per post);
``block``
    likely bots and spam (a bot model's ``bot_score`` when given, else the transparent
    :func:`heuristic_bot_score`);
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
from ..errors import SchemaError
from .growth import follow_date_bounds, label_bursts

log = logging.getLogger(__name__)

LISTS = ("follow_back", "check_out", "block", "talk_to")
COLUMNS = ["list", "rank", "follower_id", "username", "name", "score", "reason"]

_STOPWORDS = frozenset("""
about after again also and any are because been being but can could does doing down each every
from further have having here into itself just more most much only other over own same should
some such than that their them then there these they this those through under until very what
when where which while with would your yours that gets out the way for small teams make made
""".split())


# ------------------------------------------------------------------------------- bot heuristics
def heuristic_bot_score(followers: pd.DataFrame, tweets: pd.DataFrame | None = None) -> pd.DataFrame:
    """A transparent bot score: count plain signals, no model.

    Signals (each worth one point; a creation-date burst is worth two): default avatar; empty
    bio; follows at least 10 times more accounts than follow it (and 500+); handle ending in 6+
    digits; account less than 60 days old when observed; never posted; posts 50+ times a day;
    bio says it is automated (bot, automated, RSS, a robot emoji); most recent posts are
    links (5+ posts, 80%+ with a URL); in a burst of followers created within days of each
    other (:func:`~follower_kit.analysis.growth.label_bursts`, when ``position`` and
    ``created_at`` are there). ``bot_score`` is ``min(1, points / 4)``: one signal (many humans
    have an empty bio or a default avatar) scores 0.25, three score 0.75.

    Parameters
    ----------
    followers : DataFrame
        One snapshot of followers with profiles (``Store.followers(account)``).
    tweets : DataFrame, optional
        Their recent tweets (canonical tweets frame).

    Returns
    -------
    DataFrame
        ``follower_id``, ``bot_score`` (0..1), ``signals`` (int), ``reasons`` ("; "-joined),
        ``burst_id`` (Int64, NA outside bursts); one row per follower, in input order.
    """
    f = followers
    ids = _ids(f)
    n = len(f)
    checks: list[tuple[str, np.ndarray, int]] = []

    def col(name, default):
        return f[name] if name in f.columns else pd.Series(default, index=f.index)

    checks.append(("default avatar", col("default_profile_image", False).fillna(False)
                   .to_numpy(dtype=bool), 1))
    bio = col("description", "").fillna("").astype(str)
    checks.append(("empty bio", (bio.str.strip() == "").to_numpy(dtype=bool), 1))
    fol = pd.to_numeric(col("followers_count", np.nan), errors="coerce").to_numpy(dtype=float)
    ing = pd.to_numeric(col("following_count", np.nan), errors="coerce").to_numpy(dtype=float)
    checks.append(("follows 10x more accounts than follow it",
                   np.nan_to_num((ing >= 500) & (ing >= 10 * np.maximum(fol, 1)), nan=0)
                   .astype(bool), 1))
    handles = col("username", "").fillna("").astype(str)
    checks.append(("handle ends in 6+ digits", _match(handles, r"[0-9]{6}$"), 1))
    created = pd.to_datetime(col("created_at", pd.NaT), utc=True)
    seen = pd.to_datetime(col("observed_at", pd.NaT), utc=True)
    if "snapshot_at" in f.columns:
        seen = seen.fillna(pd.to_datetime(f["snapshot_at"], utc=True))
    age_days = (seen - created).dt.total_seconds().to_numpy(dtype=float) / 86_400
    checks.append(("account under 60 days old", np.nan_to_num(age_days < 60, nan=0).astype(bool),
                   1))
    posts = pd.to_numeric(col("tweet_count", np.nan), errors="coerce").to_numpy(dtype=float)
    checks.append(("never posted", posts == 0, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        per_day = posts / np.maximum(age_days, 1)
    checks.append(("posts 50+ times a day", np.nan_to_num(per_day >= 50, nan=0).astype(bool), 1))
    checks.append(("bio says it is automated",
                   _match(bio, r"(?i)\b(?:bot|automated|auto-?posts?|rss)\b|\x{1F916}"), 1))
    if tweets is not None and len(tweets):
        t = tweets[_isin(tweets["author_id"], ids)]
        has_url = t["urls"].list.len().fillna(0).to_numpy() > 0 if "urls" in t.columns else \
            np.zeros(len(t), dtype=bool)
        per = pd.DataFrame({"a": t["author_id"].to_numpy(), "u": has_url}).groupby("a")["u"] \
            .agg(["size", "mean"])
        linky = per.index[(per["size"] >= 5) & (per["mean"] >= 0.8)]
        checks.append(("posts mostly links", _isin(ids, linky), 1))
    burst = pd.array([pd.NA] * n, dtype=schema.COUNT)
    if {"position", "created_at"} <= set(f.columns) and n:
        labelled = label_bursts(follow_date_bounds(f))
        # positions are unique within a snapshot: map the labels back through them
        lookup = np.full(int(labelled["position"].max()) + 1, -1, dtype="int64")
        lookup[labelled["position"].to_numpy()] = labelled["burst_id"].fillna(-1).to_numpy(
            dtype="int64")
        got = lookup[f["position"].to_numpy(dtype="int64")]
        burst = pd.array(np.where(got >= 0, got, 0), dtype=schema.COUNT)
        burst[got < 0] = pd.NA
        sizes = labelled["burst_id"].value_counts()
        in_burst = ~pd.isna(burst)
        checks.append(("in_burst", np.asarray(in_burst, dtype=bool), 2))
    points = np.zeros(n, dtype="int64")
    words = [[] for _ in range(n)]
    for label, hit, weight in checks:
        hit = np.asarray(hit, dtype=bool)
        points += weight * hit
        for i in np.flatnonzero(hit):
            if label == "in_burst":
                words[i].append(f"one of {int(sizes[burst[i]])} followers in a row whose "
                                f"accounts were created within days of each other")
            else:
                words[i].append(label)
    return pd.DataFrame({
        "follower_id": ids.to_numpy(),
        "bot_score": np.minimum(1.0, points / 4),
        "signals": points,
        "reasons": ["; ".join(w) for w in words],
        "burst_id": burst,
    }).astype({"follower_id": schema.STR, "reasons": schema.STR})


# ------------------------------------------------------------------------------------- helpers
def _ids(frame: pd.DataFrame) -> pd.Series:
    for name in ("follower_id", "id"):
        if name in frame.columns:
            return frame[name].astype(schema.STR)
    raise SchemaError(f"frame lacks an id column (follower_id or id); it has "
                      f"{list(frame.columns)}", frame="users", column="id")


def _isin(values: pd.Series, members) -> np.ndarray:
    """``values.isin(members)`` for id strings, in Arrow (pandas' string isin is a Python loop)."""
    members = pa.array(pd.Series(list(members) if not isinstance(members, (pd.Series, pd.Index))
                                 else members, dtype=object).astype(schema.STR).dropna(),
                       type=pa.string()) if len(members) else pa.array([], type=pa.string())
    arr = pa.array(values.astype(schema.STR), type=pa.string())
    return pc.is_in(arr, value_set=members).to_numpy(zero_copy_only=False).astype(bool)


def _keyed(frame: pd.DataFrame | None, value: str, label: str) -> pd.Series | None:
    """``frame[value]`` indexed by follower id (accepts ``follower_id`` or ``id``)."""
    if frame is None:
        return None
    if value not in frame.columns:
        raise SchemaError(f"{label} frame lacks column {value!r}; it has {list(frame.columns)}",
                          column=value)
    return pd.Series(frame[value].to_numpy(), index=_ids(frame).to_numpy()).groupby(level=0).last()


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


def _match(texts: pd.Series, pattern: str | None) -> np.ndarray:
    if pattern is None or not len(texts):
        return np.zeros(len(texts), dtype=bool)
    arr = pa.array(texts.astype(schema.STR).fillna(""))
    return pc.match_substring_regex(arr, pattern).to_numpy(zero_copy_only=False)


def _first_match(text: str, pattern: str) -> str:
    m = re.search(pattern, text or "")
    return m.group(1).lower() if m else ""


def _snippet(text, width: int = 80) -> str:
    one = " ".join(str(text or "").split())
    return one if len(one) <= width else one[: width - 1] + "…"


def _n(v) -> str:
    return f"{int(v):,}"


# ---------------------------------------------------------------------------------------- triage
def triage(followers: pd.DataFrame, *, tweets: pd.DataFrame | None = None,
           following: pd.DataFrame | None = None, bot_scores: pd.DataFrame | None = None,
           segments: pd.DataFrame | None = None, account: Mapping | None = None,
           topics: Iterable[str] | None = None, new_followers: Iterable[str] | None = None,
           limit: int = 25, active_days: int = 30, recent_days: int = 14,
           human_below: float = 0.5, block_at: float = 0.75) -> pd.DataFrame:
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
        model; else :func:`heuristic_bot_score` is used.
    segments : DataFrame, optional
        ``follower_id`` or ``id`` and ``label`` (topic segment name); a follower whose segment
        label contains a topic keyword counts as on topic.
    account : mapping, optional
        The account: ``id``, ``username`` (to find replies and mentions) and ``description``
        (default topic keywords).
    topics : iterable of str, optional
        Topic keywords or hashtags; default :func:`account_keywords`.
    new_followers : iterable of str, optional
        Ids of the new followers (e.g. from ``Store.diff``); default the newest 5% by position
        (at least 50).
    limit : int
        Entries per list.
    active_days, recent_days : int
        A follower is active with a post in the last ``active_days`` before the snapshot; a
        topical post is a conversation opening in the last ``recent_days``.
    human_below, block_at : float
        Bot-score thresholds: likely human below ``human_below``, to block from ``block_at``.

    Returns
    -------
    DataFrame
        ``list`` (follow_back, check_out, block, talk_to), ``rank`` (1 = first to look at),
        ``follower_id``, ``username``, ``name``, ``score`` (the list's ranking score, higher
        first) and ``reason`` (plain words); at most ``limit`` rows per list.
    """
    if following is not None and "following_id" not in following.columns:
        raise SchemaError(f"following frame lacks column 'following_id'; it has "
                          f"{list(following.columns)}", column="following_id")
    f = followers.reset_index(drop=True)
    ids = _ids(f)
    f = f.assign(follower_id=ids.to_numpy())
    n = len(f)
    if n == 0:
        return _empty()
    when = pd.to_datetime(f["snapshot_at"], utc=True).max() if "snapshot_at" in f.columns \
        else None
    if tweets is None:
        tweets = schema.empty("tweets")
    t = tweets[_isin(tweets["author_id"], ids)]
    if when is None:
        when = pd.to_datetime(t["created_at"], utc=True).max() if len(t) else \
            pd.Timestamp.now(tz="UTC")

    # --- bot score -------------------------------------------------------------------------
    if bot_scores is not None:
        score = _keyed(bot_scores, "bot_score", "bot_scores").reindex(ids.to_numpy())
        bot = pd.to_numeric(score, errors="coerce").to_numpy(dtype=float)
        if "reasons" in bot_scores.columns:
            bot_why = _keyed(bot_scores, "reasons", "bot_scores").reindex(ids.to_numpy()) \
                .fillna("").astype(str).to_numpy()
        else:
            bot_why = np.array([""] * n, dtype=object)
        bot_source = "bot model"
        signals = None
    else:
        h = heuristic_bot_score(f, t)
        bot, bot_why, bot_source = h["bot_score"].to_numpy(), h["reasons"].to_numpy(), "signals"
        signals = h["signals"].to_numpy()
    known_bot = ~np.isnan(bot)
    human = known_bot & (bot < human_below)

    # --- activity ----------------------------------------------------------------------------
    created = pd.to_datetime(t["created_at"], utc=True)
    recent_posts = t[created >= when - pd.Timedelta(days=active_days)]
    n_recent = recent_posts.groupby("author_id").size().reindex(ids.to_numpy(), fill_value=0) \
        .to_numpy()
    post_count = pd.to_numeric(f.get("tweet_count", pd.Series(np.nan, index=f.index)),
                               errors="coerce").to_numpy(dtype=float)
    have_tweets = len(tweets) > 0
    active = n_recent > 0 if have_tweets else np.nan_to_num(post_count >= 100, nan=0).astype(bool)

    # --- topics ------------------------------------------------------------------------------
    keywords = list(topics) if topics is not None else account_keywords(account, t)
    pattern = _keyword_pattern(keywords)
    bio_hit = _match(f.get("description", pd.Series("", index=f.index)), pattern)
    tweet_hit = _match(t["text"], pattern) if len(t) else np.zeros(0, dtype=bool)
    if len(t) and "hashtags" in t.columns and pattern is not None:
        tags = pa.array(t["hashtags"].array)
        flat = pa.array(pd.Series(pc.list_flatten(tags).to_pandas(), dtype=schema.STR).array)
        parent = pc.list_parent_indices(tags).to_numpy()
        hit = np.asarray(pc.match_substring_regex(flat, pattern).to_numpy(zero_copy_only=False),
                         dtype=bool)
        tweet_hit[np.unique(parent[hit])] = True
    topical_posts = t[tweet_hit]
    n_topical = topical_posts.groupby("author_id").size().reindex(ids.to_numpy(), fill_value=0) \
        .to_numpy()
    seg_hit = np.zeros(n, dtype=bool)
    seg_label = None
    if segments is not None and "label" in segments.columns:
        seg_label = _keyed(segments, "label", "segments").reindex(ids.to_numpy())
        seg_hit = _match(seg_label.fillna("").astype(str), pattern)
    on_topic = bio_hit | (n_topical > 0) | seg_hit

    fol = pd.to_numeric(f.get("followers_count", pd.Series(0, index=f.index)), errors="coerce") \
        .fillna(0).to_numpy(dtype=float)
    listed = pd.to_numeric(f.get("listed_count", pd.Series(0, index=f.index)), errors="coerce") \
        .fillna(0).to_numpy(dtype=float)

    # --- interactions with the account -------------------------------------------------------
    acct_id = str((account or {}).get("id") or "")
    acct_name = str((account or {}).get("username") or "").lower()
    reply = (t["in_reply_to_user_id"].astype(schema.STR) == acct_id).fillna(False) \
        .to_numpy(dtype=bool) if acct_id and len(t) else np.zeros(len(t), dtype=bool)
    mention = np.zeros(len(t), dtype=bool)
    if acct_name and len(t) and "mentions" in t.columns:
        flat = pc.list_flatten(pa.array(t["mentions"].array))
        parent = pc.list_parent_indices(pa.array(t["mentions"].array)).to_numpy()
        hit = pc.equal(pc.utf8_lower(flat), acct_name).to_numpy(zero_copy_only=False)
        mention[np.unique(parent[np.asarray(hit, dtype=bool)])] = True
        mention &= ~reply
    interactions = t.assign(_reply=reply, _mention=mention)
    interactions = interactions[reply | mention]
    n_reply = interactions.groupby("author_id")["_reply"].sum().reindex(ids.to_numpy(),
                                                                         fill_value=0).to_numpy()
    n_mention = interactions.groupby("author_id")["_mention"].sum().reindex(
        ids.to_numpy(), fill_value=0).to_numpy()

    # --- engagement per post ----------------------------------------------------------------
    own = t[t["kind"] != "retweet"] if "kind" in t.columns else t
    reactions = sum(pd.to_numeric(own[c], errors="coerce").fillna(0) for c in
                    ("like_count", "retweet_count", "reply_count", "quote_count")
                    if c in own.columns) if len(own) else pd.Series(dtype=float)
    engagement = (pd.Series(np.asarray(reactions, dtype=float), index=own.index)
                  .groupby(own["author_id"]).mean().reindex(ids.to_numpy()).to_numpy()
                  if len(own) else np.full(n, np.nan))

    ctx = dict(f=f, ids=ids, bot=bot, bot_why=bot_why, bot_source=bot_source, human=human,
               signals=signals,
               active=active, n_recent=n_recent, post_count=post_count, have_tweets=have_tweets,
               on_topic=on_topic, bio_hit=bio_hit, n_topical=n_topical, seg_hit=seg_hit,
               seg_label=seg_label, pattern=pattern, fol=fol, listed=listed,
               engagement=engagement, n_reply=n_reply, n_mention=n_mention,
               interactions=interactions, topical_posts=topical_posts, when=when,
               active_days=active_days, recent_days=recent_days, limit=limit,
               human_below=human_below, block_at=block_at)
    parts = [
        _follow_back(ctx, following),
        _check_out(ctx, new_followers),
        _block(ctx),
        _talk_to(ctx),
    ]
    out = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) \
        else _empty()
    log.info("triage of %d followers: %s", n, out["list"].value_counts().to_dict())
    return out


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=d) for c, d in zip(
        COLUMNS, [schema.STR, "int64", schema.STR, schema.STR, schema.STR, "float64",
                  schema.STR])})


def _finish(ctx, name: str, rows: np.ndarray, score: np.ndarray, reasons) -> pd.DataFrame:
    """The top ``limit`` of ``rows`` by ``score`` (ties: newest follower first)."""
    f = ctx["f"]
    if not len(rows):
        return _empty()
    position = f["position"].to_numpy()[rows] if "position" in f.columns else rows
    order = np.lexsort((position, -score))[: ctx["limit"]]
    rows, score = rows[order], score[order]
    why = [reasons(i) for i in rows]
    col = lambda c: f[c].to_numpy()[rows] if c in f.columns else [None] * len(rows)  # noqa: E731
    return pd.DataFrame({
        "list": name, "rank": np.arange(1, len(rows) + 1, dtype="int64"),
        "follower_id": ctx["ids"].to_numpy()[rows], "username": col("username"),
        "name": col("name"), "score": np.round(score.astype(float), 3), "reason": why,
    }).astype({"list": schema.STR, "follower_id": schema.STR, "username": schema.STR,
               "name": schema.STR, "reason": schema.STR})


def _bot_phrase(ctx, i: int) -> str:
    b = ctx["bot"][i]
    return f"likely human (bot score {b:.2f})" if ctx["bot_source"] == "bot model" else \
        "likely human (no bot signal)" if b == 0 else f"likely human ({ctx['bot_why'][i]} only)"


def _activity_phrase(ctx, i: int) -> str:
    if ctx["have_tweets"]:
        k = int(ctx["n_recent"][i])
        return f"active ({k} post{'s' * (k != 1)} in the last {ctx['active_days']} days)"
    return f"active ({_n(ctx['post_count'][i])} posts in total; recent posts not loaded)"


def _topic_phrase(ctx, i: int) -> str:
    f, pattern = ctx["f"], ctx["pattern"]
    if ctx["bio_hit"][i]:
        return f"bio mentions {_first_match(str(f['description'].iloc[i]), pattern)}"
    if ctx["n_topical"][i]:
        posts = ctx["topical_posts"]
        text = posts.loc[posts["author_id"] == ctx["ids"].iloc[i], "text"].iloc[-1]
        k = int(ctx["n_topical"][i])
        word = _first_match(str(text), pattern) or "your topics"
        return f"{k} recent post{'s' * (k != 1)} on {word}"
    return f"in the segment \"{ctx['seg_label'].iloc[i]}\""


def _follow_back(ctx, following) -> pd.DataFrame:
    ids = ctx["ids"]
    followed = _isin(ids, following["following_id"]) \
        if following is not None else np.zeros(len(ids), dtype=bool)
    keep = ctx["human"] & ctx["active"] & ctx["on_topic"] & ~followed
    rows = np.flatnonzero(keep)
    score = (np.log10(1 + ctx["fol"][rows]) + np.minimum(ctx["n_topical"][rows], 5) * 0.3
             + ctx["bio_hit"][rows] * 0.5 + (ctx["n_reply"][rows] + ctx["n_mention"][rows]) * 0.5)
    tail = "you do not follow them back" if following is not None else \
        "following list not loaded: you may follow them already"

    def why(i):
        return "; ".join([_bot_phrase(ctx, i), _activity_phrase(ctx, i), _topic_phrase(ctx, i),
                          f"{_n(ctx['fol'][i])} followers", tail])

    return _finish(ctx, "follow_back", rows, score, why)


def _check_out(ctx, new_followers) -> pd.DataFrame:
    f, ids = ctx["f"], ctx["ids"]
    if new_followers is not None:
        is_new = _isin(ids, new_followers)
        new_words = "new since the last snapshot"
    else:
        k = max(50, int(np.ceil(0.05 * len(f))))
        pos = f["position"].to_numpy() if "position" in f.columns else np.arange(len(f))
        is_new = pos < k
        new_words = f"among your {k:,} newest followers"
    keep = is_new & ctx["human"]
    rows = np.flatnonzero(keep)
    eng = np.nan_to_num(ctx["engagement"][rows], nan=0.0)
    verified = f["verified"].fillna(False).to_numpy(dtype=bool)[rows] if "verified" in f.columns \
        else np.zeros(len(rows), dtype=bool)
    score = (np.log10(1 + ctx["fol"][rows]) + 0.5 * np.log10(1 + ctx["listed"][rows])
             + np.log10(1 + eng) + 0.5 * verified)
    verified_all = f["verified"].fillna(False).to_numpy(dtype=bool) if "verified" in f.columns \
        else np.zeros(len(f), dtype=bool)

    def why(i):
        parts = [new_words, f"{_n(ctx['fol'][i])} followers"]
        if ctx["listed"][i]:
            parts.append(f"listed {_n(ctx['listed'][i])} times")
        e = ctx["engagement"][i]
        if not np.isnan(e):
            parts.append(f"{e:,.1f} reactions per post")
        if verified_all[i]:
            parts.append("verified")
        return "; ".join(parts)

    return _finish(ctx, "check_out", rows, score, why)


def _block(ctx) -> pd.DataFrame:
    bot = ctx["bot"]
    rows = np.flatnonzero(~np.isnan(bot) & (bot >= ctx["block_at"]))

    def why(i):
        head = f"bot score {bot[i]:.2f}" if ctx["bot_source"] == "bot model" else \
            f"{ctx['signals'][i]} bot signal points"
        detail = ctx["bot_why"][i]
        return f"{head}: {detail}" if detail else head

    return _finish(ctx, "block", rows, bot[rows], why)


def _talk_to(ctx) -> pd.DataFrame:
    ids, when = ctx["ids"], ctx["when"]
    posts = ctx["topical_posts"]
    recent = posts[pd.to_datetime(posts["created_at"], utc=True)
                   >= when - pd.Timedelta(days=ctx["recent_days"])]
    n_recent_topical = recent.groupby("author_id").size().reindex(ids.to_numpy(), fill_value=0) \
        .to_numpy()
    talk = ctx["n_reply"] + ctx["n_mention"]
    keep = ~(ctx["bot"] >= ctx["human_below"]) & ((talk > 0) | (n_recent_topical > 0))
    rows = np.flatnonzero(keep)
    score = 3.0 * ctx["n_reply"][rows] + 2.0 * ctx["n_mention"][rows] \
        + np.minimum(n_recent_topical[rows], 3)
    inter = ctx["interactions"]
    last_inter = inter.sort_values("created_at").groupby("author_id").tail(1).set_index(
        "author_id") if len(inter) else None
    last_topical = recent.sort_values("created_at").groupby("author_id").tail(1).set_index(
        "author_id") if len(recent) else None

    def why(i):
        fid = ids.iloc[i]
        parts = []
        if talk[i]:
            post = last_inter.loc[fid]
            r, m = int(ctx["n_reply"][i]), int(ctx["n_mention"][i])
            what = " and ".join(x for x in (
                f"replied to you {r} time{'s' * (r != 1)}" if r else "",
                f"mentioned you {m} time{'s' * (m != 1)}" if m else "") if x)
            parts.append(f"{what}, last on {post['created_at']:%Y-%m-%d}: "
                         f"\"{_snippet(post['text'])}\"")
        if n_recent_topical[i]:
            post = last_topical.loc[fid]
            word = _first_match(str(post["text"]), ctx["pattern"]) or "your topics"
            parts.append(f"posted on {word} on {post['created_at']:%Y-%m-%d}: "
                         f"\"{_snippet(post['text'])}\"")
        return "; ".join(parts)

    return _finish(ctx, "talk_to", rows, score, why)


__all__ = ["LISTS", "account_keywords", "heuristic_bot_score", "triage"]
