"""Audience insight in one call: where followers are, their languages, what they read, how they
relate to the account, and who is influential within the audience's own topics.

:func:`audience_insight` takes the frames a snapshot holds and returns every section as a frame;
:func:`insight_json` makes the JSON object ``follower-kit audience --json`` prints. The report and
the notebooks call the same function, so their numbers agree.

Pure functions: frames in, frames out, no I/O.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .. import schema
from . import geo, languages, reading, relations

log = logging.getLogger(__name__)


def influential_followers(followers: pd.DataFrame, tweets: pd.DataFrame, *, topics=None,
                          bot_scores: pd.DataFrame | None = None, n_topics: int = 20,
                          top_n: int | None = 10) -> pd.DataFrame:
    """The followers with the largest reach within the audience's own topics: reach times
    relevance, not raw follower count (which a celebrity or a bot farm wins).

    ``reach`` is log10(1 + followers) plus log2(1 + the audience members who mention or reply to
    them): attention from inside the audience counts as much as a tenfold larger following.
    ``relevance`` (0..1) is the share of their posts that carry the audience's topics (its
    ``n_topics`` most widely used hashtags, or ``topics``), with half a point more when their
    bio names one. A likely bot's score is scaled by ``1 - bot_score``.

    Parameters
    ----------
    followers : DataFrame
        Profiles (``id``, ``username``, ``followers_count``, ``description``).
    tweets : DataFrame
        The followers' tweets (``author_id``, ``hashtags``, ``mentions``,
        ``in_reply_to_user_id``).
    topics : iterable of str, optional
        The topics (hashtags or words); default: the audience's most used hashtags.
    bot_scores : DataFrame, optional
        ``follower_id`` (or ``id``) and ``bot_score``.
    n_topics : int
    top_n : int, optional

    Returns
    -------
    DataFrame
        ``follower_id``, ``username``, ``followers_count``, ``in_audience`` (distinct audience
        members who mention or reply to them), ``relevance``, ``reach``, ``score``, ``topics``
        (the audience topics they post about, "; "-joined); highest score first, ties by id.
        Followers with no topical posts and no topical bio score 0 and are left out.
    """
    f = followers.reset_index(drop=True)
    ids = f["id"].astype(str)
    if topics is None:
        top = reading.top_items(tweets, "hashtags", top_n=n_topics) if len(tweets) else None
        topics = [] if top is None else top["item"].tolist()
    topics = [str(t).lower().lstrip("#") for t in topics]
    topic_set = set(topics)
    t = tweets[tweets["author_id"].astype(str).isin(ids)].reset_index(drop=True)
    tags = reading._items(t.assign(author_id=t.index.astype(str)), "hashtags")  # per tweet
    tags = tags[tags["item"].isin(topic_set)]
    on_topic_rows = pd.Index(tags["author_id"].astype(int).unique())
    on_topic = pd.Series(False, index=t.index)
    on_topic[on_topic_rows] = True
    authors = t["author_id"].astype(str)
    share = on_topic.groupby(authors).mean()
    used = tags.assign(who=authors.to_numpy()[tags["author_id"].astype(int).to_numpy()]) \
        .groupby("who")["item"].agg(lambda s: "; ".join(sorted(set(s))))
    bio = f["description"].astype(schema.STR).fillna("").str.lower() if "description" in f \
        else pd.Series([""] * len(f))
    bio_hit = np.array([any(k in b for k in topic_set) for b in bio]) if topic_set else \
        np.zeros(len(f), dtype=bool)
    relevance = np.minimum(1.0, share.reindex(ids.to_numpy()).fillna(0).to_numpy() + 0.5 * bio_hit)
    # attention inside the audience: distinct followers who mention or reply to them
    handle_to_id = pd.Series(ids.to_numpy(), index=f["username"].astype(schema.STR).str.lower()
                             .to_numpy()) if "username" in f else pd.Series(dtype=object)
    handle_to_id = handle_to_id[handle_to_id.index.notna() & ~handle_to_id.index.duplicated()]
    ment = reading._items(t, "mentions")
    ment = ment.assign(target=ment["item"].map(handle_to_id)).dropna(subset=["target"])
    pairs = [ment[["author_id", "target"]]]
    if "in_reply_to_user_id" in t:
        r = t[t["in_reply_to_user_id"].notna()]
        pairs.append(pd.DataFrame({"author_id": r["author_id"].astype(str).to_numpy(),
                                   "target": r["in_reply_to_user_id"].astype(str).to_numpy()}))
    p = pd.concat(pairs, ignore_index=True)
    p = p[(p["author_id"] != p["target"]) & p["target"].isin(ids)]
    in_audience = p.drop_duplicates().groupby("target").size().reindex(ids.to_numpy()).fillna(0)
    fc = pd.to_numeric(f.get("followers_count"), errors="coerce").fillna(0).to_numpy(float)
    reach = np.log10(1 + fc) + np.log2(1 + in_audience.to_numpy(float))
    score = reach * relevance
    if bot_scores is not None and len(bot_scores):
        key = "follower_id" if "follower_id" in bot_scores else "id"
        b = bot_scores.drop_duplicates(key).set_index(bot_scores[key].astype(str)
                                                      .drop_duplicates().to_numpy())["bot_score"]
        score = score * (1 - pd.to_numeric(b.reindex(ids.to_numpy()), errors="coerce")
                         .fillna(0).to_numpy(float))
    out = pd.DataFrame({
        "follower_id": ids.astype(schema.STR),
        "username": f["username"].astype(schema.STR) if "username" in f else
        pd.Series([np.nan] * len(f), dtype=schema.STR),
        "followers_count": pd.array(fc.astype("int64"), dtype=schema.COUNT),
        "in_audience": in_audience.to_numpy().astype("int64"),
        "relevance": relevance, "reach": reach, "score": score,
        "topics": pd.Series(used.reindex(ids.to_numpy()).to_numpy(), dtype=schema.STR),
    })
    out = out[out["score"] > 0]
    out = out.iloc[np.lexsort((out["follower_id"].to_numpy(dtype=str), -out["score"].to_numpy()))]
    return (out.head(top_n) if top_n is not None else out).reset_index(drop=True)


def audience_insight(followers: pd.DataFrame, *, tweets: pd.DataFrame | None = None,
                     following: pd.DataFrame | None = None,
                     own_tweets: pd.DataFrame | None = None, lost: pd.DataFrame | None = None,
                     account: dict | None = None, segments: pd.DataFrame | None = None,
                     bot_scores: pd.DataFrame | None = None,
                     baseline_tweets: pd.DataFrame | None = None,
                     reading_tweets: pd.DataFrame | None = None, top_n: int = 10,
                     inactive_days: int = 90,
                     known_handles: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Every audience-insight section of one snapshot.

    Parameters
    ----------
    followers : DataFrame
        :meth:`Store.followers` of the snapshot.
    tweets, following, own_tweets, lost, known_handles
        As :func:`~follower_kit.analysis.relations.relations` takes them (each optional).
    account : dict, optional
        ``id`` and ``username`` of the account (its own handle is left out of mentions).
    segments : DataFrame, optional
        ``follower_id`` and ``label``: languages per segment.
    bot_scores : DataFrame, optional
        Scales the influential followers' scores.
    baseline_tweets : DataFrame, optional
        Another audience's tweets: domains, mentions and hashtags gain ``baseline_share`` and
        ``lift``.
    reading_tweets : DataFrame, optional
        The tweets domains, mentions and hashtags are counted on (default: ``tweets``; the last
        30 days of :func:`reading.month_windows` against the 30 before as the baseline).
    top_n : int
        Rows per ranked section.
    inactive_days : int

    Returns
    -------
    dict of DataFrame
        ``countries`` (:func:`geo.country_shares`), ``places`` (:func:`geo.resolve_locations`
        per follower, with ``follower_id``), ``languages`` (:func:`languages.language_shares`),
        ``languages_by_segment`` (the same per segment; None without segments),
        ``follower_languages``, ``domains``,
        ``mentions``, ``hashtags`` (:func:`reading.top_items`), ``relations``
        (:func:`relations.relations`), ``relation_counts``, ``influential``
        (:func:`influential_followers`).
    """
    account = account or {}
    tw = tweets if tweets is not None else schema.empty("tweets")
    ids = followers["id"].astype(str)
    tw = tw[tw["author_id"].astype(str).isin(ids)]
    places = geo.resolve_locations(followers["location"] if "location" in followers else
                                   pd.Series([None] * len(followers), dtype=schema.STR))
    places.insert(0, "follower_id", ids.reset_index(drop=True).astype(schema.STR))
    langs = languages.follower_languages(followers, tw)
    own = [account["username"]] if account.get("username") else []
    read = tw if reading_tweets is None else \
        reading_tweets[reading_tweets["author_id"].astype(str).isin(ids)]
    ranked = {kind: reading.top_items(read, kind, baseline=baseline_tweets, top_n=top_n,
                                      exclude=own if kind == "mentions" else ())
              for kind in ("domains", "mentions", "hashtags")}
    rel = relations.relations(followers, following=following, tweets=tw, own_tweets=own_tweets,
                              lost=lost, account_id=account.get("id"),
                              inactive_days=inactive_days, known_handles=known_handles)
    return {
        "countries": geo.country_shares(places, top_n=top_n),
        "places": places,
        "languages": languages.language_shares(langs, top_n=top_n),
        "languages_by_segment": languages.language_shares(langs, segments, top_n=top_n)
        if segments is not None else None,
        "follower_languages": langs,
        **ranked,
        "relations": rel,
        "relation_counts": relations.relation_counts(rel),
        "influential": influential_followers(followers, tw, bot_scores=bot_scores, top_n=top_n),
    }


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    out = []
    for row in frame[columns].itertuples(index=False):
        rec = {}
        for c, v in zip(columns, row):
            if isinstance(v, (bool, np.bool_)):
                rec[c] = bool(v)
            elif isinstance(v, (int, np.integer)):
                rec[c] = int(v)
            elif isinstance(v, (float, np.floating)):
                rec[c] = None if np.isnan(v) else round(float(v), 4)
            else:
                rec[c] = None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) \
                    else str(v)
        out.append(rec)
    return out


