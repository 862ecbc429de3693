"""A local fake of the X API v2 (a real HTTP server on 127.0.0.1) for tests, demos and benchmarks.

It serves canonical frames (the sample audience by default) the way X does: the endpoints a
follower pull uses (``/2/users/by/username/:u``, ``/2/users/:id``, ``/2/users``,
``/2/users/:id/followers``, ``/2/users/:id/following``, ``/2/users/:id/tweets``), X's paging
(``max_results``, ``pagination_token`` / ``meta.next_token``; offsets inside, so followers who
arrive during a pull shift the pages as on X), field selection (``user.fields``, ``tweet.fields``),
partial errors inside 200 responses (suspended, deleted and protected users), rate-limit headers
and real 429s, bearer-token checks, 401/402/403 answers, and injectable faults (:class:`Faults`:
429 bursts, 5xx, stalls longer than the client's timeout, truncated bodies).

Given the official OpenAPI spec (``spec=PATH``), it checks every request against it (parameter
names, enums, ``max_results`` bounds; a bad one gets X's 400 and is recorded in
``invalid_requests``) and, with ``validate_responses=True``, every response body against the
endpoint's response schema (failures recorded in ``invalid_responses``).

Use::

    with FakeX.from_sample(generate(followers=500)) as server:
        client = XClient("any-token", base_url=server.url)
"""

from __future__ import annotations

import json
import logging
import random
import re
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pandas as pd

from ..errors import SourceError

log = logging.getLogger(__name__)

DEFAULT_USER_FIELDS = ("id", "name", "username")
DEFAULT_TWEET_FIELDS = ("id", "text", "edit_history_tweet_ids")
_TOKEN_PREFIX = "FK"
_ROUTES = [
    (re.compile(r"^/2/users/by/username/(?P<username>[^/]+)$"), "user_by_username",
     "/2/users/by/username/{username}"),
    (re.compile(r"^/2/users/(?P<id>[^/]+)/followers$"), "followers", "/2/users/{id}/followers"),
    (re.compile(r"^/2/users/(?P<id>[^/]+)/following$"), "following", "/2/users/{id}/following"),
    (re.compile(r"^/2/users/(?P<id>[^/]+)/tweets$"), "tweets", "/2/users/{id}/tweets"),
    (re.compile(r"^/2/users$"), "users", "/2/users"),
    (re.compile(r"^/2/users/(?P<id>[^/]+)$"), "user", "/2/users/{id}"),
]


@dataclass
class Faults:
    """Faults to inject, per request to a data endpoint.

    Parameters
    ----------
    rates : mapping
        Probability per request of each fault: ``"429"`` (a burst of ``burst`` rate-limit
        answers), ``"500"``, ``"503"``, ``"timeout"`` (stall ``delay`` seconds before answering),
        ``"truncate"`` (close the connection halfway through the body), ``"short"`` (a complete
        HTTP answer whose JSON is cut).
    script : list
        Faults for the next requests, in order, before ``rates`` apply (None = no fault).
    seed : int
    burst : int
    reset_in : float
        Seconds from now that ``x-rate-limit-reset`` announces on an injected 429.
    delay : float
    endpoints : tuple of str, optional
        Only these endpoints get faults (default: all).
    """

    rates: Mapping[str, float] = field(default_factory=dict)
    script: list = field(default_factory=list)
    seed: int = 0
    burst: int = 3
    reset_in: float = 0.0
    delay: float = 2.0
    endpoints: tuple[str, ...] | None = None

    def __post_init__(self):
        self._rng = random.Random(self.seed)
        self._burst_left = 0
        self._lock = threading.Lock()
        self.injected: dict[str, int] = {}

    def draw(self, endpoint: str) -> str | None:
        if self.endpoints is not None and endpoint not in self.endpoints:
            return None
        with self._lock:
            if self._burst_left:
                self._burst_left -= 1
                self.injected["429"] += 1
                return "429"
            fault = None
            if self.script:
                fault = self.script.pop(0)
            else:
                for name, p in self.rates.items():
                    if self._rng.random() < p:
                        fault = name
                        break
            if fault == "429":
                self._burst_left = max(self.burst - 1, 0)
            if fault:
                self.injected[fault] = self.injected.get(fault, 0) + 1
            return fault


