"""The X data archive (a folder or the .zip X mails you) -> a dated follower snapshot.

An archive's ``manifest.js`` names the account, the generation date and, for every data type,
the files that hold it (big types are split into parts: ``tweets.js``, ``tweets-part1.js`` ...).
Each data file is JavaScript: ``window.YTD.<type>.part<N> = [ ...JSON... ]``. This module finds
the parts through the manifest, checks each file's prefix, parses the JSON and reports a bad file
by name, line and column, before anything is written. Several archives of one account, imported
one after another, form a series of snapshots (one per generation date).

What an archive holds: the follower and following lists (ids only: ``--hydrate`` fetches the
profiles with the X API when a token exists), the account's own tweets (stored as the table
``own_tweets``), and its profile.
"""

from __future__ import annotations

import json
import logging
import os
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from .. import schema
from ..errors import FollowerKitError, SourceError, StoreError
from ..store import SnapshotRef
from ..wording import plural

log = logging.getLogger(__name__)

_PREFIX = re.compile(rb"^\s*window\.(?P<name>[A-Za-z0-9_.]+)\s*=\s*")


class _Files:
    """Read files from an archive folder or zip by their manifest path (``data/follower.js``),
    tolerating flattened copies (the file beside manifest.js) and a top-level folder in zips."""

    def __init__(self, path: Path):
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        if path.is_file():
            try:
                self.zip = zipfile.ZipFile(path)
            except zipfile.BadZipFile as exc:
                raise SourceError(f"{path}: not a folder or a zip file ({exc})",
                                  path=path) from None
            self.members = {n: n for n in self.zip.namelist() if not n.endswith("/")}
        elif path.is_dir():
            self.members = {str(p.relative_to(path).as_posix()): p for p in path.rglob("*.js")}
        else:
            raise SourceError(f"{path}: no such archive (a folder or a .zip)", path=path)
        # find() falls back to a file's name anywhere: with two archives inside, that would mix
        # one export's followers into another's snapshot
        roots = sorted({_root_of(PurePosixPath(m)).as_posix() for m in self.members
                        if PurePosixPath(m).name == "manifest.js"})
        if len(roots) > 1:
            raise SourceError(
                f"{path} holds {len(roots)} X archives ({', '.join(r + '/' for r in roots)}): "
                f"import each one (`follower-kit import archive` does that for a folder of "
                f"archives)", path=path)

    def find(self, name: str) -> str | None:
        """The member for a manifest path: exact, else the same file name anywhere."""
        if name in self.members:
            return name
        base = PurePosixPath(name).name
        hits = sorted((k for k in self.members if PurePosixPath(k).name == base),
                      key=lambda k: (k.count("/"), k))
        return hits[0] if hits else None

    def read(self, member: str) -> bytes:
        if self.zip is not None:
            return self.zip.read(member)
        return Path(self.members[member]).read_bytes()

    def label(self, member: str) -> str:
        return f"{self.path}!{member}" if self.zip is not None else str(self.members[member])


def _root_of(manifest):
    """An archive's top folder from its manifest's path (X puts it in ``data/``)."""
    return manifest.parent.parent if manifest.parent.name == "data" else manifest.parent


def archives_in(path: str | os.PathLike) -> list[Path]:
    """The archives ``path`` holds: itself when it is one (a .zip, or a folder with a single
    manifest.js), else each folder with a manifest.js and each .zip inside it, in path order
    (one account's exports saved side by side)."""
    path = Path(path)
    if not path.is_dir():
        return [path]
    roots = sorted({_root_of(m) for m in path.rglob("manifest.js")})
    if roots == [path] or (len(roots) == 1 and not any(path.glob("*.zip"))):
        return [path]
    zips = [p for p in sorted(path.rglob("*")) if p.suffix.lower() == ".zip" and p.is_file()
            and not any(r in p.parents for r in roots)]
    return sorted(roots + zips) or [path]