def insight_json(result: dict[str, pd.DataFrame], *, names_per_relation: int = 20) -> dict:
    """The JSON object of :func:`audience_insight`: ``countries``, ``languages``, ``domains``,
    ``mentions``, ``hashtags``, ``relations`` (counts, and up to ``names_per_relation`` accounts
    each) and ``influential``."""
    langs, by_segment = result["languages"], result.get("languages_by_segment")
    rel = result["relations"]
    return {
        "countries": _records(result["countries"], ["country", "country_name", "followers",
                                                    "share"]),
        "languages": _records(langs, ["language", "followers", "share"]),
        "languages_by_segment": None if by_segment is None else _records(
            by_segment, ["segment", "language", "followers", "share"]),
        **{kind: _records(result[kind], list(result[kind].columns))
           for kind in ("domains", "mentions", "hashtags")},
        "relations": {
            r["relation"]: {"count": r["count"], "assessed": r["assessed"], "known": r["known"],
                            "share": r["share"],
                            "accounts": _records(rel[rel["relation"] == r["relation"]]
                                                 .head(names_per_relation),
                                                 ["user_id", "username", "profile_url",
                                                  "detail"])}
            for r in _records(result["relation_counts"], ["relation", "count", "assessed",
                                                          "known", "share"])},
        "influential": _records(result["influential"], ["follower_id", "username",
                                                        "followers_count", "in_audience",
                                                        "relevance", "score", "topics"]),
    }


__all__ = ["audience_insight", "influential_followers", "insight_json"]
