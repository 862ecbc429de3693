"""Pull Bluesky followers, follows, profiles and posts from an AppView (the AT Protocol's public,
credential-free API) into the same canonical frames and store as the X pulls.

The client is a small one over ``requests`` (docs/bluesky.md says why not the ``atproto`` SDK).
Everything a long pull needs is the X pulls', not a copy of it: the retry schedule and its
counters (:class:`~x_api.RetryPolicy`), the runaway guards (:class:`~x_api.Bounds`), the plans
behind ``--dry-run``, and, in :mod:`follower_kit.ingest` (which commits: sources never touch
the store), the checkpoint directory (``PullDir``, resumable after kill -9), its paging loop and
``pull_bluesky_followers`` / ``pull_bluesky_posts``. For that loop an AppView page
is checkpointed as X's are: the raw response with ``__twarc``/``__fk`` stamps in front and, at
its end, a ``meta`` object (``result_count``, ``next_token`` = the AppView's ``cursor``).

Endpoints (lexicons in ``../shared/data/bluesky/lexicons``):

* ``com.atproto.identity.resolveHandle``: handle -> DID (:meth:`BlueskyClient.resolve`);
* ``app.bsky.graph.getFollowers`` / ``getFollows``: cursor paging, 100 a page; a short page
  is not the end, only a page without ``cursor`` is;
* ``app.bsky.actor.getProfiles``: 25 actors a call, for counts and creation time (profiles that
  cannot be shown are left out silently; duplicates come back duplicated);
* ``app.bsky.feed.getAuthorFeed``: recent posts, mapped to the tweet columns.

Ids: accounts are DIDs, posts AT URIs (:data:`follower_kit.schema.ID_PATTERN`); handles are
usernames. Moderation and self labels are kept in ``users.labels`` (negated ones dropped).
"""

from __future__ import annotations

import json
import logging
import math
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
import requests

from .. import schema
from ..wording import plural
from . import x_api
from .x_api import Page, Plan, PullError, RetryPolicy, RunawayPull

log = logging.getLogger(__name__)

NETWORK = "bluesky"
#: The public, cached AppView: no credentials, no fees (NOTES.md section 1).
PUBLIC_APPVIEW = "https://public.api.bsky.app"
PAGE_SIZE = 100  # getFollowers / getFollows / getAuthorFeed maximum
PROFILES_PER_CALL = 25  # getProfiles maximum
PROFILE_CALLS_PER_FILE = 40  # 1,000 profiles per checkpoint file
LIST_PAGES_PER_FILE = 10  # 1,000 followers per checkpoint file, as an X page holds
_NSID = {"getFollowers": "app.bsky.graph.getFollowers",
         "getFollows": "app.bsky.graph.getFollows",
         "getProfiles": "app.bsky.actor.getProfiles",
         "getAuthorFeed": "app.bsky.feed.getAuthorFeed",
         "resolveHandle": "com.atproto.identity.resolveHandle"}
_LIST_KEY = {"getFollowers": "followers", "getFollows": "follows", "getProfiles": "profiles",
             "getAuthorFeed": "feed"}

#: The AppView's limits are unpublished ("generous", NOTES.md section 2). The plan assumes the
#: one documented limit on the same infrastructure, the PDS/entryway's 3,000 requests per 5
#: minutes per IP; ``--prices FILE`` overrides it like X's table.
DEFAULT_PLAN_TABLE = {
    "currency": "USD",
    "price_per_resource": {"user_read": 0.0, "follows_read": 0.0, "post_read": 0.0},
    "rate_limits": {"appview": {"requests": 3000, "window_seconds": 300}},
    "confirm_above_usd": 5.0,
}

_DID = re.compile(r"did:[a-z]+:[A-Za-z0-9._:%-]+")
_HANDLE = re.compile(r"([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+"
                     r"[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?")


def is_bluesky_handle(handle: str) -> bool:
    """True for a DID or a handle that can only be Bluesky's: X handles hold no dot, so any
    domain-like handle (``alice.bsky.social``, ``nytimes.com``) or ``did:`` id is Bluesky's."""
    key = str(handle).strip().removeprefix("@")
    return bool(_DID.fullmatch(key)) or ("." in key and bool(_HANDLE.fullmatch(key)))