# ---------------------------------------------------------------------------------------- spec
# Kept rather than openapi-core. openapi-core 0.23.1 refuses X's own spec (openapi.json from
# xdevplatform/xdk, in ../shared/data/x-api/openapi): its spec check fails on an `enum` that lists
# 'attachments.media_keys' twice, which JSON Schema forbids, so it loads only with that check off
# (Config(spec_validator_cls=None)). Loaded that way it validates a 1,000-follower response page
# in 0.55-0.74 s, where this class takes 0.57-0.62 s (same page, same machine, 3 runs each): it
# would add a dependency and a disabled safety check for no speed, and it does not answer a bad
# request the way X does (the 400 body below, which the fake server returns).
class OpenAPISpec:
    """The official X API v2 OpenAPI document: parameter and response validation.

    Raises
    ------
    SourceError
        The file is not JSON, not an OpenAPI document, or lacks a path the fake server serves.
    """

    def __init__(self, path: str | Path):
        import jsonschema
        import referencing
        import referencing.jsonschema

        self.path = Path(path)
        where = "the X API v2 OpenAPI JSON (openapi.json from github.com/xdevplatform/xdk)"
        try:
            self.doc = json.loads(self.path.read_text())
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise SourceError(f"{self.path} is not JSON ({exc}): give {where}",
                              path=self.path) from None
        if not isinstance(self.doc, dict) or "openapi" not in self.doc \
                or not isinstance(self.doc.get("paths"), dict):
            raise SourceError(f"{self.path} is JSON but not an OpenAPI document (no 'openapi' "
                              f"and 'paths' keys): give {where}", path=self.path)
        lacking = [t for _, _, t in _ROUTES if "get" not in (self.doc["paths"].get(t) or {})]
        if lacking:
            raise SourceError(f"{self.path} lacks the paths the fake server serves "
                              f"({', '.join(lacking)}): give {where}", path=self.path)
        resource = referencing.Resource.from_contents(
            self.doc, default_specification=referencing.jsonschema.DRAFT7)
        self._registry = referencing.Registry().with_resource("urn:x-openapi", resource)
        self._validators: dict[str, object] = {}
        self._jsonschema = jsonschema

    def _validator(self, pointer: str):
        v = self._validators.get(pointer)
        if v is None:
            v = self._jsonschema.Draft7Validator({"$ref": "urn:x-openapi#" + pointer},
                                                 registry=self._registry)
            self._validators[pointer] = v
        return v

    def _resolve(self, node: dict) -> dict:
        while "$ref" in node:
            ref = node["$ref"].lstrip("#/").split("/")
            node = self.doc
            for part in ref:
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def parameters(self, template: str) -> dict[str, dict]:
        op = self.doc["paths"][template]["get"]
        return {p["name"]: p for p in (self._resolve(x) for x in op.get("parameters", []))}

    def check_request(self, template: str, path_params: Mapping[str, str],
                      query: Mapping[str, str]) -> list[tuple[str, str, str]]:
        """Problems with a request: (parameter, value, message) for each."""
        params = self.parameters(template)
        problems = []
        for name, value in {**query, **path_params}.items():
            p = params.get(name)
            if p is None:
                problems.append((name, value, f"The query parameter [{name}] is not one of "
                                              f"[{','.join(sorted(params))}]"))
                continue
            schema = self._resolve(p["schema"])
            if schema.get("type") == "array":
                instance: object = value.split(",")
            elif schema.get("type") == "integer":
                try:
                    instance = int(value)
                except ValueError:
                    problems.append((name, value, f"The `{name}` query parameter value [{value}] "
                                                  f"is not a number"))
                    continue
            else:
                instance = value
            pointer = None
            for i, raw in enumerate(self.doc["paths"][template]["get"]["parameters"]):
                if self._resolve(raw)["name"] == name:
                    pointer = (raw["$ref"].lstrip("#") if "$ref" in raw else
                               f"/paths/{template.replace('/', '~1')}/get/parameters/{i}") \
                        + "/schema"
            errors = list(self._validator(pointer).iter_errors(instance))
            for err in errors[:1]:
                if name == "max_results" and isinstance(instance, int):
                    msg = (f"The `max_results` query parameter value [{value}] is not between "
                           f"{schema.get('minimum')} and {schema.get('maximum')}")
                else:
                    msg = f"The `{name}` query parameter value [{value}] is not valid: " \
                          f"{err.message}"
                problems.append((name, value, msg))
            if p.get("required") and name not in query and name not in path_params:
                problems.append((name, "", f"The `{name}` query parameter can not be empty"))
        for name, p in params.items():
            if p.get("required") and name not in query and name not in path_params:
                problems.append((name, "", f"The `{name}` query parameter can not be empty"))
        return problems

    def check_response(self, template: str, body: dict) -> list[str]:
        """Schema violations of a 200 body (messages with their JSON path)."""
        pointer = (f"/paths/{template.replace('/', '~1')}/get/responses/200/content/"
                   f"application~1json/schema")
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in self._validator(pointer).iter_errors(body)]


