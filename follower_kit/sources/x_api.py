"""Pull followers, following lists, profiles and recent tweets from the X API v2 with tweepy.

This is the only module that imports tweepy. tweepy.Client does the HTTP (its parameter handling,
its status -> exception mapping); around it this module adds what a long pull needs:

* **Retries** (:class:`RetryPolicy`): 429 waits until ``x-rate-limit-reset``; 5xx, timeouts,
  dropped connections and truncated bodies back off exponentially with jitter, bounded. The sleep
  function and the clock are injectable, so tests run the schedule without waiting. (tweepy's own
  ``wait_on_rate_limit`` is off: it calls ``time.sleep`` directly, retries without bound and
  leaves 5xx and network faults to the caller.)
* **Plain advice** for 401/402/403 (:class:`AccessError`): what the access level allows and what
  to do instead (import the archive).
* **Runaway guards** (:class:`Bounds`): a repeated ``next_token``, more rows than the account's
  ``followers_count`` allows or more pages than the plan stop a pull (:class:`RunawayPull`).
* **Pages as twarc2 lines** (:meth:`Page.twarc_line`): what a pull checkpoints, so one reader
  (:mod:`~follower_kit.sources.twarc`) parses both. Checkpoints, resuming and the commit are
  :mod:`follower_kit.ingest`'s (``pull_followers``, ``pull_tweets``, ``pulls``): this module
  never touches the store.
* **Timeouts**: tweepy sets none; a transport adapter mounted on the client's session gives every
  request one, and can send tweepy's requests to another base URL (the local fake server) without
  patching tweepy.
* **Plans** (:func:`plan_followers`, :func:`plan_tweets`): requests, rate-limit time and cost of a
  pull before it runs, from a price/limit table the user can override.
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pandas as pd
import requests
import tweepy
from requests.adapters import HTTPAdapter

from .. import config
from ..errors import FollowerKitError, SourceError
from ..wording import plural
from . import twarc

log = logging.getLogger(__name__)

#: The user fields a follower pull asks for: everything the canonical users frame uses.
USER_FIELDS = ["created_at", "description", "entities", "location", "name", "pinned_tweet_id",
               "profile_image_url", "protected", "public_metrics", "url", "username", "verified",
               "verified_type"]
#: The tweet fields a timeline pull asks for.
TWEET_FIELDS = ["author_id", "conversation_id", "created_at", "entities", "in_reply_to_user_id",
                "lang", "public_metrics", "referenced_tweets"]
TWEEPY_HOSTS = ("https://api.twitter.com", "https://api.x.com")

#: Defaults of the plan table: X's pay-per-use prices (USD per resource returned, from
#: docs.x.com/x-api/getting-started/pricing, 2026) and the per-app rate limits of the endpoints a
#: pull uses (requests per window). Override with a JSON or TOML file (``--prices FILE``).
DEFAULT_PLAN_TABLE = {
    "currency": "USD",
    "price_per_resource": {"user_read": 0.010, "follows_read": 0.010, "post_read": 0.005},
    "rate_limits": {
        "followers": {"requests": 15, "window_seconds": 900},
        "following": {"requests": 15, "window_seconds": 900},
        "users_lookup": {"requests": 300, "window_seconds": 900},
        "user_tweets": {"requests": 1500, "window_seconds": 900},
    },
    "confirm_above_usd": 5.0,
}


class AccessError(FollowerKitError):
    """The token may not read this endpoint (401, 402, 403): the message says what to do."""

    def __init__(self, message: str, *, status: int):
        super().__init__(message)
        self.status = status


class PullError(FollowerKitError):
    """A request kept failing after every retry, or the API answered something unusable."""


class RunawayPull(PullError):
    """A pull stopped because it would not end: a ``next_token`` came back a second time, more
    followers came than the account has, or more pages than the plan allows. The checkpoint is
    kept; ``pages`` and ``rows`` say what the pull had read (and so cost) when it stopped."""

    def __init__(self, message: str, *, pages: int, rows: int):
        super().__init__(message)
        self.pages = pages
        self.rows = rows


@dataclass(frozen=True)
class Bounds:
    """When a paged pull stops as a runaway (:class:`RunawayPull`).

    A list of ``expected`` entries (the account's own ``followers_count``) may yield up to
    ``expected * (1 + count_margin) + count_slack`` rows, for follows that arrive mid-pull, in
    at most ``pages(expected) * page_factor + page_slack`` pages, the plan's estimate with room
    for pages that shift. A repeated ``next_token`` always stops it.
    """

    count_margin: float = 0.2
    count_slack: int = 100
    page_factor: float = 2.0
    page_slack: int = 5

    def max_rows(self, expected: int) -> int:
        return int(expected * (1 + self.count_margin)) + self.count_slack

    def max_pages(self, expected: int, page_size: int) -> int:
        return int(math.ceil(max(1, math.ceil(expected / page_size)) * self.page_factor)) + \
            self.page_slack


# ------------------------------------------------------------------------------------- transport
class _TransportAdapter(HTTPAdapter):
    """Gives every request a timeout (tweepy passes none) and optionally rewrites tweepy's
    hard-coded host to ``base_url`` (the local fake server) below tweepy."""

    def __init__(self, *, timeout: float, base_url: str | None = None):
        super().__init__(pool_connections=4, pool_maxsize=4)
        self.timeout = timeout
        self.base = urlsplit(base_url) if base_url else None

    def send(self, request, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        if self.base is not None:
            parts = urlsplit(request.url)
            request.url = urlunsplit((self.base.scheme, self.base.netloc,
                                      self.base.path.rstrip("/") + parts.path, parts.query, ""))
        return super().send(request, **kwargs)


# Kept rather than urllib3's Retry or tenacity. urllib3 retries inside the adapter with
# time.sleep (no injectable sleep or clock, so tests would wait for real), waits on a 429 only
# for Retry-After (X sends x-rate-limit-reset instead) and cannot retry a body that arrives
# truncated or unparseable, which is only known after tweepy returns. tenacity could
# inject both, but the schedule here has two budgets (transient faults, rate-limit waits), waits
# until each 429's x-rate-limit-reset and counts every retry and wait for the pull's record: as
# tenacity callbacks that is the same code, spread over three hooks.
@dataclass
class RetryPolicy:
    """How hard to try: ``attempts`` tries per request for transient faults, backoff
    ``base * 2**n`` capped at ``cap`` seconds with full jitter in [50%, 100%]; 429s wait for the
    reset (at most ``max_rate_wait`` s each, ``max_rate_waits`` times per request)."""

    attempts: int = 8
    base: float = 1.0
    cap: float = 60.0
    max_rate_wait: float = 960.0
    max_rate_waits: int = 100

    def backoff(self, attempt: int, rng: random.Random) -> float:
        return min(self.cap, self.base * 2 ** attempt) * (0.5 + 0.5 * rng.random())


@dataclass(frozen=True)
class RequestCounts:
    """A reading of an :class:`XClient`'s counters: requests sent, transient faults retried,
    rate-limit waits and the seconds they took. One client may serve several pulls (a batch):
    the difference of two readings is what happened in between."""

    requests: int = 0
    retries: int = 0
    rate_waits: int = 0
    rate_wait_seconds: float = 0.0

    def __sub__(self, other: RequestCounts) -> RequestCounts:
        return RequestCounts(self.requests - other.requests, self.retries - other.retries,
                             self.rate_waits - other.rate_waits,
                             self.rate_wait_seconds - other.rate_wait_seconds)

    def __add__(self, other: RequestCounts) -> RequestCounts:
        return RequestCounts(self.requests + other.requests, self.retries + other.retries,
                             self.rate_waits + other.rate_waits,
                             self.rate_wait_seconds + other.rate_wait_seconds)


_ADVICE = {
    401: "the X API refused the bearer token (401 Unauthorized). Check X_BEARER_TOKEN: it must be "
         "the app's Bearer Token from the developer console, not the API key or secret.",
    402: "the X API wants payment (402 Payment Required): the app's credit balance is empty or a "
         "spending limit was reached. Add credits in the developer console, or import your X "
         "archive instead (`follower-kit import archive PATH`), which costs nothing.",
    403: "this access level cannot read {what} (403 Forbidden). Apps on the Free tier, or not "
         "attached to a project, cannot read followers or timelines. Upgrade the app's access, or "
         "import your X archive instead (`follower-kit import archive PATH`): it lists every "
         "follower by id, and `--hydrate` fetches their profiles when a token can read users.",
}


@dataclass
class Page:
    """One response page: its parsed JSON, the raw bytes and where it came from."""

    body: dict
    raw: bytes
    url: str
    retrieved_at: pd.Timestamp

    @property
    def next_token(self) -> str | None:
        return (self.body.get("meta") or {}).get("next_token")

    def twarc_line(self, **extra) -> bytes:
        """The page as twarc2 writes it: the raw response with ``__twarc`` (url, retrieved_at)
        added, plus ``__fk`` facts (page number, token used) for resuming. One line."""
        at = self.retrieved_at  # to the millisecond (formatted, not floored: 3x faster)
        stamp = {"url": self.url, "retrieved_at": f"{at:%Y-%m-%dT%H:%M:%S}."
                                                  f"{at.microsecond // 1000 * 1000:06d}+00:00",
                 "version": "follower-kit"}
        head = b'{"__twarc":' + json.dumps(stamp).encode() + b',"__fk":' + \
            json.dumps(extra).encode()
        body = self.raw.strip()
        if body.startswith(b"{") and body[1:].lstrip() != b"}":
            line = head + b"," + body[1:]
        else:
            line = head + b"}"
        return line.replace(b"\n", b" ").replace(b"\r", b" ")


class XClient:
    """A tweepy.Client with timeouts, retries, rate-limit waits and plain errors.

    Parameters
    ----------
    bearer_token : str, optional
        Default: ``X_BEARER_TOKEN`` from the environment or ``.env`` (config.bearer_token).
    base_url : str, optional
        Send tweepy's requests to this base URL instead of the real API (the local fake server).
    timeout : float
        Seconds per request (connect and read).
    retry : RetryPolicy
    sleep, clock : callables
        ``time.sleep`` and ``time.time`` by default; tests inject fakes.
    seed : int, optional
        Seeds the backoff jitter.
    """

    def __init__(self, bearer_token: str | None = None, *, base_url: str | None = None,
                 timeout: float = 30.0, retry: RetryPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time, seed: int | None = None):
        token = bearer_token or config.bearer_token(required=True)
        # config registers tokens it reads itself; one passed in must be masked too
        config.remember_secret(token)
        config.guard_logging()  # tweepy logs the Authorization header at DEBUG
        self._client = tweepy.Client(bearer_token=token, return_type=requests.Response,
                                     wait_on_rate_limit=False)
        # host[:port] for messages; never user:password@ a URL might carry
        self.host = urlsplit(base_url or TWEEPY_HOSTS[0]).netloc.rpartition("@")[2] or base_url
        adapter = _TransportAdapter(timeout=timeout, base_url=base_url)
        for host in TWEEPY_HOSTS:
            self._client.session.mount(host, adapter)
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.clock = clock
        self._rng = random.Random(seed)
        self.requests = 0
        self.retries = 0
        self.rate_waits = 0
        self.rate_wait_seconds = 0.0
        self.slept = 0.0

    def __repr__(self) -> str:  # never show the token
        return "XClient(<token hidden>)"

    def counts(self) -> RequestCounts:
        """The counters so far (subtract an earlier reading for one pull's share)."""
        return RequestCounts(self.requests, self.retries, self.rate_waits,
                             self.rate_wait_seconds)

    # ---------------------------------------------------------------- one request
    def call(self, method: str, *args, what: str = "this endpoint", light: bool = False,
             **params) -> Page:
        """Call ``tweepy.Client.<method>`` with retries; return the page.

        With ``light``, only the page's closing ``meta`` object is decoded (``body`` is
        ``{"meta": ...}``): a list page of 1,000 profiles is checkpointed raw and parsed later,
        in bulk. A body that does not end with its ``meta`` object is decoded in full, so a
        truncated body is still caught and retried.

        Raises
        ------
        AccessError
            401, 402, 403: with advice.
        PullError
            Other 4xx, or a transient fault outlasting the retry policy.
        """
        fn = getattr(self._client, method)
        attempt = rate_waits = 0
        while True:
            self.requests += 1
            try:
                resp = fn(*args, **params)
                raw = resp.content
                body = _closing_meta(raw) if light else None
                if body is None:
                    body = json.loads(raw)
                if not isinstance(body, dict):
                    raise ValueError("the body is not a JSON object")
                return Page(body, raw, resp.url, pd.Timestamp(self.clock(), unit="s", tz="UTC"))
            except tweepy.TooManyRequests as exc:
                rate_waits += 1
                if rate_waits > self.retry.max_rate_waits:
                    raise PullError(f"{method}: still rate limited after {rate_waits - 1} waits"
                                    ) from None
                reset = exc.response.headers.get("x-rate-limit-reset")
                if reset is not None and reset.isdigit():
                    wait = min(max(int(reset) - self.clock(), 0) + 1, self.retry.max_rate_wait)
                else:
                    wait = self.retry.backoff(min(rate_waits, 10), self._rng)
                log.warning("rate limited on %s: waiting %.0f s (x-rate-limit-reset)", method,
                            wait)
                self.rate_waits += 1
                self.rate_wait_seconds += wait
                self._wait(wait)
            except (tweepy.Unauthorized, tweepy.Forbidden) as exc:
                status = exc.response.status_code
                raise AccessError(_ADVICE[status].format(what=what) + _detail(exc),
                                  status=status) from None
            except tweepy.TwitterServerError as exc:
                attempt = self._transient(method, attempt, f"{exc.response.status_code} server "
                                                           f"error")
            except tweepy.HTTPException as exc:
                status = exc.response.status_code
                if status == 402:
                    raise AccessError(_ADVICE[402] + _detail(exc), status=402) from None
                raise PullError(f"{method}: the X API answered {status}{_detail(exc)}") from None
            except (requests.Timeout, requests.ConnectionError,
                    requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError) as exc:
                attempt = self._transient(method, attempt, type(exc).__name__)
            except (ValueError, RecursionError) as exc:  # a truncated, garbled or too deep body
                attempt = self._transient(method, attempt, f"unreadable body ({exc})")

    def _transient(self, method: str, attempt: int, why: str) -> int:
        if attempt + 1 >= self.retry.attempts:
            raise PullError(f"{method}: gave up after {attempt + 1} attempts at {self.host}; "
                            f"last fault: {why}. The pull is checkpointed: run the same command "
                            f"again to resume (or check the API URL).")
        wait = self.retry.backoff(attempt, self._rng)
        # a warning, shown by default: silent retries against a wrong URL look like a hang
        log.warning("%s at %s failed (%s), attempt %d of %d; retrying in %.1f s", method,
                    self.host, why, attempt + 1, self.retry.attempts, wait)
        self._count("retries")
        self._wait(wait)
        return attempt + 1

    def _wait(self, seconds: float) -> None:
        self._count("slept", seconds)
        self.sleep(seconds)

    def _count(self, name: str, by: float = 1) -> None:
        """Add to a counter (the Bluesky client, shared by threads, does it under a lock)."""
        setattr(self, name, getattr(self, name) + by)

    # ---------------------------------------------------------------- endpoints
    def user(self, handle: str) -> dict:
        """Look an account up by handle (or numeric id): its v2 user object."""
        key = str(handle).strip().removeprefix("@")
        if key.isdigit():
            page = self.call("get_user", id=key, user_fields=USER_FIELDS, what="users")
        else:
            page = self.call("get_user", username=key, user_fields=USER_FIELDS, what="users")
        data = page.body.get("data")
        if not data:
            detail = "; ".join(e.get("detail", "") for e in page.body.get("errors", []))
            raise PullError(f"no X account {handle!r}: {detail or 'not found'}")
        return data

    def lookup_users(self, ids: Iterable[str], *, batch: int = 100) -> tuple[pd.DataFrame,
                                                                              pd.DataFrame]:
        """Profiles for ids, 100 per request (suspended and deleted ids come back as errors).

        Returns
        -------
        users : DataFrame
            The canonical users frame.
        errors : DataFrame
            ``resource_id``, ``resource_type``, ``parameter``, ``title``, ``detail``, ``type``.
        """
        ids = [str(i) for i in ids]
        lines = []
        for start in range(0, len(ids), batch):
            page = self.call("get_users", ids=ids[start:start + batch], user_fields=USER_FIELDS,
                             what="users")
            lines.append(page.twarc_line())
        pages = twarc.read_pages(b"\n".join(lines)) if lines else twarc.PAGE.empty_table()
        return twarc.users_frame(pages, includes=False), twarc.page_errors(pages)


_DECODER = json.JSONDecoder()


def _closing_meta(raw: bytes) -> dict | None:
    """``{"meta": {...}}`` when the body is an object whose last member is ``"meta"`` (as X
    writes list pages), else None. ``"meta":`` with its quotes unescaped can only be a key."""
    at = raw.rfind(b'"meta":')
    if at < 0:
        return None
    try:
        tail = raw[at + 7:].decode()
        meta, end = _DECODER.raw_decode(tail.lstrip())
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    rest = tail.lstrip()[end:].strip()
    if rest != "}" or not isinstance(meta, dict) or "result_count" not in meta \
            or not raw.lstrip().startswith(b"{"):
        return None
    return {"meta": meta}


def _detail(exc: tweepy.HTTPException) -> str:
    msgs = [m for m in (exc.api_messages or []) if m]
    return f" (X said: {config.redact('; '.join(msgs))})" if msgs else ""


# ------------------------------------------------------------------------------------- checkpoints


# ------------------------------------------------------------------------------------- pulls


def timeline_pages(client: XClient, follower_id: str, per_follower: int,
                   since_id: str | None) -> bytes:
    """One follower's newest tweets (up to ``per_follower``, after ``since_id``), as the twarc2
    lines of the pages it took."""
    lines = []
    token = None
    used: set[str | None] = set()
    got = 0
    # a page asks for at least 5 posts; twice the pages that takes, and some, is a runaway
    max_pages = 2 * math.ceil(per_follower / 5) + 5
    while got < per_follower:
        if len(lines) >= max_pages:
            raise RunawayPull(f"stopped the timeline of {follower_id} after {len(lines)} pages "
                              f"for {per_follower} posts: the API keeps paging without posts",
                              pages=len(lines), rows=got)
        want = min(100, max(5, per_follower - got))
        page = client.call("get_users_tweets", follower_id, max_results=want,
                           pagination_token=token, since_id=since_id,
                           tweet_fields=TWEET_FIELDS, what="timelines")
        used.add(token)
        if page.next_token is not None and page.next_token in used | {token}:
            raise RunawayPull(f"stopped the timeline of {follower_id}: the API answered "
                              f"next_token {page.next_token!r} again, so paging would never "
                              "end", pages=len(lines) + 1,
                              rows=got + len(page.body.get("data") or []))
        lines.append(page.twarc_line(author=follower_id))
        got += len(page.body.get("data") or [])
        token = page.next_token
        if token is None:
            break
    return b"\n".join(lines)


# ------------------------------------------------------------------------------------- plans
def load_plan_table(path: str | os.PathLike | None = None) -> dict:
    """The price and rate-limit table: the defaults, updated from a JSON or TOML file."""
    table = json.loads(json.dumps(DEFAULT_PLAN_TABLE))
    if path is None:
        return table
    p = Path(path)
    try:
        if p.suffix.lower() == ".toml":
            import tomllib

            user = tomllib.loads(p.read_text())
        else:
            user = json.loads(p.read_text())
    except (OSError, ValueError) as exc:
        raise SourceError(f"{p}: cannot read the price table: {exc}", path=p) from exc
    for key, value in user.items():
        if isinstance(value, dict) and isinstance(table.get(key), dict):
            for k, v in value.items():
                if isinstance(v, dict) and isinstance(table[key].get(k), dict):
                    table[key][k].update(v)
                else:
                    table[key][k] = v
        else:
            table[key] = value
    return table


@dataclass
class Plan:
    """What a pull will cost before it runs."""

    what: str
    requests: dict[str, int]
    resources: dict[str, int]
    seconds: float
    cost: float
    currency: str
    confirm_above: float
    notes: list[str] = field(default_factory=list)
    #: What an interrupted earlier run of the same pull already cost (``cost`` is what the rest
    #: adds), and what it had read, in words (``"2 pages, 20 follows read"``).
    spent: float = 0.0
    spent_on: str = ""
    #: The service charges nothing (Bluesky's AppView): the plan says so instead of a price.
    free: bool = False

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    @property
    def needs_confirmation(self) -> bool:
        return self.cost > self.confirm_above

    @classmethod
    def combine(cls, plans: list[Plan]) -> Plan:
        """Several pulls made one after another: requests, resources, waits and costs add up."""
        def add(key):
            out: dict[str, int] = {}
            for p in plans:
                for k, v in getattr(p, key).items():
                    out[k] = out.get(k, 0) + v
            return out
        spent = [p for p in plans if p.spent]
        return cls(f"all {len(plans)} pulls together", add("requests"), add("resources"),
                   sum(p.seconds for p in plans), sum(p.cost for p in plans),
                   plans[0].currency, plans[0].confirm_above,
                   spent=sum(p.spent for p in spent),
                   spent_on=plural(len(spent), "interrupted pull") if spent else "",
                   free=all(p.free for p in plans))

    def describe(self) -> str:
        def counts(items: dict[str, int]) -> str:  # "1 user", "2 users", "1 followers page"
            return ", ".join(f"{n:,} {k[:-1] if n == 1 and k.endswith('s') else k}"
                             for k, n in items.items())

        lines = [f"{self.what}",
                 f"  requests: {self.total_requests:,} ({counts(self.requests)})",
                 f"  time at the rate limits: {duration(self.seconds)}",
                 f"  cost: nothing, Bluesky's AppView is free ({counts(self.resources)})"
                 if self.free else
                 f"  cost at pay-per-use prices: {self.cost:,.2f} {self.currency} "
                 f"({counts(self.resources)})"]
        if self.spent:
            lines.append(f"  already spent: {self.spent:,.2f} {self.currency} on an interrupted "
                         f"run ({self.spent_on}); resuming costs the {self.cost:,.2f} "
                         f"{self.currency} above, {self.spent + self.cost:,.2f} in all")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def duration(seconds: float) -> str:
    """``"7 s"``, ``"15 min"``, ``"2.5 h"``: a wait or a plan's time, rounded for reading."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _limit_seconds(requests_: int, limit: Mapping) -> float:
    """Time to make ``requests_`` calls when ``limit.requests`` are allowed per window (the
    first window's worth goes out at once)."""
    per = int(limit["requests"])
    windows = math.ceil(requests_ / per) - 1 if requests_ else 0
    return max(windows, 0) * float(limit["window_seconds"])


def list_left(count: int, page_size: int, pages: int = 0, rows: int | None = None,
              finished: bool = False) -> tuple[int, int]:
    """(pages, rows) still to read of a list of ``count`` rows when ``pages`` pages holding
    ``rows`` (default: full pages) are checkpointed: none once its last page is in, else the
    rows not held at ``page_size`` a page, one page at least (an empty list answers one, a list
    begun is read on to its end). Counted from the rows held, not the pages: a resume reads at
    its own page size, whatever size the pages held were read at."""
    if finished:
        return 0, 0
    rows = pages * page_size if rows is None else rows
    left = max(0, count - rows)
    return max(1, math.ceil(left / page_size)), left


def plan_followers(followers_count: int, following_count: int = 0, *, username: str = "",
                   following: bool | None = None,
                   table: Mapping | None = None, page_size: int = 1000,
                   done_pages: int = 0, done_rows: int | None = None,
                   done_following_pages: int = 0, done_following_rows: int | None = None,
                   finished: Iterable[str] = (),
                   read_pages: int | None = None, read_rows: int | None = None) -> Plan:
    """Requests, time and cost of a follower pull.

    Parameters
    ----------
    followers_count, following_count : int
        The account's own counts (``public_metrics``).
    following : bool, optional
        Whether the pull reads the following list (default: when ``following_count`` > 0); an
        account that follows nobody still takes one request to say so.
    done_pages, done_rows : int
        Followers pages and follows an interrupted run of the pull holds in its checkpoint
        (rows default to full pages); the plan covers the rest.
    done_following_pages, done_following_rows : int
        The same of its following list.
    finished : iterable of str
        The lists (``"followers"``, ``"following"``) whose last page the checkpoint holds:
        nothing of them is read again.
    read_pages, read_rows : int, optional
        What that run read from the API, kept or not (:func:`pulls`' ``pages_read`` and
        ``rows_read``; default: what it holds): the plan's ``spent``.
    """
    t = table or DEFAULT_PLAN_TABLE
    following = following_count > 0 if following is None else following
    finished = set(finished)
    f_pages, remaining_followers = list_left(followers_count, page_size, done_pages, done_rows,
                                             "followers" in finished)
    g_pages, remaining_following = list_left(
        following_count, page_size, done_following_pages, done_following_rows,
        "following" in finished) if following else (0, 0)
    prices, limits = t["price_per_resource"], t["rate_limits"]
    done_rows = done_pages * page_size if done_rows is None else done_rows
    if done_following_rows is None:
        done_following_rows = done_following_pages * page_size
    follows = remaining_followers + remaining_following
    cost = follows * prices["follows_read"] + prices["user_read"]
    read_pages = done_pages + done_following_pages if read_pages is None else read_pages
    read_rows = done_rows + done_following_rows if read_rows is None else read_rows
    seconds = _limit_seconds(f_pages, limits["followers"]) + \
        _limit_seconds(g_pages, limits["following"])
    notes = []
    kept = done_pages + done_following_pages
    if kept:
        notes.append(f"{plural(kept, 'page')} already checkpointed: the pull resumes "
                     f"after {'it' if kept == 1 else 'them'}")
    return Plan(f"pull followers of @{username}: {followers_count:,} followers, "
                f"{following_count:,} following",
                {"user lookup": 1, "followers pages": f_pages, "following pages": g_pages},
                {"users": 1, "follows": follows},
                seconds, cost, t.get("currency", "USD"), float(t.get("confirm_above_usd", 5.0)),
                notes, spent=read_rows * prices["follows_read"],
                spent_on=f"{plural(read_pages, 'page')}, {read_rows:,} follows read"
                if read_pages else "")


def plan_tweets(followers: int, per_follower: int, *, username: str = "",
                table: Mapping | None = None, done_followers: int = 0,
                read_posts: int = 0) -> Plan:
    """Requests, time and cost of pulling ``per_follower`` recent tweets of each follower (an
    upper bound: incremental pulls and quiet accounts return fewer). ``done_followers``
    timelines an interrupted run holds are not asked for again; the ``read_posts`` it read are
    the plan's ``spent``."""
    t = table or DEFAULT_PLAN_TABLE
    left = max(0, followers - done_followers)
    per_req = math.ceil(per_follower / 100)
    reqs = left * per_req
    posts = left * per_follower
    price = t["price_per_resource"]["post_read"]
    seconds = _limit_seconds(reqs, t["rate_limits"]["user_tweets"])
    notes = ["X charges each post once per UTC day (deduplication); incremental pulls "
             "(since_id) return only new posts"]
    if done_followers:
        notes.append(f"{plural(done_followers, 'timeline')} already checkpointed: the pull "
                     f"resumes after {'it' if done_followers == 1 else 'them'}")
    return Plan(f"pull tweets of @{username}'s {followers:,} followers, up to {per_follower} each",
                {"timeline pages": reqs}, {"posts (at most)": posts}, seconds, posts * price,
                t.get("currency", "USD"), float(t.get("confirm_above_usd", 5.0)), notes,
                spent=read_posts * price,
                spent_on=f"{plural(done_followers, 'timeline')} kept, {read_posts:,} posts read"
                if read_posts else "")


def plan_hydrate(ids: int, *, username: str = "", table: Mapping | None = None) -> Plan:
    """Requests, time and cost of looking up ``ids`` profiles, 100 a request (hydrating an X
    archive's id-only follower list)."""
    t = table or DEFAULT_PLAN_TABLE
    reqs = math.ceil(ids / 100)
    return Plan(f"fetch the profiles of {ids:,} followers of @{username}",
                {"user lookups": reqs}, {"users": ids},
                _limit_seconds(reqs, t["rate_limits"]["users_lookup"]),
                ids * t["price_per_resource"]["user_read"], t.get("currency", "USD"),
                float(t.get("confirm_above_usd", 5.0)))


__all__ = ["AccessError", "Bounds", "DEFAULT_PLAN_TABLE", "Page", "Plan", "PullError",
           "RequestCounts", "RetryPolicy", "RunawayPull", "TWEET_FIELDS", "USER_FIELDS", "XClient",
           "duration", "list_left", "load_plan_table", "plan_followers", "plan_hydrate",
           "plan_tweets", "timeline_pages"]
