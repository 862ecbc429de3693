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
* **Checkpoints** (:class:`PullDir`): every page is written atomically, as a twarc2-style JSON
  line, under ``<store>/accounts/<id>/pulls/<pull_id>/`` before the next is requested. A pull
  stopped by Ctrl-C, kill -9 or a crash resumes from the last page; the snapshot is committed
  only when the pull is complete, from the pages (duplicates dropped: accounts that follow during
  a pull shift the pages).
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
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pandas as pd
import requests
import tweepy
from filelock import FileLock, Timeout
from requests.adapters import HTTPAdapter

from .. import config
from ..errors import WRITE_ADVICE, FollowerKitError, SourceError, write_error
from ..store import AsideRef
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
# time.sleep (no injectable sleep or clock, so tests would wait for real) and cannot retry a body
# that arrives truncated or unparseable, which is only known after tweepy returns. tenacity could
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
        stamp = {"url": self.url, "retrieved_at": self.retrieved_at.floor("ms").strftime(
                     "%Y-%m-%dT%H:%M:%S.%f+00:00"),
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
        self.retries += 1
        self._wait(wait)
        return attempt + 1

    def _wait(self, seconds: float) -> None:
        self.slept += seconds
        self.sleep(seconds)

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
class PullDir:
    """A pull's checkpoint directory: ``pull.json`` plus one file per page (or per follower for
    timelines), each written to a temporary name and renamed, so a file is whole or absent."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = None

    def lock(self) -> PullDir:
        """Hold this pull for this process until :meth:`release` (or the end of a ``with``
        block); a second process resuming the same pull at the same time would race it page
        for page. filelock's lock is the OS's own (flock), so the kernel drops it when the
        process ends, even by kill -9: a crashed pull never leaves a stale lock behind."""
        lock = FileLock(self.path / ".lock", timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise PullError(f"the pull in {self.path} is running in another process; wait for "
                            f"it (or stop it) before resuming") from None
        self._lock = lock
        return self

    def release(self) -> None:
        """Let the pull go. Called when a pull ends, however it ends: left to garbage collection,
        the lock would outlive a failure whose traceback is kept (a notebook keeps the last
        one), and a retry in the same process would be refused."""
        if self._lock is not None:
            self._lock.release(force=True)
            self._lock = None

    def __enter__(self) -> PullDir:
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    @property
    def meta_path(self) -> Path:
        return self.path / "pull.json"

    def meta(self) -> dict:
        return json.loads(self.meta_path.read_text())

    def write_meta(self, meta: Mapping) -> None:
        _atomic_write(self.meta_path, json.dumps(meta, indent=1, default=str).encode())

    def update(self, **changes) -> dict:
        meta = {**self.meta(), **changes}
        self.write_meta(meta)
        return meta

    def page_files(self, prefix: str) -> list[Path]:
        return sorted(self.path.glob(f"{prefix}-*.jsonl"))

    def write_page(self, name: str, data: bytes) -> Path:
        target = self.path / f"{name}.jsonl"
        _atomic_write(target, data if data.endswith(b"\n") else data + b"\n")
        return target

    def clear_pages(self) -> None:
        for p in self.path.glob("*.jsonl"):
            p.unlink(missing_ok=True)
        for p in self.path.glob(".tmp-*"):
            p.unlink(missing_ok=True)


def _atomic_write(target: Path, data: bytes) -> None:
    tmp = target.with_name(f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}-{target.name}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno not in WRITE_ADVICE:
            raise
        raise write_error(exc, target, "the pages checkpointed before it are kept: run the "
                          "same command again to resume") from None


def _rows_so_far(d: Path) -> int:
    """Followers or tweets in an unfinished pull's checkpointed pages, from each page's
    ``meta.result_count``. X writes ``meta`` last, so a followers page's last 4 KB tell (a
    file of several pages, as timelines and Bluesky's small pages are, is read line by line)."""
    return sum(n for path in d.glob("*.jsonl") for _, n in _file_heads(path))


def pulls(store, account=None) -> pd.DataFrame:
    """Pulls recorded in the store, finished or not.

    Returns
    -------
    DataFrame
        ``account_id``, ``username``, ``pull_id``, ``kind`` (followers or tweets), ``status``
        (running = unfinished, resumable; committed), ``started_at``, ``pages`` (checkpointed),
        ``rows`` (followers or tweets so far), ``path``.
    """
    root = Path(store.path) / "accounts"
    rows = []
    pattern = f"{store.resolve(account)}/pulls/*/pull.json" if account is not None \
        else "*/pulls/*/pull.json"
    for meta_path in sorted(root.glob(pattern)):
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError):
            continue
        d = meta_path.parent
        rows.append({
            "account_id": meta["account"]["id"], "username": meta["account"]["username"],
            "pull_id": meta["pull_id"], "kind": meta["kind"], "status": meta["status"],
            "started_at": pd.Timestamp(meta["started_at"]),
            "pages": len(list(d.glob("*.jsonl"))) if meta["status"] != "committed"
            else meta.get("pages", 0),
            "rows": meta.get("rows", 0) if meta["status"] == "committed" else _rows_so_far(d),
            "path": str(d),
        })
    cols = ["account_id", "username", "pull_id", "kind", "status", "started_at", "pages", "rows",
            "path"]
    return pd.DataFrame(rows, columns=cols)


