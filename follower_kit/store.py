"""The snapshot store: a directory of Parquet files, queried with DuckDB.

Layout (everything below one directory, ``data/store`` by default)::

    accounts/<account_id>/snapshots/<YYYYmmddTHHMMSSZ>/
        meta.json          account, snapshot time, source, row counts, content hash
        followers.parquet  the follower list (canonical "followers" frame)
        users.parquet      profiles observed with this snapshot (canonical "users" frame)
        tweets.parquet     tweets observed with this snapshot (canonical "tweets" frame)
    accounts/<account_id>/profiles/<stamp>-<hash>.parquet   profiles observed apart from a
                       follower list (an id-only archive hydrated later)
    accounts/<account_id>/tweets/<stamp>-<hash>.parquet     tweets read apart from a follower
                       list (pull tweets, twarc2 timelines); both read with the snapshots' own
    accounts/<account_id>/tables/<name>[/<stamp>].parquet   derived tables (bot scores, segments)
                       and ``unavailable``: followers X reported deleted or suspended;
                       ``departures/<stamp>``: a Bluesky snapshot's lost followers, unfollowed
                       or gone (:meth:`Store.departures`)
    .staging/<pid>-<uuid>/  snapshots being written; never read

A snapshot is written completely into ``.staging`` and then renamed into place, so it appears whole
or not at all; once there it is immutable. Committing the same content again is a no-op, committing
different content under the same account and time is refused. Readers only list directories under
``snapshots/``, so they never see a half-written snapshot, and a crash before the rename leaves the
previous state intact (the stale staging directory is swept on the next write).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import config, schema
from .errors import WRITE_ADVICE, AmbiguousHandle, SchemaError, StoreError, write_error

log = logging.getLogger(__name__)

FORMAT = 1
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
FILES = {"followers": "followers.parquet", "users": "users.parquet", "tweets": "tweets.parquet"}
ASIDE = {"users": "profiles", "tweets": "tweets"}  # folders of observations made apart


@dataclass(frozen=True)
class AsideRef:
    """Profiles or tweets stored apart from the snapshots (:meth:`Store.add_profiles`,
    :meth:`Store.add_tweets`): where, observed when, whether this call wrote them, how many."""

    account_id: str
    observed_at: pd.Timestamp
    path: Path | None  # None: there was nothing to store
    created: bool
    rows: int


@dataclass(frozen=True)
class SnapshotRef:
    """A committed snapshot: where it is and whether this call created it."""

    account_id: str
    snapshot_at: pd.Timestamp
    path: Path
    created: bool
    followers: int


def _stamp(ts: pd.Timestamp) -> str:
    return ts.strftime(STAMP_FORMAT)


def _utc(value) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.floor("s")


def _content_hash(followers: pd.DataFrame, users: pd.DataFrame, tweets: pd.DataFrame) -> str:
    h = hashlib.sha256()
    h.update(pd.util.hash_pandas_object(followers[["follower_id", "position"]], index=False).values)
    h.update(pd.util.hash_pandas_object(users["id"], index=False).values)
    h.update(pd.util.hash_pandas_object(tweets["id"], index=False).values)
    return h.hexdigest()


def _arrow_to_pandas(table: pa.Table, dtypes: Mapping[str, object] | None = None) -> pd.DataFrame:
    """Arrow to pandas with nullable integers/booleans and Arrow lists, then canonical dtypes."""

    def mapper(t: pa.DataType):
        if pa.types.is_integer(t):
            return pd.Int64Dtype()
        if pa.types.is_boolean(t):
            return pd.BooleanDtype()
        if pa.types.is_list(t) or pa.types.is_large_list(t):
            return pd.ArrowDtype(pa.list_(pa.string()))
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            return schema.STR
        return None

    if any(pa.types.is_large_list(f.type) for f in table.schema):
        table = table.cast(pa.schema([
            pa.field(f.name, pa.list_(pa.string())) if pa.types.is_large_list(f.type) else f
            for f in table.schema
        ]))
    df = table.to_pandas(types_mapper=mapper)
    for name, dtype in (dtypes or {}).items():
        if name not in df.columns:  # files written before the column existed (users.labels)
            df[name] = schema.empty_column(dtype, len(df), df.index)
        elif df[name].dtype != dtype:
            if dtype is schema.TIME:
                df[name] = df[name].dt.tz_convert("UTC").astype(dtype)
            else:
                df[name] = df[name].astype(dtype)
    return df


def _what_to_do(key: str, held: list[str]) -> str:
    """The end of the unknown-account error: the likely typo, what the store holds, and how an
    account gets into it."""
    if not held:
        return " (it is empty: run `follower-kit sample` or an import first)"
    import difflib

    lower = {h.lower(): h for h in held}
    close = [lower[c] for c in difflib.get_close_matches(key.lower(), list(lower), n=1)]
    return ((f"; did you mean @{close[0]}?" if close else "") + f" It has: {', '.join(held)}. "
            "A new account gets in with `follower-kit pull followers HANDLE` or "
            "`follower-kit import`.")


class Store:
    """A snapshot store rooted at ``path`` (default: ``$FOLLOWER_KIT_STORE`` or ``data/store``).

    Parameters
    ----------
    path : str or Path, optional
        The store directory. It is created on the first write.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = config.store_dir(path)

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    # ------------------------------------------------------------------ layout
    def _account_dir(self, account_id: str) -> Path:
        return self.path / "accounts" / str(account_id)

    def _snapshot_dir(self, account_id: str, snapshot_at: pd.Timestamp) -> Path:
        return self._account_dir(account_id) / "snapshots" / _stamp(snapshot_at)

    def _own_users(self, account_id: str, snapshot_at: pd.Timestamp) -> str:
        """The users file of a snapshot as the users view's ``filename`` spells it."""
        return str(self._snapshot_dir(account_id, snapshot_at) / FILES["users"])

    def _ensure_writable(self) -> Path:
        staging = self.path / ".staging"
        try:
            staging.mkdir(parents=True, exist_ok=True)
            probe = staging / f".probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            advice = WRITE_ADVICE.get(exc.errno, "choose a writable one with --store DIR or "
                                      f"{config.STORE_ENV}")
            raise StoreError(f"cannot write to the store directory {self.path}: "
                             f"{exc.strerror or exc}; nothing was written. {advice}",
                             path=self.path) from None
        self._sweep_staging(staging)
        return staging

    @staticmethod
    def _sweep_staging(staging: Path) -> None:
        """Remove staging directories left by writers that died (their pid is gone)."""
        for entry in staging.iterdir():
            pid = entry.name.split("-", 1)[0]
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                shutil.rmtree(entry, ignore_errors=True)
            except PermissionError:
                pass

    # ------------------------------------------------------------------ writing
    def commit_snapshot(
        self,
        *,
        account: Mapping[str, object],
        snapshot_at,
        followers: pd.DataFrame,
        users: pd.DataFrame | None = None,
        tweets: pd.DataFrame | None = None,
        source: str,
        extra: Mapping[str, object] | None = None,
    ) -> SnapshotRef:
        """Write one complete snapshot atomically.

        Parameters
        ----------
        account : mapping
            The followed account: ``id`` and ``username`` (``name`` optional; ``network``
            ``"x"`` by default, or ``"bluesky"``).
        snapshot_at : timestamp-like
            When the follower list was read; stored to the second, UTC.
        followers : DataFrame
            ``follower_id`` and optionally ``position`` (else row order: row 0 = newest).
        users, tweets : DataFrame, optional
            Profiles and tweets observed with this snapshot, in the canonical frames (they are
            coerced and validated; ``observed_at`` defaults to ``snapshot_at``).
        source : {"api", "archive", "twarc", "sample"}
        extra : mapping, optional
            JSON-serialisable facts kept in ``meta.json`` (archive name, pull id ...).

        Returns
        -------
        SnapshotRef
            ``created`` is False when the identical snapshot was already committed.

        Raises
        ------
        SchemaError
            A frame is invalid; nothing is written.
        StoreError
            The store is not writable, or a different snapshot exists under the same time.
        """
        account_id = str(account["id"])
        username = str(account.get("username") or account_id)
        network = str(account.get("network") or "x")
        if network not in schema.NETWORKS:
            raise SchemaError(f"account network must be one of {schema.NETWORKS}, got "
                              f"{network!r}", frame="followers", column="network")
        at = _utc(snapshot_at)
        f = followers.reset_index(drop=True)
        if "position" not in f.columns:
            f = f.assign(position=np.arange(len(f), dtype="int64"))
        f = schema.coerce(
            f.assign(account_id=account_id, snapshot_at=at, source=source), "followers")
        schema.validate(f, "followers")
        u = users if users is not None else schema.empty("users")
        u = schema.coerce(u if "observed_at" in u.columns else u.assign(observed_at=at), "users")
        u["observed_at"] = u["observed_at"].fillna(at)
        schema.validate(u, "users")
        t = schema.validate(schema.coerce(tweets if tweets is not None else schema.empty("tweets"),
                                          "tweets"), "tweets")
        digest = _content_hash(f, u, t)

        final = self._snapshot_dir(account_id, at)
        existing = self._same_or_conflict(final, digest, account_id, at)
        if existing is not None:
            return existing

        staging = self._ensure_writable() / f"{os.getpid()}-{uuid.uuid4().hex}"
        staging.mkdir()
        try:
            for name, frame in (("followers", f), ("users", u), ("tweets", t)):
                _write_parquet(frame, staging / FILES[name])
            meta = {
                "format": FORMAT,
                "account": {"id": account_id, "username": username,
                            "name": None if account.get("name") is None else str(account["name"]),
                            "network": network},
                "snapshot_at": at.isoformat(),
                "source": source,
                "counts": {"followers": len(f), "users": len(u), "tweets": len(t)},
                "content_hash": digest,
                "extra": dict(extra or {}),
            }
            _write_bytes(staging / "meta.json", json.dumps(meta, indent=1).encode())
            final.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(staging, final)
            except OSError:
                # Someone committed the same snapshot meanwhile: the same content is fine.
                existing = self._same_or_conflict(final, digest, account_id, at)
                if existing is None:
                    raise
                return existing
            _fsync_dir(final.parent)
        except OSError as exc:
            if isinstance(exc, FileExistsError) or exc.errno not in WRITE_ADVICE:
                raise
            raise write_error(exc, staging, "nothing was committed") from None
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        log.info("committed snapshot %s of %s (%d followers)", _stamp(at), username, len(f))
        return SnapshotRef(account_id, at, final, True, len(f))

    def add_profiles(self, account, users: pd.DataFrame, *, observed_at=None) -> AsideRef | None:
        """Store profiles observed apart from any follower list: hydrating the followers of a
        snapshot that holds ids only (an X archive) without rewriting that immutable snapshot.

        The file is written whole and renamed into place; the same profiles observed at the
        same time are written once. Every reader takes them like a snapshot's own profiles (the
        newest observed at or before a snapshot, else the earliest after it).

        Parameters
        ----------
        account : handle or id already in the store
        users : DataFrame
            Canonical users frame (coerced and validated first; nothing is written if invalid).
        observed_at : timestamp-like, optional
            When the profiles were read (default: now); fills a missing ``observed_at``.

        Returns
        -------
        AsideRef or None
            The profiles file; None when ``users`` is empty.
        """
        if users.empty:
            return None
        at = _utc(observed_at if observed_at is not None else pd.Timestamp.now(tz="UTC"))
        u = schema.coerce(users if "observed_at" in users.columns
                          else users.assign(observed_at=at), "users")
        u["observed_at"] = u["observed_at"].fillna(at)
        return self._add_aside(account, "users", u, at)

    def add_tweets(self, account, tweets: pd.DataFrame, *, observed_at=None) -> AsideRef | None:
        """Store tweets read apart from a follower list (``pull tweets``, twarc2 timeline pages),
        so that no snapshot claims a follower list nobody observed at that time.

        Written like :meth:`add_profiles`; :meth:`tweets` reads them with the snapshots' own,
        the most recently observed copy of a tweet winning.

        Returns
        -------
        AsideRef or None
            The tweets file; None when ``tweets`` is empty.
        """
        if tweets.empty:
            return None
        at = _utc(observed_at if observed_at is not None else pd.Timestamp.now(tz="UTC"))
        return self._add_aside(account, "tweets", schema.coerce(tweets, "tweets"), at)

    def _add_aside(self, account, kind: str, frame: pd.DataFrame, at: pd.Timestamp) -> AsideRef:
        account_id = self.resolve(account)
        schema.validate(frame, kind)
        digest = hashlib.sha256(
            pd.util.hash_pandas_object(frame["id"], index=False).values).hexdigest()
        target = self._account_dir(account_id) / ASIDE[kind] / f"{_stamp(at)}-{digest[:16]}.parquet"
        if target.exists():
            return AsideRef(account_id, at, target, False, len(frame))
        staging = self._ensure_writable() / f"{os.getpid()}-{uuid.uuid4().hex}.parquet"
        try:
            _write_parquet(frame.reset_index(drop=True), staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging, target)
            _fsync_dir(target.parent)
        except OSError as exc:
            if exc.errno not in WRITE_ADVICE:
                raise
            raise write_error(exc, target, "nothing was stored") from None
        finally:
            staging.unlink(missing_ok=True)
        log.info("stored %d %s of followers of %s apart from the snapshots", len(frame),
                 ASIDE[kind], account_id)
        return AsideRef(account_id, at, target, True, len(frame))

    def _same_or_conflict(self, final: Path, digest: str, account_id: str, at: pd.Timestamp):
        if not final.exists():
            return None
        meta = self._read_meta(final)
        if meta.get("content_hash") == digest:
            return SnapshotRef(account_id, at, final, False, int(meta["counts"]["followers"]))
        raise StoreError(
            f"a different snapshot of account {account_id} at {at.isoformat()} is already "
            f"committed in {final}; snapshots are immutable (delete the account with "
            f"Store.delete_account to rebuild it)",
            path=final,
        )

    def delete_account(self, account) -> None:
        """Remove an account and everything stored for it."""
        account_id = self.resolve(account)
        target = self._account_dir(account_id)
        trash = self._ensure_writable() / f"{os.getpid()}-{uuid.uuid4().hex}-deleted"
        os.rename(target, trash)  # atomic: readers see the account whole or not at all
        shutil.rmtree(trash, ignore_errors=True)

    def write_table(self, name: str, account, frame: pd.DataFrame, *, snapshot_at=None) -> Path:
        """Write (or replace) a derived table such as bot scores or segments, atomically."""
        account_id = self.resolve(account)
        base = self._account_dir(account_id) / "tables"
        target = base / name / f"{_stamp(_utc(snapshot_at))}.parquet" if snapshot_at is not None \
            else base / f"{name}.parquet"
        staging = self._ensure_writable() / f"{os.getpid()}-{uuid.uuid4().hex}.parquet"
        try:
            _write_parquet(frame.reset_index(drop=True), staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging, target)
        except OSError as exc:
            if exc.errno not in WRITE_ADVICE:
                raise
            raise write_error(exc, target, f"the table {name} is as it was") from None
        finally:
            staging.unlink(missing_ok=True)
        return target

    def read_table(self, name: str, account, *, snapshot_at=None,
                   latest_if_missing: bool = False, as_of: bool = False) -> pd.DataFrame | None:
        """Read a derived table; None when there is none.

        With ``snapshot_at``, the table written for that snapshot (or, with
        ``latest_if_missing``, the newest one when that snapshot has none; with ``as_of``, the
        newest one written at or before it, else the un-keyed one); without it, the newest
        keyed table, else the un-keyed one.
        """
        account_id = self.resolve(account)
        base = self._account_dir(account_id) / "tables"
        keyed = sorted((base / name).glob("*.parquet")) if (base / name).is_dir() else []
        candidates = []
        if snapshot_at is not None and as_of:
            # stamps are fixed-width UTC times, so their order is the time order
            keyed = [p for p in keyed if p.stem <= _stamp(_utc(snapshot_at))]
            snapshot_at = None
        if snapshot_at is not None:
            path = base / name / f"{_stamp(_utc(snapshot_at))}.parquet"
            candidates = [path] if path.exists() else []
        if not candidates and (snapshot_at is None or latest_if_missing):
            candidates = keyed[-1:] or ([base / f"{name}.parquet"]
                                        if (base / f"{name}.parquet").exists() else [])
        if not candidates:
            return None
        return _arrow_to_pandas(self._read_arrow(candidates[0]))

    def known_handles(self, account, *, until=None) -> pd.DataFrame:
        """The accounts the account's own tweets named, with their handles (the table
        ``known_handles`` that :func:`follower_kit.ingest.import_archive` writes for each X
        archive; :func:`follower_kit.sources.archive.known_handles_frame`), merged over every
        archive imported. A store written before the table existed has none: the frame is empty.

        Parameters
        ----------
        account : handle or id
        until : time, optional
            Only what tweets up to this time named.

        Returns
        -------
        DataFrame
            ``id``, ``username``, ``name``, ``seen_at``, ``tweets``: one row per id, its handle
            and name as of the latest tweet naming it (a name from an earlier tweet where the
            latest named only the handle); ordered by ``id``.
        """
        base = self._account_dir(self.resolve(account)) / "tables" / "known_handles"
        parts = [_arrow_to_pandas(self._read_arrow(p)) for p in sorted(base.glob("*.parquet"))] \
            if base.is_dir() else []
        cols = {"id": schema.STR, "username": schema.STR, "name": schema.STR,
                "seen_at": schema.TIME, "tweets": "int64"}
        if not parts:
            return pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})
        known = pd.concat([p.astype(cols) for p in parts], ignore_index=True)
        if until is not None:
            known = known[known["seen_at"] <= _utc(until)]
        # two archives overlap in the tweets they hold: the latest naming wins, counts do not add
        known = known.sort_values(["id", "seen_at", "tweets"], kind="stable")
        out = known.groupby("id", sort=True).last().reset_index()
        return out[list(cols)].astype(cols).reset_index(drop=True)

    def unavailable(self, account) -> pd.DataFrame:
        """Followers X reported deleted or suspended when their profiles were looked up (the
        table ``unavailable``, kept by :func:`follower_kit.ingest.hydrate`, so that a
        rerun does not pay for them again).

        Returns
        -------
        DataFrame
            ``id``, ``reason`` (X's words), ``observed_at``; one row per id.
        """
        table = self.read_table("unavailable", account)
        if table is None:
            return pd.DataFrame({"id": pd.Series(dtype=schema.STR),
                                 "reason": pd.Series(dtype=schema.STR),
                                 "observed_at": pd.Series(dtype=schema.TIME)})
        return table

    def departures(self, account) -> pd.DataFrame:
        """Followers lost between two Bluesky snapshots, each told apart as unfollowed or gone
        (the table ``departures`` that :func:`follower_kit.ingest.pull_bluesky_followers`
        writes for each snapshot after the first: the lost accounts looked up when the pull
        ended, those the AppView no longer shows being deleted, deactivated or taken down).
        X snapshots, and Bluesky snapshots pulled before the table existed, have none: their
        lost followers are not told apart.

        Returns
        -------
        DataFrame
            ``snapshot_at`` (the snapshot whose pull checked), ``since`` (the snapshot before
            it), ``follower_id``, ``gone`` (bool), ``checked_at``; one row per snapshot and lost
            follower, ordered by snapshot; ``attrs["checked"]``: the snapshots checked (one
            that lost nobody has a table without rows).
        """
        base = self._account_dir(self.resolve(account)) / "tables" / "departures"
        cols = {"snapshot_at": schema.TIME, "since": schema.TIME, "follower_id": schema.STR,
                "gone": bool, "checked_at": schema.TIME}
        parts = [pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})]
        checked = []
        for path in sorted(base.glob("*.parquet")) if base.is_dir() else []:
            when = pd.to_datetime(path.stem, format=STAMP_FORMAT, utc=True)
            part = _arrow_to_pandas(self._read_arrow(path))
            parts.append(part.assign(snapshot_at=when)[list(cols)].astype(cols))
            checked.append(when)
        out = pd.concat(parts, ignore_index=True).astype(cols)
        out.attrs["checked"] = checked
        return out

    # ------------------------------------------------------------------ listing
    def snapshot_meta(self, account) -> list[dict]:
        """The ``meta.json`` of each committed snapshot of ``account``, oldest first: account,
        ``snapshot_at``, ``source``, counts, ``content_hash`` and the writer's ``extra``."""
        return [self._read_meta(d) for d in self._snapshot_dirs(self.resolve(account))]

    def _read_meta(self, snap_dir: Path) -> dict:
        path = snap_dir / "meta.json"
        try:
            meta = json.loads(path.read_text())
            meta["counts"]["followers"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"snapshot metadata {path} is unreadable or foreign: {exc}",
                             path=path) from exc
        return meta

    def _snapshot_dirs(self, account_id: str | None = None) -> list[Path]:
        root = self.path / "accounts"
        pattern = f"{account_id}/snapshots/*" if account_id else "*/snapshots/*"
        return sorted(p for p in root.glob(pattern) if p.is_dir())

    def snapshots(self, account=None) -> pd.DataFrame:
        """Committed snapshots.

        Returns
        -------
        DataFrame
            ``account_id``, ``username``, ``snapshot_at``, ``source``, ``followers``, ``users``,
            ``tweets`` (row counts), ``path``, ``network`` (``x`` or ``bluesky``; ``x`` for
            snapshots written before networks were recorded); ordered by account and time.
        """
        account_id = self.resolve(account) if account is not None else None
        rows = []
        for d in self._snapshot_dirs(account_id):
            meta = self._read_meta(d)
            if _is_copy(meta):
                continue
            rows.append({
                "account_id": meta["account"]["id"],
                "username": meta["account"]["username"],
                "snapshot_at": pd.Timestamp(meta["snapshot_at"]),
                "source": meta["source"],
                "followers": meta["counts"]["followers"],
                "users": meta["counts"]["users"],
                "tweets": meta["counts"]["tweets"],
                "path": str(d),
                "network": meta["account"].get("network") or "x",
            })
        cols = ["account_id", "username", "snapshot_at", "source", "followers", "users", "tweets",
                "path", "network"]
        df = pd.DataFrame(rows, columns=cols)
        df["snapshot_at"] = pd.to_datetime(df["snapshot_at"], utc=True).astype(schema.TIME)
        for c in ("followers", "users", "tweets"):
            df[c] = df[c].astype("int64")
        for c in ("account_id", "username", "source", "path", "network"):
            df[c] = df[c].astype(schema.STR)
        return df.sort_values(["account_id", "snapshot_at"], ignore_index=True)

    def snapshot_times(self, account_id: str) -> pd.Series:
        """The times of the snapshots held for ``account_id`` (an id, as a pull knows it),
        oldest first; empty for an account the store does not hold yet, where
        :meth:`snapshots` would refuse the unknown account.

        Returns
        -------
        Series
            ``snapshot_at`` values (UTC).
        """
        if not self._snapshot_dirs(account_id):
            return pd.Series([], dtype=schema.TIME, name="snapshot_at")
        return self.snapshots(account_id)["snapshot_at"]

    def accounts(self) -> pd.DataFrame:
        """Accounts in the store.

        Returns
        -------
        DataFrame
            ``account_id``, ``username``, ``name``, ``snapshots``, ``first_snapshot_at``,
            ``latest_snapshot_at``, ``followers`` (at the latest snapshot), ``network``.
        """
        snaps = self.snapshots()
        rows = []
        for account_id, group in snaps.groupby("account_id", sort=True):
            last = group.iloc[-1]
            meta = self._read_meta(Path(last["path"]))
            rows.append({
                "account_id": account_id, "username": last["username"],
                "name": meta["account"].get("name"), "snapshots": len(group),
                "first_snapshot_at": group["snapshot_at"].iloc[0],
                "latest_snapshot_at": last["snapshot_at"], "followers": int(last["followers"]),
                "network": last["network"],
            })
        cols = ["account_id", "username", "name", "snapshots", "first_snapshot_at",
                "latest_snapshot_at", "followers", "network"]
        return pd.DataFrame(rows, columns=cols)

    def resolve(self, account) -> str:
        """The account id for an id, a username or an @handle (case-insensitive)."""
        key = str(account).strip().removeprefix("@")
        root = self.path / "accounts"
        if (root / key).is_dir():
            return key
        if root.is_dir():
            held = [d.name for d in sorted(root.iterdir())
                    if (snaps := sorted((d / "snapshots").glob("*")))
                    and str(self._read_meta(snaps[-1])["account"]["username"]).lower()
                    == key.lower()]
            if len(held) > 1:
                raise AmbiguousHandle(
                    f"@{key} names {len(held)} accounts in the store {self.path}: ids "
                    f"{' and '.join(held)} (a handle changes hands, or an import was given "
                    f"the wrong one). Choose one by its id: pass {' or '.join(held)} in place of "
                    f"@{key} (`import twarc` takes it as --account-id)", path=self.path)
            if held:
                return held[0]
        held = sorted(self.snapshots()["username"].unique()) if root.is_dir() else []
        raise StoreError(f"no account {account!r} in the store {self.path}"
                         + _what_to_do(key, held), path=self.path)

    def snapshot_at(self, account, at=None) -> pd.Timestamp:
        """The snapshot time to use: the latest, or the latest at or before ``at``.

        ``at`` may be a timestamp or a date (``"2026-03-31"``: the end of that day in UTC) or a
        month (``"2026-03"``: the end of that month).
        """
        snapshots = self.snapshots(account)
        snaps = snapshots["snapshot_at"]
        if snaps.empty:
            raise StoreError(f"account {account!r} has no snapshots", path=self.path)
        if at is None:
            return snaps.iloc[-1]
        limit = _period_end(at)
        before = snaps[snaps <= limit]
        if before.empty:
            raise StoreError(f"@{snapshots['username'].iloc[-1]} has no snapshot at or before "
                             f"{at} (the first is {snaps.iloc[0].isoformat()})", path=self.path)
        return before.iloc[-1]

    # ------------------------------------------------------------------ reading
    def _files(self, account_id: str, kind: str,
               only: list[pd.Timestamp] | None = None) -> list[Path]:
        out = []
        for d in self._snapshot_dirs(account_id):
            at = pd.Timestamp(pd.to_datetime(d.name, format=STAMP_FORMAT, utc=True))
            if only is not None and at not in only:
                continue
            if kind == "followers" and _is_copy(self._read_meta(d)):
                continue  # a copied list is not a follower observation; its tweets still count
            out.append(d / FILES[kind])
        if kind in ASIDE and only is None:  # add_profiles / add_tweets
            out += sorted((self._account_dir(account_id) / ASIDE[kind]).glob("*.parquet"))
        return out

    def _read_arrow(self, path: Path) -> pa.Table:
        try:
            return pq.read_table(path)
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(f"store file {path} is unreadable (truncated or not Parquet): {exc}",
                             path=path) from exc

    def _query(self, sql: str, tables: Mapping[str, tuple[list[Path], str]], params=None
               ) -> pa.Table:
        """Run ``sql`` with each name in ``tables`` bound to a view over its Parquet files (with a
        ``filename`` column; an empty typed frame when there are no files)."""
        con = duckdb.connect()
        try:
            con.execute("SET TimeZone='UTC'")
            con.execute("SET enable_progress_bar=false")  # the library never prints
            for name, (files, kind) in tables.items():
                if files:
                    listed = ", ".join("'" + str(p).replace("'", "''") + "'" for p in files)
                    # by name: files written before a column was added (users.labels) read
                    # with it empty
                    con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{listed}], "
                                f"filename=true, union_by_name=true)")
                else:
                    con.register(name, schema.empty(kind).assign(
                        filename=pd.Series([], dtype=schema.STR)))
            return con.sql(sql, params=params).to_arrow_table()
        except duckdb.Error as exc:
            for files, kind in tables.values():
                self._check_files(files, kind)
            raise StoreError(f"query over the store {self.path} failed: {exc}",
                             path=self.path) from exc
        finally:
            con.close()

    def _check_files(self, files: list[Path], kind: str) -> None:
        """Name the first store file that is unreadable or lacks canonical columns."""
        need = set(schema.spec(kind).names)
        for path in files:
            try:
                names = set(pq.read_schema(path).names)
            except (OSError, pa.ArrowException) as exc:
                raise StoreError(f"store file {path} is unreadable (truncated or not Parquet): "
                                 f"{exc}", path=path) from exc
            lacking = sorted(need - names)
            if lacking:
                raise StoreError(f"store file {path} is not a follower-kit {kind} file: it lacks "
                                 f"column(s) {lacking}", path=path)

    def follower_edges(self, account, snapshots=None) -> pd.DataFrame:
        """The follower lists of several snapshots (all by default) in one canonical frame."""
        account_id = self.resolve(account)
        only = None if snapshots is None else [_utc(s) for s in snapshots]
        files = self._files(account_id, "followers", only=only)
        table = self._query("SELECT * EXCLUDE (filename) FROM f ORDER BY snapshot_at, position",
                            {"f": (files, "followers")})
        return _arrow_to_pandas(table, schema.FOLLOWERS.dtypes)

    def followers(self, account, at=None) -> pd.DataFrame:
        """The followers at a snapshot (default: the latest) with their latest known profiles.

        ``at`` selects the latest snapshot at or before a time, date or month (see
        :meth:`snapshot_at`). A profile is the newest observed at or before the snapshot, else the
        earliest observed after it; followers never profiled keep only their id.

        Returns
        -------
        DataFrame
            The canonical users columns (``id`` is the follower's id) plus ``position`` (0 =
            newest follower) and ``snapshot_at``; ordered by position.
        """
        account_id = self.resolve(account)
        when = self.snapshot_at(account_id, at)
        sql = """
            WITH prof AS (""" + _profiles_as_of() + """)
            SELECT f.follower_id AS id, prof.* EXCLUDE (id, filename), f.position, f.snapshot_at
            FROM f LEFT JOIN prof ON prof.id = f.follower_id
            ORDER BY f.position
        """
        table = self._query(sql, {
            "f": (self._files(account_id, "followers", only=[when]), "followers"),
            "u": (self._files(account_id, "users"), "users"),
        }, [when.to_pydatetime(), self._own_users(account_id, when)])
        dtypes = {**schema.USERS.dtypes, "position": schema.INT, "snapshot_at": schema.TIME}
        return _arrow_to_pandas(table, dtypes)

    def diff(self, account, before=None, after=None) -> pd.DataFrame:
        """New and lost followers between two snapshots (default: the last two).

        Returns
        -------
        DataFrame
            ``change`` ("new" or "lost"), the canonical users columns of the follower (latest
            known profile), and ``position`` (in ``after`` for new, in ``before`` for lost);
            ``attrs["before"]`` and ``attrs["after"]`` are the times of the two snapshots.
        """
        account_id = self.resolve(account)
        snapshots = self.snapshots(account_id)
        snaps = snapshots["snapshot_at"]
        after_at = self.snapshot_at(account_id, after)
        if before is None:
            earlier = snaps[snaps < after_at]
            if earlier.empty:  # named by handle: the caller may have passed the numeric id
                raise StoreError(f"@{snapshots['username'].iloc[-1]} has no snapshot before "
                                 f"{after_at.isoformat()} to compare with: new and lost "
                                 "followers need an earlier snapshot first (pull or import "
                                 "another one later)", path=self.path)
            before_at = earlier.iloc[-1]
        else:
            before_at = self.snapshot_at(account_id, before)
            if before_at >= after_at:
                raise StoreError(
                    f"'before' ({before!r}) selects the snapshot of {before_at.isoformat()}, "
                    f"{'the same as' if before_at == after_at else 'later than'} 'after' "
                    f"({after_at.isoformat()}): new and lost followers need an earlier snapshot "
                    f"first", path=self.path)
        # One query: anti-joins on the two id lists, then profiles only for the changed ids.
        sql = """
            WITH a AS (SELECT follower_id, position FROM f WHERE snapshot_at = $1),
                 b AS (SELECT follower_id, position FROM f WHERE snapshot_at = $2),
                 changed AS (
                    SELECT 'new' AS change, follower_id, position FROM a
                        WHERE follower_id NOT IN (SELECT follower_id FROM b)
                    UNION ALL
                    SELECT 'lost' AS change, follower_id, position FROM b
                        WHERE follower_id NOT IN (SELECT follower_id FROM a)),
                 prof AS (""" + _profiles_as_of("WHERE id IN (SELECT follower_id FROM changed)",
                                                own="$3") + """)
            SELECT changed.change, changed.follower_id AS id, prof.* EXCLUDE (id, filename),
                   changed.position
            FROM changed LEFT JOIN prof ON prof.id = changed.follower_id
            ORDER BY changed.change DESC, changed.position
        """
        table = self._query(sql, {
            "f": (self._files(account_id, "followers", only=[after_at, before_at]), "followers"),
            "u": (self._files(account_id, "users"), "users"),
        }, [after_at.to_pydatetime(), before_at.to_pydatetime(),
            self._own_users(account_id, after_at)])
        dtypes = {"change": schema.STR, **schema.USERS.dtypes, "position": schema.INT}
        out = _arrow_to_pandas(table, dtypes)
        out.attrs.update(before=before_at, after=after_at)  # the two snapshots compared
        return out

    def users(self, account) -> pd.DataFrame:
        """Every profile observation stored for an account's followers (canonical users frame,
        several rows per id when observed several times)."""
        account_id = self.resolve(account)
        table = self._query("SELECT * EXCLUDE (filename) FROM u ORDER BY id, observed_at",
                            {"u": (self._files(account_id, "users"), "users")})
        return _arrow_to_pandas(table, schema.USERS.dtypes)

    def tweets(self, account, authors=None) -> pd.DataFrame:
        """Tweets stored with an account's snapshots, one row per tweet id (the latest copy),
        optionally only those by ``authors`` (follower ids).

        Returns
        -------
        DataFrame
            The canonical tweets frame ordered by author and time.
        """
        account_id = self.resolve(account)
        files = self._files(account_id, "tweets")
        # The copy observed last wins. A snapshot's folder and a file kept apart both start
        # with the time it was read; the files are ranked here (a CASE over a dozen paths costs
        # nothing, a regular expression per row cost 40% more at 750,000 tweets).
        stamp = {str(p): (p.parent.name if p.name == FILES["tweets"] else p.name[:16], str(p))
                 for p in files}
        rank = " ".join(f"WHEN '{path.replace(chr(39), chr(39) * 2)}' THEN {i}"
                        for i, path in enumerate(sorted(stamp, key=stamp.get)))
        table = self._query(
            "SELECT * EXCLUDE (filename) FROM t"
            f" QUALIFY row_number() OVER (PARTITION BY id ORDER BY CASE filename {rank} END"
            " DESC) = 1 ORDER BY author_id, created_at, id" if files else
            "SELECT * EXCLUDE (filename) FROM t",
            {"t": (files, "tweets")})
        df = _arrow_to_pandas(table, schema.TWEETS.dtypes)
        if authors is not None:
            df = df[df["author_id"].isin(pd.Index(authors).astype(str))].reset_index(drop=True)
        return df

    # ------------------------------------------------------------------ health
    def _all_files(self) -> list[tuple[str, pd.Timestamp | None, Path]]:
        """(account id, snapshot time or None, path) of every file the readers use."""
        out = []
        root = self.path / "accounts"
        for account_dir in sorted(root.iterdir()) if root.is_dir() else []:
            for d in self._snapshot_dirs(account_dir.name):
                at = pd.to_datetime(d.name, format=STAMP_FORMAT, utc=True, errors="coerce")
                at = None if pd.isna(at) else at
                out += [(account_dir.name, at, d / "meta.json")]
                out += [(account_dir.name, at, d / FILES[k]) for k in FILES]
            for sub in (*ASIDE.values(), "tables"):
                out += [(account_dir.name, None, p)
                        for p in sorted((account_dir / sub).rglob("*.parquet"))]
        return out

    def check(self, progress=None) -> pd.DataFrame:
        """Read every file of every snapshot (and the profiles, tweets and tables kept beside
        them) and name what is broken: missing, truncated or foreign files, text DuckDB cannot
        read (invalid UTF-8), row counts that disagree with ``meta.json``.

        Parameters
        ----------
        progress : callable, optional
            Called with 1 after each file.

        Returns
        -------
        DataFrame
            One row per problem: ``account_id``, ``snapshot_at`` (None for files kept beside
            the snapshots), ``path``, ``problem``; empty when the store is sound.
        """
        rows = []
        metas: dict[Path, dict] = {}
        for account_id, at, path in self._all_files():
            problem = None
            if path.name == "meta.json":
                try:
                    metas[path.parent] = self._read_meta(path.parent)
                except StoreError as exc:
                    problem = str(exc)
            else:
                problem = _file_problem(path, metas.get(path.parent))
            if problem:
                rows.append({"account_id": account_id, "snapshot_at": at, "path": str(path),
                             "problem": problem})
            if progress is not None:
                progress(1)
        return pd.DataFrame(rows, columns=["account_id", "snapshot_at", "path", "problem"])

    def quarantine(self, path: str | os.PathLike) -> Path:
        """Move a broken snapshot (its folder, or any file in it) or a broken file kept beside
        the snapshots out of the readers' way, into ``<store>/quarantine/``, keeping its path.
        Nothing is deleted: move it back to restore it.

        Returns
        -------
        Path
            Where it now is.
        """
        target = Path(path).resolve()
        accounts = (self.path / "accounts").resolve()
        if not target.is_relative_to(accounts) or not target.exists():
            raise StoreError(f"{path} is not a file or snapshot of the store {self.path}",
                             path=path)
        rel = target.relative_to(accounts)
        if len(rel.parts) >= 4 and rel.parts[1] == "snapshots":
            rel = Path(*rel.parts[:3])  # a snapshot goes whole: its files belong together
        source = accounts / rel
        stamp = pd.Timestamp.now(tz="UTC").strftime(STAMP_FORMAT)
        dest = self.path / "quarantine" / stamp / rel
        self._ensure_writable()
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.rename(source, dest)  # atomic: readers see the snapshot whole or not at all
        log.warning("quarantined %s to %s", source, dest)
        return dest

    def info(self) -> dict:
        """A JSON-ready summary: per account, its ``network`` (``x`` or ``bluesky``), its
        snapshots and follower counts, and how many followers X reported deleted or suspended
        (``unavailable``).

        Each snapshot's ``problems`` lists files whose Parquet footer cannot be read (a quick
        look; :meth:`check` reads every byte)."""
        snaps = self.snapshots()
        out = {"store": str(self.path), "accounts": []}
        for account_id, group in snaps.groupby("account_id", sort=True):
            out["accounts"].append({
                "account_id": account_id,
                "username": group["username"].iloc[-1],
                "network": group["network"].iloc[-1],
                "snapshots": [
                    {"snapshot_at": r.snapshot_at.isoformat(), "source": r.source,
                     "followers": int(r.followers), "tweets": int(r.tweets),
                     "problems": [p for _, p in _footer_problems(Path(r.path))]}
                    for r in group.itertuples()
                ],
                # rows stored beside the snapshots (add_profiles, add_tweets; and in copies
                # that earlier versions made for tweets, see _is_copy)
                "apart": {ASIDE[kind]: sum(_rows_or_zero(p) for p in
                                           (self._account_dir(account_id) / ASIDE[kind])
                                           .glob("*.parquet"))
                          + sum(m["counts"][kind] for m in self.snapshot_meta(account_id)
                                if _is_copy(m))
                          for kind in ("users", "tweets")},
                "unavailable": len(self.unavailable(account_id)),
            })
        return out