class BlueskyError(PullError):
    """The AppView answered with an XRPC error (``{"error": ..., "message": ...}``)."""


# ------------------------------------------------------------------------------------- client
class BlueskyClient(x_api.XClient):
    """An AppView client over ``requests`` with X's retry schedule, rate-limit waits and counters.

    It inherits from :class:`~follower_kit.sources.x_api.XClient` only its bookkeeping (the
    counters, :meth:`counts`, the transient-fault backoff and the injectable sleep and clock);
    it never builds a tweepy client and needs no token.

    Parameters
    ----------
    base_url : str, optional
        The AppView (default :data:`PUBLIC_APPVIEW`; the local fake AppView in tests).
    timeout : float
        Seconds per request.
    retry : RetryPolicy
    sleep, clock : callables
        ``time.sleep`` and ``time.time`` by default; tests inject fakes.
    seed : int, optional
        Seeds the backoff jitter.
    on_request : callable, optional
        Called with ``(nsid, params, response)`` after each HTTP answer (tests validate every
        request and response against the lexicons with it).
    """

    def __init__(self, base_url: str | None = None, *, timeout: float = 30.0,
                 retry: RetryPolicy | None = None, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time, seed: int | None = None,
                 on_request: Callable | None = None):
        self.base_url = (base_url or PUBLIC_APPVIEW).rstrip("/")
        self.host = urlsplit(self.base_url).netloc.rpartition("@")[2] or self.base_url
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "follower-kit"
        # the proxy settings of the environment, read once: requests reads them again for
        # every request otherwise (0.6 ms each, a tenth of a page's time at 10,000 pages)
        self.session.proxies = requests.utils.get_environ_proxies(self.base_url)
        self.session.trust_env = False
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.clock = clock
        self._rng = random.Random(seed)
        self.on_request = on_request
        self.requests = self.retries = self.rate_waits = 0
        self.rate_wait_seconds = self.slept = 0.0

    def __repr__(self) -> str:
        return f"BlueskyClient({self.base_url!r})"

    def call(self, method: str, actor: str | None = None, *, pagination_token: str | None = None,
             what: str = "this endpoint", light: bool = False, max_results: int | None = None,
             **params) -> Page:
        """One XRPC query with retries; the page's ``body`` is the decoded response plus a
        ``meta`` object (``result_count``: items in the page's list; ``next_token``: its
        ``cursor``), and ``raw`` the response with that ``meta`` appended, as a checkpoint keeps
        it. The signature is the one :func:`follower_kit.ingest._fetch_pages` pages with (``light`` is
        accepted and ignored: AppView pages are small).

        Raises
        ------
        BlueskyError
            A 4xx answer other than 429 (an unknown actor, a bad parameter).
        PullError
            A transient fault or rate limit outlasting the retry policy.
        """
        nsid = _NSID.get(method, method)
        query = dict(params)
        if actor is not None:
            query["actor"] = actor
        if max_results is not None:
            query["limit"] = max_results
        if pagination_token is not None:
            query["cursor"] = pagination_token
        url = f"{self.base_url}/xrpc/{nsid}"
        attempt = rate_waits = 0
        while True:
            self.requests += 1
            try:
                resp = self.session.get(url, params=query, timeout=self.timeout)
                if self.on_request is not None:
                    self.on_request(nsid, query, resp)
                if resp.status_code == 429:
                    rate_waits += 1
                    if rate_waits > self.retry.max_rate_waits:
                        raise PullError(f"{nsid}: still rate limited after {rate_waits - 1} "
                                        "waits") from None
                    self._rate_wait(nsid, resp.headers, rate_waits)
                    continue
                if resp.status_code >= 500:
                    attempt = self._transient(nsid, attempt, f"{resp.status_code} server error")
                    continue
                if resp.status_code >= 400:
                    raise BlueskyError(_xrpc_error(nsid, query, resp))
                raw = resp.content
                body = json.loads(raw)
                if not isinstance(body, dict):
                    raise ValueError("the body is not a JSON object")
                self._pace(nsid, resp.headers)
                return _page(method, body, raw, resp.url,
                             pd.Timestamp(self.clock(), unit="s", tz="UTC"))
            except (requests.Timeout, requests.ConnectionError,
                    requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError) as exc:
                attempt = self._transient(nsid, attempt, type(exc).__name__)
            except (ValueError, RecursionError) as exc:  # a truncated or garbled body
                attempt = self._transient(nsid, attempt, f"unreadable body ({exc})")

    def _rate_wait(self, nsid: str, headers: Mapping, n: int) -> None:
        """Wait out a 429: until ``ratelimit-reset`` (Unix seconds), else ``Retry-After``
        seconds, else the backoff."""
        reset, after = headers.get("ratelimit-reset"), headers.get("retry-after")
        if reset is not None and reset.isdigit():
            wait = min(max(int(reset) - self.clock(), 0) + 1, self.retry.max_rate_wait)
        elif after is not None and after.isdigit():
            wait = min(float(after), self.retry.max_rate_wait)
        else:
            wait = self.retry.backoff(min(n, 10), self._rng)
        log.warning("rate limited on %s: waiting %.0f s (ratelimit-reset)", nsid, wait)
        self.rate_waits += 1
        self.rate_wait_seconds += wait
        self._wait(wait)

    def _pace(self, nsid: str, headers: Mapping) -> None:
        """When an answer says no request is left in the window, wait for its reset before
        the next one rather than collect a 429."""
        remaining, reset = headers.get("ratelimit-remaining"), headers.get("ratelimit-reset")
        if remaining == "0" and reset is not None and reset.isdigit():
            wait = min(max(int(reset) - self.clock(), 0) + 1, self.retry.max_rate_wait)
            log.info("%s: the rate-limit window is used up; waiting %.0f s for its reset",
                     nsid, wait)
            self.rate_waits += 1
            self.rate_wait_seconds += wait
            self._wait(wait)

    # ---------------------------------------------------------------- endpoints
    def resolve(self, handle: str) -> str:
        """The DID of a handle (a DID is returned as it is)."""
        key = str(handle).strip().removeprefix("@")
        if _DID.fullmatch(key):
            return key
        did = self.call("resolveHandle", handle=key, what="handles").body.get("did")
        if not isinstance(did, str) or not _DID.fullmatch(did):
            raise BlueskyError(f"resolveHandle {key!r}: the AppView answered no DID ({did!r})")
        return did

    def user(self, handle: str) -> dict:
        """An account's profile (``getProfiles`` of one actor) as the pulls use it: ``id`` (the
        DID), ``username`` (the handle), ``name``, ``network`` and X-style ``public_metrics``
        (``followers_count``, ``following_count``, ``tweet_count``) for plans and guards."""
        did = self.resolve(handle)
        profiles = self.call("getProfiles", **{"actors": [did]}, what="profiles"
                             ).body.get("profiles") or []
        if not profiles:
            raise BlueskyError(f"no Bluesky profile for {handle!r} ({did}): the account is "
                               "taken down, deactivated or unknown to this AppView")
        p = profiles[0]
        return {"id": p["did"], "username": p.get("handle") or p["did"],
                "name": p.get("displayName") or None, "network": NETWORK,
                "public_metrics": {"followers_count": p.get("followersCount"),
                                   "following_count": p.get("followsCount"),
                                   "tweet_count": p.get("postsCount")}}

    def lookup_users(self, dids: Iterable[str]) -> pd.DataFrame:
        """Full profiles (``getProfiles``, 25 a call) as the canonical users frame, one row per
        DID; DIDs the AppView leaves out (taken down, deactivated) have no row."""
        dids = list(dict.fromkeys(str(d) for d in dids))
        bodies = [self.call("getProfiles", actors=dids[i:i + PROFILES_PER_CALL],
                            what="profiles").body
                  for i in range(0, len(dids), PROFILES_PER_CALL)]
        return users_frame([p for b in bodies for p in b.get("profiles") or []],
                           observed_at=pd.Timestamp(self.clock(), unit="s", tz="UTC"))


