"""Commit what the sources produce: imports, hydrations and API pulls into the store.

The sources (``sources/``) parse the outside world into canonical frames and never touch the
store; this module is the one step that writes what they produce:

* **The sample** (:func:`write_sample`): :func:`~follower_kit.sources.sample.generate`'s
  audience as its snapshots; :func:`stored_state` says whether a store holds it already.
* **X archives** (:func:`import_archive`): :func:`~follower_kit.sources.archive.read_archive`'s
  follower list as the snapshot of the archive's generation date, its following list and own
  tweets beside it; :func:`hydrate` adds the followers' profiles later, with the X API.
* **twarc2 files** (:func:`import_twarc`): :func:`~follower_kit.sources.twarc.load`'s frames as
  one snapshot (or one per account and observation, with ``split``).
* **API pulls** (:func:`pull_followers`, :func:`pull_tweets`): pages fetched with
  :class:`~follower_kit.sources.x_api.XClient`, each checkpointed atomically under
  ``<store>/accounts/<id>/pulls/<pull_id>/`` (:class:`PullDir`) before the next is requested,
  so a pull stopped by Ctrl-C, kill -9, a crash or a runaway guard resumes from the last page;
  the snapshot is committed only when the pull is complete. :func:`pulls` lists them.
"""

from __future__ import annotations

import json
import logging
import math
import os
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from filelock import FileLock, Timeout

from . import schema
from .errors import WRITE_ADVICE, AmbiguousHandle, SourceError, StoreError, write_error
from .sources import bluesky, twarc
from .sources.archive import Archive, Limits, read_archive
from .sources.sample import SampleAudience, fingerprint, sample_accounts
from .sources.twarc import TwarcImport, load, load_each
from .sources.x_api import (USER_FIELDS, Bounds, Page, PullError, RequestCounts,
                            RunawayPull, XClient, timeline_pages)
from .store import AsideRef, SnapshotRef
from .wording import plural

log = logging.getLogger(__name__)
_DECODER = json.JSONDecoder()


# ------------------------------------------------------------------------------------- archives
def import_archive(store, path: str | os.PathLike, *, limits: Limits | None = None,
                   force: bool = False):
    """Import an X archive as the snapshot of its generation date.

    The snapshot holds the follower ids the archive lists; :func:`hydrate` adds their profiles
    afterwards (also to an archive imported long before), so importing the same archive again
    is always a no-op, never a conflict.

    Parameters
    ----------
    store : Store
    path : folder or .zip
    limits, force
        As for :func:`read_archive`.

    Returns
    -------
    SnapshotRef
        Nothing is written when the archive is malformed (the error names file and position).
    """
    arc = read_archive(path, limits=limits, force=force)
    for w in arc.warnings:
        log.warning("%s: %s", path, w)
    try:
        ref = store.commit_snapshot(
            account=arc.account, snapshot_at=arc.generated_at, followers=arc.followers,
            source="archive",
            extra={"archive": os.path.basename(os.path.normpath(str(path))),
                   "generated_at": arc.generated_at.isoformat(), "warnings": arc.warnings})
    except StoreError:
        ref = _imported_before(store, arc)
        if ref is None:
            raise
    if len(arc.following) or arc.following_known:   # following nobody is a list too
        store.write_table("following", arc.account["id"], arc.following,
                          snapshot_at=arc.generated_at)
    if len(arc.tweets):
        store.write_table("own_tweets", arc.account["id"], arc.tweets,
                          snapshot_at=arc.generated_at)
    if len(arc.known_handles):  # the handles the own tweets name: Store.known_handles
        store.write_table("known_handles", arc.account["id"], arc.known_handles,
                          snapshot_at=arc.generated_at)
    return ref


def _imported_before(store, arc: Archive):
    """The snapshot of this archive committed by an earlier version that stored the hydrated
    profiles inside it (so its content differs): the same follower list is the same import."""
    snaps = store.snapshots(arc.account["id"])
    same = snaps[snaps["snapshot_at"] == arc.generated_at.floor("s")]
    if same.empty:
        return None
    edges = store.follower_edges(arc.account["id"], [same["snapshot_at"].iloc[0]])
    ours = arc.followers.reset_index(drop=True)
    position = ours["position"] if "position" in ours.columns else range(len(ours))
    if list(edges["follower_id"]) != list(ours["follower_id"]) or \
            list(edges["position"]) != list(position):
        return None
    return SnapshotRef(arc.account["id"], same["snapshot_at"].iloc[0], Path(same["path"].iloc[0]),
                       False, len(edges))


@dataclass(frozen=True)
class Hydration:
    """What :func:`hydrate` did: followers without a profile before, profiles fetched, and ids
    the API did not return (deleted, suspended or protected accounts)."""

    missing: int
    fetched: int
    not_returned: int