def _open_pull(store, account: Mapping, kind: str, params: Mapping, restart: bool,
               clock: Callable[[], float]) -> PullDir:
    base = Path(store.path) / "accounts" / str(account["id"]) / "pulls"
    for meta_path in sorted(base.glob("*/pull.json"), reverse=True):
        meta = json.loads(meta_path.read_text())
        if meta["status"] == "committed":  # pages a crash left after the record
            PullDir(meta_path.parent).clear_pages()
            continue
        if meta["kind"] == kind and meta["status"] == "running":
            pd_ = PullDir(meta_path.parent)
            if restart:
                with pd_.lock():
                    pd_.clear_pages()
                    pd_.update(status="abandoned")
                continue
            if dict(meta.get("params", {})) != dict(params):
                log.warning("resuming pull %s with its original parameters %s", meta["pull_id"],
                            meta.get("params"))
            log.info("resuming %s pull %s of @%s", kind, meta["pull_id"], account["username"])
            return pd_.lock()
    started = pd.Timestamp(clock(), unit="s", tz="UTC").floor("s")
    pull_id = f"{started.strftime('%Y%m%dT%H%M%SZ')}-{kind}-{uuid.uuid4().hex[:6]}"
    d = PullDir(base / pull_id)
    try:
        d.path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if exc.errno not in WRITE_ADVICE:
            raise
        raise write_error(exc, d.path, "nothing was pulled") from None
    d.lock()
    d.write_meta({"pull_id": pull_id, "kind": kind, "status": "running",
                  "account": {k: account.get(k) for k in ("id", "username", "name")},
                  "started_at": started.isoformat(), "params": dict(params)})
    return d


def _snapshot_time(store, account_id: str, started: str) -> pd.Timestamp:
    """When the pull's snapshot is dated: its start, or a second after the account's latest
    snapshot when that is later (snapshot times are unique to the second and immutable)."""
    at = pd.Timestamp(started)
    snaps = store.snapshots(account_id) if (Path(store.path) / "accounts" / account_id /
                                            "snapshots").is_dir() else None
    if snaps is not None and len(snaps):
        at = max(at, snaps["snapshot_at"].iloc[-1] + pd.Timedelta(seconds=1))
    return at


def _fix_snapshot_time(store, pull: PullDir, account_id: str) -> dict:
    """Choose the snapshot time once and record it, so a resume after a crash between the
    commit and the bookkeeping commits the same snapshot again (a no-op)."""
    meta = pull.meta()
    if not meta.get("snapshot_at"):
        meta = pull.update(snapshot_at=_snapshot_time(store, account_id,
                                                      meta["started_at"]).isoformat())
    return meta


def _page_state(files: list[Path]) -> tuple[int, str | None, bool]:
    """(pages done, token for the next page, finished) from the checkpointed page files (a
    file may hold several pages, one a line; the last line's ``__fk.page`` counts them)."""
    if not files:
        return 0, None, False
    last = json.loads(files[-1].read_bytes().rstrip(b"\n").rpartition(b"\n")[2])
    token = (last.get("meta") or {}).get("next_token")
    done = (last.get("__fk") or {}).get("page")
    return int(done) if isinstance(done, int) else len(files), token, token is None