def _xrpc_error(nsid: str, query: Mapping, resp) -> str:
    try:
        body = resp.json()
        detail = f"{body.get('error', '')}: {body.get('message', '')}".strip(": ")
    except ValueError:
        detail = resp.text[:200]
    who = query.get("actor") or query.get("handle") or ""
    hint = " (is the handle or DID right?)" if "not found" in detail.lower() or \
        "unable to resolve" in detail.lower() else ""
    return f"{nsid}{f' for {who}' if who else ''}: the AppView answered " \
           f"{resp.status_code} {detail}{hint}"


def _page(method: str, body: dict, raw: bytes, url: str, at: pd.Timestamp) -> Page:
    """A Page whose ``meta`` carries the list's size and cursor, appended to the raw bytes as
    well, so the checkpoint machinery built for X pages reads AppView pages unchanged."""
    items = body.get(_LIST_KEY.get(method, ""))
    cursor = body.get("cursor")
    meta = {"result_count": len(items) if isinstance(items, list) else 0}
    if isinstance(cursor, str) and cursor:
        meta["next_token"] = cursor
    body["meta"] = meta
    head = raw.rstrip()
    if head.endswith(b"}"):
        inner = head[:-1].rstrip()
        sep = b"" if inner.endswith(b"{") else b","
        raw = inner + sep + b'"meta":' + json.dumps(meta).encode() + b"}"
    return Page(body, raw, url, at)


