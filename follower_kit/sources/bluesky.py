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

import base64
import http.client
import json
import logging
import math
import os
import random
import re
import ssl
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from urllib.parse import unquote, urlencode, urlsplit

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

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
#: Threads looking profiles up at once, beside the thread paging the list. Against the local
#: fake AppView the CPU is the limit, and 1, 2, 4 or 8 threads pull 300k followers in the same
#: time within the noise of a shared 2-core machine (11-16 s); against the real AppView a
#: request mostly waits on the network, and 4 at once (about 40 a second at 100 ms each) keep
#: pace with the list (4 lookups a page) without flooding a public service.
LOOKUP_WORKERS = 4
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
class Response:
    """One HTTP answer as :class:`BlueskyClient` hands it to ``on_request``: ``status_code``,
    ``headers`` (case-insensitive ``get``), ``content`` (bytes), ``url``, :meth:`json`."""

    __slots__ = ("status_code", "headers", "content", "url")

    def __init__(self, status_code: int, headers, content: bytes, url: str):
        self.status_code, self.headers, self.content, self.url = status_code, headers, \
            content, url

    def json(self):
        return orjson.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


class BlueskyClient(x_api.XClient):
    """An AppView client over the standard library's ``http.client`` with X's retry schedule,
    rate-limit waits and counters; safe to share between threads (:class:`ProfileLookups` looks
    profiles up with several).

    It inherits from :class:`~follower_kit.sources.x_api.XClient` only its bookkeeping (the
    counters, :meth:`counts`, the transient-fault backoff and the injectable sleep and clock);
    it never builds a tweepy client and needs no token.

    Each thread keeps one keep-alive connection. ``http.client`` rather than ``requests``
    because a pull is tens of thousands of small GETs, and a ``requests.Session`` spends five
    times ``http.client``'s CPU on each (request preparation, URL re-encoding, settings merges;
    docs/bluesky.md has the measurement). Proxies from the environment (``https_proxy``,
    ``http_proxy``, ``no_proxy``) are honoured as ``requests`` would.

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
        request and response against the lexicons with it); ``response`` is a
        :class:`Response`.
    """

    def __init__(self, base_url: str | None = None, *, timeout: float = 30.0,
                 retry: RetryPolicy | None = None, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time, seed: int | None = None,
                 on_request: Callable | None = None):
        self.base_url = (base_url or PUBLIC_APPVIEW).rstrip("/")
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"the AppView URL must be http(s)://HOST[:PORT], got "
                             f"{self.base_url!r}")
        self.host = parts.netloc.rpartition("@")[2]
        self._target = (parts.scheme, parts.hostname, parts.port, parts.path.rstrip("/"))
        # the proxy settings of the environment, read once
        proxy = None if urllib.request.proxy_bypass(parts.hostname) else \
            urllib.request.getproxies().get(parts.scheme)
        self._proxy = urlsplit(proxy if "://" in proxy else f"http://{proxy}") if proxy \
            else None
        self._local = threading.local()
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.clock = clock
        self._rng = random.Random(seed)
        self.on_request = on_request
        self.requests = self.retries = self.rate_waits = 0
        self.rate_wait_seconds = self.slept = 0.0
        self._count_lock = threading.Lock()
        # held while a thread waits out a rate limit, so every thread waits with it
        self._gate = threading.RLock()

    def __repr__(self) -> str:
        return f"BlueskyClient({self.base_url!r})"

    # ---------------------------------------------------------------- HTTP
    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        scheme, host, port, _ = self._target
        proxy = self._proxy
        if scheme == "https":
            context = ssl.create_default_context(cafile=_ca_bundle())
            if proxy is not None:
                conn = http.client.HTTPSConnection(proxy.hostname, proxy.port or 80,
                                                   timeout=self.timeout, context=context)
                conn.set_tunnel(host, port, headers=_proxy_auth(proxy))
            else:
                conn = http.client.HTTPSConnection(host, port, timeout=self.timeout,
                                                   context=context)
        else:
            conn = http.client.HTTPConnection(*((proxy.hostname, proxy.port or 80)
                                                if proxy is not None else (host, port)),
                                              timeout=self.timeout)
        self._local.conn = conn
        return conn

    def _drop_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            conn.close()

    def _get(self, nsid: str, query: Mapping) -> Response:
        """One GET on this thread's keep-alive connection (reopened after a failure)."""
        rest = f"/xrpc/{nsid}" + (f"?{urlencode(query, doseq=True, safe=':')}" if query
                                   else "")
        url = self.base_url + rest
        headers = {"User-Agent": "follower-kit", "Accept": "application/json"}
        to_proxy = self._proxy is not None and self._target[0] == "http"  # an absolute URL
        if to_proxy:
            headers.update(_proxy_auth(self._proxy))
        conn = self._connection()
        try:
            conn.request("GET", url if to_proxy else self._target[3] + rest, headers=headers)
            resp = conn.getresponse()
            content = resp.read()
        except BaseException:
            self._drop_connection()  # a half-read answer would poison the next request
            raise
        if resp.will_close:
            self._drop_connection()
        return Response(resp.status, resp.headers, content, url)

    def _count(self, name: str, by: float = 1) -> None:
        with self._count_lock:  # several threads share the counters
            setattr(self, name, getattr(self, name) + by)

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
        attempt = rate_waits = 0
        while True:
            with self._gate:  # not while another thread waits out a rate limit
                pass
            self._count("requests")
            try:
                resp = self._get(nsid, query)
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
                body = orjson.loads(raw)  # twice as fast as json's on these pages
                if not isinstance(body, dict):
                    raise ValueError("the body is not a JSON object")
                self._pace(nsid, resp.headers)
                return _page(method, body, raw, resp.url,
                             pd.Timestamp(self.clock(), unit="s", tz="UTC"))
            except ssl.SSLCertVerificationError as exc:  # retrying cannot help: say what to do
                raise BlueskyError(
                    f"{self.host}: its TLS certificate could not be verified "
                    f"({exc.verify_message}); if a proxy or your company's CA signs it, set "
                    f"REQUESTS_CA_BUNDLE to that CA's PEM file") from None
            except (OSError, http.client.HTTPException) as exc:  # refused, reset, timed out, cut
                attempt = self._transient(nsid, attempt, _fault_name(exc))
            except (ValueError, RecursionError) as exc:  # a truncated or garbled body
                attempt = self._transient(nsid, attempt, f"unreadable body ({exc})")

    def _rate_wait(self, nsid: str, headers: Mapping, n: int) -> None:
        """Wait out a 429: until ``ratelimit-reset`` (Unix seconds), else ``Retry-After``
        seconds, else the backoff."""
        after = headers.get("retry-after")
        self._hold(nsid, headers, "rate limited on %s: waiting %.0f s (ratelimit-reset)",
                   fallback=min(float(after), self.retry.max_rate_wait)
                   if after is not None and after.isdigit()
                   else self.retry.backoff(min(n, 10), self._rng))

    def _pace(self, nsid: str, headers: Mapping) -> None:
        """When an answer says no request is left in the window, wait for its reset before
        the next one rather than collect a 429."""
        if headers.get("ratelimit-remaining") == "0":
            self._hold(nsid, headers, "%s: the rate-limit window is used up; waiting %.0f s "
                       "for its reset", fallback=None)

    def _hold(self, nsid: str, headers: Mapping, message: str, *, fallback) -> None:
        """Wait until a second after ``ratelimit-reset`` (else ``fallback`` seconds), holding
        the gate every request passes first: the rate limit is the client's (the AppView's is
        per IP), so the other threads wait too rather than each collect its own 429."""
        with self._gate:
            reset = headers.get("ratelimit-reset")
            if reset is not None and reset.isdigit():
                wait = min(max(int(reset) - self.clock(), 0) + 1, self.retry.max_rate_wait)
            elif fallback is not None:
                wait = fallback
            else:
                return
            log.log(logging.WARNING if fallback is not None else logging.INFO, message, nsid,
                    wait)
            self._count("rate_waits")
            self._count("rate_wait_seconds", wait)
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


