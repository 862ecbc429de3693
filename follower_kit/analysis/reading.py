"""What the audience reads and who it listens to: the websites it links to (registrable domains), the
accounts it mentions and the hashtags it uses, ranked by how many distinct followers use each (one
loud account posting a link fifty times counts once), and compared with a baseline audience
(another account, or an earlier month) to show what is distinctive.

Registrable domains come from the Public Suffix List shipped in the publicsuffixlist package
(``news.bbc.co.uk`` -> ``bbc.co.uk``), offline. Tweets keep the expanded URL where the API gave
it; a link still on a shortener (t.co, bit.ly ...) is counted under the shortener and flagged.

Pure functions: frames in, frames out, no I/O.
"""

from __future__ import annotations

import functools
import logging
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema

log = logging.getLogger(__name__)

KINDS = {"domains": "urls", "mentions": "mentions", "hashtags": "hashtags"}
SHORTENERS = {"t.co", "bit.ly", "buff.ly", "ow.ly", "tinyurl.com", "goo.gl", "dlvr.it", "ift.tt",
              "cutt.ly", "trib.al", "lnkd.in", "fb.me", "is.gd", "rebrand.ly", "shorturl.at",
              "tiny.cc", "t.ly", "rb.gy", "s.id", "wp.me", "amzn.to", "youtu.be"}
SAME_SITE = {"youtu.be": "youtube.com", "x.com": "x.com", "twitter.com": "x.com",
             "mobile.twitter.com": "x.com"}


@functools.lru_cache(maxsize=1)
def _psl():
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


@functools.lru_cache(maxsize=100_000)
def registrable_domain(url: str) -> str | None:
    """The registrable domain of a URL (``https://news.bbc.co.uk/x`` -> ``bbc.co.uk``); None for
    text that is no http(s) URL."""
    try:
        parts = urlsplit(url.strip() if "://" in url else "http://" + url.strip())
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    if host.startswith("www."):
        host = host[4:]
    if host in SAME_SITE:
        return SAME_SITE[host]
    return _psl().privatesuffix(host) or host


def _items(tweets: pd.DataFrame, kind: str) -> pd.DataFrame:
    """``author_id`` and ``item`` per use (one row per list element)."""
    column = KINDS[kind]
    lists = pa.chunked_array(pa.array(tweets[column])) if len(tweets) else \
        pa.chunked_array([pa.array([], pa.list_(pa.string()))])
    lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy()
    flat = pc.list_flatten(lists).to_pandas()
    authors = np.repeat(tweets["author_id"].astype(str).to_numpy(), lengths)
    if kind == "domains":
        uniq = pd.unique(flat.dropna())
        lookup = {u: registrable_domain(u) for u in uniq}
        items = flat.map(lookup)
    else:
        items = flat.str.lower()  # #Python and #python are one hashtag; handles ignore case
    out = pd.DataFrame({"author_id": authors, "item": items.to_numpy(dtype=object)})
    return out.dropna(subset=["item"])


def top_items(tweets: pd.DataFrame, kind: str, *, baseline: pd.DataFrame | None = None,
              exclude=(), top_n: int | None = 20, sort: str = "followers") -> pd.DataFrame:
    """The domains, mentioned accounts or hashtags most followers use.

    Parameters
    ----------
    tweets : DataFrame
        The audience's tweets (canonical: ``author_id`` and ``urls``, ``mentions``,
        ``hashtags``).
    kind : {"domains", "mentions", "hashtags"}
    baseline : DataFrame, optional
        Another audience's tweets (another account's followers, an earlier month) to compare
        with.
    exclude : iterable of str
        Items to leave out (the account's own handle among mentions).
    top_n : int, optional
        Rows kept (all when None).
    sort : {"followers", "lift"}
        Most used, or most distinctive against the baseline (needs ``baseline``).

    Returns
    -------
    DataFrame
        ``item``, ``followers`` (distinct followers using it), ``share`` (of the followers who
        posted any tweet), ``uses`` (all uses), ``shortener`` (domains only: a link shortener the
        API did not expand), and with a baseline ``baseline_share`` and ``lift`` (share over
        baseline share, both smoothed by one follower so that an item absent from the baseline
        gets a finite lift); ties by item.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)}, not {kind!r}")
    if sort not in ("followers", "lift") or (sort == "lift" and baseline is None):
        raise ValueError("sort is 'followers', or 'lift' with a baseline")
    uses = _items(tweets, kind)
    drop = {str(x).lower().removeprefix("@").removeprefix("#") for x in exclude}
    uses = uses[~uses["item"].isin(drop)]
    posters = tweets["author_id"].nunique()
    g = uses.groupby("item")
    out = pd.DataFrame({"followers": g["author_id"].nunique(), "uses": g.size()}).reset_index()
    out["share"] = out["followers"] / posters if posters else np.nan
    if kind == "domains":
        out["shortener"] = out["item"].isin(SHORTENERS)
    if baseline is not None:
        base = _items(baseline, kind)
        base_posters = baseline["author_id"].nunique()
        base_n = base.groupby("item")["author_id"].nunique()
        out["baseline_share"] = out["item"].map(base_n).fillna(0).to_numpy() / max(base_posters, 1)
        out["lift"] = ((out["followers"] + 1) / (posters + 1)) / (
            (out["item"].map(base_n).fillna(0) + 1) / (base_posters + 1))
    key = "followers" if sort == "followers" else "lift"
    out = out.iloc[np.lexsort((out["item"].to_numpy(dtype=str), -out[key].to_numpy(float)))]
    if top_n is not None:
        out = out.head(top_n)
    cols = ["item", "followers", "share", "uses"] + (["shortener"] if kind == "domains" else []) \
        + (["baseline_share", "lift"] if baseline is not None else [])
    out = out[cols].reset_index(drop=True)
    out["item"] = out["item"].astype(schema.STR)
    return out.astype({"followers": "int64", "uses": "int64"})


def month_windows(tweets: pd.DataFrame, at) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tweets of the 30 days up to ``at`` and of the 30 days before them: this month's
    reading and its baseline, from the same audience.

    Returns
    -------
    tuple of DataFrame
        ``(recent, previous)``, both with the columns of ``tweets``.
    """
    at = pd.Timestamp(at)
    at = at.tz_localize("UTC") if at.tzinfo is None else at.tz_convert("UTC")
    month = pd.Timedelta(days=30)
    when = tweets["created_at"]
    recent = tweets[(when > at - month) & (when <= at)]
    previous = tweets[(when > at - 2 * month) & (when <= at - month)]
    return recent.reset_index(drop=True), previous.reset_index(drop=True)


__all__ = ["KINDS", "SHORTENERS", "month_windows", "registrable_domain", "top_items"]