# ------------------------------------------------------------------------------------- parsing
def _labels(values) -> list[str]:
    """Label values in effect: negations (``neg: true``) retract, so they and the labels they
    retract are dropped; expired labels too would be, but the AppView does not send them."""
    out, retracted = [], set()
    for lab in values or []:
        if not isinstance(lab, Mapping) or not isinstance(lab.get("val"), str):
            continue
        (retracted.add if lab.get("neg") else out.append)(lab["val"])
    return list(dict.fromkeys(v for v in out if v not in retracted))


def users_frame(profiles: Iterable[Mapping], *, observed_at) -> pd.DataFrame:
    """Bluesky profiles (``profileView``, ``profileViewBasic`` or ``profileViewDetailed``) as the
    canonical users frame, one row per DID (the first copy: getProfiles repeats duplicates).

    The list views carry no counts (they stay missing); 2023 responses carry no ``createdAt``.
    ``listed_count``, ``like_count``, ``location`` and ``verified_type`` do not exist on Bluesky;
    ``protected`` is False (every Bluesky post is public).

    Returns
    -------
    DataFrame
        The canonical users columns (:data:`follower_kit.schema.USERS`): ``id`` = DID,
        ``username`` = handle, ``name`` = displayName, ``description``, ``url`` = website,
        ``created_at``, ``followers_count``, ``following_count`` (followsCount), ``tweet_count``
        (postsCount), ``verified`` (Bluesky verification, when stated), ``protected``,
        ``profile_image_url`` (avatar), ``pinned_tweet_id`` (pinned post URI),
        ``default_profile_image`` (no avatar), ``labels``, ``observed_at``.
    """
    cols: dict[str, list] = {k: [] for k in (
        "id", "username", "name", "description", "url", "created_at", "followers_count",
        "following_count", "tweet_count", "verified", "profile_image_url", "pinned_tweet_id",
        "labels")}
    seen = set()
    for p in profiles:
        did = p.get("did") if isinstance(p, Mapping) else None
        if not isinstance(did, str) or did in seen:
            continue
        seen.add(did)
        cols["id"].append(did)
        handle = p.get("handle")
        cols["username"].append(handle if isinstance(handle, str) and handle else did)
        cols["name"].append(p.get("displayName") or None)
        cols["description"].append(p.get("description") or None)
        cols["url"].append(p.get("website") or None)
        cols["created_at"].append(p.get("createdAt"))
        cols["followers_count"].append(p.get("followersCount"))
        cols["following_count"].append(p.get("followsCount"))
        cols["tweet_count"].append(p.get("postsCount"))
        ver = p.get("verification")
        cols["verified"].append(None if not isinstance(ver, Mapping)
                                else ver.get("verifiedStatus") == "valid")
        cols["profile_image_url"].append(p.get("avatar") or None)
        pinned = p.get("pinnedPost")
        cols["pinned_tweet_id"].append(pinned.get("uri") if isinstance(pinned, Mapping)
                                       else None)
        cols["labels"].append(_labels(p.get("labels")))
    df = pd.DataFrame(cols)
    df["created_at"] = pd.to_datetime(df["created_at"], utc=True, format="ISO8601",
                                      errors="coerce")
    for c in ("followers_count", "following_count", "tweet_count"):
        df[c] = pd.array(df[c].astype(object).where(df[c].notna(), None), dtype="Int64")
    df["protected"] = False
    df["default_profile_image"] = df["profile_image_url"].isna()
    df["observed_at"] = pd.Timestamp(observed_at)
    return schema.coerce(df, "users")