def _position(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, col


def parse_js(data: bytes, *, label: str, expect: str | None = None):
    """Parse one archive data file: ``window.<name> = <JSON>``.

    Parameters
    ----------
    data : bytes
    label : str
        The file name used in errors.
    expect : str, optional
        The global name the manifest promises (``YTD.follower.part0``).

    Raises
    ------
    SourceError
        Wrong encoding, wrong or missing prefix, or JSON that does not parse (a truncated file,
        a JavaScript literal), naming the file, line and column.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SourceError(f"{label}, line {line} (byte {exc.start}): not UTF-8 "
                          f"({exc.reason}); X archives are UTF-8 — was the file re-saved in "
                          f"another encoding?", path=label, line=line) from None
    m = _PREFIX.match(text.encode()) if text.lstrip().startswith("window.") else None
    if m is None:
        start = text.lstrip()[:40]
        raise SourceError(f"{label}, line 1: expected `window.{expect or '<name>'} = [` at the "
                          f"start of the file, found {start!r}", path=label, line=1)
    name = m.group("name").decode()
    if expect is not None and name != expect and name != f"window.{expect}":
        raise SourceError(f"{label}, line 1: the file assigns `window.{name}` but the manifest "
                          f"says it holds `{expect}`", path=label, line=1)
    start = len(m.group(0).decode())
    body = text[start:].rstrip().removesuffix(";")
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        line, col = _position(text, start + exc.pos)
        hint = " (the file ends early: truncated?)" if exc.pos >= len(body.rstrip()) - 1 else \
            " (JSON needs double-quoted keys and strings, no trailing commas)"
        raise SourceError(f"{label}, line {line}, column {col}: {exc.msg}{hint}", path=label,
                          line=line) from None


@dataclass
class Archive:
    """One parsed X archive."""

    path: str
    account: dict
    generated_at: pd.Timestamp
    followers: pd.DataFrame
    following: pd.DataFrame
    tweets: pd.DataFrame
    profile: dict
    warnings: list[str] = field(default_factory=list)


def _records(files: _Files, manifest: Mapping, data_type: str, key: str,
             required: bool) -> list[dict]:
    """Every record of a data type across its parts, in part order."""
    spec = (manifest.get("dataTypes") or {}).get(data_type)
    parts = (spec or {}).get("files") or []
    if not parts:
        member = files.find(f"data/{data_type}.js")
        if member is None:
            if required:
                raise SourceError(f"{files.path}: the archive has no {data_type}.js (the "
                                  f"manifest lists no {data_type} files)", path=files.path)
            return []
        parts = [{"fileName": member, "globalName": None}]
    present = [files.find(part["fileName"]) is not None for part in parts]
    if not required and not any(present):
        log.warning("%s: manifest.js lists %s but none of its files is in the archive; "
                    "skipping %s", files.path, [p["fileName"] for p in parts], data_type)
        return []
    out = []
    for part in parts:
        member = files.find(part["fileName"])
        if member is None:
            raise SourceError(f"{files.path}: manifest.js lists {part['fileName']} "
                              f"({part.get('globalName')}) but the archive lacks it: a missing "
                              f"part", path=files.path)
        items = parse_js(files.read(member), label=files.label(member),
                         expect=part.get("globalName"))
        if not isinstance(items, list):
            raise SourceError(f"{files.label(member)}: expected a JSON array of records",
                              path=files.label(member))
        for i, item in enumerate(items):
            rec = item.get(key) if isinstance(item, dict) else None
            if not isinstance(rec, dict):
                raise SourceError(f"{files.label(member)}: record {i} lacks the `{key}` object",
                                  path=files.label(member), line=None)
            out.append(rec)
        count = part.get("count")
        if count is not None and str(count).isdigit() and int(count) != len(items):
            log.warning("%s: manifest says %s records, the file has %d", files.label(member),
                        count, len(items))
    return out


def read_archive(path: str | os.PathLike) -> Archive:
    """Parse an X data archive (folder or .zip) without writing anything.

    Returns
    -------
    Archive
        ``account`` (id, username, name), ``generated_at`` (UTC, from the manifest),
        ``followers`` (``follower_id``, ``position``: file order, newest first), ``following``
        (``following_id``), ``tweets`` (the account's own tweets, canonical tweets frame),
        ``profile`` (bio, website, location, avatar).
    """
    files = _Files(Path(path))
    member = files.find("manifest.js")
    if member is None:
        raise SourceError(f"{path}: no manifest.js: this is not an X data archive (or it was "
                          f"unpacked partially)", path=path)
    manifest = parse_js(files.read(member), label=files.label(member), expect="__THAR_CONFIG")
    info = manifest.get("userInfo") or {}
    gen = (manifest.get("archiveInfo") or {}).get("generationDate")
    if not info.get("accountId") or not gen:
        raise SourceError(f"{files.label(member)}: userInfo.accountId or "
                          f"archiveInfo.generationDate is missing", path=files.label(member))
    account = {"id": str(info["accountId"]), "username": info.get("userName") or
               str(info["accountId"]), "name": info.get("displayName")}
    warnings = []
    if (manifest.get("archiveInfo") or {}).get("isPartialArchive"):
        warnings.append("the manifest marks this archive as partial")

    fol = _records(files, manifest, "follower", "follower", required=True)
    ids = pd.Series([str(r.get("accountId", "")) for r in fol], dtype=schema.STR)
    bad = ~ids.str.fullmatch(r"[0-9]+")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SourceError(f"{path}: follower record {i} has accountId {ids.iloc[i]!r}, not a "
                          f"numeric id", path=path)
    dup = ids.duplicated()
    if dup.any():
        warnings.append(f"{plural(int(dup.sum()), 'duplicated follower id')} dropped")
    ids = ids[~dup].reset_index(drop=True)
    followers = pd.DataFrame({"follower_id": ids,
                              "position": np.arange(len(ids), dtype="int64")})

    ing = _records(files, manifest, "following", "following", required=False)
    following = pd.DataFrame({"following_id": pd.Series(
        list(dict.fromkeys(str(r.get("accountId")) for r in ing)), dtype=schema.STR)})

    tweet_type = "tweets" if "tweets" in (manifest.get("dataTypes") or {}) else "tweet"
    tw = _records(files, manifest, tweet_type, "tweet", required=False)
    if not tw and tweet_type == "tweets" and files.find("tweet.js"):
        tw = _records(files, {}, "tweet", "tweet", required=False)
    tweets = own_tweets_frame(tw, account["id"])

    prof = _records(files, manifest, "profile", "profile", required=False)
    p = prof[0] if prof else {}
    profile = {"bio": (p.get("description") or {}).get("bio"),
               "website": (p.get("description") or {}).get("website"),
               "location": (p.get("description") or {}).get("location"),
               "avatar": p.get("avatarMediaUrl")}
    return Archive(str(path), account, pd.Timestamp(gen).tz_convert("UTC"), followers,
                   following, tweets, profile, warnings)


def own_tweets_frame(records: list[dict], account_id: str) -> pd.DataFrame:
    """Archive tweet records (v1.1-style, counts as strings) -> the canonical tweets frame.

    Returns
    -------
    DataFrame
        The canonical tweets columns; ``kind`` is retweet (``RT @`` text), reply
        (``in_reply_to_status_id``) or original; ``conversation_id`` is unknown (missing).
    """
    if not records:
        return schema.empty("tweets")
    rows = []
    for r in records:
        ents = r.get("entities") or {}
        text = r.get("full_text") or r.get("text") or ""
        kind = "retweet" if text.startswith("RT @") else \
            "reply" if r.get("in_reply_to_status_id_str") else "original"
        rows.append({
            "id": str(r.get("id_str") or r.get("id")),
            "author_id": account_id,
            "created_at": r.get("created_at"),
            "text": text, "lang": r.get("lang"),
            "in_reply_to_user_id": r.get("in_reply_to_user_id_str"),
            "kind": kind,
            "like_count": int(r.get("favorite_count") or 0),
            "retweet_count": int(r.get("retweet_count") or 0),
            "hashtags": [h.get("text") for h in ents.get("hashtags") or []],
            "mentions": [m.get("screen_name") for m in ents.get("user_mentions") or []],
            "urls": [u.get("expanded_url") for u in ents.get("urls") or []],
        })
    df = pd.DataFrame(rows)
    df["created_at"] = pd.to_datetime(df["created_at"], format="%a %b %d %H:%M:%S %z %Y",
                                      utc=True)
    return schema.validate(schema.coerce(df.drop_duplicates("id"), "tweets"), "tweets")


def import_archive(store, path: str | os.PathLike):
    """Import an X archive as the snapshot of its generation date.

    The snapshot holds the follower ids the archive lists; :func:`hydrate` adds their profiles
    afterwards (also to an archive imported long before), so importing the same archive again
    is always a no-op, never a conflict.

    Parameters
    ----------
    store : Store
    path : folder or .zip

    Returns
    -------
    SnapshotRef
        Nothing is written when the archive is malformed (the error names file and position).
    """
    arc = read_archive(path)
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
    if len(arc.following):
        store.write_table("following", arc.account["id"], arc.following,
                          snapshot_at=arc.generated_at)
    if len(arc.tweets):
        store.write_table("own_tweets", arc.account["id"], arc.tweets,
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


HYDRATE_HINT = ("`follower-kit import archive PATH --hydrate` fetches the missing profiles with "
                "an X API token.")


def require_profiles(followers: pd.DataFrame, username: str, what: str) -> None:
    """Stop with advice when none of ``followers`` has a profile in the store (an X archive
    imported without ``--hydrate`` lists ids only) and ``what`` needs profiles.

    The commands and the notebooks that score or segment followers share this check, so they fail
    at the start with the same advice instead of deep inside an estimator.

    Parameters
    ----------
    followers : DataFrame
        :meth:`Store.followers` of one snapshot (needs ``username``).
    username : str
        The followed account's handle, for the message.
    what : str
        The verb that needs profiles (``"score"``, ``"segment"``).

    Raises
    ------
    FollowerKitError
        Saying how many followers lack a profile and how to fetch them.
    """
    if len(followers) and followers["username"].isna().all():
        raise FollowerKitError(
            f"none of the {len(followers):,} followers of @{str(username).removeprefix('@')} "
            "has a profile in the store (an X archive lists followers by id only), so there is "
            f"nothing to {what}. {HYDRATE_HINT}")


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


__all__ = ["HYDRATE_HINT", "Archive", "Hydration", "hydrate", "import_archive",
           "missing_profiles", "own_tweets_frame", "parse_js", "read_archive", "require_profiles",
           "without_unavailable"]