def missing_profiles(store, account, ids=None, *, at=None,
                     retry_unavailable: bool = False) -> list[str]:
    """Follower ids that have no profile in the store, in follower order, leaving out those X
    reported deleted or suspended on an earlier lookup (:meth:`Store.unavailable`).

    Parameters
    ----------
    store : Store
    account : handle or id
    ids : sequence of str, optional
        Ids to check (an archive not imported yet: its account may not be in the store);
        default: the followers of the snapshot ``at`` (default: the latest).
    retry_unavailable : bool
        Keep the ids X reported deleted or suspended.
    """
    if ids is None:
        followers = store.followers(account, at=at)
        missing = followers.loc[followers["username"].isna(), "id"].tolist()
    else:
        try:
            profiles = store.users(account)
        except StoreError:  # not in the store yet: nothing is known
            return [str(i) for i in ids]
        known = set(profiles.loc[profiles["username"].notna(), "id"])
        missing = [str(i) for i in ids if str(i) not in known]
    return missing if retry_unavailable else without_unavailable(store, account, missing)


def without_unavailable(store, account, ids) -> list[str]:
    """``ids`` less those X reported deleted or suspended on an earlier lookup
    (:meth:`Store.unavailable`); all of them for an account not in the store yet."""
    try:
        gone = set(store.unavailable(account)["id"])
    except StoreError:
        return list(ids)
    return [i for i in ids if i not in gone]


def hydrate(store, account, lookup, *, ids=None, at=None, chunk: int = 1000,
            progress=None, retry_unavailable: bool = False) -> Hydration:
    """Fetch the profiles of a snapshot's followers that have none in the store.

    Profiles are stored every ``chunk`` ids (:meth:`Store.add_profiles`, observed now), so an
    interrupted run loses at most one chunk and a rerun asks only for what is still missing.
    Ids X reports deleted or suspended are remembered with X's reason (the table
    ``unavailable``, :meth:`Store.unavailable`) and not asked for again, each being a paid
    lookup; an id whose profile comes back leaves that list.

    Parameters
    ----------
    store : Store
    account : handle or id
    lookup : callable
        ``ids -> (users frame, errors frame)``, e.g. ``XClient.lookup_users`` (100 ids a request).
    ids : sequence of str, optional
        The ids to fetch (default: :func:`missing_profiles` of the snapshot ``at``).
    retry_unavailable : bool
        With the default ``ids``, ask for the ids X reported deleted or suspended too.
    at : optional
        The snapshot (default: the latest).
    chunk : int
        Ids per stored file.
    progress : callable, optional
        Called with the number of ids done after each chunk.

    Returns
    -------
    Hydration
    """
    ids = missing_profiles(store, account, at=at, retry_unavailable=retry_unavailable) \
        if ids is None else [str(i) for i in ids]
    gone = store.unavailable(account)
    fetched = 0
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        users, errors = lookup(part)
        users = users[users["id"].isin(part)]
        # the list first: a crash before the profiles then re-asks this chunk, never keeps an
        # id listed whose profile is stored
        gone = _remember_unavailable(store, account, gone, part, users, errors)
        store.add_profiles(account, users)
        fetched += len(users)
        if progress is not None:
            progress(len(part))
    return Hydration(missing=len(ids), fetched=fetched, not_returned=len(ids) - fetched)


def _remember_unavailable(store, account, gone: pd.DataFrame, part: list[str],
                          users: pd.DataFrame, errors: pd.DataFrame | None) -> pd.DataFrame:
    """The ``unavailable`` table with the ids of ``part`` that X reported (partial errors of a
    lookup: deleted, suspended) added and those whose profile came back removed; written
    (atomically, :meth:`Store.write_table`) only when it changes."""
    if errors is not None and len(errors):
        reported = errors[(errors["resource_type"] == "user") & errors["resource_id"].isin(part)]
    else:
        reported = pd.DataFrame(columns=["resource_id", "title", "detail"])
    back = gone["id"].isin(users["id"])
    if reported.empty and not back.any():
        return gone
    new = pd.DataFrame({"id": reported["resource_id"].astype(str),
                        "reason": reported["detail"].fillna(reported["title"]).astype(str),
                        "observed_at": pd.Timestamp.now(tz="UTC").floor("s")})
    table = pd.concat([gone[~back & ~gone["id"].isin(new["id"])], new.astype(gone.dtypes)],
                      ignore_index=True).drop_duplicates("id", keep="last")
    store.write_table("unavailable", account, table)
    return table.reset_index(drop=True)



# ------------------------------------------------------------------------------------- the sample
def write_sample(store, audience: SampleAudience, progress=None) -> list:
    """Commit every snapshot of ``audience`` to ``store`` and write its "following" and "truth"
    tables. Idempotent: writing the same audience again changes nothing.

    Each snapshot carries the profiles of followers first seen in it; the last also carries
    every current follower's profile and the recent tweets. Competitor accounts
    (``audience.competitors``) are written the same way after it.

    Returns
    -------
    list of SnapshotRef
        The snapshots of the main account.
    """
    fp = fingerprint(audience)
    refs = _write_account(store, audience, fp, progress)
    for competitor in audience.competitors:
        _write_account(store, competitor, fp, None)
    return refs