_PROFILE = pa.struct([
    ("did", pa.string()), ("handle", pa.string()), ("displayName", pa.string()),
    ("description", pa.string()), ("website", pa.string()), ("avatar", pa.string()),
    ("createdAt", pa.string()), ("followersCount", pa.int64()), ("followsCount", pa.int64()),
    ("postsCount", pa.int64()),
    ("labels", pa.list_(pa.struct([("val", pa.string()), ("neg", pa.bool_())]))),
    ("pinnedPost", pa.struct([("uri", pa.string())])),
    ("verification", pa.struct([("verifiedStatus", pa.string())]))])


def read_profiles(files: Iterable[Path], key: str, *, observed_at) -> pd.DataFrame:
    """The profiles under ``key`` in checkpointed pages as the canonical users frame, like
    :func:`users_frame` of :func:`read_pages` but parsed by Arrow's JSON reader (a million
    profiles in seconds rather than a minute of Python dicts). Pages Arrow cannot read go
    through :func:`users_frame`.

    Returns
    -------
    DataFrame
        The columns of :func:`users_frame`, one row per DID, first copy first.
    """
    files = list(files)
    options = pj.ParseOptions(explicit_schema=pa.schema([(key, pa.list_(_PROFILE))]),
                              unexpected_field_behavior="ignore")
    try:
        lists = [pj.read_json(path, parse_options=options,
                              read_options=pj.ReadOptions(block_size=16 << 20)).column(key)
                 for path in files]
    except (pa.ArrowInvalid, OSError) as exc:
        log.info("Arrow could not read the pages (%s); parsing them one by one", exc)
        return users_frame(read_pages(files, key), observed_at=observed_at)
    flat = [c.flatten() for col in lists for c in col.chunks]
    p = pa.concat_arrays(flat) if flat else pa.array([], _PROFILE)
    if not len(p):
        return users_frame([], observed_at=observed_at)

    def field(name):
        return p.field(name)

    def text(name):  # "" is no value, as in users_frame
        v = field(name)
        return pc.if_else(pc.equal(v, ""), pa.nulls(len(v), pa.string()), v).to_pandas(
            types_mapper={pa.string(): schema.STR}.get)

    labels = field("labels")
    values = [[] for _ in range(len(p))]
    for i in np.flatnonzero(pc.fill_null(pc.list_value_length(labels), 0).to_numpy() > 0):
        values[i] = _labels(labels[int(i)].as_py())
    verified = pc.equal(field("verification").field("verifiedStatus"), "valid")
    did = text("did")
    df = pd.DataFrame({
        "id": did, "username": text("handle").fillna(did), "name": text("displayName"),
        "description": text("description"), "url": text("website"),
        "created_at": pd.to_datetime(field("createdAt").to_pandas(), utc=True,
                                     format="ISO8601", errors="coerce"),
        "followers_count": field("followersCount").to_pandas(types_mapper=pd.ArrowDtype),
        "following_count": field("followsCount").to_pandas(types_mapper=pd.ArrowDtype),
        "tweet_count": field("postsCount").to_pandas(types_mapper=pd.ArrowDtype),
        "verified": pc.if_else(pc.is_null(field("verification")), pa.nulls(len(p), pa.bool_()),
                               verified).to_pandas(types_mapper=pd.ArrowDtype),
        "profile_image_url": text("avatar"),
        "pinned_tweet_id": field("pinnedPost").field("uri").to_pandas(),
        "labels": pd.Series(values, dtype=schema.STR_LIST),
    })
    df = df[df["id"].notna()].drop_duplicates("id")
    df["protected"] = False
    df["default_profile_image"] = df["profile_image_url"].isna()
    df["observed_at"] = pd.Timestamp(observed_at)
    return schema.coerce(df, "users")


