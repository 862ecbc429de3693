"""A local fake Bluesky AppView (a real HTTP server on 127.0.0.1) for tests, demos and benchmarks.

It serves canonical frames (the sample audience by default) as the AppView does, over XRPC:
``com.atproto.identity.resolveHandle``, ``app.bsky.actor.getProfiles`` (at most 25 actors; left
out when unknown; duplicates repeated, input order kept), ``app.bsky.graph.getFollowers`` and
``getFollows`` (``limit`` 1-100, opaque ``cursor``; pages come back short when followers are
hidden, and the last page has no ``cursor``), ``app.bsky.feed.getAuthorFeed`` (posts, replies,
quotes, reposts with ``reasonRepost``). Every answer carries the ``ratelimit-limit``,
``ratelimit-remaining``, ``ratelimit-reset`` and ``ratelimit-policy`` headers; faults are those
of the fake X API (:class:`follower_kit.fake_x.Faults`: 429 bursts, 5xx, stalls, cut bodies).

Ids: an X-style sample id becomes a DID (``did:plc:`` + 24 base32 characters of its hash), a
username a handle under ``.bsky.social`` (:func:`to_did`, :func:`to_handle`), so a pull's result
can be compared with the sample's truth. Accounts the sample calls spam bots carry Bluesky's
moderation label ``spam`` (every other one: a labeler does not catch all), feed bots the
self-label ``bot``.

Given the lexicons (``lexicons=Lexicons(PATH)``) it checks every request's parameters (a bad
one gets the AppView's 400 ``InvalidRequest`` and is recorded in ``invalid_requests``) and every
response body (failures recorded in ``invalid_responses``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from collections.abc import Iterable, Mapping
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd

from .. import schema
from .fake_x import FakeX, Faults
from .lexicon import Lexicons

MODERATION_DID = "did:plc:ar7c4by46qjdydhdevvrndac"  # Bluesky's own labeler (NOTES.md 7)
_ENDPOINTS = {"com.atproto.identity.resolveHandle": "resolve",
              "app.bsky.actor.getProfiles": "profiles",
              "app.bsky.graph.getFollowers": "followers",
              "app.bsky.graph.getFollows": "follows",
              "app.bsky.feed.getAuthorFeed": "feed"}


#: Profile fields X has and Bluesky does not: the sample moved to Bluesky leaves them empty.
BLUESKY_LACKS = ("location", "listed_count", "like_count", "verified", "verified_type")


def to_did(ids: Iterable[str]) -> list[str]:
    """The fake DID of each sample id: deterministic, distinct, valid ``did:plc``."""
    return ["did:plc:" + base64.b32encode(hashlib.sha256(str(i).encode()).digest())
            .decode().lower()[:24] for i in ids]


def to_handle(usernames: Iterable[str]) -> list[str]:
    """The fake handle of each sample username (``_`` is not allowed in handles)."""
    out = []
    for u in usernames:
        stem = "".join(c if c.isalnum() else "-" for c in str(u).lower()).strip("-") or "user"
        out.append(f"{stem[:40].strip('-')}.bsky.social")
    return out


def _iso(ts) -> str | None:
    if ts is None or pd.isna(ts):
        return None
    return pd.Timestamp(ts).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _cid(key: str) -> str:
    return "bafyrei" + base64.b32encode(hashlib.sha256(key.encode()).digest()).decode() \
        .lower().rstrip("=")[:52]


def _cap(text, graphemes: int, max_bytes: int):
    """Text cut to a lexicon's limits (a record longer than them cannot exist on Bluesky);
    characters stand in for graphemes."""
    if not isinstance(text, str):
        return None
    text = text[:graphemes]
    while len(text.encode()) > max_bytes:
        text = text[:-1]
    return text


def _clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


class FakeBluesky(FakeX):
    """The fake AppView. It shares the fake X server's HTTP machinery (threads, sending,
    truncation faults, start/stop) and nothing of its X data model.

    Parameters
    ----------
    users : DataFrame
        Canonical users frame with ``id`` as DIDs and ``username`` as handles and ``labels``
        (``bot`` is served as a self-label, the rest as moderation labels); every account the
        server knows.
    accounts : mapping
        account DID -> ``{"followers": [DIDs, newest first], "follows": [DIDs]}``.
    posts : DataFrame, optional
        Canonical tweets frame keyed by DIDs and AT URIs (the feeds).
    faults : Faults, optional
    rate_limit : (requests, window seconds), optional
        Real 429s beyond; without it the headers announce 1,000,000 per 300 s (a client that
        waits when none are left must not wait in tests and benchmarks).
    lexicons : Lexicons, optional
        Validate every request and response.
    hidden : iterable of DIDs
        Accounts the AppView no longer shows (deactivated, deleted, taken down): dropped from
        lists after fetching a page (pages come back short, with a cursor) and left out of
        ``getProfiles`` answers, as the real AppView leaves them out (NOTES.md section 3).
        The set ``hidden`` may change between requests: an account deactivated mid-test.
    runaway : {"repeat"}, optional
        Every list page answers the same cursor.
    """

    def __init__(self, users: pd.DataFrame, accounts: Mapping[str, Mapping], posts=None, *,
                 faults: Faults | None = None, rate_limit: tuple[int, float] | None = None,
                 lexicons: Lexicons | None = None, hidden: Iterable[str] = (),
                 runaway: str | None = None, latency: float = 0.0, host: str = "127.0.0.1",
                 port: int = 0):
        self.accounts = {str(k): {"followers": list(v.get("followers", [])),
                                  "follows": list(v.get("follows", []))}
                         for k, v in accounts.items()}
        self.faults = faults
        self.rate_limit = rate_limit
        self.lexicons = lexicons
        self.hidden = set(hidden)
        self.runaway = runaway
        self.latency = latency
        self.requests: list[dict] = []
        self.invalid_requests: list[dict] = []
        self.invalid_responses: list[dict] = []
        self.failures: list[str] = []
        self._window = [time.time(), 0]
        self._lock = threading.Lock()
        self._build(users, posts)
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = None

    # ---------------------------------------------------------------- data
    def _build(self, users: pd.DataFrame, posts) -> None:
        """Every account's JSON views, encoded once (a 1M-follower list is served from them)."""
        u = users.drop_duplicates("id").reset_index(drop=True)
        n = len(u)
        self.index = {d: i for i, d in enumerate(u["id"])}
        self.handles = {h.lower(): d for h, d in zip(u["username"], u["id"])}

        def col(name):
            return u[name].astype(object).where(u[name].notna(), None).tolist() \
                if name in u.columns else [None] * n

        dids, handles = col("id"), col("username")
        names = [_cap(v, 64, 640) for v in col("name")]
        bios = [_cap(v, 256, 2560) for v in col("description")]
        created = [_iso(t) for t in u["created_at"]] if "created_at" in u.columns else [None] * n
        avatars = col("profile_image_url")
        counts = {k: col(c) for k, c in (("followersCount", "followers_count"),
                                         ("followsCount", "following_count"),
                                         ("postsCount", "tweet_count"))}
        labels = col("labels")
        stamp = "2026-12-01T00:00:00.000Z"
        views = []
        for i in range(n):
            # "bot" is a self-label (set by the account on its profile record); the rest come
            # from Bluesky's moderation service
            labs = [{"src": dids[i], "uri": f"at://{dids[i]}/app.bsky.actor.profile/self",
                     "val": v, "cts": stamp} if v == "bot" else
                    {"src": MODERATION_DID, "uri": dids[i], "val": v, "cts": stamp}
                    for v in (list(labels[i]) if labels[i] is not None else [])]
            view = _clean({"did": dids[i], "handle": handles[i], "displayName": names[i],
                           "avatar": avatars[i], "description": bios[i], "indexedAt": stamp,
                           "createdAt": created[i]})
            view["labels"] = labs
            views.append(json.dumps(view, ensure_ascii=False).encode())
        self.views = views
        # profileViewDetailed = the list view plus counts, built when asked (a 1M-follower
        # list pulled without getProfiles never pays for them)
        self._counts = [[int(v) if v is not None else 0 for v in counts[k]]
                        for k in ("followersCount", "followsCount", "postsCount")]
        self.feeds: dict[str, list[bytes]] = {}
        if posts is not None and len(posts):
            p = posts.sort_values(["author_id", "created_at", "id"],
                                  ascending=[True, False, False])
            for row in p.itertuples(index=False):
                item = self._feed_item(row)
                if item is not None:
                    self.feeds.setdefault(row.author_id, []).append(item)

    def detailed(self, i: int) -> bytes:
        """The ``profileViewDetailed`` of account ``i``: its list view plus the counts (bytes
        formatted, not ``json.dumps``: 25 of these make a ``getProfiles`` answer, and a
        million-follower pull asks 40,000)."""
        c = self._counts
        return b'%s,"followersCount":%d,"followsCount":%d,"postsCount":%d}' % (
            self.views[i][:-1], c[0][i], c[1][i], c[2][i])

    def _feed_item(self, row) -> bytes | None:
        i = self.index.get(row.author_id)
        if i is None:
            return None
        view = json.loads(self.views[i])
        author = {k: view[k] for k in ("did", "handle", "displayName", "avatar", "labels",
                                       "createdAt") if k in view}
        text = _cap(row.text, 300, 3000) or ""
        record = _clean({"$type": "app.bsky.feed.post", "text": text,
                         "createdAt": _iso(row.created_at),
                         "langs": [row.lang] if isinstance(row.lang, str) and row.lang != "und"
                         else None})
        facets = []
        encoded = text.encode()
        for tag in list(row.hashtags):
            at = encoded.find(f"#{tag}".encode())
            if at >= 0:
                facets.append({"index": {"byteStart": at, "byteEnd": at + 1 + len(tag.encode())},
                               "features": [{"$type": "app.bsky.richtext.facet#tag",
                                             "tag": tag}]})
        for handle in list(row.mentions):
            # a mention facet spans "@handle" in the text and names the account's DID
            at = encoded.find(f"@{handle}".encode())
            if at >= 0:
                did = self.handles.get(str(handle).lower()) or to_did([handle])[0]
                facets.append({"index": {"byteStart": at,
                                         "byteEnd": at + 1 + len(str(handle).encode())},
                               "features": [{"$type": "app.bsky.richtext.facet#mention",
                                             "did": did}]})
        for url in list(row.urls):
            facets.append({"index": {"byteStart": 0, "byteEnd": 0},
                           "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}]})
        if facets:
            record["facets"] = facets
        uri = str(row.id)
        if row.kind == "reply" and isinstance(row.conversation_id, str):
            parent = row.conversation_id
            ref = {"uri": parent, "cid": _cid(parent)}
            record["reply"] = {"root": ref, "parent": ref}
        if row.kind == "quote":
            quoted = f"at://{row.author_id}/app.bsky.feed.post/quoted{abs(hash(uri)) % 10**6}"
            record["embed"] = {"$type": "app.bsky.embed.record",
                               "record": {"uri": quoted, "cid": _cid(quoted)}}
        post = {"uri": uri, "cid": _cid(uri), "author": author, "record": record,
                "replyCount": _int(row.reply_count), "repostCount": _int(row.retweet_count),
                "likeCount": _int(row.like_count), "quoteCount": _int(row.quote_count),
                "indexedAt": _iso(row.created_at), "labels": []}
        item: dict = {"post": post}
        if row.kind == "retweet":
            # the reposted post is someone else's: the repost record is the row's id
            original = uri.replace("/app.bsky.feed.repost/", "/app.bsky.feed.post/")
            post["uri"], post["cid"] = original, _cid(original)
            item["reason"] = {"$type": "app.bsky.feed.defs#reasonRepost", "by": author,
                              "uri": uri, "cid": _cid(uri), "indexedAt": _iso(row.created_at)}
        return json.dumps(item, ensure_ascii=False).encode()

    # ---------------------------------------------------------------- construction
    @classmethod
    def from_sample(cls, audience, *, handle: str = "sample.bsky.social", **kw) -> FakeBluesky:
        """Serve a sample audience's latest snapshot as a Bluesky account named ``handle``."""
        frames = sample_as_bluesky(audience, handle=handle)
        return cls(frames["users"], {frames["account"]["id"]: {
            "followers": frames["followers"], "follows": frames["follows"]}},
            frames["posts"], **kw)

    def visible_followers(self, account_id: str) -> list[str]:
        """The follower list the AppView would show now (hidden accounts left out)."""
        return [d for d in self.accounts[account_id]["followers"] if d not in self.hidden]

    # ---------------------------------------------------------------- handling
    def _rate_headers(self, endpoint: str = "") -> tuple[dict, bool]:
        limit, window = self.rate_limit or (1_000_000, 300.0)
        now = time.time()
        with self._lock:
            if now >= self._window[0] + window:
                self._window[:] = [now, 0]
            self._window[1] += 1
            used = self._window[1]
            reset = int(np.ceil(self._window[0] + window))
        over = self.rate_limit is not None and used > limit
        return ({"ratelimit-limit": str(limit), "ratelimit-remaining": str(max(limit - used, 0)),
                 "ratelimit-reset": str(reset), "ratelimit-policy": f"{limit};w={int(window)}"},
                over)

    def _error(self, h, status: int, error: str, message: str, headers=()) -> None:
        self._send(h, status, {"error": error, "message": message}, headers)

    def _handle(self, h) -> None:
        parts = urlsplit(h.path)
        query = {k: (v if len(v) > 1 or k == "actors" else v[0])
                 for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        nsid = parts.path.removeprefix("/xrpc/")
        endpoint = _ENDPOINTS.get(nsid)
        with self._lock:
            self.requests.append({"nsid": nsid, "query": query})
        if endpoint is None:
            self._error(h, 501, "MethodNotImplemented", f"Method Not Implemented: {nsid}")
            return
        if self.lexicons is not None:
            problems = self.lexicons.check_params(nsid, query)
            if problems:
                with self._lock:
                    self.invalid_requests.append({"nsid": nsid, "query": query,
                                                  "problems": problems})
                self._error(h, 400, "InvalidRequest", "; ".join(problems))
                return
        headers, over = self._rate_headers()
        fault = self.faults.draw(endpoint) if self.faults is not None else None
        if over or fault == "429":
            if fault == "429":
                headers["ratelimit-remaining"] = "0"
                headers["ratelimit-reset"] = str(int(time.time() + self.faults.reset_in))
            self._error(h, 429, "RateLimitExceeded", "Rate Limit Exceeded", headers)
            return
        if fault in ("500", "503"):
            self._error(h, int(fault), "InternalServerError", "Internal Server Error", headers)
            return
        if fault == "timeout":
            time.sleep(self.faults.delay)
        if self.latency:
            time.sleep(self.latency)
        status, body = getattr(self, f"_ep_{endpoint}")(query)
        if self.lexicons is not None:
            problems = self.lexicons.check_output(nsid, json.loads(body)) if status == 200 \
                else []
            if problems:
                with self._lock:
                    self.invalid_responses.append({"nsid": nsid, "problems": problems[:5]})
        self._send(h, status, body, headers, fault if fault in ("truncate", "short") else None)

    # ---------------------------------------------------------------- endpoints
    def _did(self, actor: str) -> str | None:
        if actor in self.index:
            return actor
        return self.handles.get(str(actor).lower())

    def _ep_resolve(self, q):
        did = self.handles.get(str(q.get("handle", "")).lower())
        if did is None:
            return 400, json.dumps({"error": "InvalidRequest",
                                    "message": "Unable to resolve handle"}).encode()
        return 200, json.dumps({"did": did}).encode()

    def _ep_profiles(self, q):
        actors = q.get("actors") or []
        found = [self._did(a) for a in actors]
        items = [self.detailed(self.index[d]) for d in found if d is not None
                 and d not in self.hidden]
        return 200, b'{"profiles":[' + b",".join(items) + b"]}"

    def _list(self, q, which: str):
        did = self._did(q.get("actor", ""))
        if did is None or did not in self.accounts:
            return 400, json.dumps({"error": "InvalidRequest",
                                    "message": f"Actor not found: {q.get('actor')}"}).encode()
        ids = self.accounts[did][which]
        limit = int(q.get("limit", 50))
        offset = 0 if self.runaway == "repeat" else _offset(q.get("cursor"))
        if offset is None:  # a cursor this server never gave (or a 2023 one): an empty page
            return 200, b'{"subject":' + self.views[self.index[did]] + b',"' + \
                which.encode() + b'":[]}'
        page = [self.views[self.index[d]] for d in ids[offset:offset + limit]
                if d not in self.hidden and d in self.index]
        cursor = None
        if self.runaway == "repeat":
            cursor = "SAME"
        elif offset + limit < len(ids):
            cursor = _cursor(offset + limit)
        tail = b"" if cursor is None else b',"cursor":"' + cursor.encode() + b'"'
        return 200, b'{"subject":' + self.views[self.index[did]] + b',"' + which.encode() + \
            b'":[' + b",".join(page) + b"]" + tail + b"}"

    def _ep_followers(self, q):
        return self._list(q, "followers")

    def _ep_follows(self, q):
        return self._list(q, "follows")

    def _ep_feed(self, q):
        did = self._did(q.get("actor", ""))
        if did is None:
            return 400, json.dumps({"error": "InvalidRequest",
                                    "message": "Profile not found"}).encode()
        items = self.feeds.get(did, [])
        limit = int(q.get("limit", 50))
        offset = _offset(q.get("cursor")) or 0
        page = items[offset:offset + limit]
        tail = b',"cursor":"' + _cursor(offset + limit).encode() + b'"' \
            if offset + limit < len(items) else b""
        return 200, b'{"feed":[' + b",".join(page) + b"]" + tail + b"}"


def _int(v) -> int:
    return 0 if v is None or pd.isna(v) else int(v)


def _cursor(offset: int) -> str:
    """An opaque cursor (the real ones are TIDs or timestamps; no client may read them)."""
    return base64.b32encode(f"fk{offset:012d}".encode()).decode().lower().rstrip("=")


def _offset(cursor) -> int | None:
    if cursor is None:
        return 0
    try:
        text = base64.b32decode(cursor.upper() + "=" * (-len(cursor) % 8)).decode()
        return int(text.removeprefix("fk")) if text.startswith("fk") else None
    except (ValueError, UnicodeDecodeError):
        return None


def synthetic_bluesky(n: int, *, seed: int = 0, handle: str = "bigaccount.bsky.social"
                      ) -> FakeBluesky:
    """A fake AppView serving a large synthetic account (``n`` followers) for load tests: the
    fake X API's synthetic audience with DIDs, handles and no X-only fields."""
    from .fake_x import synthetic_audience

    account, users, followers = synthetic_audience(n, seed=seed)
    dids = to_did(users["id"])
    did_of = dict(zip(users["id"], dids))
    users = users.assign(id=dids, username=to_handle(users["username"]),
                         **{c: None for c in BLUESKY_LACKS})
    acct = {"id": to_did([account["id"]])[0], "username": handle, "name": account["name"],
            "followers_count": n, "following_count": 0}
    users = pd.concat([users, pd.DataFrame([acct])], ignore_index=True)
    return FakeBluesky(users, {acct["id"]: {"followers": [did_of[f] for f in followers]}})


def as_bluesky(audience, *, handle: str = "sample.bsky.social"):
    """A sample audience moved to Bluesky, every snapshot: DIDs for ids, handles for usernames,
    AT URIs for tweet ids (reposts as ``app.bsky.feed.repost`` records), the account's
    ``network`` set, avatars as Bluesky CDN URLs (none for a default avatar: the AppView leaves
    ``avatar`` out), ``labels`` on the users (``spam`` from Bluesky's labeler on every other
    spam bot of the truth, the self-label ``bot`` on feed bots), and the profile fields Bluesky
    lacks (:data:`BLUESKY_LACKS`) empty. ``write_sample`` stores it like the X sample.

    Returns
    -------
    SampleAudience
        The same audience; ``truth.follower_id`` and ``following.following_id`` are DIDs too.
    """
    from dataclasses import replace

    acct = audience.account
    ids = pd.Index(audience.users["id"]).append(pd.Index([acct["id"]])).append(
        pd.Index(audience.following["following_id"] if audience.following is not None else []))
    ids = ids.astype(str).unique()
    did_of = dict(zip(ids, to_did(ids)))
    users = audience.users
    truth = audience.truth.set_index("follower_id")["bot_kind"] if audience.truth is not None \
        else pd.Series(dtype=object)
    kind = users["id"].map(truth)
    spam = (kind == "spam").to_numpy() & (np.arange(len(users)) % 2 == 0)
    feed = (kind == "feed").to_numpy()
    users = users.assign(**{c: None for c in BLUESKY_LACKS}, protected=False)
    dids = users["id"].map(did_of)
    # no avatar is no `avatar` field on Bluesky (X serves a default image's URL instead); a set
    # one is a CDN URL as the AppView gives it
    default = users["default_profile_image"].fillna(False).astype(bool) \
        if "default_profile_image" in users.columns else pd.Series(False, index=users.index)
    users = users.assign(profile_image_url=[
        None if d else f"https://cdn.bsky.app/img/avatar/plain/{did}/{_cid(did)}@jpeg"
        for did, d in zip(dids, default)])
    start = audience.followers["snapshot_at"].min() if len(audience.followers) else None
    if "created_at" in users.columns:
        users = users.assign(created_at=bluesky_era(users["created_at"], start))
    users = users.assign(id=dids, username=to_handle(users["username"]),
                         labels=pd.Series([(["spam"] if s else []) + (["bot"] if f else [])
                                           for s, f in zip(spam, feed)], index=users.index,
                                          dtype=schema.STR_LIST))
    t = _reposts_without_prefix(audience.tweets)
    # a mention is written as the Bluesky handle, the account's own as ``handle``
    own = str(acct["username"]).lower()

    def as_handles(ms):
        return [handle if str(m).lower() == own else to_handle([m])[0] for m in ms]

    t = t.assign(text=[_mentions_as_handles(x, ms, as_handles(ms))
                       for x, ms in zip(t["text"], t["mentions"])])
    author = t["author_id"].map(did_of)
    coll = np.where(t["kind"] == "retweet", "app.bsky.feed.repost", "app.bsky.feed.post")
    tweets = t.assign(
        id=[f"at://{a}/{c}/{i}" for a, c, i in zip(author, coll, t["id"])], author_id=author,
        conversation_id=[f"at://{did_of.get(u, a)}/app.bsky.feed.post/{c}"
                         if k == "reply" else None
                         for a, u, c, k in zip(author, t["in_reply_to_user_id"],
                                               t["conversation_id"], t["kind"])],
        in_reply_to_user_id=t["in_reply_to_user_id"].map(did_of),
        mentions=pd.Series([as_handles(ms) for ms in t["mentions"]], index=t.index,
                           dtype=schema.STR_LIST))
    account = {**acct, "id": did_of[str(acct["id"])], "username": handle, "network": "bluesky"}
    if acct.get("created_at") is not None:
        account["created_at"] = bluesky_era(pd.Series([acct["created_at"]]), start).iloc[0]
    return replace(
        audience, account=account, users=users, tweets=tweets,
        followers=audience.followers.assign(
            follower_id=audience.followers["follower_id"].map(did_of)),
        following=audience.following.assign(
            following_id=audience.following["following_id"].map(did_of)),
        truth=audience.truth.assign(follower_id=audience.truth["follower_id"].map(
            lambda i: did_of.get(i, i))),
        competitors=[])


X_OPENED = pd.Timestamp("2006-03-21", tz="UTC")
BLUESKY_OPENED = pd.Timestamp("2023-02-17", tz="UTC")  # the invite-only app's first day


def bluesky_era(created: pd.Series, start=None) -> pd.Series:
    """X account creation dates moved into Bluesky's era: the stretch from X's opening to
    ``start`` (the audience's first snapshot; at least a year after Bluesky opened) pressed
    linearly into Bluesky's opening (2023-02-17) to ``start``, later dates kept. The order, and
    so the bursts of a follower factory, stay; nobody is made after a snapshot that lists them
    (a date moves later, to at most ``start``). A sample reaching back before 2024 still
    lists followers before their account was made.

    >>> bluesky_era(pd.Series(pd.to_datetime(["2006-03-21", "2015-01-01", "2026-09-01"],
    ...                                        utc=True)), pd.Timestamp("2025-11-01", tz="UTC"))
    0   2023-02-17 00:00:00+00:00
    1   2024-05-04 08:37:18+00:00
    2   2026-09-01 00:00:00+00:00
    dtype: datetime64[us, UTC]
    """
    pivot = max(pd.Timestamp(start) if start is not None else BLUESKY_OPENED,
                BLUESKY_OPENED + pd.Timedelta(days=365))
    t = pd.to_datetime(created, utc=True)
    early = t < pivot
    scale = (pivot - BLUESKY_OPENED) / (pivot - X_OPENED)
    moved = BLUESKY_OPENED + (t.clip(lower=X_OPENED) - X_OPENED) * scale
    return t.where(~early, moved.dt.floor("s")).astype(created.dtype)


_RT_PREFIX = re.compile(r"RT @(\w+): ")


def _reposts_without_prefix(tweets: pd.DataFrame) -> pd.DataFrame:
    """``tweets`` with each retweet's "RT @user: " text prefix, and the mention it makes, taken
    off: a Bluesky repost is a record of its own pointing at the post, whose text it leaves as
    written (the AppView serves the original post under a ``reasonRepost``)."""
    if tweets.empty:
        return tweets
    texts, mentions = list(tweets["text"]), list(tweets["mentions"])
    for i in np.flatnonzero((tweets["kind"] == "retweet").to_numpy()):
        found = _RT_PREFIX.match(texts[i]) if isinstance(texts[i], str) else None
        if found is None:
            continue
        texts[i] = texts[i][found.end():]
        if f"@{found.group(1)}" not in texts[i]:  # the prefix was its only mention of them
            ms = list(mentions[i]) if mentions[i] is not None else []
            mentions[i] = [m for m in ms if str(m).lower() != found.group(1).lower()]
    return tweets.assign(text=pd.Series(texts, index=tweets.index, dtype=tweets["text"].dtype),
                         mentions=pd.Series(mentions, index=tweets.index, dtype=schema.STR_LIST))


def _mentions_as_handles(text, mentions, handles):
    """A post's text with each ``@username`` it mentions written as its Bluesky handle, as a
    Bluesky post names them."""
    if not isinstance(text, str) or mentions is None or not len(mentions):
        return text
    for m, h in zip(mentions, handles):
        text = re.sub(rf"@{re.escape(str(m))}(?![\w.-])", lambda _: f"@{h}", text)
    return text


def sample_as_bluesky(audience, *, handle: str = "sample.bsky.social") -> dict:
    """The latest snapshot of :func:`as_bluesky` as the fake AppView serves it.

    Returns
    -------
    dict
        ``account`` (``id``, ``username``, ``name``), ``users`` (canonical users frame with
        ``labels``; the account's own row and the accounts it follows included), ``followers``
        (DIDs, newest first), ``follows`` (DIDs), ``posts`` (canonical tweets frame), ``did_of``
        (sample id -> DID).
    """
    blue = as_bluesky(audience, handle=handle)
    f = blue.followers
    latest = f[f["snapshot_at"] == f["snapshot_at"].max()].sort_values("position")
    follows = list(blue.following["following_id"])
    acct = blue.account
    users = blue.users[blue.users["id"].isin(set(latest["follower_id"]) | set(follows))]
    users = pd.concat([users, pd.DataFrame([{
        "id": acct["id"], "username": handle, "name": acct.get("name"),
        "description": acct.get("description"), "created_at": acct.get("created_at"),
        "followers_count": len(latest), "following_count": len(follows), "labels": []}])],
        ignore_index=True)
    missing = sorted(set(follows) - set(users["id"]))
    if missing:  # accounts it follows that the sample does not profile still exist
        users = pd.concat([users, pd.DataFrame({"id": missing, "username": to_handle(
            f"acct{m[-8:]}" for m in missing), "labels": [[] for _ in missing]})],
            ignore_index=True)
    ids = list(audience.users["id"]) + [audience.account["id"]] + list(
        audience.following["following_id"])
    return {"account": {"id": acct["id"], "username": handle, "name": acct.get("name")},
            "users": users.reset_index(drop=True),
            "followers": list(latest["follower_id"]), "follows": follows,
            "posts": blue.tweets, "did_of": dict(zip(map(str, ids), to_did(map(str, ids))))}


def two_network_sample(audience, *, handle: str = "brightwave.bsky.social",
                       shared: float = 0.5, others: float = 0.3, seed: int = 0):
    """The sample account on Bluesky as well: :func:`as_bluesky` of ``audience`` in which a
    share ``shared`` of the followers are the same people as on X, findable in the four ways
    :mod:`follower_kit.analysis.crossnet` matches (a quarter each: a link to the X profile in
    the Bluesky bio; the same handle and bio; a new handle with the same name and bio; the same
    handle with another bio), and a share ``others`` of the rest follow on Bluesky as other
    people (new handle, name and an empty bio); the remaining followers are not on Bluesky.
    For the two-network report and its tests.

    Returns
    -------
    (SampleAudience, DataFrame)
        The Bluesky audience (``write_sample`` stores it), and the truth: one row per follower
        on both networks, ``x_id``, ``bluesky_id``, ``kind`` (how it was made findable).
    """
    from dataclasses import replace

    kinds = np.array(["link", "handle+bio", "name+bio", "handle"])
    blue = as_bluesky(audience, handle=handle)
    x_users = audience.users.reset_index(drop=True)
    users = blue.users.reset_index(drop=True).copy()
    rng = np.random.default_rng(seed)
    is_shared = rng.random(len(users)) < shared
    kind = np.where(is_shared, kinds[rng.integers(0, len(kinds), len(users))], "")
    n = np.arange(len(users))
    bios = users["description"].to_numpy(dtype=object).copy()
    link = kind == "link"
    bios[link] = [f"{b or ''} also x.com/{u}".strip()
                  for b, u in zip(bios[link], x_users["username"][link])]
    other_bio = kind == "handle"
    bios[other_bio] = [f"posts here about other things ({i})" for i in n[other_bio]]
    other = ~is_shared
    bios[other] = None
    new_handle = (kind == "name+bio") | other
    handles = users["username"].to_numpy(dtype=object).copy()
    handles[new_handle] = [f"reader{i}.bsky.social" for i in n[new_handle]]
    names = users["name"].to_numpy(dtype=object).copy()
    names[other] = [f"Reader {i}" for i in n[other]]
    users = users.assign(description=bios, username=handles, name=names)
    on_bluesky = set(users["id"][is_shared | (other & (rng.random(len(users)) < others))])
    f = blue.followers
    f = f[f["follower_id"].isin(on_bluesky)].sort_values(["snapshot_at", "position"])
    f = f.assign(position=f.groupby("snapshot_at").cumcount().astype(f["position"].dtype))
    truth = pd.DataFrame({"x_id": x_users["id"].astype(str)[is_shared],
                          "bluesky_id": users["id"][is_shared], "kind": kind[is_shared]})
    return (replace(blue, users=users, followers=f.reset_index(drop=True)),
            truth.reset_index(drop=True))


__all__ = ["FakeBluesky", "MODERATION_DID", "as_bluesky", "sample_as_bluesky",
           "synthetic_bluesky", "to_did", "to_handle", "two_network_sample"]