def _ca_bundle() -> str | None:
    """The CA bundle ``requests`` would trust: ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` from
    the environment (a company's own CA), else certifi's when installed, else the system's
    (``None``: OpenSSL's defaults, which honour ``SSL_CERT_FILE``)."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        if os.environ.get(name):
            return os.environ[name]
    try:
        import certifi
    except ImportError:
        return None
    return certifi.where()


def _proxy_auth(proxy) -> dict:
    if proxy.username is None:
        return {}
    token = base64.b64encode(f"{unquote(proxy.username)}:{unquote(proxy.password or '')}"
                             .encode()).decode()
    return {"Proxy-Authorization": f"Basic {token}"}


def _fault_name(exc: BaseException) -> str:
    """A transport failure as a retry log names it: ``TimeoutError``, ``IncompleteRead``..."""
    return "timeout" if isinstance(exc, TimeoutError) else type(exc).__name__


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


def _times(values) -> pd.Series:
    """ISO 8601 datetimes (``createdAt``, ``indexedAt``) as UTC times to the microsecond, NaT
    for what is not one.

    Digits of a fraction past the sixth are dropped first: one nanosecond time (Go clients
    write them) would make pandas parse every value to nanoseconds, whose range (1677-2262)
    turns another record's year-0001 or far-future ``createdAt`` into NaT."""
    text = pd.Series(values).astype(schema.STR).str.replace(r"(\.\d{6})\d+", r"\1",
                                                              regex=True)
    return pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce").astype(schema.TIME)


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
    df["created_at"] = _times(df["created_at"])
    for c in ("followers_count", "following_count", "tweet_count"):
        df[c] = pd.array(df[c].astype(object).where(df[c].notna(), None), dtype="Int64")
    df["protected"] = False
    df["default_profile_image"] = df["profile_image_url"].isna()
    # a Series, not the scalar: a scalar given to a frame without rows loses its time zone
    df["observed_at"] = pd.Series(pd.Timestamp(observed_at), index=df.index)
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

    # labels in force as an Arrow list column, from Python lists only for the labelled rows
    # (a Python list per row cost 0.8 s a million, most of it the garbage collector's)
    labels = field("labels")
    sizes = np.zeros(len(p), dtype=np.int32)
    values: list[str] = []
    for i in np.flatnonzero(pc.fill_null(pc.list_value_length(labels), 0).to_numpy() > 0):
        kept = _labels(labels[int(i)].as_py())
        sizes[i] = len(kept)
        values.extend(kept)
    offsets = np.zeros(len(p) + 1, dtype=np.int32)
    np.cumsum(sizes, out=offsets[1:])
    in_force = pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, pa.string()))
    verified = pc.equal(field("verification").field("verifiedStatus"), "valid")
    did = text("did")
    df = pd.DataFrame({
        "id": did, "username": text("handle").fillna(did), "name": text("displayName"),
        "description": text("description"), "url": text("website"),
        "created_at": _times(field("createdAt").to_pandas()),
        "followers_count": field("followersCount").to_pandas(types_mapper=pd.ArrowDtype),
        "following_count": field("followsCount").to_pandas(types_mapper=pd.ArrowDtype),
        "tweet_count": field("postsCount").to_pandas(types_mapper=pd.ArrowDtype),
        "verified": pc.if_else(pc.is_null(field("verification")), pa.nulls(len(p), pa.bool_()),
                               verified).to_pandas(types_mapper=pd.ArrowDtype),
        "profile_image_url": text("avatar"),
        "pinned_tweet_id": field("pinnedPost").field("uri").to_pandas(),
        "labels": pd.Series(pd.arrays.ArrowExtensionArray(in_force)),
    })
    df = df[df["id"].notna()].drop_duplicates("id")
    df["protected"] = False
    df["default_profile_image"] = df["profile_image_url"].isna()
    # a Series, not the scalar: a scalar given to a frame without rows loses its time zone
    df["observed_at"] = pd.Series(pd.Timestamp(observed_at), index=df.index)
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
            "_indexed": post.get("indexedAt"),
        })
    if not rows:
        return schema.empty("tweets")
    df = pd.DataFrame(rows)
    # the client sets createdAt, so it can be anything; the AppView's indexedAt stands in
    df["created_at"] = _times(df["created_at"]).fillna(_times(df.pop("_indexed")))
    undated = df["created_at"].isna()
    if undated.any():
        log.warning("%d of %d posts have neither a readable createdAt nor an indexedAt; left "
                    "out (first: %s)", int(undated.sum()), len(df), df.loc[undated, "id"].iloc[0])
    df = df[~undated]
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
class ProfileLookups:
    """The followers' full profiles (``getProfiles``, 25 a request), looked up on worker
    threads while the follower list is still being paged.

    Each followers checkpoint file (10 list pages, 1,000 followers at 100 a page) is handed to
    a worker as it is written (:meth:`add_file`; on a resume, the files already there). The
    worker looks its followers up (40 requests) and checkpoints their profiles as one file
    named like it (``followers-000011.jsonl`` -> ``profiles-000011.jsonl``) once every lookup
    is answered: a profile file is whole or absent, belongs to a followers file that exists,
    and a resumed pull looks up only the followers files without one. The first failure is
    raised by the next :meth:`add_file` or by :meth:`finish`; :meth:`close` (always, as in a
    ``with`` block) stops every worker after its current request.

    Parameters
    ----------
    client : BlueskyClient
    pull : PullDir
        The pull's checkpoint directory (:class:`follower_kit.ingest.PullDir`).
    workers : int
        Threads looking up at once (:data:`LOOKUP_WORKERS`).
    """

    def __init__(self, client: BlueskyClient, pull, *, workers: int = LOOKUP_WORKERS):
        self.client, self.pull = client, pull
        self.done = {p.stem.rsplit("-", 1)[1] for p in pull.page_files("profiles")}
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max(1, workers), thread_name_prefix="getProfiles")
        self._pending: list = []

    def __enter__(self) -> ProfileLookups:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def resume(self) -> None:
        """Hand out the followers files checkpointed before, that have no profile file."""
        for path in self.pull.page_files("followers"):
            if path.stem.rsplit("-", 1)[1] not in self.done:
                self.add_file(path, dids_in([path], "followers"))

    def add_pages(self, path: Path, pages: Iterable[Page]) -> None:
        """A followers checkpoint file just written, and the pages it holds."""
        self.add_file(path, [f["did"] for page in pages for f in page.body.get("followers") or []
                             if isinstance(f, Mapping) and isinstance(f.get("did"), str)])

    def add_file(self, path: Path, dids: list[str]) -> None:
        """Look up the followers (DIDs) of the followers checkpoint file ``path``."""
        number = Path(path).stem.rsplit("-", 1)[1]
        if number not in self.done:
            self.done.add(number)
            self._pending.append(self._pool.submit(self._lookup, number, dids))
        for future in [f for f in self._pending if f.done()]:
            self._pending.remove(future)
            future.result()  # a worker's failure stops the pull here

    def _lookup(self, number: str, dids: list[str]) -> None:
        lines = []
        for i in range(0, len(dids), PROFILES_PER_CALL):
            if self._stop.is_set():
                return
            lines.append(self.client.call("getProfiles", actors=dids[i:i + PROFILES_PER_CALL],
                                          what="profiles").twarc_line(file=number))
        self.pull.write_page(f"profiles-{number}", b"\n".join(lines))

    def finish(self, views: pd.DataFrame) -> pd.DataFrame:
        """Wait for every lookup; the users frame of the followers in ``views`` (their list
        views, :func:`read_profiles`), each with its detailed profile where the AppView gave
        one, else its list view (no counts).

        Returns
        -------
        DataFrame
            The columns of :func:`users_frame`, one row per follower of ``views``: the
            detailed profiles first (in list order), then the list views of those left out.
        """
        for future in as_completed(self._pending):
            future.result()
        self._pending.clear()
        detailed = read_profiles(self.pull.page_files("profiles"), "profiles",
                                 observed_at=views["observed_at"].iloc[0] if len(views)
                                 else pd.Timestamp(0, tz="UTC"))
        ids = pa.array(views["id"], pa.string())
        # Arrow's hash sets: pandas' isin on Arrow strings boxes every value (8 s a million)
        detailed = detailed[pc.is_in(pa.array(detailed["id"], pa.string()), value_set=ids)
                            .to_numpy(zero_copy_only=False)]
        rest = views[~pc.is_in(ids, value_set=pa.array(detailed["id"], pa.string()))
                     .to_numpy(zero_copy_only=False)]
        return pd.concat([detailed, rest], ignore_index=True) if len(rest) else \
            detailed.reset_index(drop=True)

    def close(self) -> None:
        """Stop the workers after their current request and wait for them."""
        self._stop.set()
        self._pool.shutdown(wait=True, cancel_futures=True)