# ---------------------------------------------------------------------------------------- data
def _iso(ts) -> str:
    return pd.Timestamp(ts).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _isna(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT


def _tco(i: int) -> str:
    return f"https://t.co/{i:010d}"


def _entity(text: str, needle: str, start_at: int = 0) -> tuple[int, int]:
    pos = text.find(needle, start_at) if text else -1
    if pos < 0:
        return 0, 1
    return pos, pos + len(needle)


class _Data:
    """Canonical frames rendered as X API v2 objects (rendered lazily, cached by field set)."""

    def __init__(self, users: pd.DataFrame, tweets: pd.DataFrame | None):
        self.users = users.drop_duplicates("id", keep="last").reset_index(drop=True)
        self.index = {uid: i for i, uid in enumerate(self.users["id"].astype(str))}
        self.by_username = {str(u).lower(): i for i, u in enumerate(self.users["username"])}
        self._cols = {c: self.users[c].to_numpy(dtype=object) for c in self.users.columns}
        self._user_cache: dict[tuple, dict[int, bytes]] = {}
        self._tweet_cache: dict[tuple, dict[str, bytes]] = {}
        self.timelines: dict[str, pd.DataFrame] = {}
        self.tweets = tweets if tweets is not None else None
        if tweets is not None and len(tweets):
            t = tweets.assign(_n=tweets["id"].astype(str).str.len()).sort_values(
                ["author_id", "_n", "id"], ascending=[True, False, False])
            self.timelines = {str(a): g.drop(columns="_n").reset_index(drop=True)
                              for a, g in t.groupby("author_id", sort=False)}
            self._tweet_rows = {str(r["id"]): r for r in t.drop(columns="_n").to_dict("records")}
        else:
            self._tweet_rows = {}

    def user_dict(self, i: int, fields: Iterable[str]) -> dict:
        c = self._cols
        get = lambda name: c[name][i] if name in c else None  # noqa: E731
        full: dict[str, object] = {"id": str(get("id")), "name": "" if _isna(get("name"))
                                   else str(get("name")), "username": str(get("username"))}
        fields = set(fields)
        url = get("url")
        if "created_at" in fields and not _isna(get("created_at")):
            full["created_at"] = _iso(get("created_at"))
        if "description" in fields:
            full["description"] = "" if _isna(get("description")) else str(get("description"))
        if "location" in fields and not _isna(get("location")):
            full["location"] = str(get("location"))
        if "url" in fields:
            full["url"] = "" if _isna(url) else _tco(i)
        if "entities" in fields and not _isna(url):
            full["entities"] = {"url": {"urls": [{
                "start": 0, "end": 23, "url": _tco(i), "expanded_url": str(url),
                "display_url": re.sub(r"^https?://", "", str(url))[:30]}]}}
        if "pinned_tweet_id" in fields and not _isna(get("pinned_tweet_id")):
            full["pinned_tweet_id"] = str(get("pinned_tweet_id"))
        if "profile_image_url" in fields and not _isna(get("profile_image_url")):
            full["profile_image_url"] = str(get("profile_image_url"))
        if "protected" in fields:
            full["protected"] = bool(get("protected")) if not _isna(get("protected")) else False
        if "verified" in fields:
            full["verified"] = bool(get("verified")) if not _isna(get("verified")) else False
        if "verified_type" in fields and not _isna(get("verified_type")):
            full["verified_type"] = str(get("verified_type"))
        if "public_metrics" in fields:
            pm = {}
            for k in ("followers_count", "following_count", "tweet_count", "listed_count",
                      "like_count"):
                v = get(k)
                pm[k] = 0 if _isna(v) else int(v)
            full["public_metrics"] = pm
        return full

    def user_json(self, i: int, fields: tuple) -> bytes:
        cache = self._user_cache.setdefault(fields, {})
        b = cache.get(i)
        if b is None:
            b = json.dumps(self.user_dict(i, fields), ensure_ascii=False).encode()
            cache[i] = b
        return b

    def tweet_dict(self, row: Mapping, fields: Iterable[str]) -> dict:
        fields = set(fields)
        tid = str(row["id"])
        text = "" if _isna(row.get("text")) else str(row["text"])
        out: dict[str, object] = {"id": tid, "text": text, "edit_history_tweet_ids": [tid]}
        if "author_id" in fields:
            out["author_id"] = str(row["author_id"])
        if "created_at" in fields:
            out["created_at"] = _iso(row["created_at"])
        if "lang" in fields and not _isna(row.get("lang")):
            out["lang"] = str(row["lang"])
        if "conversation_id" in fields and not _isna(row.get("conversation_id")):
            out["conversation_id"] = str(row["conversation_id"])
        if "in_reply_to_user_id" in fields and not _isna(row.get("in_reply_to_user_id")):
            out["in_reply_to_user_id"] = str(row["in_reply_to_user_id"])
        if "public_metrics" in fields:
            out["public_metrics"] = {
                k: (0 if _isna(row.get(k)) else int(row[k]))
                for k in ("retweet_count", "reply_count", "like_count", "quote_count")
            } | {"impression_count": 0, "bookmark_count": 0}
        kind = row.get("kind") or "original"
        if "referenced_tweets" in fields and kind != "original":
            ref_type = {"reply": "replied_to", "retweet": "retweeted", "quote": "quoted"}[kind]
            conv = row.get("conversation_id")
            ref_id = str(conv) if kind == "reply" and not _isna(conv) and str(conv) != tid \
                else str(int(tid) - 1)
            out["referenced_tweets"] = [{"type": ref_type, "id": ref_id}]
        if "entities" in fields:
            ents: dict[str, list] = {}
            for key, col, prefix, name in (("hashtags", "hashtags", "#", "tag"),
                                           ("mentions", "mentions", "@", "username")):
                vals = row.get(col)
                if vals is not None and len(vals):
                    ents[key] = []
                    for v in vals:
                        s, e = _entity(text, prefix + str(v))
                        ents[key].append({"start": s, "end": e, name: str(v)})
            urls = row.get("urls")
            if urls is not None and len(urls):
                ents["urls"] = []
                for k, v in enumerate(urls):
                    s, e = _entity(text, str(v))
                    ents["urls"].append({"start": s, "end": e, "url": f"https://t.co/u{k}",
                                         "expanded_url": str(v),
                                         "display_url": re.sub(r"^https?://", "", str(v))[:30]})
            if ents:
                out["entities"] = ents
        return out

    def tweet_json(self, row: Mapping, fields: tuple) -> bytes:
        cache = self._tweet_cache.setdefault(fields, {})
        key = str(row["id"])
        b = cache.get(key)
        if b is None:
            b = json.dumps(self.tweet_dict(row, fields), ensure_ascii=False).encode()
            cache[key] = b
        return b


def _encode_token(offset: int, salt: str) -> str:
    return f"{_TOKEN_PREFIX}{salt}{offset:012X}"


def _decode_token(token: str, salt: str) -> int | None:
    m = re.fullmatch(_TOKEN_PREFIX + re.escape(salt) + r"([0-9A-F]{12})", token or "")
    return int(m.group(1), 16) if m else None


def _problem(title: str, detail: str, type_: str, **extra) -> dict:
    return {"title": title, "detail": detail, "type": type_, **extra}


# ---------------------------------------------------------------------------------------- server
class FakeX:
    """The fake X API v2 server.

    Parameters
    ----------
    users : DataFrame
        Canonical users frame: every account the server knows (followers and the accounts).
    accounts : mapping
        account id -> ``{"followers": [ids, newest first], "following": [ids]}``.
    tweets : DataFrame, optional
        Canonical tweets frame (the timelines).
    token : str, optional
        The bearer token to accept (default: any).
    faults : Faults, optional
    rate_limits : mapping, optional
        endpoint (``followers``, ``following``, ``tweets``, ``users``, ``user``,
        ``user_by_username``) -> (requests, window seconds): real 429s beyond.
    spec : path or OpenAPISpec, optional
        The official OpenAPI JSON: validate requests (and responses with ``validate_responses``).
    suspended, deleted : iterable of ids
        Users X no longer serves: missing from follower lists, errors in lookups and timelines.
    forbidden : iterable of endpoint names
        Endpoints this "access level" may not use (403 client-forbidden).
    payment_required : bool
        Answer every request with 402.
    latency : float
        Seconds to wait before each answer (a slower, more realistic server).
    runaway : {"repeat", "endless"}, optional
        A broken or hostile server's paging on list endpoints: ``"repeat"`` answers every page
        (timelines too) with ``next_token: "SAME"``; ``"endless"`` never stops, cycling
        through the list with ever new tokens.
    """

    def __init__(self, users: pd.DataFrame, accounts: Mapping[str, Mapping], tweets=None, *,
                 token: str | None = None, faults: Faults | None = None,
                 rate_limits: Mapping[str, tuple[int, float]] | None = None,
                 spec: str | Path | None = None, validate_responses: bool = False,
                 suspended: Iterable[str] = (), deleted: Iterable[str] = (),
                 forbidden: Iterable[str] = (), payment_required: bool = False,
                 latency: float = 0.0, runaway: str | None = None, host: str = "127.0.0.1",
                 port: int = 0):
        self.data = _Data(users, tweets)
        self.accounts = {str(k): {"followers": [str(x) for x in v.get("followers", [])],
                                  "following": [str(x) for x in v.get("following", [])]}
                         for k, v in accounts.items()}
        self.token = token
        self.faults = faults
        self.rate_limits = dict(rate_limits or {})
        self.spec = (spec if isinstance(spec, OpenAPISpec) else OpenAPISpec(spec)) if spec \
            else None
        self.validate_responses = validate_responses and self.spec is not None
        self.suspended = {str(x) for x in suspended}
        self.deleted = {str(x) for x in deleted}
        self.forbidden = set(forbidden)
        self.payment_required = payment_required
        self.latency = latency
        if runaway not in (None, "repeat", "endless"):
            raise ValueError(f"runaway must be 'repeat' or 'endless', not {runaway!r}")
        self.runaway = runaway
        self.requests: list[dict] = []
        self.invalid_requests: list[dict] = []
        self.invalid_responses: list[dict] = []
        self.auth_headers: set[str] = set()
        self.failures: list[str] = []
        self._windows: dict[str, list] = {}
        self._visible_cache: dict[tuple, tuple] = {}
        self._lock = threading.Lock()
        self._salt = f"{random.Random(id(self)).getrandbits(16):04X}"
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- construction
    @classmethod
    def from_frames(cls, account: Mapping, users: pd.DataFrame, followers: Iterable[str],
                    following: Iterable[str] = (), tweets: pd.DataFrame | None = None, **kw):
        """One account (a dict with ``id``, ``username``, ``name``...), its follower ids (newest
        first), the ids it follows, and the profiles and tweets of all of them."""
        followers = [str(x) for x in followers]
        following = [str(x) for x in following]
        acct = pd.DataFrame([{
            "id": str(account["id"]), "username": account["username"],
            "name": account.get("name", account["username"]),
            "description": account.get("description"), "created_at": account.get("created_at"),
            "followers_count": len(followers), "following_count": len(following),
        }])
        unknown = sorted(set(following) - set(users["id"].astype(str)))
        # accounts it follows that the frames do not profile still exist on X: minimal profiles
        stubs = pd.DataFrame({"id": unknown, "username": [f"acct_{u[-10:]}" for u in unknown],
                              "name": [f"Account {u[-4:]}" for u in unknown]})
        allusers = pd.concat([users, stubs.reindex(columns=users.columns).assign(**{
            c: stubs[c] for c in stubs.columns}), acct.reindex(columns=users.columns)],
            ignore_index=True)
        allusers.loc[allusers.index[-1], acct.columns] = acct.iloc[0].values
        accts = {str(account["id"]): {"followers": list(followers),
                                      "following": list(following)}}
        return cls(allusers, accts, tweets, **kw)

    @classmethod
    def from_sample(cls, audience, **kw):
        """Serve a sample audience's latest snapshot (follower order by position)."""
        f = audience.followers
        latest = f[f["snapshot_at"] == f["snapshot_at"].max()].sort_values("position")
        following = list(audience.following["following_id"]) if audience.following is not None \
            else []
        known = set(latest["follower_id"]) | set(following)
        users = audience.users[audience.users["id"].isin(known)]
        return cls.from_frames(audience.account, users, list(latest["follower_id"]), following,
                               audience.tweets, **kw)

    # ---------------------------------------------------------------- control
    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeX:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fake-x",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeX:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def follow(self, account_id: str, new_ids: Iterable[str]) -> None:
        """New followers arrive (at the head of the list, as on X): pages shift."""
        with self._lock:
            lst = self.accounts[str(account_id)]["followers"]
            lst[:0] = [str(x) for x in new_ids]

    def visible_followers(self, account_id: str) -> list[str]:
        """The follower list X would show now (suspended and deleted accounts left out)."""
        hidden = self.suspended | self.deleted
        return [x for x in self.accounts[str(account_id)]["followers"] if x not in hidden]

    # ---------------------------------------------------------------- handling
    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else headers and body wait on delayed ACKs (40 ms)

            def log_message(self, fmt, *args):  # quiet; requests are recorded instead
                log.debug("fake X: " + fmt, *args)

            def do_GET(self):  # noqa: N802
                try:
                    server._handle(self)
                except (BrokenPipeError, ConnectionResetError, socket.timeout):
                    self.close_connection = True
                except Exception as exc:  # a bug in the fake: answer 500 and say why
                    log.exception("fake X failed on %s", self.path)
                    server.failures.append(f"{self.path}: {exc!r}")
                    try:
                        server._send(self, 500, {"title": "Fake server bug", "type":
                                                 "about:blank", "detail": repr(exc)})
                    except OSError:
                        self.close_connection = True

        return Handler

    def _send(self, h, status: int, body: bytes | dict, headers: Mapping[str, str] = (),
              fault: str | None = None) -> None:
        if isinstance(body, dict):
            body = json.dumps(body, ensure_ascii=False).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json; charset=utf-8")
        for k, v in dict(headers).items():
            h.send_header(k, v)
        if fault == "short":
            body = body[: max(1, len(body) // 2)]
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if fault == "truncate":
            h.wfile.write(body[: max(1, len(body) // 2)])
            h.wfile.flush()
            h.close_connection = True
            try:
                h.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        h.wfile.write(body)

    def _rate_headers(self, endpoint: str) -> tuple[dict, bool]:
        now = time.time()
        limit, window = self.rate_limits.get(endpoint, (1_000_000, 900.0))
        with self._lock:
            w = self._windows.setdefault(endpoint, [now, 0])
            if now >= w[0] + window:
                w[0], w[1] = now, 0
            w[1] += 1
            over = w[1] > limit
            remaining = max(limit - w[1], 0)
            reset = int(np.ceil(w[0] + window))
        return ({"x-rate-limit-limit": str(limit), "x-rate-limit-remaining": str(remaining),
                 "x-rate-limit-reset": str(reset)}, over)

    def _handle(self, h) -> None:
        parts = urlsplit(h.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        auth = h.headers.get("Authorization", "")
        self.auth_headers.add(auth)
        for pattern, endpoint, template in _ROUTES:
            m = pattern.match(parts.path)
            if m:
                break
        else:
            self._send(h, 404, _problem("Not Found", f"no route {parts.path}", "about:blank"))
            return
        path_params = m.groupdict()
        with self._lock:
            self.requests.append({"endpoint": endpoint, "path": parts.path, "query": query})
        if self.token is not None and auth != f"Bearer {self.token}":
            self._send(h, 401, {"title": "Unauthorized", "type": "about:blank", "status": 401,
                                "detail": "Unauthorized"})
            return
        if self.payment_required:
            self._send(h, 402, {"title": "Payment Required", "type": "about:blank",
                                "status": 402, "detail": "Your enrolled account has no credits "
                                "left; add credits in the developer console."})
            return
        if endpoint in self.forbidden:
            self._send(h, 403, {
                "title": "Client Forbidden", "type":
                "https://api.twitter.com/2/problems/client-forbidden",
                "detail": "When authenticating requests to the Twitter API v2 endpoints, you "
                          "must use keys and tokens from a Twitter developer App that is "
                          "attached to a Project. You can create a project via the developer "
                          "portal.", "reason": "client-not-enrolled",
                "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
                "required_enrollment": "Appropriate Level of API Access"})
            return
        if self.spec is not None:
            problems = self.spec.check_request(template, path_params, query)
            if problems:
                with self._lock:
                    self.invalid_requests.append({"path": parts.path, "query": query,
                                                  "problems": problems})
                self._send(h, 400, {
                    "errors": [{"parameters": {n: [v]}, "message": msg}
                               for n, v, msg in problems],
                    "title": "Invalid Request", "type":
                    "https://api.twitter.com/2/problems/invalid-request",
                    "detail": "One or more parameters to your request was invalid."})
                return
        headers, over = self._rate_headers(endpoint)
        fault = self.faults.draw(endpoint) if self.faults is not None else None
        if over or fault == "429":
            if fault == "429":
                headers["x-rate-limit-remaining"] = "0"
                headers["x-rate-limit-reset"] = str(int(time.time() + self.faults.reset_in))
            self._send(h, 429, {"title": "Too Many Requests", "detail": "Too Many Requests",
                                "type": "about:blank", "status": 429}, headers)
            return
        if fault in ("500", "503"):
            status = int(fault)
            self._send(h, status, {"title": "Service Unavailable" if status == 503 else
                                   "Internal Server Error", "type": "about:blank",
                                   "status": status, "detail": "injected fault"}, headers)
            return
        if fault == "timeout":
            time.sleep(self.faults.delay)
        if self.latency:
            time.sleep(self.latency)
        status, body = getattr(self, f"_ep_{endpoint}")(path_params, query)
        if status == 200 and self.validate_responses:
            errs = self.spec.check_response(template, json.loads(body) if isinstance(body, bytes)
                                            else body)
            if errs:
                with self._lock:
                    self.invalid_responses.append({"path": parts.path, "errors": errs[:5]})
        self._send(h, status, body, headers, fault if fault in ("truncate", "short") else None)

    # ---------------------------------------------------------------- endpoints
    def _user_fields(self, query) -> tuple:
        extra = [f for f in query.get("user.fields", "").split(",") if f]
        return tuple(sorted(set(DEFAULT_USER_FIELDS) | set(extra)))

    def _user_missing(self, uid: str, parameter: str) -> dict | None:
        if uid in self.deleted or uid not in self.data.index:
            return _problem("Not Found Error", f"Could not find user with {parameter}: [{uid}].",
                            "https://api.twitter.com/2/problems/resource-not-found",
                            value=uid, resource_type="user", parameter=parameter,
                            resource_id=uid)
        if uid in self.suspended:
            return _problem("Forbidden", f"User has been suspended: [{uid}].",
                            "https://api.twitter.com/2/problems/resource-not-found",
                            value=uid, resource_type="user", parameter=parameter,
                            resource_id=uid)
        return None

    def _ep_user(self, pp, q):
        uid = pp["id"]
        err = self._user_missing(uid, "id")
        if err:
            return 200, {"errors": [err]}
        return 200, b'{"data":' + self.data.user_json(self.data.index[uid],
                                                       self._user_fields(q)) + b"}"

    def _ep_user_by_username(self, pp, q):
        i = self.data.by_username.get(pp["username"].lower())
        if i is None or str(self.data._cols["id"][i]) in self.deleted:
            name = pp["username"]
            return 200, {"errors": [_problem(
                "Not Found Error", f"Could not find user with username: [{name}].",
                "https://api.twitter.com/2/problems/resource-not-found", value=name,
                resource_type="user", parameter="username", resource_id=name)]}
        return 200, b'{"data":' + self.data.user_json(i, self._user_fields(q)) + b"}"

    def _ep_users(self, pp, q):
        fields = self._user_fields(q)
        data, errors = [], []
        for uid in q.get("ids", "").split(","):
            err = self._user_missing(uid, "ids")
            if err:
                errors.append(err)
            else:
                data.append(self.data.user_json(self.data.index[uid], fields))
        body = {}
        out = b"{"
        if data:
            out += b'"data":[' + b",".join(data) + b"]"
        if errors:
            out += (b"," if data else b"") + b'"errors":' + json.dumps(errors).encode()
        return 200, out + b"}" if (data or errors) else body

    def _page_of_ids(self, ids: list[str], q, default_max: int, hard_max: int):
        max_results = int(q.get("max_results", default_max))
        if not 1 <= max_results <= hard_max:
            return None, None, self._bad_param("max_results", q.get("max_results"),
                                               f"is not between 1 and {hard_max}")
        token = q.get("pagination_token")
        offset = 0
        if self.runaway == "repeat":
            return ids[:max_results], "SAME", None
        if token:
            offset = _decode_token(token, self._salt)
            if offset is None:
                return None, None, self._bad_param("pagination_token", token, "is not valid")
        if self.runaway == "endless":
            start = offset % max(len(ids), 1)
            return ids[start: start + max_results], _encode_token(offset + max_results,
                                                                  self._salt), None
        page = ids[offset: offset + max_results]
        nxt = _encode_token(offset + max_results, self._salt) \
            if offset + max_results < len(ids) else None
        return page, nxt, None

    @staticmethod
    def _bad_param(name, value, why):
        return 400, {"errors": [{"parameters": {name: [str(value)]},
                                 "message": f"The `{name}` query parameter value [{value}] "
                                            f"{why}"}],
                     "title": "Invalid Request", "type":
                     "https://api.twitter.com/2/problems/invalid-request",
                     "detail": "One or more parameters to your request was invalid."}

    def _list_endpoint(self, pp, q, which: str):
        uid = pp["id"]
        if uid not in self.accounts:
            err = self._user_missing(uid, "id")
            return 200, {"errors": [err or _problem(
                "Not Found Error", f"Could not find user with id: [{uid}].",
                "https://api.twitter.com/2/problems/resource-not-found", value=uid,
                resource_type="user", parameter="id", resource_id=uid)]}
        ids = self._visible(uid, which)
        page, nxt, bad = self._page_of_ids(ids, q, 100, 1000)
        if bad:
            return bad
        fields = self._user_fields(q)
        idx = self.data.index
        rows = [idx[x] for x in page if x in idx]
        data = [self.data.user_json(i, fields) for i in rows]
        meta = {"result_count": len(data)}
        if nxt:
            meta["next_token"] = nxt
        head = b'{"data":[' + b",".join(data) + b"]," if data else b"{"
        return 200, head + self._expansions(q, users=rows) + b'"meta":' + \
            json.dumps(meta).encode() + b"}"

    def _expansions(self, q, *, users: list[int] = (), tweets: list[Mapping] = ()) -> bytes:
        """``"includes": ..., "errors": ...,`` for the requested expansions: the pinned tweets
        of users (an error for each X could not find, as X answers), the authors of tweets."""
        wanted = set(q.get("expansions", "").split(","))
        inc_tweets, inc_users, errors = [], [], []
        if "pinned_tweet_id" in wanted and "pinned_tweet_id" in self.data._cols:
            tfields = tuple(sorted(set(DEFAULT_TWEET_FIELDS) |
                                   {f for f in q.get("tweet.fields", "").split(",") if f}))
            for i in users:
                pinned = self.data._cols["pinned_tweet_id"][i]
                if _isna(pinned):
                    continue
                row = self.data._tweet_rows.get(str(pinned))
                if row is not None:
                    inc_tweets.append(self.data.tweet_json(row, tfields))
                else:
                    errors.append(_problem(
                        "Not Found Error", f"Could not find tweet with pinned_tweet_id: "
                        f"[{pinned}].", "https://api.twitter.com/2/problems/resource-not-found",
                        value=str(pinned), resource_type="tweet", parameter="pinned_tweet_id",
                        resource_id=str(pinned)))
        if "author_id" in wanted:
            ufields = self._user_fields(q)
            seen = dict.fromkeys(str(t["author_id"]) for t in tweets)
            inc_users = [self.data.user_json(self.data.index[a], ufields) for a in seen
                         if a in self.data.index]
        out = b""
        parts = []
        if inc_users:
            parts.append(b'"users":[' + b",".join(inc_users) + b"]")
        if inc_tweets:
            parts.append(b'"tweets":[' + b",".join(inc_tweets) + b"]")
        if parts:
            out += b'"includes":{' + b",".join(parts) + b"},"
        if errors:
            out += b'"errors":' + json.dumps(errors).encode() + b","
        return out

    def _visible(self, uid: str, which: str) -> list[str]:
        """The list without suspended and deleted accounts (cached: pages are cut from it)."""
        with self._lock:
            raw = self.accounts[uid][which]
            hidden = self.suspended | self.deleted
            key = (uid, which, len(raw), raw[0] if raw else None, tuple(sorted(hidden)))
            hit = self._visible_cache.get((uid, which))
            if hit is None or hit[0] != key:
                hit = (key, [x for x in raw if x not in hidden] if hidden else list(raw))
                self._visible_cache[(uid, which)] = hit
            return hit[1]

    def _ep_followers(self, pp, q):
        return self._list_endpoint(pp, q, "followers")

    def _ep_following(self, pp, q):
        return self._list_endpoint(pp, q, "following")

    def _ep_tweets(self, pp, q):
        uid = pp["id"]
        err = self._user_missing(uid, "id")
        if err:
            return 200, {"errors": [err]}
        i = self.data.index[uid]
        if bool(self.data._cols.get("protected", [False] * (i + 1))[i] is True):
            return 200, {"errors": [_problem(
                "Authorization Error", f"Sorry, you are not authorized to see the user with "
                f"id: [{uid}].", "https://api.twitter.com/2/problems/not-authorized-for-resource",
                value=uid, resource_type="user", parameter="id", resource_id=uid)]}
        timeline = self.data.timelines.get(uid)
        rows = [] if timeline is None else timeline.to_dict("records")
        since = q.get("since_id")
        if since:
            rows = [r for r in rows if int(r["id"]) > int(since)]
        max_results = int(q.get("max_results", 10))
        if not 5 <= max_results <= 100:
            return self._bad_param("max_results", max_results, "is not between 5 and 100")
        token = q.get("pagination_token")
        offset = 0
        if token and self.runaway != "repeat":  # repeating: every page is the first
            offset = _decode_token(token, self._salt)
            if offset is None:
                return self._bad_param("pagination_token", token, "is not valid")
        page = rows[offset: offset + max_results]
        fields = tuple(sorted(set(DEFAULT_TWEET_FIELDS) |
                              {f for f in q.get("tweet.fields", "").split(",") if f}))
        meta: dict[str, object] = {"result_count": len(page)}
        if page:
            meta["newest_id"] = str(page[0]["id"])
            meta["oldest_id"] = str(page[-1]["id"])
        if self.runaway == "repeat":
            meta["next_token"] = "SAME"
        elif offset + max_results < len(rows):
            meta["next_token"] = _encode_token(offset + max_results, self._salt)
        data = [self.data.tweet_json(r, fields) for r in page]
        head = b'{"data":[' + b",".join(data) + b"]," if data else b"{"
        return 200, head + self._expansions(q, tweets=page) + b'"meta":' + \
            json.dumps(meta).encode() + b"}"


def synthetic_audience(n: int, *, seed: int = 0, account_id: str = "4242424242",
                       username: str = "bigaccount") -> tuple[dict, pd.DataFrame, list[str]]:
    """A large synthetic audience for load tests: (account, users frame, follower ids newest
    first). Profiles are plausible but simple; built vectorized so 1M users take seconds."""
    rng = np.random.default_rng(seed)
    ids = pd.Series(rng.choice(np.arange(10**9, 10**9 + 40 * n, dtype=np.int64), n,
                               replace=False)).astype(str)
    handles = "user_" + pd.Series(np.arange(n)).astype(str)
    created = pd.Timestamp("2009-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 15 * 365 * 86400, n), unit="s")
    users = pd.DataFrame({
        "id": ids, "username": handles, "name": "User " + pd.Series(np.arange(n)).astype(str),
        "description": np.where(rng.random(n) < 0.7, "I write about data, coffee and cities", ""),
        "location": np.where(rng.random(n) < 0.5, "Lisbon", None),
        "url": np.where(rng.random(n) < 0.3, "https://example.org/me", None),
        "created_at": created,
        "followers_count": rng.integers(0, 5000, n), "following_count": rng.integers(0, 3000, n),
        "tweet_count": rng.integers(0, 20000, n), "listed_count": rng.integers(0, 50, n),
        "like_count": rng.integers(0, 9000, n), "verified": rng.random(n) < 0.01,
        "verified_type": "none", "protected": rng.random(n) < 0.03,
        "profile_image_url": "https://pbs.twimg.com/profile_images/1/a_normal.jpg",
    })
    account = {"id": account_id, "username": username, "name": "Big Account"}
    return account, users, list(ids)


__all__ = ["FakeX", "Faults", "OpenAPISpec", "synthetic_audience"]