def _text_slice(text: str, start, end) -> str | None:
    """The text between two UTF-8 byte offsets (facet indices count bytes, not characters)."""
    try:
        return text.encode()[int(start):int(end)].decode()
    except (TypeError, ValueError, UnicodeDecodeError):
        return None


def _did_of(uri) -> str | None:
    if isinstance(uri, str) and uri.startswith("at://"):
        return uri[5:].split("/", 1)[0]
    return None


def posts_frame(feed: Iterable[Mapping]) -> pd.DataFrame:
    """``getAuthorFeed`` items (``feedViewPost``) as the canonical tweets frame.

    A repost (``reason`` ``reasonRepost``) becomes a ``retweet`` by the reposter, dated when it
    was reposted, with the reposted post's text; a post whose record replies is a ``reply``
    (``in_reply_to_user_id`` = the parent's author DID, ``conversation_id`` = the thread root's
    URI); one embedding a record is a ``quote``; links come from the text's link facets and an
    external embed, hashtags from tag facets, mentions (handles) from mention facets.

    Returns
    -------
    DataFrame
        The canonical tweets columns: ``id`` (the post's AT URI; a repost's own record URI),
        ``author_id`` (DID), ``created_at``, ``text``, ``lang`` (the first of ``langs``, else
        ``und``), ``conversation_id``, ``in_reply_to_user_id``, ``kind``, ``like_count``,
        ``retweet_count`` (repostCount), ``reply_count``, ``quote_count``, ``hashtags``,
        ``mentions``, ``urls``.
    """
    rows = []
    seen = set()
    for item in feed:
        post = item.get("post") if isinstance(item, Mapping) else None
        if not isinstance(post, Mapping) or not isinstance(post.get("uri"), str):
            continue
        record = post.get("record") if isinstance(post.get("record"), Mapping) else {}
        text = record.get("text") if isinstance(record.get("text"), str) else ""
        reason = item.get("reason") if isinstance(item.get("reason"), Mapping) else {}
        author = (post.get("author") or {}).get("did")
        reply = record.get("reply") if isinstance(record.get("reply"), Mapping) else None
        embed = record.get("embed") if isinstance(record.get("embed"), Mapping) else {}
        etype = str(embed.get("$type", ""))
        if str(reason.get("$type", "")).endswith("reasonRepost"):
            by = (reason.get("by") or {}).get("did")
            if not isinstance(by, str):
                continue
            rkey = post["uri"].rsplit("/", 1)[-1]
            pid = reason.get("uri") if isinstance(reason.get("uri"), str) else \
                f"at://{by}/app.bsky.feed.repost/{rkey}"  # older AppViews name no record
            kind, who, created = "retweet", by, reason.get("indexedAt")
        else:
            pid, who, created = post["uri"], author, record.get("createdAt") or \
                post.get("indexedAt")
            kind = "reply" if reply else ("quote" if etype.startswith("app.bsky.embed.record")
                                          else "original")
        if pid in seen or not isinstance(who, str):
            continue  # a pinned post repeats in the feed
        seen.add(pid)
        hashtags, mentions, urls = [], [], []
        for facet in record.get("facets") or []:
            if not isinstance(facet, Mapping):
                continue
            index = facet.get("index") or {}
            for feat in facet.get("features") or []:
                t = str((feat or {}).get("$type", ""))
                if t.endswith("#link") and isinstance(feat.get("uri"), str):
                    urls.append(feat["uri"])
                elif t.endswith("#tag") and isinstance(feat.get("tag"), str):
                    hashtags.append(feat["tag"])
                elif t.endswith("#mention"):
                    handle = _text_slice(text, index.get("byteStart"), index.get("byteEnd"))
                    if handle:
                        mentions.append(handle.strip().removeprefix("@"))
        external = embed.get("external") if etype == "app.bsky.embed.external" else None
        if isinstance(external, Mapping) and isinstance(external.get("uri"), str):
            urls.append(external["uri"])
        langs = record.get("langs") or []
        root = (reply or {}).get("root") or {}
        parent = (reply or {}).get("parent") or {}
        rows.append({
            "id": pid, "author_id": who, "created_at": created, "text": text,
            "lang": langs[0] if langs and isinstance(langs[0], str) else "und",
            "conversation_id": root.get("uri") if reply else post["uri"],
            "in_reply_to_user_id": _did_of(parent.get("uri")) if reply else None,
            "kind": kind, "like_count": post.get("likeCount"),
            "retweet_count": post.get("repostCount"), "reply_count": post.get("replyCount"),
            "quote_count": post.get("quoteCount"), "hashtags": list(dict.fromkeys(hashtags)),
            "mentions": list(dict.fromkeys(mentions)), "urls": list(dict.fromkeys(urls)),
        })
    if not rows:
        return schema.empty("tweets")
    df = pd.DataFrame(rows)
    df["created_at"] = pd.to_datetime(df["created_at"], utc=True, format="ISO8601",
                                      errors="coerce")
    df = df[df["created_at"].notna()]
    for c in ("like_count", "retweet_count", "reply_count", "quote_count"):
        df[c] = pd.array(df[c].astype(object).where(df[c].notna(), None), dtype="Int64")
    return schema.coerce(df, "tweets")


