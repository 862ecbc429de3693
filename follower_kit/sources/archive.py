"""The X data archive (a folder or the .zip X mails you) -> a dated follower snapshot.

An archive's ``manifest.js`` names the account, the generation date and, for every data type,
the files that hold it (big types are split into parts: ``tweets.js``, ``tweets-part1.js`` ...).
Each data file is JavaScript: ``window.YTD.<type>.part<N> = [ ...JSON... ]``. This module finds
the parts through the manifest, checks each file's prefix, parses the JSON and reports a bad file
by name, line and column, before anything is written. Several archives of one account, imported
one after another, form a series of snapshots (one per generation date).

What an archive holds: the follower and following lists (ids only: ``--hydrate`` fetches the
profiles with the X API when a token exists), the account's own tweets (stored as the table
``own_tweets``), and its profile. The own tweets also name people: each mention carries the
mentioned account's id, handle and display name, and each reply the replied-to id and handle;
:func:`known_handles_frame` keeps them (the table ``known_handles``), so that an archive alone
can name the followers the account talked to.
"""

from __future__ import annotations

import codecs
import io
import json
import logging
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from .. import schema
from ..errors import SchemaError, SourceError
from ..schema import HYDRATE_HINT, require_profiles  # noqa: F401 - the name notebooks import
from ..wording import plural

log = logging.getLogger(__name__)

_PREFIX = re.compile(r"\s*window\.(?P<name>[A-Za-z0-9_.]+)\s*=\s*")
_CHUNK = 1 << 20
_DECODER = json.JSONDecoder()
_GIB = 1 << 30


@dataclass(frozen=True)
class Limits:
    """How much of an archive the reader accepts: bounds that no real export comes near, so a
    zip bomb or a runaway file is refused before it is read.

    The real exports the kit is tested on hold data files of 0.1 to 2.8 MB (a follower list
    takes 143 bytes a follower), which deflate 9 to 12 times; media files are never read.

    Parameters
    ----------
    file_bytes : int
        Largest uncompressed data file (default 2 GiB: a follower list of about 15 million).
    total_bytes : int
        Largest sum of the data files read from one archive (default 8 GiB).
    ratio : float
        Largest compression ratio of a zip member above 1 MiB (default 100).
    record_bytes : int
        Largest single record inside a data file (default 16 MiB).
    """

    file_bytes: int = 2 * _GIB
    total_bytes: int = 8 * _GIB
    ratio: float = 100.0
    record_bytes: int = 16 << 20