def still_shown(client: BlueskyClient, dids: Iterable[str]) -> set[str]:
    """The DIDs of ``dids`` whose profile the AppView still shows (``getProfiles``, 25 a
    request, one after another): an account deleted, deactivated or taken down is left out of
    the answer (NOTES.md section 3), so the DIDs not returned are gone.

    Parameters
    ----------
    client : BlueskyClient
    dids : iterable of str
        Accounts to check (each asked once).

    Returns
    -------
    set of str
    """
    ask = list(dict.fromkeys(dids))
    shown: set[str] = set()
    for i in range(0, len(ask), PROFILES_PER_CALL):
        page = client.call("getProfiles", actors=ask[i:i + PROFILES_PER_CALL],
                           what="departures")
        shown.update(p["did"] for p in page.body.get("profiles") or []
                     if isinstance(p, Mapping) and isinstance(p.get("did"), str))
    return shown & set(ask)


def dids_in(files: Iterable[Path], key: str) -> list[str]:
    """The ``did`` of every item under ``key`` in checkpointed pages, in page order."""
    files = list(files)
    options = pj.ParseOptions(explicit_schema=pa.schema(
        [(key, pa.list_(pa.struct([("did", pa.string())])))]), unexpected_field_behavior="ignore")
    try:
        return [d for path in files for d in pc.struct_field(pc.list_flatten(
            pj.read_json(path, parse_options=options).column(key)), "did").to_pylist()
            if d is not None]
    except (pa.ArrowInvalid, OSError):
        return [f["did"] for f in read_pages(files, key) if isinstance(f.get("did"), str)]


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
                   following: bool | None = None,
                   profiles: bool = True, table: Mapping | None = None,
                   done_pages: int = 0, done_rows: int | None = None,
                   done_following_pages: int = 0, done_following_rows: int | None = None,
                   finished: Iterable[str] = (), lookups_left: Mapping | None = None,
                   page_size: int = PAGE_SIZE) -> Plan:
    """Requests and time of a Bluesky follower pull at the assumed rate limit; cost $0.

    The ``done_*`` and ``finished`` arguments are :func:`follower_kit.sources.x_api.
    plan_followers`' (what an interrupted run holds of each list); ``lookups_left`` the
    ``followers`` it holds whose profiles are still to look up and the ``requests`` that takes
    (:func:`follower_kit.ingest.checkpoint_state`): the followers not yet listed are looked up
    25 a request."""
    t = table or DEFAULT_PLAN_TABLE
    following = following_count > 0 if following is None else following
    finished = set(finished)
    f_pages, unlisted = x_api.list_left(followers_count, page_size, done_pages, done_rows,
                                        "followers" in finished)
    g_pages = x_api.list_left(following_count, page_size, done_following_pages,
                              done_following_rows, "following" in finished)[0] \
        if following else 0
    pending = lookups_left or {}
    p_calls = int(pending.get("requests", 0)) + math.ceil(unlisted / PROFILES_PER_CALL) \
        if profiles else 0
    reqs = {"handle and profile lookups": 2, "followers pages": f_pages,
            "follows pages": g_pages, "profile lookups": p_calls}
    limit = t["rate_limits"]["appview"]
    notes = ["the AppView's rate limits are unpublished: the time assumes "
             f"{limit['requests']:,} requests per {x_api.duration(limit['window_seconds'])} "
             "(the documented PDS limit) and excludes the requests' own latency"]
    kept = done_pages + done_following_pages
    if kept:
        notes.append(f"{plural(kept, 'page')} already checkpointed: the pull resumes "
                     "after them")
    return Plan(f"pull followers of {username} (Bluesky): {followers_count:,} followers, "
                f"{following_count:,} follows", reqs,
                {"profiles": unlisted + (int(pending.get("followers", 0)) if profiles else 0)},
                x_api._limit_seconds(sum(reqs.values()), limit), 0.0, t.get("currency", "USD"),
                float(t.get("confirm_above_usd", 5.0)), notes, free=True)