def _write_account(store, audience: SampleAudience, fp: str, progress) -> list:
    users, edges = audience.users, audience.followers
    first_seen = edges.groupby("follower_id", sort=False)["snapshot_at"].min()
    refs = []
    times = audience.snapshot_times
    for j, t in enumerate(times):
        snap = edges[edges["snapshot_at"] == t]
        is_last = j == len(times) - 1
        if is_last:
            ids = snap["follower_id"]
            prof = users[users["id"].isin(ids)].assign(observed_at=t)
        else:
            new_ids = first_seen.index[first_seen == t]
            prof = users[users["id"].isin(new_ids)].assign(observed_at=t)
        refs.append(store.commit_snapshot(
            account=audience.account, snapshot_at=t, followers=snap[["follower_id", "position"]],
            users=prof, tweets=audience.tweets if is_last else None, source="sample",
            extra={"generator": "follower_kit.sources.sample", "fingerprint": fp}))
        if progress:
            progress(1)
    store.write_table("following", audience.account["id"], audience.following)
    store.write_table("truth", audience.account["id"], audience.truth)
    return refs


def stored_state(store, audience: SampleAudience) -> str:
    """How ``store`` holds ``audience``'s account: ``"absent"``; ``"same"`` (this very sample,
    perhaps only partly written, which :func:`write_sample` completes); ``"stale"`` (a sample from
    other options or an older follower-kit: generated data only, safe to rebuild); ``"foreign"``
    (it holds snapshots that are not the sample, which nothing here may touch). The competitor
    accounts count with the main one: any foreign one makes it foreign, any other sample stale."""
    present = set(store.snapshots()["account_id"]) if store.path.exists() else set()
    ids = [a["id"] for a in sample_accounts(audience)]
    if audience.account["id"] not in present and not present & set(ids):
        return "absent"
    metas = [m for i in ids if i in present for m in store.snapshot_meta(i)]
    if any(m["source"] != "sample" for m in metas):
        return "foreign"
    times = {t.isoformat() for t in audience.snapshot_times}
    fp = fingerprint(audience)
    same = audience.account["id"] in present and all(
        m.get("extra", {}).get("fingerprint") == fp and m["snapshot_at"] in times for m in metas)
    return "same" if same else "stale"



# ------------------------------------------------------------------------------------- twarc2 files
def import_twarc(store, paths, *, account: Mapping[str, object] | str, at=None,
                 split: bool = False, users_as_followers: bool = False):
    """Import twarc2 files as one snapshot of ``account``.

    Parameters
    ----------
    store : Store
    paths : path or iterable of paths (files or folders of ``*.jsonl``)
    account : mapping or str
        ``{"id", "username"}``, or a handle/id already in the store; when the pages came from
        ``/2/users/:id/followers`` the id is read from their URL.
    at : timestamp-like, optional
        Snapshot time; default: the latest ``retrieved_at`` of the follower pages.
    split : bool
        Pages of several accounts or observations (see :func:`load_each`) become one snapshot
        each (``account`` then only names the account of pages without a /followers URL), and
        the last reference is returned; by default they are refused.
    users_as_followers : bool
        Without ``/2/users/:id/followers`` pages, take the users of user-lookup pages
        (``twarc2 users``) as the follower list, in file order: for the account's follower ids
        looked up. By default such pages are refused (:class:`SourceError`, nothing written): a
        lookup says nothing of whom its users follow.

    Returns
    -------
    SnapshotRef or AsideRef
        The snapshot; for timeline pages alone (no follower list), the tweets stored beside the
        account's snapshots.
    """
    if split:
        parts = load_each(paths)
        if len(parts) > 1 and at is not None:
            raise SourceError("--at dates one snapshot; the pages hold "
                              f"{len(parts)} observations: leave --at out with --split")
        several = len({p.account_id for p in parts if p.account_id}) > 1
        ref = None
        for part in parts:  # several accounts: each is named by the id its pages carry
            ref = _import_one(store, part, paths, part.account_id if several and
                              part.account_id else account, at, users_as_followers)
        return ref
    return _import_one(store, load(paths), paths, account, at, users_as_followers)