def _page_head(path: Path) -> tuple[str | None, int]:
    """(the token a checkpointed page was requested with, its rows): read from the ``__fk``
    stamp at the start of the line and X's ``meta`` at its end, not the profiles between."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
        fh.seek(max(0, fh.seek(0, os.SEEK_END) - 4096))
        tail = fh.read()
    return _head_of(head, tail)


def _head_of(head: bytes, tail: bytes) -> tuple[str | None, int]:
    token = None
    at = head.find(b'"__fk":')
    if at >= 0:
        try:
            token = _DECODER.raw_decode(head[at + 7:].decode("utf-8", "replace"))[0].get("token")
        except (ValueError, AttributeError):
            token = None
    rows = 0
    at = tail.rfind(b'"meta":')
    if at >= 0:
        try:
            rows = int(_DECODER.raw_decode(tail[at + 7:].decode("utf-8", "replace").lstrip())[0]
                       .get("result_count") or 0)
        except (ValueError, AttributeError, TypeError):
            rows = 0
    return token, rows


def _file_heads(path: Path) -> list[tuple[str | None, int]]:
    """:func:`_page_head` of every page in a checkpoint file holding several, one a line."""
    with open(path, "rb") as fh:
        fh.readline()
        if not fh.read(1):  # one page (every X file): its head and tail tell
            return [_page_head(path)]
    return [_head_of(line[:4096], line[-4096:])
            for line in path.read_bytes().splitlines() if line.strip()]


def _fetch_pages(client: XClient, pull: PullDir, prefix: str, method: str, account_id: str,
                 params: Mapping, what: str, progress: Callable[[int], None] | None,
                 expected: int | None = None, bounds: Bounds | None = None,
                 pages_per_file: int = 1) -> int:
    """Page through an endpoint from the last checkpoint to the end; return the page count.

    Stops with :class:`RunawayPull` (the checkpoint kept, the offending page not written) when
    a ``next_token`` comes back that was already used, or, given the list's ``expected`` size,
    when the rows or pages exceed ``bounds``. With ``pages_per_file`` above 1, small pages
    (Bluesky's 100 profiles) are checkpointed that many to a file: one write, fsync and unlink
    per file is what a pull of 10,000 small pages spends most of its time on otherwise; a
    kill -9 loses at most the pages not yet written, which the resume fetches again.
    """
    bounds = bounds or Bounds()
    files = pull.page_files(prefix)
    done, token, finished = _page_state(files)
    heads = [h for p in files for h in _file_heads(p)]
    used = {t for t, _ in heads}
    rows = sum(n for _, n in heads)
    if done and progress:
        progress(rows)
    page_size = int(params.get("max_results") or 1000)
    max_rows = None if expected is None else bounds.max_rows(expected)
    max_pages = None if expected is None else bounds.max_pages(expected, page_size)
    where = f"the {what} pull in {pull.path}"
    buffered: list[bytes] = []

    def flush():
        if buffered:
            pull.write_page(f"{prefix}-{done - len(buffered) + 1:06d}", b"\n".join(buffered))
            buffered.clear()

    while not finished:
        if max_pages is not None and done >= max_pages:
            flush()
            raise RunawayPull(
                f"stopped {where} after {plural(done, 'page')}: the account lists "
                f"{expected:,}, so at most {max_pages:,} pages were planned and the API keeps "
                "sending more. The checkpoint is kept; nothing was committed", pages=done,
                rows=rows)
        try:
            page = client.call(method, account_id, pagination_token=token, what=what,
                               light=True, **params)
        except BaseException:
            flush()  # the pages read stay checkpointed, whatever stopped the pull
            raise
        nxt = page.next_token
        if nxt is not None and (nxt in used or nxt == token):
            flush()
            raise RunawayPull(
                f"stopped {where} at page {done + 1}: the API answered next_token {nxt!r} "
                "again, so paging would never end (a fault on the server's side). The "
                f"checkpoint keeps {plural(done, 'page')}; nothing was committed. Try later, "
                "or --restart", pages=done + 1, rows=rows)
        n = int(page.body["meta"].get("result_count", 0)) if "data" not in page.body \
            else len(page.body.get("data") or [])
        if max_rows is not None and rows + n > max_rows:
            flush()
            raise RunawayPull(
                f"stopped {where} at page {done + 1}: {rows + n:,} rows for an account that "
                f"lists {expected:,} (at most {max_rows:,} allowed for follows that arrive "
                "mid-pull). The checkpoint is kept; nothing was committed", pages=done + 1,
                rows=rows + n)
        done += 1
        used.add(token)
        buffered.append(page.twarc_line(page=done, token=token))
        rows += n
        token = nxt
        finished = token is None
        if len(buffered) >= pages_per_file or finished:
            flush()
        if progress:
            progress(n)
    return done


# ------------------------------------------------------------------------------------- pulls
def _count_of(metrics: Mapping, name: str) -> int | None:
    value = metrics.get(name)
    try:
        return None if value is None else max(int(value), 0)
    except (TypeError, ValueError):
        return None


def pull_followers(store, handle: str, *, client: XClient, following: bool = True,
                   restart: bool = False, page_size: int = 1000,
                   progress: Callable[[int], None] | None = None, account: dict | None = None,
                   bounds: Bounds | None = None):
    """Pull an account's followers (with full profiles) and its following list into the store.

    Every page is checkpointed; running it again after an interruption resumes the unfinished
    pull. The snapshot (time: when the pull started) is committed once the last page is in; its
    ``meta.json`` records the requests, retries and rate-limit waits of this call alone.

    Parameters
    ----------
    store : Store
    handle : str
        The account's handle or numeric id.
    client : XClient
    following : bool
        Also pull the accounts it follows (table ``following``).
    restart : bool
        Abandon an unfinished pull and start over.
    page_size : int
        ``max_results`` per page (1 to 1000).
    progress : callable, optional
        Called with the number of followers each page added.
    account : dict, optional
        The account's v2 user object when already looked up (saves a request).
    bounds : Bounds, optional
        When the pull stops as a runaway (default :class:`Bounds`), measured against the
        account's ``public_metrics``.

    Returns
    -------
    SnapshotRef
        The committed snapshot: followers (``follower_id``, ``position``) and their profiles.
    """
    if not 1 <= page_size <= 1000:
        raise ValueError(f"page_size must be 1..1000 (X's max_results bounds), got {page_size}")
    start = client.counts()
    acct = account or client.user(handle)
    params = {"max_results": page_size, "user_fields": USER_FIELDS}
    with _open_pull(store, acct, "followers", {"page_size": page_size, "following": following},
                    restart, client.clock) as pull:
        metrics = acct.get("public_metrics") or {}
        pages = _fetch_pages(client, pull, "followers", "get_users_followers", acct["id"],
                             params, "followers", progress,
                             expected=_count_of(metrics, "followers_count"), bounds=bounds)
        if following:
            _fetch_pages(client, pull, "following", "get_users_following", acct["id"], params,
                         "the following list", None,
                         expected=_count_of(metrics, "following_count"), bounds=bounds)
        return _commit_followers(store, pull, acct, pages, client.counts() - start)


def _commit_followers(store, pull: PullDir, acct: Mapping, pages: int, used: RequestCounts):
    meta = _fix_snapshot_time(store, pull, acct["id"])
    # one streaming pass: the profiles in page order are the follower list (first copy wins)
    users, errors = twarc.read_users(pull.page_files("followers"), kinds=("followers",))
    followers = pd.DataFrame({"follower_id": users["id"],
                              "position": np.arange(len(users), dtype="int64")})
    ref = store.commit_snapshot(
        account={"id": acct["id"], "username": acct["username"], "name": acct.get("name")},
        snapshot_at=meta["snapshot_at"],
        followers=followers, users=users, source="api",
        extra={"pull_id": meta["pull_id"], "pages": pages, "partial_errors": len(errors),
               "requests": used.requests, "retries": used.retries,
               "rate_limit_waits": used.rate_waits})
    fol_files = pull.page_files("following")
    if fol_files:
        fol = twarc.follower_ids(twarc.read_pages(fol_files), "following")
        store.write_table("following", acct["id"], fol[["following_id"]],
                          snapshot_at=ref.snapshot_at)
    # Recorded before the pages go: a crash in between leaves page files to sweep, never a
    # "running" pull without pages, which would start over and conflict with this snapshot.
    pull.update(status="committed", pages=pages, rows=len(followers),
                snapshot_at=ref.snapshot_at.isoformat())
    pull.clear_pages()
    log.info("pull %s committed: %d followers from %d pages", meta["pull_id"], len(followers),
             pages)
    return ref


def pull_tweets(store, handle: str, *, client: XClient, per_follower: int = 20,
                restart: bool = False, progress: Callable[[int], None] | None = None,
                incremental: bool = True):
    """Pull up to ``per_follower`` recent tweets of each follower in the latest snapshot.

    Incremental: only tweets newer than the newest stored one of each author (``since_id``).
    Each follower's timeline is checkpointed as one file, so an interrupted pull resumes with
    the next follower. Protected, suspended and deleted followers come back as partial errors
    inside 200 responses and are skipped, not fatal. The tweets are stored at once when every
    timeline is in (:meth:`Store.add_tweets`, observed when the pull started), apart from the
    snapshots: a tweets pull observes no follower list, so it adds no snapshot to the growth.

    Returns
    -------
    AsideRef
        The stored tweets (``rows``: how many; ``created`` False when a resumed pull finds them
        stored already).
    """
    if per_follower < 1:
        raise ValueError(f"per_follower must be at least 1, got {per_follower}")
    account_id = store.resolve(handle)
    since = _newest_tweet_ids(store, account_id) if incremental else {}

    def read(files):
        data = twarc.read_pages(files)
        return twarc.tweets_frame(data), {"partial_errors": len(twarc.page_errors(data))}

    return pull_timelines(
        store, account_id, {"per_follower": per_follower}, per_follower=per_follower,
        restart=restart, progress=progress, clock=client.clock, read=read,
        fetch=lambda follower_id: _timeline_pages(client, follower_id, per_follower,
                                                  since.get(follower_id)))


def pull_timelines(store, account_id: str, params: Mapping, *, per_follower: int,
                   restart: bool, progress: Callable[[int], None] | None,
                   clock: Callable[[], float], fetch: Callable[[str], bytes],
                   read: Callable[[list[Path]], tuple[pd.DataFrame, dict]]):
    """The timelines pull of any network: ``fetch(follower_id)`` gives the checkpoint lines of
    one follower's newest posts, written as one file per follower (a resume skips those done);
    when every follower is in, ``read(files)`` gives (tweets frame, facts for the record), each
    author's newest ``per_follower`` are stored at once beside the snapshots, and the pages go.

    Returns
    -------
    AsideRef
        The stored tweets (``rows``: how many; ``created`` False when a resumed pull finds them
        stored already).
    """
    last = store.snapshots(account_id).iloc[-1]
    acct = {"id": account_id, "username": last["username"]}
    followers = store.follower_edges(account_id, [last["snapshot_at"]])
    with _open_pull(store, acct, "tweets", params, restart, clock) as pull:
        done = {p.stem.removeprefix("tweets-") for p in pull.page_files("tweets")}
        if done and progress:
            progress(len(done))
        for follower_id in followers["follower_id"]:
            key = follower_id.replace(":", "_")  # a file name per id (Bluesky's are DIDs)
            if key in done:
                continue
            pull.write_page(f"tweets-{key}", fetch(follower_id))
            if progress:
                progress(1)
        files = pull.page_files("tweets")
        tweets, facts = read(files)
        # Pages come newest first; keep each author's newest per_follower.
        tweets = tweets.sort_values(["author_id", "created_at", "id"],
                                    ascending=[True, False, False])
        tweets = tweets[tweets.groupby("author_id").cumcount() < per_follower
                        ].reset_index(drop=True)
        meta = pull.meta()
        ref = store.add_tweets(account_id, tweets, observed_at=meta["started_at"])
        observed = pd.Timestamp(meta["started_at"])
        pull.update(status="committed", pages=len(files), rows=len(tweets),
                    observed_at=observed.isoformat(),
                    followers_from=last["snapshot_at"].isoformat(), **facts,
                    path=str(ref.path) if ref is not None else None)
        pull.clear_pages()  # after the record, as in pull_followers
        return ref if ref is not None else AsideRef(account_id, observed, None, False, 0)


def _timeline_pages(client: XClient, follower_id: str, per_follower: int,
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
                              "end", pages=len(lines) + 1, rows=got)
        lines.append(page.twarc_line(author=follower_id))
        got += len(page.body.get("data") or [])
        token = page.next_token
        if token is None:
            break
    return b"\n".join(lines)


def _newest_tweet_ids(store, account_id: str) -> dict[str, str]:
    tweets = store.tweets(account_id)
    if tweets.empty:
        return {}
    t = tweets.assign(_len=tweets["id"].str.len()).sort_values(["author_id", "_len", "id"])
    newest = t.groupby("author_id")["id"].last()
    return {str(k): str(v) for k, v in newest.items()}


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
        return cls(f"all {len(plans)} pulls together", add("requests"), add("resources"),
                   sum(p.seconds for p in plans), sum(p.cost for p in plans),
                   plans[0].currency, plans[0].confirm_above)

    def describe(self) -> str:
        def counts(items: dict[str, int]) -> str:  # "1 user", "2 users", "1 followers page"
            return ", ".join(f"{n:,} {k[:-1] if n == 1 and k.endswith('s') else k}"
                             for k, n in items.items())

        lines = [f"{self.what}",
                 f"  requests: {self.total_requests:,} ({counts(self.requests)})",
                 f"  time at the rate limits: {duration(self.seconds)}",
                 f"  cost at pay-per-use prices: {self.cost:,.2f} {self.currency} "
                 f"({counts(self.resources)})"]
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


def plan_followers(followers_count: int, following_count: int = 0, *, username: str = "",
                   table: Mapping | None = None, page_size: int = 1000,
                   done_pages: int = 0) -> Plan:
    """Requests, time and cost of a follower pull (``done_pages`` already checkpointed)."""
    t = table or DEFAULT_PLAN_TABLE
    f_pages = max(1, math.ceil(followers_count / page_size)) - done_pages
    g_pages = math.ceil(following_count / page_size) if following_count else 0
    prices, limits = t["price_per_resource"], t["rate_limits"]
    remaining_followers = max(0, followers_count - done_pages * page_size)
    cost = (remaining_followers + following_count) * prices["follows_read"] + prices["user_read"]
    seconds = _limit_seconds(f_pages, limits["followers"]) + \
        _limit_seconds(g_pages, limits["following"])
    notes = []
    if done_pages:
        notes.append(f"{plural(done_pages, 'page')} already checkpointed: the pull resumes "
                     "after them")
    return Plan(f"pull followers of @{username}: {followers_count:,} followers, "
                f"{following_count:,} following",
                {"user lookup": 1, "followers pages": f_pages, "following pages": g_pages},
                {"users": 1, "follows": remaining_followers + following_count},
                seconds, cost, t.get("currency", "USD"), float(t.get("confirm_above_usd", 5.0)),
                notes)


def plan_tweets(followers: int, per_follower: int, *, username: str = "",
                table: Mapping | None = None) -> Plan:
    """Requests, time and cost of pulling ``per_follower`` recent tweets of each follower (an
    upper bound: incremental pulls and quiet accounts return fewer)."""
    t = table or DEFAULT_PLAN_TABLE
    per_req = math.ceil(per_follower / 100)
    reqs = followers * per_req
    posts = followers * per_follower
    cost = posts * t["price_per_resource"]["post_read"]
    seconds = _limit_seconds(reqs, t["rate_limits"]["user_tweets"])
    return Plan(f"pull tweets of @{username}'s {followers:,} followers, up to {per_follower} each",
                {"timeline pages": reqs}, {"posts (at most)": posts}, seconds, cost,
                t.get("currency", "USD"), float(t.get("confirm_above_usd", 5.0)),
                ["X charges each post once per UTC day (deduplication); incremental pulls "
                 "(since_id) return only new posts"])


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


__all__ = ["AccessError", "Bounds", "DEFAULT_PLAN_TABLE", "Page", "Plan", "PullDir", "PullError",
           "RunawayPull",
           "RequestCounts", "RetryPolicy", "TWEET_FIELDS", "USER_FIELDS", "XClient",
           "load_plan_table", "plan_followers", "plan_hydrate", "plan_tweets", "pull_followers",
           "pull_timelines", "pull_tweets", "pulls"]