class _Files:
    """Read files from an archive folder or zip by their manifest path (``data/follower.js``),
    tolerating flattened copies (the file beside manifest.js) and a top-level folder in zips.

    Bounded: zip members are checked against :class:`Limits` (size, total, ratio) from the
    central directory before a byte is inflated (and zipfile never inflates past the declared
    size); a folder's symlinks are followed only to regular files inside the archive (with a
    warning), special files (devices, pipes) are refused."""

    def __init__(self, path: Path, limits: Limits | None = None, force: bool = False):
        self.path = path
        self.limits = limits or Limits()
        self.force = force
        self.zip: zipfile.ZipFile | None = None
        self.refused: dict[str, str] = {}  # member -> why it cannot be read
        self.duplicated: set[str] = set()
        self.read_bytes = 0
        if path.is_file():
            try:
                self.zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError, ValueError) as exc:
                raise SourceError(f"{path}: not a folder or a zip file ({exc})",
                                  path=path) from None
            infos = [i for i in self.zip.infolist() if not i.filename.endswith("/")]
            seen: set[str] = set()
            for i in infos:
                if i.filename in seen:
                    self.duplicated.add(i.filename)
                seen.add(i.filename)
            self.members = {i.filename: i for i in infos}
        elif path.is_dir():
            self.members = self._walk(path)
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

    def _walk(self, root: Path) -> dict[str, Path]:
        """The ``.js`` files under ``root``, never leaving it: symlinked folders are not
        entered; a symlinked file counts only when it resolves to a regular file inside."""
        inside = root.resolve()
        out: dict[str, Path] = {}
        for dirpath, dirnames, filenames in os.walk(root):  # followlinks=False
            for d in dirnames:
                if os.path.islink(os.path.join(dirpath, d)):
                    log.warning("%s: the folder %s is a symlink and is not followed", root,
                                os.path.join(dirpath, d))
            for name in filenames:
                if not name.endswith(".js"):
                    continue
                p = Path(dirpath) / name
                rel = p.relative_to(root).as_posix()
                st = os.lstat(p)
                if stat.S_ISLNK(st.st_mode):
                    target = p.resolve()
                    if not target.is_relative_to(inside):
                        self.refused[rel] = (f"a symlink to {target}, outside the archive: "
                                             "not followed (copy the file in if it belongs)")
                        continue
                    st = os.stat(target)
                    if stat.S_ISREG(st.st_mode):
                        log.warning("%s: %s is a symlink to %s inside the archive; following it",
                                    root, rel, target.relative_to(inside))
                    p = target
                if not stat.S_ISREG(st.st_mode):
                    self.refused[rel] = "not a regular file (a device, pipe or socket): refused"
                    continue
                out[rel] = p
        for rel in self.refused:
            out.setdefault(rel, root / rel)
        return out

    def find(self, name: str) -> str | None:
        """The member for a manifest path: exact, else the same file name anywhere."""
        if name in self.members:
            return name
        base = PurePosixPath(name).name
        hits = sorted((k for k in self.members if PurePosixPath(k).name == base),
                      key=lambda k: (k.count("/"), k))
        return hits[0] if hits else None

    def open(self, member: str):
        """A binary stream of ``member``, after the checks that keep reading bounded."""
        label = self.label(member)
        if member in self.refused:
            raise SourceError(f"{label}: {self.refused[member]}", path=label)
        if member in self.duplicated and not self.force:
            raise SourceError(f"{label}: the zip holds this file more than once, so which "
                              "copy is the archive's is unknown (--force reads the last)",
                              path=label)
        lim = self.limits
        if self.zip is not None:
            info = self.members[member]
            size = info.file_size
            ratio = size / max(info.compress_size, 1)
            if size > (1 << 20) and ratio > lim.ratio:
                raise SourceError(
                    f"{label}: {_size(info.compress_size)} inflates to {_size(size)} (ratio "
                    f"{ratio:,.0f}, limit {lim.ratio:g}): refused as a zip bomb (--max-ratio "
                    "raises the limit)", path=label)
        else:
            size = os.stat(self.members[member]).st_size
        if size > lim.file_bytes:
            raise SourceError(f"{label}: {_size(size)} uncompressed, above the limit of "
                              f"{_size(lim.file_bytes)} (--max-file-size raises it)", path=label)
        if self.read_bytes + size > lim.total_bytes:
            raise SourceError(f"{label}: the archive's data files exceed {_size(lim.total_bytes)} "
                              "uncompressed (--max-total-size raises the limit)", path=label)
        self.read_bytes += size
        try:
            if self.zip is not None:
                return self.zip.open(self.members[member])
            return open(self.members[member], "rb")
        except (OSError, zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
            raise SourceError(f"{label}: cannot be read ({exc})", path=label) from None

    def read(self, member: str) -> bytes:
        with self.open(member) as fh:
            return _guarded_read(fh, self.label(member))

    def label(self, member: str) -> str:
        return f"{self.path}!{member}" if self.zip is not None else str(self.members[member])


def _guarded_read(fh, label: str, size: int = -1) -> bytes:
    """Read from an archive stream, turning a damaged zip member into a SourceError."""
    try:
        return fh.read(size)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise SourceError(f"{label}: damaged ({exc}); the zip is corrupt or its sizes lie",
                          path=label) from None


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n} GiB"


def _root_of(manifest):
    """An archive's top folder from its manifest's (or account.js's) path (X puts it in
    ``data/``)."""
    return manifest.parent.parent if manifest.parent.name == "data" else manifest.parent