def _import_one(store, data: TwarcImport, paths, account, at, users_as_followers=False):
    first = data.files[0] if data.files else None
    names = ", ".join(str(f) for f in data.files) or str(paths)
    if data.followers_source == "users" and not users_as_followers:
        raise SourceError(f"{names}: user lookup pages (/2/users), no follower list: a lookup "
                          f"does not say whom its {len(data.followers):,} users follow. Import "
                          "the account's /2/users/<id>/followers pages (`twarc2 followers`), or "
                          "add --as-followers if these users are its followers (their ids "
                          "looked up)", path=first)
    if data.followers.empty and data.tweets.empty:
        flat = twarc.flattened_kind(first) if first else None
        if flat:   # `twarc2 flatten` output: the pages' structure is gone
            raise SourceError(f"{first}: one {flat} object per line, as `twarc2 flatten` "
                              f"writes; the kit reads the pages twarc2 wrote before flattening "
                              f"(each line {{\"data\": [...], \"__twarc\": ...}}): import "
                              f"those", path=first, line=1)
        raise SourceError(f"{names}: no follower, user or tweet pages found (tweet "
                          f"counts and lists hold no followers)", path=first)
    try:
        acct = _account(store, account, data.account_id)
    except SourceError:
        if data.followers.empty:  # the likelier fix first: an id alone would not be enough
            raise _timelines_only(names, account, first) from None
        raise
    when = at if at is not None else data.snapshot_at
    if when is None:
        raise SourceError(f"{names}: the pages carry no __twarc.retrieved_at; give the "
                          f"snapshot time with --at", path=first)
    followers = data.followers
    extra = {"files": [os.path.basename(f) for f in data.files],
             "partial_errors": len(data.errors)}
    if data.followers_source == "users":  # taken as the follower list when told to: say so
        extra["follower_list"] = "user lookups"
    replaced = {f"{kind}.{name}": n for kind, frame in (("users", data.users),
                                                         ("tweets", data.tweets))
                for name, n in frame.attrs.get("invalid_utf8", {}).items()}
    if replaced:
        extra["invalid_utf8_replaced"] = replaced
        log.warning("%s: invalid UTF-8 bytes replaced by U+FFFD (values per field: %s)", names,
                    ", ".join(f"{k} {n:,}" for k, n in replaced.items()))
    if followers.empty:
        # timelines only: the account's followers must be in the store already; the tweets
        # (and any profiles the pages carry) are stored beside its snapshots, adding no
        # follower list that nobody observed
        try:
            snaps = store.snapshots(acct["id"])
        except StoreError:
            snaps = pd.DataFrame()
        if snaps.empty:
            raise _timelines_only(names, acct["username"], first)
        store.add_profiles(acct["id"], data.users, observed_at=when)
        return store.add_tweets(acct["id"], data.tweets, observed_at=when)  # never empty here
    ref = store.commit_snapshot(account=acct, snapshot_at=when, followers=followers,
                                users=data.users, tweets=data.tweets, source="twarc",
                                extra=extra)
    if len(data.following):
        store.write_table("following", acct["id"], data.following[["following_id"]],
                          snapshot_at=ref.snapshot_at)
    return ref


def _timelines_only(names: str, account, first) -> SourceError:
    handle = str(account["username"] if isinstance(account, Mapping) else account)
    return SourceError(f"{names}: only tweet pages (timelines or searches), no "
                       f"follower list; import or pull @{handle.lstrip('@')}'s "
                       f"followers first (the tweets are stored with the latest follower "
                       f"snapshot)", path=first)


def _account(store, account, id_from_pages: str | None) -> dict:
    if isinstance(account, Mapping):
        if id_from_pages and str(account["id"]) != id_from_pages:
            raise SourceError(f"the pages are followers of account {id_from_pages}, not of the "
                              f"given {account['id']}")
        return {"id": str(account["id"]), "username": str(account.get("username") or account["id"]),
                "name": account.get("name")}
    handle = str(account).strip().removeprefix("@")
    if id_from_pages:
        return {"id": id_from_pages, "username": handle if not handle.isdigit() else id_from_pages}
    try:
        account_id = store.resolve(handle)
        return {"id": account_id, "username": handle}
    except AmbiguousHandle:
        raise
    except Exception:
        if handle.isdigit():
            return {"id": handle, "username": handle}
        raise SourceError(
            f"the pages do not say whose followers they are (no /2/users/<id>/followers URL) and "
            f"{handle!r} is not in the store yet: give the account's numeric id (--account-id)",
        ) from None



# ------------------------------------------------------------------------------------- API pulls
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
        files = [*self.path.glob("*.jsonl"), *self.path.glob(".tmp-*")]
        # on several threads: an unlink of a fsynced file waits on the file system's journal
        # (3.5 ms each on ext4 here, 7 s for a million Bluesky followers' 2,000 files), and
        # the waits overlap (400 files of 400 KB: 1.5 s one by one, 0.06 s eight at a time)
        with ThreadPoolExecutor(8 if len(files) > 16 else 1) as pool:
            list(pool.map(lambda p: p.unlink(missing_ok=True), files))


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


def _kept_so_far(d: Path, meta: Mapping) -> tuple[int, int]:
    """(pages, rows) a pull holds: its checkpointed pages, or what its commit recorded.

    Rows are each page's ``meta.result_count`` (X writes ``meta`` last, so a followers page's
    last 4 KB tell; a file of several pages, as Bluesky's small pages are, is read line by
    line). Pages are the list pages (ten to a Bluesky followers file), or for a timelines pull
    the timelines; a Bluesky pull's profile lookups (``profiles-*``) are neither followers
    nor list pages, and are not counted."""
    if meta.get("status") == "committed":
        return int(meta.get("pages", 0)), int(meta.get("rows", 0))
    files = [p for p in d.glob("*.jsonl") if not p.name.startswith("profiles-")]
    heads = [h for p in files for h in _file_heads(p)]
    pages = len(files) if meta.get("kind") == "tweets" else len(heads)
    return pages, sum(n for _, n in heads)