def plan_posts(followers: int, per_follower: int, *, username: str = "",
               table: Mapping | None = None, done_followers: int = 0) -> Plan:
    """Requests and time of pulling ``per_follower`` posts of each follower (an upper bound);
    the ``done_followers`` feeds an interrupted run holds are not asked for again."""
    t = table or DEFAULT_PLAN_TABLE
    left = max(0, followers - done_followers)
    reqs = left * math.ceil(per_follower / PAGE_SIZE)
    limit = t["rate_limits"]["appview"]
    notes = [f"the time assumes {limit['requests']:,} requests per "
             f"{x_api.duration(limit['window_seconds'])} (the AppView's limits are unpublished)"]
    if done_followers:
        notes.append(f"{plural(done_followers, 'feed')} already checkpointed: the pull "
                     f"resumes after {'it' if done_followers == 1 else 'them'}")
    return Plan(f"pull posts of {username}'s {followers:,} followers (Bluesky), up to "
                f"{per_follower} each", {"feed pages": reqs},
                {"posts (at most)": left * per_follower},
                x_api._limit_seconds(reqs, t["rate_limits"]["appview"]), 0.0,
                t.get("currency", "USD"), float(t.get("confirm_above_usd", 5.0)), notes,
                free=True)


__all__ = ["BlueskyClient", "BlueskyError", "DEFAULT_PLAN_TABLE", "NETWORK", "PUBLIC_APPVIEW",
           "feed_pages", "is_bluesky_handle", "load_plan_table", "plan_followers", "plan_posts",
           "posts_frame", "read_pages", "read_profiles", "users_frame", "ProfileLookups", "dids_in",
           "still_shown"]