def archives_in(path: str | os.PathLike) -> list[Path]:
    """The archives ``path`` holds: itself when it is one (a .zip, or a folder with a single
    manifest.js or, made before 2020, account.js), else each such folder and each .zip inside
    it, in path order (one account's exports saved side by side)."""
    path = Path(path)
    if not path.is_dir():
        return [path]
    # archives made before 2020 have no manifest.js: their account.js marks them
    roots = sorted({_root_of(m) for m in path.rglob("manifest.js")}
                   | {_root_of(a) for a in path.rglob("account.js")
                      if (a.parent / "follower.js").exists()})
    if roots == [path] or (len(roots) == 1 and not any(path.glob("*.zip"))):
        return [path]
    zips = [p for p in sorted(path.rglob("*")) if p.suffix.lower() == ".zip" and p.is_file()
            and not any(r in p.parents for r in roots)]
    return sorted(roots + zips) or [path]


class _JsReader:
    """Reads one archive data file, ``window.<name> = <JSON>``, from a binary stream.

    An array is read one element at a time (:meth:`items`): memory holds one record and a
    chunk of the file, never the whole file, whatever its size. Errors name the file, line and
    column: invalid UTF-8, a missing prefix, bad JSON, nesting too deep for the parser."""

    def __init__(self, stream, label: str, record_bytes: int = Limits.record_bytes):
        self.stream, self.label, self.record_bytes = stream, label, record_bytes
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.buf, self.pos, self.eof = "", 0, False
        self.bytes_in = 0
        self.lines_before = 0  # newlines in the text already dropped from buf
        self.tail_before = 0  # characters after the last dropped newline
        self.started = False

    # -------------------------------------------------------------- buffer
    def _more(self) -> bool:
        if self.eof:
            return False
        chunk = _guarded_read(self.stream, self.label, _CHUNK)
        try:
            text = self.decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            line = self.lines_before + self.buf.count("\n") + \
                exc.object[:exc.start].count(b"\n") + 1
            byte = self.bytes_in + exc.start
            raise SourceError(f"{self.label}, line {line} (byte {byte}): not UTF-8 "
                              f"({exc.reason}); X archives are UTF-8 — was the file re-saved in "
                              f"another encoding?", path=self.label, line=line) from None
        if not self.started and text:
            text = text.removeprefix("\ufeff")
            self.started = True
        self.bytes_in += len(chunk)
        if not chunk:
            self.eof = True
        if self.pos > _CHUNK:  # drop what was read, keeping line numbers right
            gone = self.buf[:self.pos]
            nl = gone.rfind("\n")
            self.lines_before += gone.count("\n")
            self.tail_before = len(gone) - nl - 1 if nl >= 0 else self.tail_before + len(gone)
            self.buf, self.pos = self.buf[self.pos:], 0
        self.buf += text
        return bool(chunk) or bool(text)

    def _fill(self, n: int) -> None:
        while len(self.buf) - self.pos < n and self._more():
            pass

    def _skip_ws(self) -> None:
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buf) or not self._more():
                return

    def position(self, i: int) -> tuple[int, int]:
        """(line, column), 1-based, of index ``i`` of the buffer."""
        line = self.lines_before + self.buf.count("\n", 0, i) + 1
        nl = self.buf.rfind("\n", 0, i)
        col = i - nl if nl >= 0 else self.tail_before + i + 1
        return line, col

    def _error(self, i: int, what: str) -> SourceError:
        line, col = self.position(i)
        return SourceError(f"{self.label}, line {line}, column {col}: {what}", path=self.label,
                           line=line)

    # -------------------------------------------------------------- parsing
    def prefix(self, expect: str | None) -> str:
        """Check ``window.<name> =`` and return the name."""
        self._fill(4096)
        m = _PREFIX.match(self.buf, self.pos)
        if m is None:
            start = self.buf[self.pos:].lstrip()[:40]
            raise SourceError(f"{self.label}, line 1: expected `window.{expect or '<name>'} = "
                              f"[` at the start of the file, found {start!r}", path=self.label,
                              line=1)
        name = m.group("name")
        if expect is not None and name != expect and name != f"window.{expect}":
            raise SourceError(f"{self.label}, line 1: the file assigns `window.{name}` but the "
                              f"manifest says it holds `{expect}`", path=self.label, line=1)
        self.pos = m.end()
        return name

    def _value(self, what: str):
        """Decode the JSON value at the cursor, reading more while it may be incomplete."""
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if len(self.buf) - self.pos <= self.record_bytes and self._more():
                    continue
                if not self.eof:
                    raise self._error(self.pos, f"{what} is larger than "
                                      f"{_size(self.record_bytes)} or broken") from None
                # at the end of the file a string that never closes ran into the end too
                truncated = (exc.pos >= len(self.buf.rstrip()) - 1
                             or exc.msg.startswith("Unterminated string"))
                hint = " (the file ends early: truncated?)" if truncated else \
                    " (JSON needs double-quoted keys and strings, no trailing commas)"
                raise self._error(exc.pos, exc.msg + hint) from None
            except RecursionError:
                raise self._error(self.pos, f"{what} is nested too deeply to read (a real "
                                  "archive nests a few levels)") from None
            if end == len(self.buf) and self._more():
                continue  # a number may go on in the next chunk
            self.pos = end
            return obj

    def items(self):
        """The elements of the array after the prefix, one at a time."""
        self._skip_ws()
        if self.pos >= len(self.buf) or self.buf[self.pos] != "[":
            raise self._error(self.pos, "expected a JSON array of records after the `=`")
        self.pos += 1
        index = 0
        while True:
            self._skip_ws()
            if self.pos >= len(self.buf):
                raise self._error(self.pos, "the array never closes (the file ends early: "
                                  "truncated?)")
            if self.buf[self.pos] == "]":
                self.pos += 1
                break
            if index:
                if self.buf[self.pos] != ",":
                    raise self._error(self.pos, "expected `,` or `]` between records (JSON "
                                      "needs double-quoted keys and strings, no trailing commas)")
                self.pos += 1
                self._skip_ws()
                if self.pos < len(self.buf) and self.buf[self.pos] == "]":
                    raise self._error(self.pos, "a trailing comma before `]` (JSON allows "
                                      "none: remove the `,` after the last record)")
            yield self._value(f"record {index}")
            index += 1
        self._end()

    def rest(self):
        """The whole JSON value after the prefix (a small file: the manifest)."""
        self._skip_ws()
        value = self._value("the value")
        self._end()
        return value

    def _end(self) -> None:
        self._skip_ws()
        if self.pos < len(self.buf) and self.buf[self.pos] == ";":
            self.pos += 1
            self._skip_ws()
        if self.pos < len(self.buf):
            raise self._error(self.pos, "unexpected text after the JSON value")