def read_pages(files: Iterable[Path], key: str) -> list[dict]:
    """The ``key`` list items of checkpointed pages (one JSON page per line), in page order."""
    out: list[dict] = []
    for path in files:
        with open(path, "rb") as fh:
            for line in fh:
                if line.strip():
                    out.extend(json.loads(line).get(key) or [])
    return out


# ------------------------------------------------------------------------------------- pulls
def with_profiles(client: BlueskyClient, pull, views: pd.DataFrame) -> pd.DataFrame:
    """The followers' full profiles (``getProfiles``), checkpointed 1,000 at a time; a follower
    the AppView leaves out keeps its list view (no counts)."""
    dids = list(views["id"])
    per_file = PROFILES_PER_CALL * PROFILE_CALLS_PER_FILE
    done = {int(p.stem.rsplit("-", 1)[1]) for p in pull.page_files("profiles")}
    for n, at in enumerate(range(0, len(dids), per_file)):
        if n in done:
            continue
        chunk = dids[at:at + per_file]
        lines = [client.call("getProfiles", actors=chunk[i:i + PROFILES_PER_CALL],
                             what="profiles").twarc_line(chunk=n)
                 for i in range(0, len(chunk), PROFILES_PER_CALL)]
        pull.write_page(f"profiles-{n:06d}", b"\n".join(lines))
    detailed = read_profiles(pull.page_files("profiles"), "profiles",
                             observed_at=views["observed_at"].iloc[0] if len(views) else 0)
    rest = views[~views["id"].isin(detailed["id"])]
    return pd.concat([detailed, rest], ignore_index=True) if len(rest) else detailed