def _read_so_far(d: Path, meta: Mapping, kept: tuple[int, int] | None = None
                 ) -> tuple[int, int]:
    """(pages, rows) a pull has read from the API, and so paid for, over all its runs: what it
    keeps plus the pages a runaway guard read and refused to keep."""
    pages, rows = kept if kept is not None else _kept_so_far(d, meta)
    return (pages + int(meta.get("discarded_pages", 0)),
            rows + int(meta.get("discarded_rows", 0)))


def pulls(store, account=None) -> pd.DataFrame:
    """Pulls recorded in the store, finished or not.

    Returns
    -------
    DataFrame
        ``account_id``, ``username``, ``pull_id``, ``kind`` (followers or tweets), ``status``
        (running = unfinished, resumable; committed), ``started_at``, ``pages`` (checkpointed
        list pages, the following list's too), ``rows`` (followers or tweets so far),
        ``pages_read`` and ``rows_read`` (what the
        API sent over all the pull's runs, and so what it cost, including pages a runaway guard
        refused to keep), ``path``.
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
        pages, rows_ = _kept_so_far(d, meta)
        pages_read, rows_read = _read_so_far(d, meta, (pages, rows_))
        if meta["kind"] == "followers" and meta.get("status") != "committed":
            # rows are followers, as the commit records them; the following list's pages
            # stay in what was read and paid for
            rows_ = sum(n for p in PullDir(d).page_files("followers") for _, n in _file_heads(p))
        rows.append({
            "account_id": meta["account"]["id"], "username": meta["account"]["username"],
            "pull_id": meta["pull_id"], "kind": meta["kind"], "status": meta["status"],
            "started_at": pd.Timestamp(meta["started_at"]), "pages": pages, "rows": rows_,
            "pages_read": pages_read, "rows_read": rows_read, "path": str(d),
        })
    cols = ["account_id", "username", "pull_id", "kind", "status", "started_at", "pages", "rows",
            "pages_read", "rows_read", "path"]
    return pd.DataFrame(rows, columns=cols)


def checkpoint_state(path: str | os.PathLike) -> dict:
    """What an unfinished followers pull (:func:`pulls`' ``path``) holds, list by list: what
    its resume will not read again, for the plan of that resume.

    Returns
    -------
    dict
        ``followers`` and ``following`` (Bluesky's follows): each a dict of ``pages`` and
        ``rows`` checkpointed and ``finished`` (its last page is in); ``lookups``: of the
        followers checkpointed, those whose profiles (Bluesky's ``getProfiles``) are not yet,
        as ``followers`` and the ``requests`` their lookup takes (25 a request, per file;
        none for a pull that looks no profiles up, as X's).
    """
    pull = PullDir(Path(path))
    params = pull.meta().get("params") or {}
    out: dict = {}
    for prefix in ("followers", "following"):
        files = pull.page_files(prefix)
        heads = [h for p in files for h in _file_heads(p)]
        out[prefix] = {"pages": len(heads), "rows": sum(n for _, n in heads),
                       "finished": _page_state(files)[2]}
    looked_up = {p.stem.rsplit("-", 1)[1] for p in pull.page_files("profiles")}
    left = [sum(n for _, n in _file_heads(p)) for p in pull.page_files("followers")
            if p.stem.rsplit("-", 1)[1] not in looked_up] \
        if params.get("network") == bluesky.NETWORK and params.get("profiles") else []
    out["lookups"] = {"followers": sum(left), "requests": sum(
        math.ceil(n / bluesky.PROFILES_PER_CALL) for n in left)}
    return out


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
            before = dict(meta.get("params", {}))
            # an option the record lacks (a Bluesky pull started before its page size was
            # recorded) is unknown, not changed
            if before != {k: v for k, v in params.items() if k in before}:
                # the pages kept stay as read; what is still to fetch follows this run's
                log.warning("resuming pull %s, started with %s: the pages it kept stay, the rest "
                            "is read with this run's %s", meta["pull_id"],
                            *_changed_options(before, params))
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


def _changed_options(before: Mapping, now: Mapping) -> tuple[str, str]:
    """The pull parameters that differ, as the command's options, before and now:
    ``("--page-size 20", "--page-size 1000")``, ``("--following", "--no-following")``."""
    def words(params: Mapping, keys) -> str:
        out = []
        for key in keys:
            name, value = key.replace("_", "-"), params.get(key)
            out.append((f"--{name}" if value else f"--no-{name}") if isinstance(value, bool)
                       else f"--{name} {value}")
        return " ".join(out)

    keys = [k for k in dict.fromkeys([*before, *now])
            if k in before and before.get(k) != now.get(k)]
    return words(before, keys), words(now, keys)


def _snapshot_time(store, account_id: str, started: str) -> pd.Timestamp:
    """When the pull's snapshot is dated: its start, or a second after the account's latest
    snapshot when that is later (snapshot times are unique to the second and immutable)."""
    at = pd.Timestamp(started)
    held = store.snapshot_times(account_id)
    if len(held):
        at = max(at, held.iloc[-1] + pd.Timedelta(seconds=1))
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
                 pages_per_file: int = 1,
                 on_checkpoint: Callable[[Path, list[Page]], None] | None = None) -> int:
    """Page through an endpoint from the last checkpoint to the end; return the page count.

    Stops with :class:`RunawayPull` (the checkpoint kept, the offending page not written) when
    a ``next_token`` comes back that was already used, or, given the list's ``expected`` size,
    when the rows or pages exceed ``bounds``. With ``pages_per_file`` above 1, small pages
    (Bluesky's 100 profiles) are checkpointed that many to a file: one write, fsync and unlink
    per file is what a pull of 10,000 small pages spends most of its time on otherwise; a
    kill -9 loses at most the pages not yet written, which the resume fetches again.
    ``on_checkpoint`` is called with each file once it is written, and the pages it holds.
    """
    bounds = bounds or Bounds()
    buffered: list[bytes] = []
    written: list[Page] = []

    def flush():
        if buffered:
            path = pull.write_page(f"{prefix}-{done - len(buffered) + 1:06d}",
                                   b"\n".join(buffered))
            buffered.clear()
            if on_checkpoint is not None:
                on_checkpoint(path, written[:])
            written.clear()

    def stop(message: str, *, read: int, read_rows: int) -> RunawayPull:
        """The runaway error, after recording the page read but not kept (it was paid for):
        the pull's ``pages``/``rows`` then say what the whole pull has read, earlier runs
        included. The pages read before it and still buffered are checkpointed first."""
        flush()
        meta = pull.meta()
        if read:
            meta = pull.update(discarded_pages=int(meta.get("discarded_pages", 0)) + read,
                               discarded_rows=int(meta.get("discarded_rows", 0)) + read_rows)
        pages, rows_read = _read_so_far(pull.path, meta)
        return RunawayPull(message, pages=pages, rows=rows_read)

    files = pull.page_files(prefix)
    done, token, finished = _page_state(files)
    heads = [h for p in files for h in _file_heads(p)]
    used = {t for t, _ in heads}
    rows = sum(n for _, n in heads)
    if done and progress:
        progress(rows)
    page_size = int(params.get("max_results") or 1000)
    max_rows = None if expected is None else bounds.max_rows(expected)
    # the pages held may be of another page size than this run's: those left are counted
    # from the rows held, as the plan counts them
    max_pages = None if expected is None else max(
        bounds.max_pages(expected, page_size),
        done + bounds.max_pages(max(expected - rows, 0), page_size))
    where = f"the {what} pull in {pull.path}"
    while not finished:
        if max_pages is not None and done >= max_pages:
            raise stop(
                f"stopped {where} after {plural(done, 'page')}: the account lists "
                f"{expected:,}, so at most {max_pages:,} pages were planned and the API keeps "
                "sending more. The checkpoint is kept; nothing was committed", read=0,
                read_rows=0)
        try:
            page = client.call(method, account_id, pagination_token=token, what=what,
                               light=True, **params)
        except BaseException:
            flush()  # the pages read stay checkpointed, whatever stopped the pull
            raise
        meta = page.body.get("meta")
        if not isinstance(meta, Mapping):  # 200 with errors only: a protected account's list
            flush()
            said = "; ".join(str(e.get("detail") or e.get("title") or "")
                             for e in page.body.get("errors") or [] if isinstance(e, Mapping))
            raise PullError(
                f"stopped {where} at page {done + 1}: the API answered no list"
                f"{f' (it said: {said})' if said else ''}. The checkpoint keeps "
                f"{plural(done, 'page')}; nothing was committed")
        nxt = page.next_token
        n = int(meta.get("result_count", 0)) if "data" not in page.body \
            else len(page.body.get("data") or [])
        if nxt is not None and (nxt in used or nxt == token):
            raise stop(
                f"stopped {where} at page {done + 1}: the API answered next_token {nxt!r} "
                "again, so paging would never end (a fault on the server's side). The "
                f"checkpoint keeps {plural(done, 'page')}; nothing was committed. Try later, "
                "or --restart", read=1, read_rows=n)
        if max_rows is not None and rows + n > max_rows:
            raise stop(
                f"stopped {where} at page {done + 1}: {rows + n:,} rows for an account that "
                f"lists {expected:,} (at most {max_rows:,} allowed for follows that arrive "
                "mid-pull). The checkpoint is kept; nothing was committed", read=1,
                read_rows=n)
        done += 1
        used.add(token)
        buffered.append(page.twarc_line(page=done, token=token))
        if on_checkpoint is not None:
            written.append(page)
        rows += n
        token = nxt
        finished = token is None
        if len(buffered) >= pages_per_file or finished:
            flush()
        if progress:
            progress(n)
    return done


def _count_of(metrics: Mapping, name: str) -> int | None:
    value = metrics.get(name)
    try:
        return None if value is None else max(int(value), 0)
    except (TypeError, ValueError):
        return None


def pull_followers(store, handle: str, *, client: XClient, following: bool = True,
                   restart: bool = False, page_size: int = 1000,
                   progress: Callable[[int], None] | None = None, account: dict | None = None,
                   bounds: Bounds | None = None, lookup: RequestCounts | None = None):
    """Pull an account's followers (with full profiles) and its following list into the store.

    Every page is checkpointed; running it again after an interruption resumes the unfinished
    pull. The snapshot (time: when the pull started) is committed once the last page is in; its
    ``meta.json`` records the requests, retries and rate-limit waits of this call alone, the
    account's lookup included (made here, or given as ``lookup``).

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
    lookup : RequestCounts, optional
        What looking ``account`` up took (the CLI looks it up for the plan): counted in the
        snapshot's record as in the command's summary line.

    Returns
    -------
    SnapshotRef
        The committed snapshot: followers (``follower_id``, ``position``) and their profiles.
    """
    if not 1 <= page_size <= 1000:
        raise ValueError(f"page_size must be 1..1000 (X's max_results bounds), got {page_size}")
    start = client.counts() - (lookup or RequestCounts())
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
        fetch=lambda follower_id: timeline_pages(client, follower_id, per_follower,
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
            try:
                lines = fetch(follower_id)
            except RunawayPull as exc:  # its posts were sent and billed: the pull counts them
                meta = pull.meta()
                meta = pull.update(discarded_rows=int(meta.get("discarded_rows", 0)) + exc.rows)
                raise RunawayPull(f"{exc}. The checkpoint keeps "
                                  f"{plural(len(pull.page_files('tweets')), 'timeline')}; "
                                  "nothing was stored", pages=exc.pages,
                                  rows=_read_so_far(pull.path, meta)[1]) from None
            pull.write_page(f"tweets-{key}", lines)
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


def _newest_tweet_ids(store, account_id: str) -> dict[str, str]:
    tweets = store.tweets(account_id)
    if tweets.empty:
        return {}
    t = tweets.assign(_len=tweets["id"].str.len()).sort_values(["author_id", "_len", "id"])
    newest = t.groupby("author_id")["id"].last()
    return {str(k): str(v) for k, v in newest.items()}



# ---------------------------------------------------------------------------- Bluesky pulls
def pull_bluesky_followers(store, handle: str, *, client: bluesky.BlueskyClient,
                           following: bool = True, profiles: bool = True, restart: bool = False,
                           page_size: int = bluesky.PAGE_SIZE,
                           progress: Callable[[int], None] | None = None,
                           account: Mapping | None = None, bounds: Bounds | None = None,
                           lookup: RequestCounts | None = None):
    """Pull a Bluesky account's followers (with full profiles) and its follows into the store.

    Like :func:`pull_followers` (X): every page is checkpointed under
    ``<store>/accounts/<DID>/pulls/``, a rerun after an interruption (even kill -9) resumes, the
    snapshot (network ``bluesky``) is committed only when complete, a repeated cursor or more
    followers than the profile's own ``followersCount`` allows stop the pull
    (:class:`~x_api.RunawayPull`).

    Parameters
    ----------
    store : Store
    handle : str
        A handle (``alice.bsky.social``) or a DID.
    client : BlueskyClient
    following : bool
        Also pull the accounts it follows (table ``following``).
    profiles : bool
        Look every follower up with ``getProfiles`` (25 a call) for counts, on
        ``bluesky.LOOKUP_WORKERS`` threads while the list is paged
        (:class:`~follower_kit.sources.bluesky.ProfileLookups`); without it the profiles are
        the list views (no follower, follow or post counts).
    restart : bool
        Abandon an unfinished pull and start over.
    page_size : int
        ``limit`` per list page (1 to 100).
    progress : callable, optional
        Called with the number of followers each page added.
    account : mapping, optional
        :meth:`BlueskyClient.user` of the account when already looked up.
    bounds : Bounds, optional
    lookup : RequestCounts, optional
        What looking ``account`` up took: counted in the snapshot's record, as for
        :func:`pull_followers`.

    Returns
    -------
    SnapshotRef
        The committed snapshot: followers (``follower_id`` = DID, ``position`` 0 = newest).
    """
    if not 1 <= page_size <= bluesky.PAGE_SIZE:
        raise ValueError(f"page_size must be 1..{bluesky.PAGE_SIZE} (the AppView's limit "
                         f"bounds), got {page_size}")
    start = client.counts() - (lookup or RequestCounts())
    acct = dict(account) if account is not None else client.user(handle)
    metrics = acct.get("public_metrics") or {}
    params = {"max_results": page_size}
    # the page size is recorded as on X, so a resume at another one says so
    with _open_pull(store, acct, "followers",
                    {"network": bluesky.NETWORK, "page_size": page_size, "following": following,
                     "profiles": profiles},
                    restart, client.clock) as pull, \
            (bluesky.ProfileLookups(client, pull) if profiles else nullcontext()) as lookups:
        # the profiles are looked up on worker threads while the list is paged
        if lookups is not None:
            lookups.resume()
        pages = _fetch_pages(client, pull, "followers", "getFollowers", acct["id"],
                             params, "followers", progress,
                             expected=_count_of(metrics, "followers_count"), bounds=bounds,
                             pages_per_file=bluesky.LIST_PAGES_PER_FILE,
                             on_checkpoint=lookups.add_pages if lookups is not None else None)
        if following:
            _fetch_pages(client, pull, "following", "getFollows", acct["id"], params,
                         "the follows list", None,
                         expected=_count_of(metrics, "following_count"),
                         bounds=bounds, pages_per_file=bluesky.LIST_PAGES_PER_FILE)
        views = bluesky.read_profiles(pull.page_files("followers"), "followers",
                                      observed_at=pd.Timestamp(pull.meta()["started_at"]))
        users = lookups.finish(views) if lookups is not None else views
        meta = _fix_snapshot_time(store, pull, acct["id"])
        departures = _check_departures(store, client, acct["id"], meta["snapshot_at"],
                                       views["id"])
        used = client.counts() - start
        ref = store.commit_snapshot(
            account={"id": acct["id"], "username": acct["username"], "name": acct.get("name"),
                     "network": bluesky.NETWORK},
            snapshot_at=meta["snapshot_at"],
            followers=pd.DataFrame({"follower_id": views["id"],
                                    "position": np.arange(len(views), dtype="int64")}),
            users=users, source="api",
            extra={"pull_id": meta["pull_id"], "pages": pages, "requests": used.requests,
                   "retries": used.retries, "rate_limit_waits": used.rate_waits,
                   "api_url": client.base_url})
        if departures is not None:  # before the pull is marked committed: a rerun redoes it
            store.write_table("departures", acct["id"], departures, snapshot_at=ref.snapshot_at)
        fol_files = pull.page_files("following")
        if fol_files:
            ids = [f["did"] for f in bluesky.read_pages(fol_files, "follows") if "did" in f]
            store.write_table("following", acct["id"], pd.DataFrame(
                {"following_id": pd.Series(list(dict.fromkeys(ids)), dtype=schema.STR)}),
                snapshot_at=ref.snapshot_at)
        pull.update(status="committed", pages=pages, rows=len(views),
                    snapshot_at=ref.snapshot_at.isoformat())
        pull.clear_pages()
        log.info("Bluesky pull %s committed: %d followers from %d pages", meta["pull_id"],
                 len(views), pages)
        return ref


def _check_departures(store, client: bluesky.BlueskyClient, account_id: str, snapshot_at,
                      followers) -> pd.DataFrame | None:
    """Which followers lost since the account's previous snapshot are gone from Bluesky rather
    than unfollowed: their accounts looked up (:func:`~follower_kit.sources.bluesky.
    still_shown`, 25 a request), those the AppView no longer shows being deleted, deactivated
    or taken down.

    Parameters
    ----------
    store : Store
    client : BlueskyClient
    account_id : str
    snapshot_at : time
        The snapshot being committed (the previous one is the latest before it, so a rerun
        after that snapshot's commit compares the same two).
    followers : sequence of str
        Its followers' DIDs.

    Returns
    -------
    DataFrame or None
        The table ``departures`` of that snapshot (:meth:`Store.departures`): ``follower_id``,
        ``gone`` (bool), ``since`` (the previous snapshot's time), ``checked_at``; None when
        there is no previous snapshot.
    """
    at = pd.Timestamp(snapshot_at)
    snaps = store.snapshot_times(account_id)
    earlier = snaps[snaps < at]
    if earlier.empty:
        return None
    since = earlier.iloc[-1]
    before = store.follower_edges(account_id, snapshots=[since])["follower_id"]
    lost = before[~before.isin(pd.Index(followers))].tolist()
    shown = bluesky.still_shown(client, lost)
    return pd.DataFrame({
        "follower_id": pd.Series(lost, dtype=schema.STR),
        "gone": pd.Series([d not in shown for d in lost], dtype=bool),
        "since": pd.Series([since] * len(lost), dtype=schema.TIME),
        "checked_at": pd.Series([pd.Timestamp(client.clock(), unit="s", tz="UTC").floor("s")]
                                * len(lost), dtype=schema.TIME)})


def pull_bluesky_posts(store, handle: str, *, client: bluesky.BlueskyClient,
                       per_follower: int = 20, restart: bool = False,
                       progress: Callable[[int], None] | None = None):
    """Pull up to ``per_follower`` recent posts of each follower in the latest snapshot of a
    Bluesky account (``getAuthorFeed``; reposts included, as retweets are on X), stored beside
    the snapshots like :func:`pull_tweets` (one checkpoint file per
    follower; all stored at once when complete; no snapshot added).

    Returns
    -------
    AsideRef
        The stored posts (``rows``: how many).
    """
    if per_follower < 1:
        raise ValueError(f"per_follower must be at least 1, got {per_follower}")
    return pull_timelines(
        store, store.resolve(handle),
        {"network": bluesky.NETWORK, "per_follower": per_follower},
        per_follower=per_follower, restart=restart, progress=progress, clock=client.clock,
        fetch=lambda did: bluesky.feed_pages(client, did, per_follower),
        read=lambda files: (bluesky.posts_frame(bluesky.read_pages(files, "feed")), {}))


__all__ = ["Hydration", "PullDir", "checkpoint_state", "hydrate", "import_archive",
           "import_twarc", "missing_profiles", "pull_bluesky_followers", "pull_bluesky_posts",
           "pull_followers", "pull_timelines", "pull_tweets", "pulls", "stored_state",
           "without_unavailable", "write_sample"]