def json_array_items(stream, *, label: str, record_bytes: int = Limits.record_bytes):
    """The elements of a plain JSON array (no ``window.<name> =`` prefix) read from a binary
    ``stream`` one at a time, with the archive reader's bounds and errors (``label``, line and
    column): memory holds one record and a chunk of the file. A leading byte order mark is
    skipped. Used for TwiBot's ``user.json``."""
    yield from _JsReader(stream, label, record_bytes=record_bytes).items()


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
        a JavaScript literal, nesting too deep), naming the file, line and column.
    """
    reader = _JsReader(io.BytesIO(data), label, record_bytes=max(len(data), 1))
    reader.prefix(expect)
    return reader.rest()


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
    known_handles: pd.DataFrame = field(default_factory=lambda: known_handles_frame([], ""))
    #: Whether the archive holds a following list: an empty one (an account that follows
    #: nobody) is a list, a missing file is not.
    following_known: bool = True


#: Records older archives (2019-2020) write bare, without the ``{"tweet": {...}}`` wrapper,
#: and the fields that identify one (twitter-archive-parser reads both forms the same way).
_BARE_OK = {"tweet": {"id_str", "full_text"}}


def _records(files: _Files, manifest: Mapping, data_type: str, key: str,
             required: bool, pick=None, counts: dict | None = None) -> list:
    """Every record of a data type across its parts, in part order, read one at a time.

    ``pick`` keeps only part of each record (an id), so a follower list of any size costs its
    ids, not its parsed JSON. ``counts`` collects ``{member: (records, manifest count)}``.
    """
    spec = (manifest.get("dataTypes") or {}).get(data_type)
    parts = (spec or {}).get("files") or [] if isinstance(spec, dict) else []
    if not isinstance(parts, list) or not all(isinstance(p, dict) and p.get("fileName")
                                              for p in parts):
        raise SourceError(f"{files.path}: manifest.js dataTypes.{data_type}.files is not a list "
                          "of {fileName, globalName, count} objects", path=files.path)
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
        label = files.label(member)
        n = 0
        with files.open(member) as fh:
            reader = _JsReader(fh, label, files.limits.record_bytes)
            reader.prefix(part.get("globalName"))
            for i, item in enumerate(reader.items()):
                rec = item.get(key) if isinstance(item, dict) else None
                if rec is None and key in _BARE_OK and isinstance(item, dict) \
                        and _BARE_OK[key] & item.keys():
                    rec = item   # an older archive: the record is not wrapped in its key
                if not isinstance(rec, dict):
                    raise SourceError(f"{label}: record {i} lacks the `{key}` object",
                                      path=label, line=reader.position(reader.pos)[0])
                out.append(rec if pick is None else pick(rec))
                n += 1
        count = part.get("count")
        if counts is not None:
            counts[label] = (n, int(count) if str(count).isdigit() else None)
        if count is not None and str(count).isdigit() and int(count) != n:
            log.warning("%s: manifest says %s records, the file has %d", label, count, n)
    return out


def _account_id(rec: dict):
    value = rec.get("accountId")
    return None if value is None else str(value)


#: X names an archive ``twitter-2019-08-16-<hash>`` (the zip, and the folder it unpacks to).
_ARCHIVE_NAME = re.compile(r"twitter-(\d{4}-\d{2}-\d{2})-[0-9a-f]{8,}", re.IGNORECASE)


def _manifest_of_older(files: _Files, path: Path) -> dict:
    """The manifest an archive made before 2020 lacks, from its ``account.js`` and its name.

    Those archives hold ``account.js``, ``follower.js``, ``following.js`` and ``tweet.js`` (each
    tweet bare) but no ``manifest.js``, so nothing inside says when the archive was made; the
    date X puts in its name (``twitter-2019-08-16-<hash>.zip``, kept by the folder it unpacks
    to) does, to the day. Without one the archive is refused: a snapshot dated by a guess
    would put every follower in the wrong month."""
    member = files.find("account.js")
    label = files.label(member)
    with files.open(member) as fh:
        reader = _JsReader(fh, label, files.limits.record_bytes)
        reader.prefix(None)
        items = reader.rest()
    acct = items[0].get("account") if isinstance(items, list) and items and \
        isinstance(items[0], dict) else None
    if not isinstance(acct, dict) or not acct.get("accountId"):
        raise SourceError(f"{label}: expected [{{\"account\": {{\"accountId\": ...}}}}]",
                          path=label)
    named = next((m for p in (path, *path.parents) if (m := _ARCHIVE_NAME.search(p.name))),
                 None)
    if named is None:
        raise SourceError(f"{path}: no manifest.js, as in archives made before 2020, so the "
                          f"archive does not say when it was made; keep the name X gave it "
                          f"(twitter-YYYY-MM-DD-<hash>, the zip or the folder it unpacks to), "
                          f"which dates it", path=path)
    log.warning("%s: no manifest.js (an archive made before 2020): dated %s by its name, "
                "account from account.js", path, named.group(1))
    return {"userInfo": {"accountId": str(acct["accountId"]),
                         "userName": acct.get("username"),
                         "displayName": acct.get("accountDisplayName")},
            "archiveInfo": {"generationDate": named.group(1)}, "dataTypes": {}}


def read_archive(path: str | os.PathLike, *, limits: Limits | None = None,
                 force: bool = False) -> Archive:
    """Parse an X data archive (folder or .zip) without writing anything.

    Parameters
    ----------
    path : folder or .zip
    limits : Limits, optional
        Size, total and compression-ratio bounds (default: :class:`Limits`).
    force : bool
        Read an archive whose follower list is far shorter than its manifest says, or whose zip
        holds a data file twice (the last copy); refused otherwise.

    Returns
    -------
    Archive
        ``account`` (id, username, name), ``generated_at`` (UTC, from the manifest),
        ``followers`` (``follower_id``, ``position``: file order, newest first), ``following``
        (``following_id``), ``tweets`` (the account's own tweets, canonical tweets frame),
        ``profile`` (bio, website, location, avatar); ``warnings`` says what was dropped;
        ``known_handles`` (:func:`known_handles_frame`: the accounts the own tweets name).

    Raises
    ------
    SourceError
        Naming the file and position: malformed data, a file refused by the limits, a symlink
        leaving the archive or a special file, a short follower list.
    """
    files = _Files(Path(path), limits, force)
    member = files.find("manifest.js")
    if member is None:
        if files.find("account.js") is None or files.find("follower.js") is None:
            raise SourceError(f"{path}: no manifest.js: this is not an X data archive (or it "
                              f"was unpacked partially)", path=path)
        manifest = _manifest_of_older(files, Path(path))
        label = files.label(files.find("account.js"))
    else:
        label = files.label(member)
        with files.open(member) as fh:
            reader = _JsReader(fh, label, files.limits.record_bytes)
            reader.prefix("__THAR_CONFIG")
            manifest = reader.rest()
    if not isinstance(manifest, dict):
        raise SourceError(f"{label}: the manifest is a JSON {type(manifest).__name__}, expected "
                          "an object with userInfo, archiveInfo and dataTypes", path=label)
    info = manifest.get("userInfo") if isinstance(manifest.get("userInfo"), dict) else {}
    archive_info = manifest.get("archiveInfo") if isinstance(manifest.get("archiveInfo"),
                                                             dict) else {}
    if not isinstance(manifest.get("dataTypes", {}), dict):
        raise SourceError(f"{label}: dataTypes is not an object", path=label)
    gen = archive_info.get("generationDate")
    if not info.get("accountId") or not gen:
        raise SourceError(f"{label}: userInfo.accountId or "
                          f"archiveInfo.generationDate is missing", path=label)
    if not str(info["accountId"]).isdigit():
        raise SourceError(f"{label}: userInfo.accountId is {info['accountId']!r}, not a numeric "
                          "X id", path=label)
    try:
        generated_at = pd.Timestamp(str(gen))
        generated_at = generated_at.tz_localize("UTC") if generated_at.tzinfo is None \
            else generated_at.tz_convert("UTC")
    except (ValueError, TypeError, OverflowError):
        raise SourceError(f"{label}: archiveInfo.generationDate is {str(gen)[:60]!r}, not a "
                          "time (X writes 2023-08-20T11:06:14.174Z)", path=label) from None
    if pd.isna(generated_at):
        raise SourceError(f"{label}: archiveInfo.generationDate is empty", path=label)
    account = {"id": str(info["accountId"]), "username": str(info.get("userName") or
               info["accountId"]), "name": info.get("displayName")}
    warnings = []
    if archive_info.get("isPartialArchive"):
        warnings.append("the manifest marks this archive as partial")

    counts: dict = {}
    raw = _records(files, manifest, "follower", "follower", required=True, pick=_account_id,
                   counts=counts)
    for where, (n, promised) in counts.items():
        if promised and n < promised / 2 and not force:
            raise SourceError(
                f"{where}: {plural(n, 'follower')}, but the manifest says {promised:,}: the "
                "file was emptied, cut or replaced, and importing it would report "
                f"{promised - n:,} followers lost (--force imports it anyway)", path=where)
    ids = pd.Series(raw, dtype=schema.STR)
    del raw
    missing = ids.isna()
    if missing.any():
        warnings.append(f"{plural(int(missing.sum()), 'follower record')} without an "
                        "accountId skipped")
        ids = ids[~missing].reset_index(drop=True)
    bad = ~ids.str.fullmatch(r"[0-9]+").fillna(False).astype(bool)
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

    read_following: dict = {}   # the files read: none when the archive has no following list
    ing = pd.Series(_records(files, manifest, "following", "following", required=False,
                             pick=_account_id, counts=read_following), dtype=schema.STR)
    usable = ing.str.fullmatch(r"[0-9]+").fillna(False).astype(bool)
    if not usable.all():
        warnings.append(f"{plural(int((~usable).sum()), 'following record')} without a "
                        "numeric accountId skipped")
    following = pd.DataFrame({"following_id": pd.Series(
        list(dict.fromkeys(ing[usable])), dtype=schema.STR)})

    types = manifest.get("dataTypes") or {}
    tweet_type = "tweets" if "tweets" in types else "tweet"
    tw = _records(files, manifest, tweet_type, "tweet", required=False)
    if not tw and tweet_type == "tweets" and files.find("tweet.js"):
        tw = _records(files, {}, "tweet", "tweet", required=False)
    tweets = own_tweets_frame(tw, account["id"], label=f"{path} {tweet_type}.js")
    known = known_handles_frame(tw, account["id"])

    prof = _records(files, manifest, "profile", "profile", required=False)
    p = prof[0] if prof else {}
    desc = p.get("description") if isinstance(p.get("description"), dict) else {}
    profile = {"bio": desc.get("bio"), "website": desc.get("website"),
               "location": desc.get("location"), "avatar": p.get("avatarMediaUrl")}
    return Archive(str(path), account, generated_at, followers, following, tweets, profile,
                   warnings, known, following_known=bool(read_following))


def own_tweets_frame(records: list[dict], account_id: str, *,
                     label: str = "tweets") -> pd.DataFrame:
    """Archive tweet records (v1.1-style, counts as strings) -> the canonical tweets frame.

    Parameters
    ----------
    records : list of dict
    account_id : str
    label : str
        Where the records come from, for errors.

    Returns
    -------
    DataFrame
        The canonical tweets columns; ``kind`` is retweet (``RT @`` text), reply
        (``in_reply_to_status_id``) or original; ``conversation_id`` is unknown (missing).

    Raises
    ------
    SourceError
        A record whose id, count or date cannot be read, naming the record and field.
    """
    if not records:
        return schema.empty("tweets")
    rows = []
    for i, r in enumerate(records):
        ents = r.get("entities") if isinstance(r.get("entities"), dict) else {}
        text = str(r.get("full_text") or r.get("text") or "")
        kind = "retweet" if text.startswith("RT @") else \
            "reply" if r.get("in_reply_to_status_id_str") else "original"
        tweet_id = str(r.get("id_str") or r.get("id") or "")
        if not tweet_id.isdigit():
            raise SourceError(f"{label}: record {i} has id {tweet_id[:40]!r}, not a numeric "
                              "tweet id", path=label)
        rows.append({
            "id": tweet_id,
            "author_id": account_id,
            "created_at": r.get("created_at"),
            "text": text, "lang": r.get("lang"),
            "in_reply_to_user_id": r.get("in_reply_to_user_id_str"),
            "kind": kind,
            "like_count": _count(r, "favorite_count", i, label),
            "retweet_count": _count(r, "retweet_count", i, label),
            "hashtags": [h.get("text") for h in ents.get("hashtags") or []
                         if isinstance(h, dict)],
            "mentions": [m.get("screen_name") for m in ents.get("user_mentions") or []
                         if isinstance(m, dict)],
            "urls": [u.get("expanded_url") for u in ents.get("urls") or [] if isinstance(u, dict)],
        })
    df = pd.DataFrame(rows)
    created = _tweet_times(df["created_at"])
    if created.isna().any():
        i = int(np.flatnonzero(created.isna().to_numpy())[0])
        raise SourceError(f"{label}: record {i} (tweet {rows[i]['id']}) has created_at "
                          f"{str(rows[i]['created_at'])[:40]!r}; X writes 'Sat Feb 18 19:45:15 "
                          "+0000 2023'", path=label)
    df["created_at"] = created
    try:
        return schema.validate(schema.coerce(df.drop_duplicates("id"), "tweets"), "tweets")
    except SchemaError as exc:
        raise SourceError(f"{label}: {exc}", path=label) from None


def _tweet_times(values: pd.Series) -> pd.Series:
    """An archive's ``created_at`` texts ('Sat Feb 18 19:45:15 +0000 2023') as UTC times; NaT
    for text that is not one."""
    return pd.to_datetime(values, format="%a %b %d %H:%M:%S %z %Y", utc=True, errors="coerce")


def _text(value) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def known_handles_frame(records: list[dict], account_id: str) -> pd.DataFrame:
    """The accounts the account's own tweets name, with their handles: every
    ``entities.user_mentions`` entry (``id_str``, ``screen_name``, ``name``) and every reply's
    ``in_reply_to_user_id_str`` / ``in_reply_to_screen_name`` (a reply names no display name).

    An X archive lists followers and followings by id only; these are the ids it names. Entries
    without a numeric id or a handle are skipped; the account itself is left out.

    Parameters
    ----------
    records : list of dict
        The archive's tweet records (v1.1-style, as in ``tweets.js``).
    account_id : str
        The archive's account.

    Returns
    -------
    DataFrame
        One row per account named: ``id``, ``username`` and ``name`` (as of the latest tweet
        naming it; ``name`` missing when only replies name it), ``seen_at`` (that tweet's time,
        UTC), ``tweets`` (how many of the account's tweets name it); ordered by ``id``.
    """
    rows = []
    for r in records:
        if not isinstance(r, dict):
            continue
        at = r.get("created_at")
        ents = r.get("entities") if isinstance(r.get("entities"), dict) else {}
        named = {}
        for m in ents.get("user_mentions") or []:
            if isinstance(m, dict) and str(m.get("id_str") or m.get("id") or "").isdigit() \
                    and _text(m.get("screen_name")):
                named[str(m.get("id_str") or m.get("id"))] = (m["screen_name"],
                                                              _text(m.get("name")))
        reply_to = str(r.get("in_reply_to_user_id_str") or "")
        if reply_to.isdigit() and _text(r.get("in_reply_to_screen_name")):
            named.setdefault(reply_to, (r["in_reply_to_screen_name"], None))
        rows.extend((i, handle, name, at) for i, (handle, name) in named.items()
                    if i != str(account_id))
    df = pd.DataFrame(rows, columns=["id", "username", "name", "seen_at"])
    df["seen_at"] = _tweet_times(df["seen_at"].astype(object))
    df = df.dropna(subset=["seen_at"])
    counts = df.groupby("id").size()
    # the latest handle and display name (last() skips a reply's missing name): an account
    # may have renamed itself since
    df = df.sort_values(["id", "seen_at"], kind="stable").groupby("id").last().reset_index()
    df["tweets"] = df["id"].map(counts)
    return pd.DataFrame({
        "id": df["id"].astype(schema.STR), "username": df["username"].astype(schema.STR),
        "name": df["name"].astype(schema.STR), "seen_at": df["seen_at"].astype(schema.TIME),
        "tweets": df["tweets"].astype("int64")}).reset_index(drop=True)


def _count(record: Mapping, field_name: str, i: int, label: str) -> int:
    value = record.get(field_name)
    if value is None or value == "":
        return 0
    try:
        n = int(str(value))
    except ValueError:
        n = -1
    if n < 0:
        raise SourceError(f"{label}: record {i} (tweet {record.get('id_str')}) has "
                          f"{field_name} {str(value)[:40]!r}, not a count", path=label)
    return n


__all__ = ["Archive", "Limits", "archives_in", "known_handles_frame", "own_tweets_frame",
           "parse_js", "read_archive"]