def feed_pages(client: BlueskyClient, did: str, per_follower: int) -> bytes:
    """One follower's newest posts (up to ``per_follower``) as the checkpoint lines of the
    pages it took; a repeated cursor, or pages that keep coming without posts, stop it."""
    lines: list[bytes] = []
    token, used, got = None, set(), 0
    max_pages = 2 * math.ceil(per_follower / PAGE_SIZE) + 5
    while got < per_follower:
        if len(lines) >= max_pages:
            raise RunawayPull(f"stopped the feed of {did} after {len(lines)} pages for "
                              f"{per_follower} posts: the AppView keeps paging without posts",
                              pages=len(lines), rows=got)
        page = client.call("getAuthorFeed", did, pagination_token=token,
                           max_results=min(PAGE_SIZE, per_follower - got), what="feeds")
        used.add(token)
        if page.next_token is not None and page.next_token in used:
            raise RunawayPull(f"stopped the feed of {did}: the AppView answered cursor "
                              f"{page.next_token!r} again, so paging would never end",
                              pages=len(lines) + 1, rows=got)
        lines.append(page.twarc_line(author=did))
        got += page.body["meta"]["result_count"]
        token = page.next_token
        if token is None:
            break
    return b"\n".join(lines)


# ------------------------------------------------------------------------------------- plans
def load_plan_table(path=None) -> dict:
    """The Bluesky plan table (assumed rate limit, $0 prices), updated from a JSON or TOML file
    as X's is (:func:`follower_kit.sources.x_api.load_plan_table`)."""
    table = x_api.load_plan_table(path) if path is not None else {}
    base = json.loads(json.dumps(DEFAULT_PLAN_TABLE))
    for key in base:
        if key in table and isinstance(base[key], dict) and isinstance(table[key], dict):
            base[key].update({k: v for k, v in table[key].items() if k in base[key]})
        elif key in table and key != "rate_limits" and not isinstance(base[key], dict):
            base[key] = table[key]
    return base


def plan_followers(followers_count: int, following_count: int = 0, *, username: str = "",
                   profiles: bool = True, table: Mapping | None = None,
                   done_pages: int = 0) -> Plan:
    """Requests and time of a Bluesky follower pull at the assumed rate limit; cost $0."""
    t = table or DEFAULT_PLAN_TABLE
    f_pages = max(1, math.ceil(followers_count / PAGE_SIZE)) - done_pages
    g_pages = math.ceil(following_count / PAGE_SIZE) if following_count else 0
    p_calls = math.ceil(followers_count / PROFILES_PER_CALL) if profiles else 0
    reqs = {"handle and profile lookups": 2, "followers pages": f_pages,
            "follows pages": g_pages, "profile lookups": p_calls}
    limit = t["rate_limits"]["appview"]
    notes = ["Bluesky's AppView is free; its rate limits are unpublished: the time assumes "
             f"{limit['requests']:,} requests per {x_api.duration(limit['window_seconds'])} "
             "(the documented PDS limit) and excludes the requests' own latency"]
    if done_pages:
        notes.append(f"{plural(done_pages, 'page')} already checkpointed: the pull resumes "
                     "after them")
    return Plan(f"pull followers of {username} (Bluesky): {followers_count:,} followers, "
                f"{following_count:,} follows", reqs, {"profiles": followers_count},
                x_api._limit_seconds(sum(reqs.values()), limit), 0.0, t.get("currency", "USD"),
                float(t.get("confirm_above_usd", 5.0)), notes)


def plan_posts(followers: int, per_follower: int, *, username: str = "",
               table: Mapping | None = None) -> Plan:
    """Requests and time of pulling ``per_follower`` posts of each follower (an upper bound)."""
    t = table or DEFAULT_PLAN_TABLE
    reqs = followers * math.ceil(per_follower / PAGE_SIZE)
    return Plan(f"pull posts of {username}'s {followers:,} followers (Bluesky), up to "
                f"{per_follower} each", {"feed pages": reqs},
                {"posts (at most)": followers * per_follower},
                x_api._limit_seconds(reqs, t["rate_limits"]["appview"]), 0.0,
                t.get("currency", "USD"), float(t.get("confirm_above_usd", 5.0)),
                ["Bluesky's AppView is free; the time assumes the rate limit above"])


__all__ = ["BlueskyClient", "BlueskyError", "DEFAULT_PLAN_TABLE", "NETWORK", "PUBLIC_APPVIEW",
           "feed_pages", "is_bluesky_handle", "load_plan_table", "plan_followers", "plan_posts",
           "posts_frame", "read_pages", "read_profiles", "users_frame", "with_profiles"]