def _rows_or_zero(path: Path) -> int:
    """Rows a Parquet file's footer announces; 0 when it cannot be read (`store check` names it)."""
    try:
        return pq.read_metadata(path).num_rows
    except (OSError, pa.ArrowException):
        log.warning("%s is unreadable: run `follower-kit store check`", path)
        return 0


def _footer_problems(snap_dir: Path) -> list[tuple[Path, str]]:
    """Files of a snapshot whose Parquet footer cannot be read (missing, truncated, foreign)."""
    out = []
    for name in FILES.values():
        try:
            pq.read_metadata(snap_dir / name)
        except (OSError, pa.ArrowException) as exc:
            out.append((snap_dir / name, f"{name}: {exc}"))
    return out


def _file_problem(path: Path, meta: Mapping | None) -> str | None:
    """What is wrong with one Parquet file of the store, read whole; None when nothing."""
    try:
        table = pq.read_table(path)
        table.validate(full=True)
    except FileNotFoundError:
        return "missing"
    except (OSError, pa.ArrowException) as exc:
        return f"unreadable: {exc}"
    try:
        con = duckdb.connect()
        try:
            con.execute("SET enable_progress_bar=false")
            strings = [f'max(length("{f.name}"))' for f in table.schema
                       if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
            con.execute(f"SELECT count(*){''.join(', ' + s for s in strings)} FROM "
                        "read_parquet(?)", [str(path)]).fetchall()
        finally:
            con.close()
    except duckdb.Error as exc:
        return f"DuckDB cannot read it: {exc}"
    kind = next((k for k, f in FILES.items() if f == path.name), None)
    if meta is not None and kind is not None:
        want = int((meta.get("counts") or {}).get(kind, table.num_rows))
        if want != table.num_rows:
            return f"{table.num_rows:,} rows, meta.json says {want:,}"
    return None


def _is_copy(meta: Mapping) -> bool:
    """A snapshot that earlier versions committed for a tweets pull or twarc2 timelines alone:
    it repeats an earlier follower list (``extra.followers_from``) that nobody read at its time,
    so it is no snapshot of the followers; its tweets and profiles are still read."""
    return bool((meta.get("extra") or {}).get("followers_from"))


def _profiles_as_of(where: str = "", own: str = "$2") -> str:
    """SQL over the users view ``u``: one profile per id: the one stored with the snapshot of
    the instant ``$1`` (its users file, the parameter ``own``), else the newest observed at or
    before ``$1``, else the earliest observed after it.

    A snapshot's own profiles come first because they are read after its time: a pull is
    dated when it started (to the second) and observes each page when it arrives, so by time
    alone the previous pull's profiles would win over the snapshot's own."""
    return f"""
        SELECT * FROM u {where}
        QUALIFY row_number() OVER (
            PARTITION BY id
            ORDER BY (filename = {own}) DESC, (observed_at <= $1) DESC,
                     CASE WHEN observed_at <= $1 THEN -epoch_us(observed_at)
                          ELSE epoch_us(observed_at) END) = 1"""


def _period_end(at) -> pd.Timestamp:
    """End of the period that ``at`` names: a month, a day, or an exact instant."""
    if isinstance(at, str):
        text = at.strip()
        if len(text) == 7:  # YYYY-MM
            return _utc(pd.Timestamp(text + "-01") + pd.offsets.MonthEnd(0)) + pd.Timedelta(
                hours=23, minutes=59, seconds=59)
        if len(text) == 10:  # YYYY-MM-DD
            return _utc(text) + pd.Timedelta(hours=23, minutes=59, seconds=59)
    return _utc(at)


def _write_bytes(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    _readable(table, path)
    with open(path, "wb") as fh:
        pq.write_table(table, fh, compression="zstd")
        fh.flush()
        os.fsync(fh.fileno())


def _readable(table: pa.Table, path: Path) -> None:
    """Refuse to write what Arrow or DuckDB could not read back: text that is not UTF-8 would
    make every later query over the account fail. Sources replace such bytes before (and say
    so); this is the last guard."""
    for name, col in zip(table.column_names, table.columns):
        typ = col.type.value_type if pa.types.is_list(col.type) or \
            pa.types.is_large_list(col.type) else col.type
        if not (pa.types.is_string(typ) or pa.types.is_large_string(typ)):
            continue
        try:
            col.validate(full=True)
        except pa.ArrowInvalid as exc:
            raise StoreError(f"refusing to write {path.name}: column {name!r} holds invalid "
                             f"data ({exc}); nothing was committed", path=path) from None


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = ["AmbiguousHandle", "AsideRef", "SchemaError", "SnapshotRef", "Store", "StoreError"]
