"""Labeled research data sets for bot detection, read into the canonical users frame plus a label.

:func:`load_labeled` detects which format a file or folder holds; :func:`load_bot_sets` reads a
folder of them (one sub-folder per set, as ``../shared/data/bots``):

* **Botometer Bot Repository** (``botometer.osome.iu.edu/bot-repository``): ``NAME.tsv`` of
  ``user_id<TAB>label`` (no header) beside ``NAME_tweets.json``, a JSON array of
  ``{"created_at": tweet time, "user": {v1.1 user object}}``, or a ``NAME.tar.gz`` holding both.
  The newest record time (the collection time) becomes ``observed_at``.
* **Kaggle 2017** (``bots_data.csv`` / ``nonbots_data.csv`` or any CSV with v1.1 columns and a
  ``bot`` column): latin-1 text, Excel-mangled ids (``8.41E+17``) and dates (``3/11/2017 4:48``,
  ``13/03/2017 22:21``), rows repeated, and ids labeled both ways across the two files.
* **MIB exports**: cresci-2017 (``GROUP/users.csv``, the folder is the label; Java epoch
  milliseconds, literal ``NULL``; also as the official ``cresci-2017.csv.zip`` of
  ``GROUP.csv.zip`` files, or those unpacked) and cresci-2015 (E13, TFP and the three follower
  vendors).
* **caverlee-2011**: counts and dates only (``fields=()``).
* **TwiBot style**: user objects (X API v2 with ``public_metrics``, or v1.1 with ``screen_name``;
  bare, wrapped as ``{"user": ...}`` or as TwiBot-20 ``{"ID", "profile", "label"}`` records) in a
  JSON array or JSON Lines file (``user.json``, ``user_sample.json``, ...), with a ``label.csv``
  or ``label_sample.csv`` of ``id,label`` (``human``/``bot``); ids may carry a ``u`` prefix or be
  written as floats, ``created_at`` may be ISO or epoch milliseconds, names may end in spaces.

Any of these files may be gzipped (``user.json.gz``, ``label.csv.gz``, ``NAME_tweets.json.gz``);
a TwiBot release folder may come as a ``.zip`` or ``.tar.gz``, a Bot Repository set or Kaggle's
CSVs as a ``.zip`` (``botwiki-2019.zip``, at its top or in one folder). Compressed data is read
within the X archive reader's bounds (:class:`~follower_kit.sources.archive.Limits`), and a
file read whole (a CSV, a Bot Repository TSV or JSON) within its ``file_bytes``; :func:`bounds`
raises them for one read (``bots evaluate --max-file-size``, ...).

Nothing is dropped or blanked silently: duplicates, conflicting labels, unrecoverable ids
(``bad_id``), unreadable dates (``bad_date``) and labels without a profile are listed, with file
and line, in :attr:`LabeledSet.issues`.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import logging
import os
import re
import tarfile
import zipfile
import zlib
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..errors import SourceError

log = logging.getLogger(__name__)

ISSUE_COLUMNS = ["kind", "id", "username", "file", "line", "detail"]
LABEL_WORDS = {"bot": 1, "1": 1, "1.0": 1, "true": 1,
               "human": 0, "0": 0, "0.0": 0, "false": 0, "nonbot": 0}
V1_TIME = "%a %b %d %H:%M:%S %z %Y"

#: Optional field groups a source may lack, and the columns each covers
#: (:data:`follower_kit.schema.FIELD_COLUMNS`).
FIELD_GROUPS = schema.FIELD_GROUPS
FIELD_COLUMNS = schema.FIELD_COLUMNS


@dataclass
class LabeledSet:
    """Accounts with a bot/human label.

    Attributes
    ----------
    name : str
        Data set name (``kaggle-2017``, ``botwiki-2019``, ...), also in ``users["dataset"]``.
    users : DataFrame
        The canonical users frame (see :mod:`follower_kit.schema`), one row per account.
    labels : Series
        ``is_bot`` (int8: 1 bot, 0 human), aligned with ``users``.
    issues : DataFrame
        What was repaired or left out: columns ``kind`` (``duplicate``, ``conflict``,
        ``surrogate_id``, ``missing_profile``, ``bad_label``, ``bad_id``, ``bad_date``,
        ``unlabeled``, ``missing_counts``), ``id``, ``username``, ``file``,
        ``line`` (1-based data row or record), ``detail``.
    fields : tuple of str
        The optional field groups the source really carries (see :data:`FIELD_GROUPS`): a group
        left out is absent for every account, not missing for some.
    """

    name: str
    users: pd.DataFrame
    labels: pd.Series
    issues: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ISSUE_COLUMNS))
    fields: tuple[str, ...] = FIELD_GROUPS

    def __len__(self) -> int:
        return len(self.users)

    def summary(self) -> dict:
        """Counts a person checks first: accounts, bots, humans, and issues by kind."""
        kinds = self.issues["kind"].value_counts().to_dict() if len(self.issues) else {}
        return {"dataset": self.name, "accounts": len(self), "bots": int(self.labels.sum()),
                "humans": int((self.labels == 0).sum()), **{f"issues_{k}": int(v)
                                                             for k, v in sorted(kinds.items())}}


#: Columns a v1.1 profile carries and an X API v2 user object does not: the like count, and the
#: theme flags BotometerLite reads (``geo_enabled`` and the colours never reach the users frame).
X_API_V2_ABSENT = ("like_count", "default_profile", "profile_use_background_image")


def as_x_api_v2(labeled: LabeledSet) -> LabeledSet:
    """``labeled`` as X API v2 user objects would give it: the columns of
    :data:`X_API_V2_ABSENT` blanked for every account and the ``likes`` group left out of
    ``fields``. What v2 does carry (counts incl. ``listed_count``, text, location, url, avatar,
    ``verified``, ``protected``) is kept. A faithful proxy for a modern sample.

    Returns
    -------
    LabeledSet
        a copy; ``labeled`` is left as it was.
    """
    users = labeled.users.copy()
    for c in X_API_V2_ABSENT:
        if c in users:
            users[c] = pd.Series(pd.NA, index=users.index, dtype=users[c].dtype)
    return LabeledSet(labeled.name, users, labeled.labels, labeled.issues,
                      tuple(f for f in labeled.fields if f != "likes"))


def without_fields(labeled: LabeledSet, groups) -> LabeledSet:
    """``labeled`` as a source without the optional field ``groups`` would give it (some of
    :data:`FIELD_GROUPS`): their :data:`FIELD_COLUMNS` blanked for every account and the groups
    left out of ``fields``. Measures what each group is worth (``bots evaluate --lodo
    --without``).

    Returns
    -------
    LabeledSet
        a copy; ``labeled`` is left as it was.

    Raises
    ------
    ValueError
        For a group that is not one of :data:`FIELD_GROUPS`.
    """
    groups = tuple(groups)
    return LabeledSet(labeled.name, schema.without_field_groups(labeled.users, groups),
                      labeled.labels, labeled.issues,
                      tuple(f for f in labeled.fields if f not in groups))


# --------------------------------------------------------------------------------------------
# format detection


def detect_format(path: str | Path) -> str:
    """Which labeled format ``path`` holds: ``"botrepo"``, ``"kaggle"`` or ``"twibot"``.

    Raises
    ------
    SourceError
        When the path is missing or matches none of the formats (the message says what was
        looked for).
    """
    path = Path(path)
    if not path.exists():
        raise SourceError(f"{path}: no such file or folder", path=path)
    if path.is_dir():
        files = [p for p in path.iterdir() if p.is_file()]
        names = {_plain_name(p) for p in files}   # label.csv.gz holds a label.csv
        if any(p.suffix == ".tsv" and _first(p.parent, f"{p.stem}_tweets.json") is not None
               for p in files):
            return "botrepo"
        if names & set(LABEL_FILES):
            return "twibot"
        if any(p.suffix.lower() == ".csv" and _is_kaggle_csv(p) for p in files):
            return "kaggle"
        flat = next((p for p in files if _plain_name(p).endswith(FLAT_USERS)), None)
        if flat is not None:
            raise _flat_users(flat)
        orphan = next((p for p in files if _plain_name(p).endswith("_tweets.json")), None)
        if orphan is not None:
            stem = orphan.name.removesuffix(".gz").removesuffix("_tweets.json")
            raise SourceError(f"{orphan}: Bot Repository user objects without their labels "
                              f"({stem}.tsv: id, then bot or human, one per line)", path=orphan)
        if names & {*USER_FILES, *TWIBOT20_SPLITS} or any(
                _plain_name(p).endswith((".jsonl", ".ndjson")) for p in files):
            return "twibot"   # the records may carry labels (TwiBot-20); else it says so
        subs = sorted(p.name for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
        if len(subs) > 1:   # a folder of sets, as ../shared/data/bots is
            raise SourceError(
                f"{path}: a folder of {len(subs)} folders ({', '.join(subs[:4])}"
                f"{', ...' if len(subs) > 4 else ''}), not one labeled data set: give one set's "
                f"folder (repeat --train for several), or the whole folder to --lodo", path=path)
        raise SourceError(
            f"{path}: not a labeled data set folder; expected NAME.tsv + NAME_tweets.json (Bot "
            f"Repository), a CSV with screen_name and bot columns (Kaggle 2017), or user objects "
            f"with label.csv (TwiBot)", path=path)
    suffix = path.suffix.lower()
    # a Bot Repository archive (NAME.tar.gz holding NAME.tsv and NAME_tweets.json), as
    # load_botrepo reads it and the Bot Repository publishes its larger sets
    if _is_tarball(path):   # a Bot Repository set holds NAME.tsv; else a packed TwiBot release
        botrepo = path.name.lower().endswith(".tar.gz") and _tar_kind(path) == "botrepo"
        return "botrepo" if botrepo else "twibot"   # the TwiBot reader says what it misses
    if _plain_name(path).endswith(FLAT_USERS):
        raise _flat_users(path)
    if suffix == ".tsv" or _plain_name(path).endswith("_tweets.json"):
        return "botrepo"
    if suffix == ".csv" and _is_kaggle_csv(path):
        return "kaggle"
    if suffix == ".zip":   # a Bot Repository set, Kaggle CSVs or a TwiBot release, zipped
        with _open_zip(path) as zf:
            return _packed_kind(_release_folder(zipfile.Path(zf)))
    # user objects, gzipped or not
    if _plain_name(path).endswith((".json", ".jsonl", ".ndjson")):
        return "twibot"
    if suffix == ".csv":   # a cresci users.csv carries no label: its folder does
        raise SourceError(f"{path}: a CSV without screen_name and bot columns (Kaggle 2017) "
                          "carries no labels; for a MIB export (cresci-2015, cresci-2017) give "
                          "the data set folder, whose layout holds the labels", path=path)
    raise SourceError(f"{path}: unknown labeled data format (expected .tsv, .csv, .json, .jsonl "
                      "(either may be .gz), a Bot Repository .tar.gz, a TwiBot release .tar.gz, "
                      "or a .zip of any of them)", path=path)


#: How midterm-2018 (Bot Repository) names its user objects: flattened (``user_id``,
#: ``user_created_at``, ``probe_timestamp``), not ``{created_at, user}`` records.
FLAT_USERS = "_processed_user_objects.json"


def _flat_users(where) -> SourceError:
    """The error for midterm-2018's user file, which no reader here has been checked on."""
    return SourceError(f"{where}: Bot Repository user objects in midterm-2018's flattened form "
                       f"(NAME{FLAT_USERS}: user_id, user_created_at, probe_timestamp), which "
                       "this kit does not read yet; the sets of NAME.tsv + NAME_tweets.json "
                       "are read", path=where)


def _is_kaggle_csv(path) -> bool:
    """Whether the CSV ``path`` (a file or a zip member) has Kaggle 2017's screen_name and bot
    columns."""
    # a zip member's first line only: bounded by what is read, whatever the member's size
    with (path.open("rb") if isinstance(path, zipfile.Path) else _open_binary(path)) as fh:
        line = fh.readline(1 << 16).decode("latin-1")
    header = next(csv.reader([line]), [])
    cols = {c.strip().lower() for c in header}
    return {"screen_name", "bot"} <= cols


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceError(f"{path}: not a zip file ({exc})", path=path) from None


def _packed_kind(folder, *, known: bool = False) -> str | None:
    """Which set a zip's release folder (a :class:`zipfile.Path`) holds: ``"botrepo"`` for a
    ``NAME.tsv`` beside ``NAME_tweets.json``, ``"kaggle"`` for Kaggle 2017 CSVs, else
    ``"twibot"`` (whose reader says what it finds missing); with ``known``, ``"twibot"`` only
    for TwiBot's file names and None for a zip of none of these."""
    if _botrepo_files(folder):
        return "botrepo"
    if _is_cresci2017(folder):
        return "cresci2017"
    if all((folder / f).is_file() for f in CAVERLEE_FILES):   # social_honeypot_icwsm_2011.zip
        return "caverlee"
    files = [p for p in folder.iterdir() if p.is_file()]
    # TwiBot's names first: a whole TwiBot-22 release also holds CSVs (edge.csv, gigabytes)
    if any(_plain_name(p) in {*USER_FILES, *LABEL_FILES, *TWIBOT20_SPLITS} for p in files):
        return "twibot"
    if any(p.name.lower().endswith(".csv") and _is_kaggle_csv(p) for p in files):
        return "kaggle"
    return None if known else "twibot"


def _packed_set(folder: Path) -> tuple[str | None, Path]:
    """(kind, the archive) for a set folder that holds its set as its one ``.zip``
    (``botwiki-2019/botwiki-2019.zip``, as downloaded) or its one TwiBot release packed as a
    ``.tar.gz``, ``.tgz`` or ``.tar`` (``twibot-22/TwiBot-22.tar.gz``; a Bot Repository
    ``.tar.gz`` is a set of the folder's own); (None, ``folder``) otherwise."""
    packed = [p for p in folder.iterdir() if p.is_file()
              and (p.suffix.lower() == ".zip" or _is_tarball(p))]
    if len(packed) != 1:
        return None, folder
    if _is_tarball(packed[0]):   # a damaged archive is an error naming it, not a skip
        kind = "twibot" if _tar_kind(packed[0]) == "twibot" else None
    else:
        with _open_zip(packed[0]) as zf:
            kind = _packed_kind(_release_folder(zipfile.Path(zf)), known=True)
    return (kind, packed[0]) if kind else (None, folder)


def load_labeled(path: str | Path, *, fmt: str | None = None, conflicts: str = "drop",
                 observed_at=None, split: str | None = None) -> LabeledSet:
    """Read a labeled data set from a file or folder, detecting its format.

    Parameters
    ----------
    path : str or Path
        A file or a folder (see the module docstring for the formats); a folder of no other
        layout holding one ``.zip`` of a set, or one TwiBot release as a ``.tar.gz``, is read
        from it.
    fmt : {"botrepo", "kaggle", "twibot", "cresci2015", "cresci2017", "caverlee"}, optional
        Skip detection.
    conflicts : {"drop", "bot", "human"}
        What to do with an id labeled both ways: leave it out (default) or keep one label.
        Either way each conflict is listed in ``issues``.
    observed_at : datetime-like, optional
        When the profiles were read, for formats that do not record it (TwiBot). Default: the latest
        time found in the data, with a warning.
    split : str, optional
        A TwiBot release only: the accounts its ``split.csv`` puts in this split (``train``,
        ``valid`` or ``test`` in TwiBot-22; a TwiBot-20 release's ``train``, ``dev`` or
        ``test`` file). Default: every labeled account.

    Returns
    -------
    LabeledSet
        ``users`` (canonical users columns plus ``dataset``), ``labels`` (``is_bot``) and
        ``issues``.
    """
    if conflicts not in ("drop", "bot", "human"):
        raise ValueError(f"conflicts must be 'drop', 'bot' or 'human', not {conflicts!r}")
    fmt = fmt or detect_set(Path(path))
    if fmt is None and Path(path).is_dir():   # a set's folder holding only its download
        fmt, path = _packed_set(Path(path))
    fmt = fmt or detect_format(path)
    readers = READERS
    if fmt not in readers:
        raise ValueError(f"fmt must be one of {sorted(readers)}, not {fmt!r}")
    kwargs = {"conflicts": conflicts}
    if fmt == "twibot":
        kwargs["observed_at"] = observed_at
        kwargs["split"] = split
    elif split is not None:
        raise SourceError(f"{path}: a {fmt} set has no splits; split= is for a TwiBot release "
                          "with a split.csv", path=Path(path))
    return readers[fmt](path, **kwargs)


def load_many(paths, *, conflicts: str = "drop") -> LabeledSet:
    """Load several data sets and join them (ids shared between sets are deduplicated like ids
    within one set, and reported)."""
    sets = [p if isinstance(p, LabeledSet) else load_labeled(p, conflicts=conflicts)
            for p in paths]
    if len(sets) == 1:
        return sets[0]
    users = pd.concat([s.users for s in sets], ignore_index=True)
    labels = pd.concat([s.labels for s in sets], ignore_index=True)
    issues = pd.concat([s.issues for s in sets], ignore_index=True)
    lines = np.arange(len(users)) + 1
    users, labels, more = _dedupe(users, labels, lines, "+".join(s.name for s in sets), conflicts)
    fields = tuple(f for f in FIELD_GROUPS if all(f in s.fields for s in sets))
    return LabeledSet("+".join(s.name for s in sets), users, labels,
                      pd.concat([issues, more], ignore_index=True), fields)


def remove_overlap(test: LabeledSet, train: LabeledSet) -> LabeledSet:
    """``test`` without the accounts that also appear in ``train`` (same id or same handle,
    case-insensitive), so a held-out evaluation is held out. Removed accounts go to ``issues``."""
    ids = set(train.users["id"].dropna())
    handles = set(train.users["username"].str.lower().dropna())
    shared = (test.users["id"].isin(ids) | test.users["username"].str.lower().isin(handles))
    shared = shared.fillna(False).to_numpy(bool)
    removed = pd.DataFrame({"kind": "overlap", "id": test.users["id"][shared],
                            "username": test.users["username"][shared], "file": "",
                            "line": pd.NA, "detail": f"also in {train.name}"})
    return LabeledSet(test.name, test.users[~shared].reset_index(drop=True),
                      test.labels[~shared].reset_index(drop=True),
                      pd.concat([test.issues, removed], ignore_index=True), test.fields)


# --------------------------------------------------------------------------------------------
# v1.1 and v2 user objects -> canonical rows


def _v1_row(u: dict) -> dict:
    url = u.get("url")
    try:
        url = u["entities"]["url"]["urls"][0].get("expanded_url") or url
    except (KeyError, IndexError, TypeError):
        pass
    uid, problem = clean_id(u.get("id_str") or u.get("id"))
    return {
        "_id_problem": problem,
        "id": uid,
        "username": u.get("screen_name"),
        "name": u.get("name"),
        "description": u.get("description"),
        "location": u.get("location"),
        "url": url,
        "created_at": u.get("created_at"),
        "followers_count": u.get("followers_count"),
        "following_count": u.get("friends_count"),
        "tweet_count": u.get("statuses_count"),
        "listed_count": u.get("listed_count"),
        "like_count": u.get("favourites_count"),
        "verified": u.get("verified"),
        "protected": u.get("protected"),
        "profile_image_url": u.get("profile_image_url_https") or u.get("profile_image_url"),
        "default_profile_image": u.get("default_profile_image"),
        "default_profile": u.get("default_profile"),
        "profile_use_background_image": u.get("profile_use_background_image"),
    }


def _v2_row(u: dict) -> dict:
    m = u.get("public_metrics") or {}
    url = u.get("url")
    try:
        url = u["entities"]["url"]["urls"][0].get("expanded_url") or url
    except (KeyError, IndexError, TypeError):
        pass
    image = u.get("profile_image_url")
    uid, problem = clean_id(u.get("id"))
    pinned, pin_problem = clean_id(u.get("pinned_tweet_id"))
    return {
        "_id_problem": problem, "_pin_problem": pin_problem,
        # null or absent (a suspended account's record, say): its counts are unknown, not 0
        "_no_counts": not isinstance(u.get("public_metrics"), dict),
        "id": uid,
        "username": u.get("username"),
        "name": u.get("name"),
        "description": u.get("description"),
        "location": u.get("location"),
        "url": url,
        "created_at": u.get("created_at"),
        "followers_count": m.get("followers_count"),
        "following_count": m.get("following_count"),
        "tweet_count": m.get("tweet_count"),
        "listed_count": m.get("listed_count"),
        "like_count": m.get("like_count"),
        "verified": u.get("verified"),
        "verified_type": u.get("verified_type"),
        "protected": u.get("protected"),
        "profile_image_url": image,
        "pinned_tweet_id": pinned,
        "default_profile_image": (None if image is None
                                  else "default_profile_images" in str(image)),
    }


def _to_bool(series: pd.Series) -> pd.Series:
    words = {"true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False}
    s = series.astype(object).map(lambda v: v if isinstance(v, bool) or v is None
                                  or (isinstance(v, float) and np.isnan(v))
                                  else words.get(str(v).strip().lower()))
    return s.astype(schema.BOOL)


def _to_count(series: pd.Series) -> pd.Series:
    num = pd.to_numeric(series.astype(object).map(
        lambda v: str(v).strip().strip('"') if isinstance(v, str) else v), errors="coerce")
    return num.round().astype(schema.COUNT)


def _epoch_ms(value) -> int | None:
    """Milliseconds since 1970 from 13 digits (``1183552203000`` or Java's ``1183552203000L``),
    or 10 digits of seconds; None for anything else."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, float) and value.is_integer():
        value = str(int(value))
    if not isinstance(value, str):
        return None
    v = value[:-1] if value[-1:] in ("L", "l") else value
    if not v.isdigit():
        return None
    if len(v) in (12, 13):
        return int(v)
    if len(v) in (9, 10):
        return int(v) * 1000
    return None


def clean_id(value) -> tuple[str | None, str | None]:
    """An X id as a decimal string, and what was wrong with it.

    Accepts ints, digit strings, TwiBot's ``u``-prefixed ids and float-looking text
    (``1234.0``, ``1.0E+3``) when it still holds the exact integer. Returns ``(id, None)``,
    ``(None, None)`` for a missing value, or ``(None, problem)`` when digits were lost (a float
    beyond 2**53, Excel's ``8.41E+17``): such an id cannot be recovered and must be reported.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None, None
    if isinstance(value, bool):
        return None, f"{value!r} is not an id"
    if isinstance(value, (int, np.integer)):
        return str(int(value)), None
    if isinstance(value, float):
        if value.is_integer() and abs(value) <= 2 ** 53:
            return str(int(value)), None
        return None, f"{value!r} is a float that lost the id's digits"
    text = str(value).strip().strip('"')
    if text[:1] in ("u", "U") and text[1:2].isdigit():   # u123, and u123.0 from a float
        text = text[1:]
    if text.isdigit():
        return text, None
    if not text or text.upper() == "NULL":
        return None, None
    whole, dot, frac = text.partition(".")
    if dot and whole.isdigit() and set(frac) <= {"0"}:
        return whole, None   # "1234.0": a float-looking id that kept every digit
    try:
        f = float(text)
    except ValueError:
        return None, f"{text!r} is not an id"
    if f.is_integer() and 0 <= f <= 2 ** 53:
        return str(int(f)), None
    return None, f"{text!r} lost the id's digits (float notation)"


def _parse_times(values: pd.Series, upper: pd.Series | None = None) -> pd.Series:
    """Twitter's ``Sat Oct 17 22:35:31 +0000 2015``, ISO 8601, and Excel's ``M/D/YYYY H:MM`` or
    ``D/M/YYYY H:MM``. A slashed date is read month-first unless that is impossible (day > 12) or
    would fall after ``upper`` (the observation time)."""
    text = values.astype(object).map(lambda v: v.strip().strip('"') if isinstance(v, str) else v)
    text = text.map(lambda v: str(int(v)) if isinstance(v, (int, np.integer, float))
                    and not isinstance(v, bool) and float(v).is_integer() else v)
    # every part is cast to the schema's microseconds before it is set: a part parsed at a finer
    # resolution (milliseconds in an epoch or ISO time) cannot be set into a coarser one
    out = pd.to_datetime(text, format=V1_TIME, errors="coerce", utc=True).astype(schema.TIME)
    # epoch milliseconds (TwiBot-22, Java's 1183552203000L in cresci-2017) or seconds
    epoch = text.map(lambda v: _epoch_ms(v) if not isinstance(v, pd.Timestamp) else None)
    has_epoch = epoch.notna() & out.isna()
    if has_epoch.any():
        out[has_epoch] = pd.to_datetime(epoch[has_epoch].astype("int64"), unit="ms",
                                         utc=True).astype(schema.TIME)
    rest = out.isna() & text.notna()
    if rest.any():
        iso = pd.to_datetime(text[rest], format="ISO8601", errors="coerce", utc=True)
        out[rest] = iso.astype(schema.TIME)
        slashed = out.isna() & text.notna()
        if slashed.any():
            mdy = pd.to_datetime(text[slashed], format="%m/%d/%Y %H:%M", errors="coerce", utc=True)
            dmy = pd.to_datetime(text[slashed], format="%d/%m/%Y %H:%M", errors="coerce", utc=True)
            pick = mdy.copy()
            if upper is not None:
                late = mdy > upper[slashed]
                pick[late] = dmy[late]
            pick = pick.fillna(dmy)
            out[slashed] = pick.astype(schema.TIME)
    return out.astype(schema.TIME)


#: Non-canonical columns a labeled set keeps beside the users frame: the sub-group the account
#: came from (a cresci-2017 folder, a cresci-2015 vendor, a Bot Repository file) and two v1.1
#: profile flags the BotometerLite peer uses.
EXTRA_COLUMNS = ("group", "default_profile", "profile_use_background_image")


def _no_dates(where) -> SourceError:
    """Every score reads the account's age: a set without one creation time is not read."""
    return SourceError(f"{where}: no account has a readable created_at (the account's creation "
                       "time), so no account age can be measured; the set is not read", path=where)


def _canonical(rows: list[dict] | pd.DataFrame, observed_at, dataset: str, *,
               issues: list | None = None, lines=None, file: str = "") -> pd.DataFrame:
    """Canonical users (plus ``dataset`` and :data:`EXTRA_COLUMNS`) from loosely typed rows.
    A creation time that is given but cannot be read is appended to ``issues`` (``bad_date``,
    with the row's ``lines`` entry) and stays NaT, so it is counted and named, never silent."""
    df = pd.DataFrame(rows) if not isinstance(rows, pd.DataFrame) else rows
    extra = {c: df[c] for c in EXTRA_COLUMNS if c in df}
    for c in ("username", "name"):
        if c in df:   # handles and names are read with the spaces real exports leave behind
            df[c] = df[c].map(lambda v: v.strip() if isinstance(v, str) else v)
    for c in ("followers_count", "following_count", "tweet_count", "listed_count", "like_count"):
        if c in df:
            df[c] = _to_count(df[c])
    for c in ("verified", "protected", "default_profile_image"):
        if c in df:
            df[c] = _to_bool(df[c])
    observed = pd.Series(observed_at, index=df.index) if not isinstance(
        observed_at, pd.Series) else observed_at
    df["observed_at"] = pd.to_datetime(observed, utc=True).astype(schema.TIME)
    if "created_at" in df:
        given = df["created_at"].astype(object).map(
            lambda v: v.strip() if isinstance(v, str) else v)
        given = given.where(given.map(lambda v: v not in ("", "NULL", "null", None)
                                      and not (isinstance(v, float) and np.isnan(v))), None)
        df["created_at"] = _parse_times(given, df["observed_at"])
        bad = np.flatnonzero((given.notna() & df["created_at"].isna()).to_numpy())
        if issues is not None:
            for i in bad:
                issues.append(("bad_date", df["id"].iloc[i], df["username"].iloc[i]
                               if "username" in df else None, file,
                               None if lines is None else lines[i],
                               f"created_at {given.iloc[i]!r} is not a date; left unknown"))
    if len(df) and ("created_at" not in df or df["created_at"].isna().all()):
        # every score reads the account's age: without one creation time the set would load
        # and score as if every account were of unknown age, and say nothing
        raise _no_dates(file or dataset)
    for c in ("username", "name", "description", "location", "url", "profile_image_url"):
        # text already in the canonical strings (pandas infers them) is kept there: made into
        # Python objects and back, a whole release's text would be held twice
        if c in df and df[c].dtype != schema.STR:
            df[c] = df[c].astype(object).where(df[c].notna(), None)
    out = schema.coerce(df, "users")
    out["dataset"] = pd.Series(dataset, index=out.index, dtype=schema.STR)
    for c, v in extra.items():
        v = v.reset_index(drop=True)
        out[c] = v.astype(schema.STR) if c == "group" else _to_bool(v).astype("Float64")
    return out


def _label_of(value) -> int | None:
    return LABEL_WORDS.get(str(value).strip().lower())


def _dedupe(users: pd.DataFrame, labels: pd.Series, lines, file: str, conflicts: str):
    """One row per id. Rows repeating an id with the same label are duplicates (the first is kept);
    ids with both labels are conflicts (dropped or resolved by ``conflicts``). All reported."""
    issues = []
    ids = users["id"].astype(object)
    dup_mask = ids.duplicated(keep=False).to_numpy()
    keep = np.ones(len(users), bool)
    if dup_mask.any():
        sub = pd.DataFrame({"id": ids[dup_mask], "label": labels[dup_mask].to_numpy(),
                            "row": np.flatnonzero(dup_mask)})
        for uid, g in sub.groupby("id", sort=True):
            rows = g["row"].to_numpy()
            where = ", ".join(str(lines[r]) for r in rows)
            name = users["username"].iloc[rows[0]]
            if g["label"].nunique() > 1:
                issues.append(("conflict", uid, name, file, lines[rows[0]],
                               f"labeled both bot and human (rows {where}); {conflicts}"))
                if conflicts == "drop":
                    keep[rows] = False
                else:
                    want = 1 if conflicts == "bot" else 0
                    chosen = rows[g["label"].to_numpy() == want]
                    keep[rows] = False
                    keep[chosen[0]] = True
            else:
                issues.append(("duplicate", uid, name, file, lines[rows[1]],
                               f"{len(rows)} rows (rows {where}); first kept"))
                keep[rows[1:]] = False
    users = users[keep].reset_index(drop=True)
    labels = labels[keep].reset_index(drop=True)
    return users, labels, pd.DataFrame(issues, columns=ISSUE_COLUMNS)


def _surrogate_id(username: str) -> str:
    """A stable stand-in for an id Excel destroyed. Real X ids never start with 0, so a leading 0
    marks a surrogate while keeping the id a decimal string."""
    digest = hashlib.sha256(str(username).lower().encode()).hexdigest()
    return "0" + str(int(digest[:15], 16)).zfill(19)


# --------------------------------------------------------------------------------------------
# Botometer Bot Repository


def _botrepo_files(folder: Path) -> list[tuple[str, Path]]:
    """(NAME, where) for every Bot Repository pair in ``folder``: ``NAME.tsv`` beside
    ``NAME_tweets.json`` (or ``NAME_tweets.json.gz``), or an archive ``NAME.tar.gz`` holding
    both (by its listing: a TwiBot release packed as a ``.tar.gz`` is not one)."""
    files = sorted((p for p in folder.iterdir() if p.is_file()), key=lambda p: p.name)
    pairs = [(p.name[: -len(".tsv")], p) for p in files if p.name.endswith(".tsv")
             and _first(folder, f"{p.name[: -len('.tsv')]}_tweets.json") is not None]
    if isinstance(folder, Path):   # a tar inside a zip is not unpacked
        pairs += [(p.name[: -len(".tar.gz")], p) for p in files if p.name.endswith(".tar.gz")
                  and _tar_kind(p) == "botrepo"]
    return pairs


#: The bounds in force for compressed data (:func:`bounds`); None: ``Limits``' defaults.
_BOUNDS: ContextVar = ContextVar("follower_kit_dataset_bounds", default=None)
#: The CLI option of ``bots evaluate`` and ``bots train`` that raises each bound.
RAISED_BY = {"file_bytes": "--max-file-size", "total_bytes": "--max-total-size",
             "ratio": "--max-ratio"}


@contextmanager
def bounds(limits):
    """Read labeled sets within ``limits`` (an :class:`~follower_kit.sources.archive.Limits`)
    instead of its defaults while the ``with`` block runs: a release larger than they allow
    (a whole TwiBot-22 folder packed as one ``.tar.gz``) loads with raised bounds, never with
    none. ``bots evaluate`` and ``bots train`` set them from ``--max-file-size``,
    ``--max-total-size`` and ``--max-ratio``."""
    token = _BOUNDS.set(limits)
    try:
        yield limits
    finally:
        _BOUNDS.reset(token)


def _bound(name: str):
    """The bound ``name`` (a :class:`~follower_kit.sources.archive.Limits` field) in force."""
    from .archive import Limits

    limits = _BOUNDS.get()
    return getattr(Limits if limits is None else limits, name)


def _raise_hint(name: str) -> str:
    return f"{RAISED_BY[name]} on bots evaluate or bots train raises the limit"


def _whole(path: Path) -> Path:
    """``path``, once it is known to be small enough to read whole; else an error naming it
    and the flag that raises the bound, before a byte is read.

    A file read whole (a Bot Repository TSV or JSON, a Kaggle, MIB (cresci) or caverlee CSV;
    the public ones are all under 20 MB) is bounded as a compressed file inflates:
    ``Limits.file_bytes``, which ``--max-file-size`` raises. TwiBot user files, which reach
    gigabytes, are read a record at a time instead."""
    from .archive import _size

    size, cap = path.stat().st_size, _bound("file_bytes")
    if size > cap:
        raise SourceError(f"{path}: {size:,} bytes, more than the {_size(cap)} a labeled set's "
                          f"file read whole may be; not read ({_raise_hint('file_bytes')})",
                          path=path)
    return path


def _read_whole(p) -> bytes:
    """The bytes of a file read whole (a path, or a zip member), within ``Limits.file_bytes``
    (:func:`_whole`): a file by its size, a member by its declared size and ratio, before a
    byte is read; a ``.gz`` as it inflates."""
    with _open_binary(_whole(p) if isinstance(p, Path) else p) as fh:
        return fh.read()


class _Bounded(io.RawIOBase):
    """A compressed stream (a ``.gz`` file, a zip or tar member) read through the bounds
    :class:`~follower_kit.sources.archive.Limits` sets for an archive: refused, naming the
    file, once it inflates past ``limit`` bytes, or past ``Limits.ratio`` times its packed size
    beyond 1 MiB (a gzip header does not hold its size, so it is checked as it inflates); a
    damaged stream is an error naming it, not a zlib traceback."""

    def __init__(self, stream, packed: int, label: str, limit: int, inflate: bool,
                 hint: str = ""):
        self._packed_stream = stream
        self._stream = gzip.GzipFile(fileobj=stream, mode="rb") if inflate else stream
        self.packed, self.label, self.limit, self.out = packed, label, limit, 0
        self.hint = hint   # how to raise ``limit``, when a flag does

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        from .archive import _size

        try:
            n = self._stream.readinto(buffer)
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile, tarfile.TarError) as exc:
            raise SourceError(f"{self.label}: damaged or not compressed as its name says "
                              f"({exc})", path=self.label) from None
        self.out += n
        if self.out > self.limit:
            raise SourceError(f"{self.label}: inflates past {_size(self.limit)}, more than a "
                              f"labeled set's file comes near; not read{self.hint}",
                              path=self.label)
        ratio = _bound("ratio")
        if self.out > (1 << 20) and self.out > ratio * max(self.packed, 1):
            raise SourceError(f"{self.label}: {_size(self.packed)} inflates past "
                              f"{_size(self.out)} (ratio above {ratio:g}): refused as a "
                              f"decompression bomb ({_raise_hint('ratio')})", path=self.label)
        return n

    def close(self) -> None:
        if not self.closed:
            self._stream.close()
            self._packed_stream.close()
        super().close()


def _open_binary(p):
    """A binary stream of a labeled set's file ``p``: a path, or a member of a zip
    (:class:`zipfile.Path`) or tar (:class:`_TarPath`), inflated when its name ends in ``.gz``.
    Compressed data is bounded (:class:`_Bounded`, within ``Limits.file_bytes``); a member is
    checked by its declared size and ratio before it is read, as the archive reader checks a
    zip's."""
    hint, limit = f" ({_raise_hint('file_bytes')})", _bound("file_bytes")
    label = str(p)
    inflate = p.name.lower().endswith(".gz")
    if isinstance(p, (zipfile.Path, _TarPath)):
        if isinstance(p, zipfile.Path):
            info = p.root.getinfo(p.at)
            size, packed = info.file_size, info.compress_size
        else:   # a tar member's packed size is unknown: the whole archive's bounds it
            info = p.info
            size, packed = info.size, p.archive.stat().st_size
        _check_member(label, size, packed, limit, hint)
        stream = p.root.open(info) if isinstance(p, zipfile.Path) else p.tar.extractfile(info)
        return io.BufferedReader(_Bounded(stream, size, label, limit, inflate, hint), 1 << 16)
    if not inflate:
        return open(p, "rb")
    return io.BufferedReader(_Bounded(open(p, "rb"), os.stat(p).st_size, label, limit, True,
                                      hint), 1 << 16)


def _check_member(label: str, size: int, packed: int, limit: int, hint: str) -> None:
    """Refuse an archive member, naming it, by its declared ``size`` before it is read: past
    ``limit``, or inflating more than ``Limits.ratio`` times its ``packed`` size beyond 1 MiB.
    ``hint`` says how to raise ``limit``, when a flag does."""
    from .archive import _size

    ratio, max_ratio = size / max(packed, 1), _bound("ratio")
    if size > (1 << 20) and ratio > max_ratio:
        raise SourceError(f"{label}: {_size(packed)} inflates to {_size(size)} (ratio "
                          f"{ratio:,.0f}, limit {max_ratio:g}): refused as a "
                          f"decompression bomb ({_raise_hint('ratio')})", path=label)
    if size > limit:
        raise SourceError(f"{label}: {_size(size)} uncompressed, more than the "
                          f"{_size(limit)} a labeled set's file comes near; not read{hint}",
                          path=label)


class _TarPath:
    """A file or folder inside a tar archive (``TwiBot-22-sample.tar.gz``), with the few
    :class:`pathlib.Path` methods the TwiBot reader uses, as :class:`zipfile.Path` has them
    for a zip. Members are read through :func:`_open_binary`, within its bounds."""

    def __init__(self, tar: tarfile.TarFile, archive: Path, at: str = "", files=None):
        self.tar, self.archive, self.at = tar, archive, at.strip("/")
        # the regular members by name ("./" left off), listed once for the whole archive
        self._files = files if files is not None else _tar_files(tar, archive)

    def __truediv__(self, name: str) -> _TarPath:
        return _TarPath(self.tar, self.archive, f"{self.at}/{name}" if self.at else name,
                        self._files)

    def __str__(self) -> str:
        return f"{self.archive}/{self.at}" if self.at else str(self.archive)

    @property
    def name(self) -> str:
        return self.at.rpartition("/")[2] or self.archive.name

    @property
    def parent(self) -> _TarPath:
        return _TarPath(self.tar, self.archive, self.at.rpartition("/")[0], self._files)

    @property
    def info(self) -> tarfile.TarInfo:
        return self._files[self.at]

    def is_file(self) -> bool:
        return self.at in self._files

    def is_dir(self) -> bool:
        return not self.at or any(k.startswith(self.at + "/") for k in self._files)

    def exists(self) -> bool:
        return self.is_file() or self.is_dir()

    def iterdir(self):
        prefix = self.at + "/" if self.at else ""
        names = {k[len(prefix):].split("/")[0] for k in self._files if k.startswith(prefix)}
        return [self / n for n in sorted(names)]


def _first(folder, name: str):
    """``folder / name``, else its gzip ``folder / name.gz``, else None."""
    for n in (name, name + ".gz"):
        if (folder / n).exists():
            return folder / n
    return None


def _plain_name(p) -> str:
    """A file's name without a ``.gz`` ending, lower case: what it holds once inflated."""
    return p.name.lower().removesuffix(".gz")


def _read_botrepo_pair(stem: str, where: Path) -> tuple[list[str], list, str, str]:
    """The TSV lines and the JSON records of one Bot Repository set, from files or an archive."""
    from .archive import _size

    if where.name.endswith(".tar.gz"):
        with _open_tar(where) as tar:   # a damaged archive is an error naming it
            members = {Path(n).name: m for n, m in _tar_files(tar, where).items()}
            if f"{stem}_tweets.json" not in members and f"{stem}{FLAT_USERS}" in members:
                raise _flat_users(f"{where}:{stem}{FLAT_USERS}")
            for need in (f"{stem}.tsv", f"{stem}_tweets.json"):
                if need not in members:
                    raise SourceError(f"{where}: the archive lacks {need}", path=where)
                cap = _bound("file_bytes")   # read whole: refuse what would not fit
                if members[need].size > cap:
                    raise SourceError(f"{where}: {need} unpacks to {members[need].size:,} "
                                      f"bytes, more than the {_size(cap)} a labeled set's "
                                      f"file read whole may be; not read "
                                      f"({_raise_hint('file_bytes')})", path=where)
            tsv_text = tar.extractfile(members[f"{stem}.tsv"]).read().decode("utf-8-sig")
            js_text = tar.extractfile(members[f"{stem}_tweets.json"]).read().decode("utf-8-sig")
        tsv_name, js_name = f"{where.name}:{stem}.tsv", f"{where.name}:{stem}_tweets.json"
    else:
        tsv = where.parent / f"{stem}.tsv"
        js = _first(where.parent, f"{stem}_tweets.json") or where.parent / f"{stem}_tweets.json"
        for p in (tsv, js):
            if not p.exists():
                raise SourceError(f"{p}: missing (a Bot Repository set is NAME.tsv plus "
                                  f"NAME_tweets.json, or NAME.tar.gz holding both)", path=p)
        tsv_text = _read_whole(tsv).decode("utf-8-sig")
        js_text = _read_whole(js).decode("utf-8-sig")
        tsv_name, js_name = str(tsv), str(js)
    try:
        records = json.loads(js_text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{js_name}:{exc.lineno}: not valid JSON: {exc.msg}", path=js_name,
                          line=exc.lineno) from exc
    if not isinstance(records, list):
        raise SourceError(f"{js_name}: expected a JSON array of {{created_at, user}} records",
                          path=js_name)
    return tsv_text.splitlines(), records, tsv_name, js_name


def load_botrepo(path: str | Path, *, conflicts: str = "drop") -> LabeledSet:
    """Read a Bot Repository set: ``NAME.tsv`` (id, label) and ``NAME_tweets.json``, or the
    ``NAME.tar.gz`` archive holding both.

    ``path`` is the TSV, the JSON, the archive, a folder holding one or more sets (all are
    read and named after the folder; each account's ``group`` is its file's NAME), or such a
    folder packed as a ``.zip`` (the pairs at its top or in one folder inside; read within
    :func:`_open_binary`'s bounds, errors naming the zip and the member). Labels without a user
    object are reported as ``missing_profile``.

    Returns
    -------
    LabeledSet
        see :func:`load_labeled`.
    """
    path = Path(path)
    if path.suffix.lower() == ".zip" and path.is_file():
        with _open_zip(path) as zf:
            return _load_botrepo_folder(_release_folder(zipfile.Path(zf)), path.stem, conflicts)
    if path.is_dir():
        return _load_botrepo_folder(path, path.name, conflicts)
    if path.name.endswith(".tar.gz"):
        return _load_botrepo_pair(path.name[: -len(".tar.gz")], path, conflicts)
    json_name = path.name.removesuffix(".gz")
    stem = (json_name[: -len("_tweets.json")] if json_name.endswith("_tweets.json")
            else path.stem)
    return _load_botrepo_pair(stem, path, conflicts)


def _load_botrepo_folder(folder, name: str, conflicts: str) -> LabeledSet:
    """Every Bot Repository set in ``folder`` (a folder, or a :class:`zipfile.Path` inside a
    zipped set), joined and named ``name`` when there are several."""
    pairs = _botrepo_files(folder)
    if not pairs:
        raise SourceError(f"{folder}: no NAME.tsv with NAME_tweets.json beside it, and no "
                          f"NAME.tar.gz", path=folder)
    sets = [_load_botrepo_pair(stem, where, conflicts) for stem, where in pairs]
    if len(sets) == 1:
        return sets[0]
    joined = load_many(sets, conflicts=conflicts)
    joined.users["dataset"] = pd.Series(name, index=joined.users.index, dtype=schema.STR)
    return LabeledSet(name, joined.users, joined.labels, joined.issues)


def _load_botrepo_pair(stem: str, where, conflicts: str) -> LabeledSet:
    tsv_lines, records, tsv, js = _read_botrepo_pair(stem, where)
    label_of: dict[str, int] = {}
    issues = []
    for lineno, line in enumerate(tsv_lines, 1):
        if not line.strip():
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 2 or not parts[0].strip().isdigit():
            raise SourceError(f"{tsv}:{lineno}: expected '<user_id>\\t<label>', got {line!r}",
                              path=tsv, line=lineno)
        lab = _label_of(parts[1])
        if lab is None:
            issues.append(("bad_label", parts[0], None, tsv, lineno,
                           f"label {parts[1]!r} is neither bot nor human"))
            continue
        uid = parts[0].strip()
        if uid in label_of and label_of[uid] != lab:
            issues.append(("conflict", uid, None, tsv, lineno, "labeled both ways; dropped"))
            label_of[uid] = -1
        else:
            label_of.setdefault(uid, lab)
    rows, observed, labels, lines = [], [], [], []
    seen = set()
    for i, rec in enumerate(records, 1):
        user = rec.get("user") if isinstance(rec, dict) else None
        if not isinstance(user, dict):
            raise SourceError(f"{js}: record {i} has no 'user' object", path=js, line=i)
        row = _v1_row(user)
        if row["id"] is None or not row["username"]:
            if row.pop("_id_problem", None) or row["username"]:
                issues.append(("bad_id", None, row["username"], js, i,
                               "user object without a usable id; left out"))
                continue
            raise SourceError(f"{js}: record {i}: user object lacks id_str or screen_name",
                              path=js, line=i)
        lab = label_of.get(row["id"])
        if lab is None or lab < 0:  # a conflict was reported where the labels were read
            if lab is None:
                issues.append(("unlabeled", row["id"], row["username"], js, i,
                               "user object without a label; left out"))
            continue
        seen.add(row["id"])
        row["group"] = stem
        rows.append(row)
        observed.append(rec.get("created_at"))
        labels.append(lab)
        lines.append(i)
    for uid, lab in label_of.items():
        if uid not in seen and lab >= 0:
            issues.append(("missing_profile", uid, None, tsv, None,
                           f"labeled {'bot' if lab else 'human'} but {js} has no user object"))
    if not rows:
        raise SourceError(f"{js}: no labeled user objects ({len(label_of)} labels in {tsv})",
                          path=js)
    # each record's created_at is the time of the account's tweet that was stored with it (the
    # latest at collection; years old for dormant accounts), so the set was collected at the
    # newest of them
    observed = pd.to_datetime(pd.Series(observed, dtype=object), format=V1_TIME, utc=True,
                              errors="coerce").max()
    users = _canonical(rows, observed, stem, issues=issues, lines=lines, file=js)
    labels = pd.Series(labels, dtype="int8", name="is_bot")
    users, labels, dups = _dedupe(users, labels, lines, js, conflicts)
    issues = pd.concat([pd.DataFrame(issues, columns=ISSUE_COLUMNS), dups], ignore_index=True)
    log.info("%s: %d accounts (%d bots), %d issues", stem, len(users), labels.sum(), len(issues))
    return LabeledSet(stem, users, labels, issues)


# --------------------------------------------------------------------------------------------
# Kaggle 2017


def _status_time(text) -> str | None:
    """``created_at`` of the latest tweet stored as a Python or JSON repr string."""
    if not isinstance(text, str):
        return None
    i = text.find("created_at")
    if i < 0:
        return None
    chunk = text[i + 10: i + 80]
    for q in ("'", '"'):
        j = chunk.find(q, chunk.find(":"))
        if j >= 0:
            k = chunk.find(q, j + 1)
            if k > j:
                return chunk[j + 1: k]
    return None


def load_kaggle(path: str | Path, *, conflicts: str = "drop") -> LabeledSet:
    """Read the Kaggle 2017 CSV(s): one file, a folder of them (``bots_data.csv`` and
    ``nonbots_data.csv``), or a ``.zip`` of them as Kaggle ships a data set (named after the
    zip; each member read within :func:`_open_binary`'s bounds).

    Repairs, each reported in ``issues``: ids Excel turned into ``8.41E+17`` are recovered from
    ``id_str`` when that survived, else replaced by a surrogate (``surrogate_id``, a leading 0);
    repeated rows (``duplicate``) and ids in both classes (``conflict``). ``observed_at`` is the
    latest tweet time in the file (the data were collected in March 2017).

    Returns
    -------
    LabeledSet
        see :func:`load_labeled`.
    """
    path = Path(path)
    if path.suffix.lower() == ".zip" and path.is_file():   # the CSVs as Kaggle ships them
        with _open_zip(path) as zf:
            return _load_kaggle(_release_folder(zipfile.Path(zf)), path.stem, conflicts)
    return _load_kaggle(path, "kaggle-2017" if path.is_dir() else path.stem, conflicts)


def _load_kaggle(path, name: str, conflicts: str) -> LabeledSet:
    """:func:`load_kaggle` on a CSV, or a folder of them (a :class:`~pathlib.Path`, or a
    :class:`zipfile.Path` inside a zip), naming the set ``name``."""
    files = sorted((p for p in path.iterdir() if p.is_file() and p.name.lower().endswith(".csv")
                    and _is_kaggle_csv(p)), key=lambda p: p.name) if path.is_dir() else [path]
    if not files:
        raise SourceError(f"{path}: no CSV with screen_name and bot columns", path=path)
    frames, issues = [], []
    for f in files:
        try:
            raw = pd.read_csv(io.BytesIO(_read_whole(f)), encoding="latin-1", dtype=str,
                              keep_default_na=False, na_values=[""])
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise SourceError(f"{f}: cannot read as CSV: {exc}", path=f) from exc
        raw.columns = [c.strip().lower() for c in raw.columns]
        missing = {"screen_name", "bot", "created_at"} - set(raw.columns)
        if missing:
            raise SourceError(f"{f}: lacks column(s) {sorted(missing)}", path=f, line=1)
        raw["_file"] = f.name
        raw["_line"] = np.arange(len(raw)) + 1
        frames.append(raw)
    raw = pd.concat(frames, ignore_index=True)
    labels = raw["bot"].map(_label_of)
    bad = labels.isna()
    for _, r in raw[bad].iterrows():
        issues.append(("bad_label", r.get("id"), r["screen_name"], r["_file"], r["_line"],
                       f"bot={r['bot']!r} is neither 0/1 nor bot/human"))
    raw = raw[~bad].reset_index(drop=True)
    labels = labels[~bad].astype("int8").reset_index(drop=True)

    def clean(col):
        s = raw.get(col, pd.Series(np.nan, index=raw.index)).astype(object)
        return s.map(lambda v: v.strip().strip('"') if isinstance(v, str) else v)

    id_col, id_str = clean("id"), clean("id_str")
    ok = id_col.map(lambda v: isinstance(v, str) and v.isdigit())
    ok_str = id_str.map(lambda v: isinstance(v, str) and v.isdigit())
    ids = id_col.where(ok, id_str.where(ok_str, None))
    lost = ids.isna()
    for i in np.flatnonzero(lost.to_numpy()):
        sur = _surrogate_id(raw["screen_name"].iloc[i])
        ids.iloc[i] = sur
        issues.append(("surrogate_id", sur, raw["screen_name"].iloc[i], raw["_file"].iloc[i],
                       int(raw["_line"].iloc[i]),
                       f"id {id_col.iloc[i]!r} was mangled (Excel); surrogate from the handle"))
    status_times = pd.to_datetime(raw.get("status", pd.Series(dtype=object)).map(_status_time),
                                  format=V1_TIME, errors="coerce", utc=True)
    observed = status_times.max() if status_times.notna().any() else pd.Timestamp(
        "2017-03-15", tz="UTC")
    df = pd.DataFrame({
        "id": ids, "username": clean("screen_name"), "name": clean("name"),
        "description": clean("description"), "location": clean("location"), "url": clean("url"),
        "created_at": clean("created_at"), "followers_count": clean("followers_count"),
        "following_count": clean("friends_count"), "tweet_count": clean("statuses_count"),
        "listed_count": clean("listedcount") if "listedcount" in raw else clean("listed_count"),
        "like_count": clean("favourites_count"), "verified": clean("verified"),
        "default_profile_image": clean("default_profile_image"),
        # the v1.1 flag the BotometerLite peer reads (Kaggle has no background-image column)
        "default_profile": _to_bool(clean("default_profile")).astype("Float64"),
        "group": raw["_file"].str.removesuffix(".csv"),
    })
    lines = [f"{a}:{b}" for a, b in zip(raw["_file"], raw["_line"])]
    users = _canonical(df, observed, name, issues=issues, lines=lines, file=name)
    users, labels, dups = _dedupe(users, labels, lines, name, conflicts)
    issues = pd.concat([pd.DataFrame(issues, columns=ISSUE_COLUMNS), dups], ignore_index=True)
    log.info("%s: %d accounts (%d bots), %d issues", name, len(users), labels.sum(), len(issues))
    return LabeledSet(name, users, labels.rename("is_bot"), issues)


# --------------------------------------------------------------------------------------------
# TwiBot style


#: User objects read before they are moved into a frame (:func:`load_twibot`).
_CHUNK_ROWS = 10_000   # 50,000 dicts at once took 56 MB more at the peak (200,000 accounts)


def _read_objects(path: Path):
    """The records of a TwiBot user file, one at a time: a JSON array (read as the archive
    reader reads one, :func:`~follower_kit.sources.archive.json_array_items`) or JSON Lines. Memory
    holds one record and a chunk of the file, never the whole file: TwiBot-22's ``user.json``
    holds a million accounts. A record (a line) longer than ``Limits.record_bytes`` is refused,
    as in an array, before it is held whole. A ``.gz`` file or a zip member is inflated as it
    is read, within :func:`_open_binary`'s bounds. Errors name the file and line."""
    from .archive import _size, json_array_items

    cap = _bound("record_bytes")

    with _open_binary(path) as fh:
        head = fh.read(4096).decode("utf-8-sig", errors="replace").lstrip()
    if head.startswith("["):
        with _open_binary(path) as fh:
            yield from json_array_items(fh, label=str(path), record_bytes=cap)
        return
    with io.TextIOWrapper(_open_binary(path), encoding="utf-8-sig", newline="") as fh:
        lineno = 0
        while True:
            try:
                line = fh.readline(cap + 1)
            except UnicodeDecodeError as exc:
                raise SourceError(f"{path}:{lineno + 1}: not UTF-8 ({exc.reason})", path=path,
                                  line=lineno + 1) from None
            if not line:
                return
            lineno += 1
            if len(line) > cap:   # characters, at least as many bytes: the line is too long
                raise SourceError(f"{path}:{lineno}: a record is larger than {_size(cap)} "
                                  f"(not a TwiBot user file?)", path=path, line=lineno)
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise SourceError(f"{path}:{lineno}: not valid JSON Lines: {exc.msg}",
                                  path=path, line=lineno) from exc


#: TwiBot-20's release: labeled records in three splits (and an unlabeled ``support.json``).
TWIBOT20_SPLITS = ("train.json", "dev.json", "test.json")
#: TwiBot release layouts: the full files and the samples the release also ships (each may
#: also be gzipped, ``user.json.gz``).
USER_FILES = ("user.json", "users.json", "user.jsonl", "users.jsonl", "user_sample.json",
              "user_sample.jsonl", "node.json")
LABEL_FILES = ("label.csv", "labels.csv", "label_sample.csv")
#: A TwiBot release's split of its accounts: ``id,split`` (``train``, ``valid``, ``test``).
SPLIT_FILES = ("split.csv", "split_sample.csv")


def _strip_u(value) -> str:
    s = str(value).strip()
    return s[1:] if s[:1] in ("u", "U") and s[1:].isdigit() else s


def _newest_snowflake_time(ids: pd.Series | None) -> pd.Timestamp | None:
    """The newest creation time held in snowflake ids (posts since November 2010), or None.

    A profile's pinned post was written before the profile was read, so the newest one bounds
    a release's observation time from below, often more tightly than the newest account does.
    Ids that are not whole numbers, or that would date from the future, are ignored."""
    if ids is None:
        return None
    # the decoder account ages use (pure: ids in, times out); imported here, where it is needed
    from ..analysis.account_age import snowflake_time

    times = snowflake_time(ids.astype(schema.STR)).dropna()
    times = times[times <= pd.Timestamp.now(tz="UTC")]
    return times.max() if len(times) else None


def load_twibot(path: str | Path, *, conflicts: str = "drop", observed_at=None,
                split: str | None = None) -> LabeledSet:
    """Read TwiBot-style data: user objects (v2 or v1.1; JSON array or JSON Lines) and a label CSV.

    ``path`` is a folder holding ``label.csv`` and one of ``user.json``, ``users.json``,
    ``user.jsonl``, ``users.jsonl``, ``node.json`` (user nodes only), or any single ``.json``/
    ``.jsonl``; or the user file itself with ``label.csv`` beside it; or such a folder packed
    as a ``.zip``, ``.tar.gz`` or ``.tar`` (at its top or in one folder inside). Any of the
    files may be gzipped (``user.json.gz``, ``label.csv.gz``); compressed data is read within
    the archive reader's bounds (:class:`~follower_kit.sources.archive.Limits`). TwiBot-20
    records (``{"ID", "profile", "label"}``) carry their own labels and need no CSV; a TwiBot-20
    release folder is read from its ``train.json``, ``dev.json`` and ``test.json`` together
    (``support.json`` is unlabeled), issues naming ``file:record``. A folder with several other
    user files is an error: which one is meant is not guessed. With ``split``, only the accounts
    the release's ``split.csv`` (``id,split``) puts in that split are read (a TwiBot-20 release:
    ``split`` names its file, ``train``, ``dev`` or ``test``); an assumed observation time and
    the field groups are still the whole release's, so every split is read as the release is.

    Returns
    -------
    LabeledSet
        see :func:`load_labeled`.
    """
    path = Path(path)
    if path.suffix.lower() == ".zip" and path.is_file():
        try:
            zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise SourceError(f"{path}: not a zip file ({exc})", path=path) from None
        with zf:
            return _load_twibot(_release_folder(zipfile.Path(zf)), conflicts, observed_at,
                                split)
    if _is_tarball(path) and path.is_file():
        with _open_tar(path) as tar:
            return _load_twibot(_release_folder(_TarPath(tar, path)), conflicts, observed_at,
                                split)
    return _load_twibot(path, conflicts, observed_at, split)


def _is_tarball(path: Path) -> bool:
    return path.name.lower().endswith((".tar.gz", ".tgz", ".tar"))


def _archive_stem(path: Path) -> str:
    """An archive's name without its ``.zip``, ``.tar.gz``, ``.tgz`` or ``.tar``."""
    return re.sub(r"\.(zip|tar\.gz|tgz|tar)$", "", path.name, flags=re.IGNORECASE)


def _tar_kind(path: Path) -> str | None:
    """Which set the tar archive ``path`` holds, from its listing: ``"twibot"`` once a TwiBot
    release's file is reached (``user.json``, ``label.csv``, ``user_sample.json``, ...; at its
    top or in a folder; listing stops there, before a whole release's tweet files), else
    ``"botrepo"`` for a ``NAME.tsv`` (a Bot Repository set; listing stops at the one named as
    the archive is, ``cresci-stock-2018.tsv``, its first member), else None."""
    wanted = {*USER_FILES, *LABEL_FILES, *TWIBOT20_SPLITS}
    own_tsv, tsv = f"{_archive_stem(path)}.tsv".lower(), False
    with _open_tar(path) as tar:
        for name, _ in _tar_members(tar, path):
            base = name.rpartition("/")[2].lower()
            if base.removesuffix(".gz") in wanted:
                return "twibot"
            if base == own_tsv:
                return "botrepo"
            tsv = tsv or base.endswith(".tsv")
    return "botrepo" if tsv else None


#: What reading a damaged or truncated tar (or its gzip stream) raises.
_TAR_ERRORS = (tarfile.TarError, OSError, EOFError, zlib.error)


def _open_tar(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path)
    except _TAR_ERRORS as exc:
        raise SourceError(f"{path}: not a tar archive, or a damaged one ({exc})",
                          path=path) from None


def _tar_files(tar: tarfile.TarFile, path: Path) -> dict[str, tarfile.TarInfo]:
    """The regular members of ``tar`` by name, ``./`` left off; a damaged archive is an error
    naming it.

    Listing a compressed tar inflates every member to reach the next header (a plain one seeks
    past them): it stops, naming the archive, once the bytes passed exceed
    ``Limits.total_bytes``, before the next member is inflated, so a tar bomb costs at most
    that bound, not its whole stream (each member read is then checked by its size,
    :func:`_open_binary`)."""
    return dict(_tar_members(tar, path))


def _tar_members(tar: tarfile.TarFile, path: Path):
    """(name, member) for each regular member of ``tar`` as it is reached, within the bounds
    :func:`_tar_files` lists it in: a caller that has seen enough stops inflating there."""
    from .archive import _size

    # a plain .tar is listed by seeking from header to header: nothing to bound
    total = float("inf") if isinstance(tar.fileobj, io.BufferedReader) else _bound("total_bytes")
    try:
        while True:
            # tar.offset: where the next header starts, past the last member's data; reaching
            # it inflates that data
            if tar.offset > total:
                raise SourceError(f"{path}: its members unpack past {_size(total)}; listing "
                                  f"stopped, nothing read (a whole release packed as one "
                                  f"archive? unpack the user and label files, or "
                                  f"{_raise_hint('total_bytes')})", path=path)
            m = tar.next()
            if m is None:
                return
            if m.isfile():
                yield m.name.removeprefix("./").strip("/"), m
    except _TAR_ERRORS as exc:
        raise SourceError(f"{path}: not a tar archive, or a damaged one ({exc})",
                          path=path) from None


def _release_folder(here):
    """The folder of a packed TwiBot release (a :class:`zipfile.Path` or :class:`_TarPath`):
    the archive's top, or the one folder it holds (``TwiBot-22-sample.zip`` holding
    ``TwiBot-22-sample/user.json``)."""
    wanted = {*USER_FILES, *LABEL_FILES, *TWIBOT20_SPLITS}
    while True:
        entries = [p for p in here.iterdir() if not p.name.startswith((".", "__MACOSX"))]
        if any(p.is_file() and _plain_name(p) in wanted for p in entries):
            return here
        subs = [p for p in entries if p.is_dir()]
        if len(subs) != 1 or any(p.is_file() for p in entries):
            return here   # load_twibot says what it finds missing
        here = subs[0]


def split_file(path: str | Path) -> str | None:
    """The split file (``split.csv``, ...) of the TwiBot release at ``path``, as errors name it,
    or None when it has none: ``path`` as :func:`load_labeled` takes it (a release folder, a
    folder holding the release as its one ``.zip`` or ``.tar.gz``, that archive, or the user
    file), read only as far as its listing."""
    path = Path(path)
    if path.is_dir() and _split_path(path) is None:
        kind, path = _packed_set(path)
        if kind != "twibot":
            return None
    if path.is_file() and path.suffix.lower() == ".zip":
        with _open_zip(path) as zf:
            return _split_path(_release_folder(zipfile.Path(zf)))
    if path.is_file() and _is_tarball(path):
        with _open_tar(path) as tar:
            return _split_path(_release_folder(_TarPath(tar, path)))
    return _split_path(path if path.is_dir() else path.parent)


def _split_path(folder) -> str | None:
    """The split file in a release ``folder`` (a folder, zip or tar path), as a string."""
    found = next((p for p in (_first(folder, n) for n in SPLIT_FILES) if p is not None), None)
    return None if found is None else str(found)


def _read_split(folder, split: str) -> set[str] | None:
    """The ids (``u`` left off) the release's ``split.csv`` puts in ``split``, or None when the
    folder has no split file.

    Raises
    ------
    SourceError
        For a split file without an ``id,split`` header, or with no account in ``split`` (the
        message lists the splits it has, with their sizes).
    """
    split_file = next((p for p in (_first(folder, n) for n in SPLIT_FILES) if p is not None),
                      None)
    if split_file is None:
        return None
    ids, sizes = set(), {}
    reader = _csv_rows(split_file)
    header = next(reader, None)
    if not header or [h.strip().lower() for h in header[:2]] != ["id", "split"]:
        raise SourceError(f"{split_file}:1: expected header 'id,split', got {header}"
                          + _delimiter_hint(header), path=split_file, line=1)
    for row in reader:
        if len(row) < 2:
            continue
        name = row[1].strip()
        sizes[name] = sizes.get(name, 0) + 1
        if name.lower() == split.lower():   # ids read as the user objects' are
            ids.add(clean_id(row[0])[0] or _strip_u(row[0]))
    if not ids:
        have = ", ".join(f"{k} ({v:,})" for k, v in sizes.items()) or "none"
        raise SourceError(f"{split_file}: no account in split {split!r}; its splits: {have}",
                          path=split_file)
    return ids


def _delimiter_hint(header) -> str:
    """"; it looks separated by ';'" for a header that is one cell holding another separator
    (a spreadsheet saved with semicolons or tabs); "" otherwise."""
    cell = header[0] if header and len(header) == 1 else ""
    sep = next((c for c in (";", "\t", "|") if c in cell), None)
    return f"; it looks separated by {sep!r}: save it with commas" if sep else ""


def _csv_rows(path):
    """The rows of a TwiBot label or split file, read as UTF-8 with or without a byte order
    mark. Text in another encoding (Excel's "Unicode text" is UTF-16) is a
    :class:`SourceError` naming the file and line, not a decoding traceback."""
    with io.TextIOWrapper(_open_binary(path), encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        try:
            yield from reader
        except UnicodeDecodeError as exc:
            line = reader.line_num + 1
            raise SourceError(f"{path}:{line}: not UTF-8 ({exc.reason}); save it as UTF-8 "
                              f"(Excel: CSV UTF-8)", path=path, line=line) from None


def _split_files(folder, found: list, split: str) -> list:
    """A TwiBot-20 release's file for ``split`` (``test`` -> ``test.json``)."""
    names = [_plain_name(p) for p in found]
    pick = [p for p, n in zip(found, names) if n == f"{split.lower()}.json"]
    if not pick:
        raise SourceError(f"{folder}: no split file and no {split}.json; its splits: "
                          f"{', '.join(n.removesuffix('.json') for n in names)}", path=folder)
    return pick


def _newest_times(rows) -> tuple:
    """The newest creation time and pinned post time of ``rows`` (a frame, or a dict of lists
    it empties), for a release's assumed observation time."""
    created = _parse_times(pd.Series(rows["created_at"], dtype=object)).max()
    pins = rows.get("pinned_tweet_id")
    pinned = _newest_snowflake_time(None if pins is None else pd.Series(pins, dtype=object))
    if isinstance(rows, dict):
        for v in rows.values():
            v.clear()
    return created, pinned


def _load_twibot(path, conflicts: str, observed_at, split: str | None = None) -> LabeledSet:
    """:func:`load_twibot` on a folder or file: a :class:`~pathlib.Path`, or a
    :class:`zipfile.Path` inside a zipped release."""
    folder = path if path.is_dir() else path.parent
    if path.is_dir():
        cands = [_first(folder, n) for n in USER_FILES]
        found = [p for p in cands if p is not None][:1]
        if not found:   # a TwiBot-20 release: its labeled splits, not the unlabeled support.json
            found = [p for p in (_first(folder, n) for n in TWIBOT20_SPLITS) if p is not None]
        if not found:
            found = sorted((p for p in folder.iterdir() if p.is_file()
                            and _plain_name(p).endswith((".json", ".jsonl", ".ndjson"))),
                           key=lambda p: p.name)
            if len(found) > 1:
                names = ", ".join(p.name for p in found)
                raise SourceError(f"{folder}: several user files ({names}); pass the one to read",
                                  path=folder)
        if not found:
            raise SourceError(f"{folder}: no user objects (.json or .jsonl) found", path=folder)
    else:
        found = [path]
    in_split = _read_split(folder, split) if split is not None else None
    if split is not None and in_split is None:
        if any(_plain_name(p) in TWIBOT20_SPLITS for p in found):
            found = _split_files(folder, found, split)   # TwiBot-20: one file per split
        else:
            raise SourceError(f"{folder}: no split.csv (id,split), so there is no {split!r} "
                              "split to read; leave the split out to read every labeled "
                              "account", path=folder)
    several = len(found) > 1

    def records():
        for f in found:
            for i, rec in enumerate(_read_objects(f), 1):
                if isinstance(rec, dict) and isinstance(rec.get("data"), list) \
                        and "id" not in rec:
                    # an X API v2 response page (the API's own JSON, a twarc2 user lookup):
                    # its user objects, each named by the page's record number
                    for item in rec["data"]:
                        yield f, i, item
                else:
                    yield f, i, rec
    label_file = next((p for p in (_first(folder, n) for n in LABEL_FILES) if p is not None),
                      None)
    label_of: dict[str, int] = {}
    issues = []
    if label_file is not None:
        reader = _csv_rows(label_file)
        header = next(reader, None)
        if not header or [h.strip().lower() for h in header[:2]] != ["id", "label"]:
            raise SourceError(f"{label_file}:1: expected header 'id,label', got {header}"
                              + _delimiter_hint(header), path=label_file, line=1)
        for lineno, row in enumerate(reader, 2):
            if not row:
                continue
            lab = _label_of(row[1]) if len(row) > 1 else None
            # read as the user objects' ids are: u123, 123, and 123.0 from a tool that
            # read the ids as floats (digits lost past 2**53 are named, not matched)
            uid, id_problem = clean_id(row[0])
            if id_problem or uid is None:
                issues.append(("bad_id", None, None, label_file.name, lineno,
                               f"label id {id_problem or 'missing'}; label left out"))
                continue
            if lab is None:
                issues.append(("bad_label", uid, None, label_file.name, lineno,
                               f"label {row[1:2]} is neither human nor bot"))
                continue
            if uid in label_of and label_of[uid] not in (lab, -1):
                # resolved as conflicts= says, as a conflict between user objects is
                label_of[uid] = {"drop": -1, "bot": 1, "human": 0}[conflicts]
                issues.append(("conflict", uid, None, label_file.name, lineno,
                               "labeled both ways; " + ("dropped" if conflicts == "drop"
                                                        else f"kept as {conflicts}")))
            elif uid in label_of:
                issues.append(("duplicate", uid, None, label_file.name, lineno,
                               "label repeated"))
            else:
                label_of[uid] = lab
    if in_split is not None:   # the other splits' labels are no missing profiles
        label_of = {k: v for k, v in label_of.items() if k in in_split}
    rows, labels, lines, chunks = [], [], [], []
    # the other splits' creation times and pinned posts, reduced to their newest every chunk:
    # an assumed observation time is the whole release's, whichever split is read
    others, newest = {"created_at": [], "pinned_tweet_id": []}, []
    seen = set()
    has_likes = False
    for src, i, rec in records():
        if not isinstance(rec, dict):
            raise SourceError(f"{src}: record {i} is not a JSON object", path=src,
                              line=i)
        own_label = None
        if "profile" in rec and rec["profile"] is None and "ID" in rec:   # TwiBot-20, no profile
            issues.append(("missing_profile", _strip_u(rec["ID"]), None, src.name, i,
                           "record without a profile; left out"))
            continue
        if "profile" in rec and isinstance(rec["profile"], dict):  # TwiBot-20
            own_label = _label_of(rec.get("label")) if rec.get("label") is not None else None
            obj = rec["profile"]
        else:
            obj = rec.get("user") if isinstance(rec.get("user"), dict) else rec
        if "id" in obj and str(obj["id"])[:1] not in ("u", "U") and "username" not in obj \
                and "screen_name" not in obj:
            continue  # a tweet or other node in node.json
        if str(obj.get("id", ""))[:1] in ("t", "l", "h"):
            continue
        row = _v2_row(obj) if ("username" in obj or "public_metrics" in obj) else _v1_row(obj)
        id_problem, pin_problem = row.pop("_id_problem", None), row.pop("_pin_problem", None)
        no_counts = row.pop("_no_counts", False)
        if id_problem:
            issues.append(("bad_id", None, row["username"], src.name, i,
                           f"id {id_problem}; account left out"))
            continue
        if row["id"] is None or not row["username"]:
            raise SourceError(f"{src}: record {i}: user object lacks id or username",
                              path=src, line=i)
        if pin_problem:
            issues.append(("bad_id", row["id"], row["username"], src.name, i,
                           f"pinned_tweet_id {pin_problem}; left unknown"))
        has_likes = has_likes or row.get("like_count") is not None   # the release's fields
        if isinstance(row["created_at"], str):
            row["created_at"] = row["created_at"].strip()
        if in_split is not None and row["id"] not in in_split:
            if observed_at is None:
                for k, v in others.items():
                    v.append(row.get(k))
                if len(others["created_at"]) == _CHUNK_ROWS:
                    newest.append(_newest_times(others))
            continue
        lab = label_of.get(row["id"], own_label)
        if lab is None or lab < 0:  # a conflict was reported where the labels were read
            if lab is None:
                issues.append(("unlabeled", row["id"], row["username"], src.name, i,
                               "user object without a label; left out"))
            continue
        if no_counts:   # kept, scored as a profile whose counts are unknown
            issues.append(("missing_counts", row["id"], row["username"], src.name, i,
                           "public_metrics null or absent; follower, following, post and "
                           "listed counts unknown"))
        seen.add(row["id"])
        rows.append(row)
        labels.append(lab)
        lines.append(f"{src.name}:{i}" if several else i)
        if len(rows) == _CHUNK_ROWS:   # a frame holds a million rows in far less than dicts do
            chunks.append(pd.DataFrame(rows))
            rows = []
    for uid, lab in label_of.items():
        if uid not in seen and lab >= 0:
            issues.append(("missing_profile", uid, None, label_file.name if label_file else "",
                           None, "labeled but no user object"))
    user_file = folder if several else found[0]   # what the messages below name
    if not rows and not chunks:
        label_name = label_file.name if label_file is not None else None
        bad = [x for x in issues if x[0] == "bad_id" and x[1] is None
               and x[3] != label_name]   # accounts left out (not labels)
        if bad:
            where = f"record {bad[0][4]}" + (f" of {bad[0][3]}" if several else "")
            raise SourceError(f"{user_file}: no account is left: {len(bad):,} of its ids could "
                              f"not be read ({where}: {bad[0][5]})", path=user_file,
                              line=bad[0][4])
        if label_file is None:
            raise SourceError(f"{user_file}: user objects without labels: no label.csv or "
                              f"label_sample.csv beside them (id,label with bot or human, as a "
                              f"TwiBot release ships) and no label in the records",
                              path=user_file)
        raise SourceError(f"{user_file}: none of its user objects is labeled in {label_file} "
                          f"({len(label_of):,} label{'' if len(label_of) == 1 else 's'}; ids "
                          f"as u123 or 123)", path=user_file)
    if rows or not chunks:
        chunks.append(pd.DataFrame(rows))
    rows = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]
    name = (re.sub(r"\.(zip|tar\.gz|tgz|tar)$", "", folder.name) if path.is_dir()
            else Path(user_file.name.removesuffix(".gz")).stem)
    if split is not None:
        name = f"{name} ({split.lower()} split)"
    if observed_at is None:
        newest.append(_newest_times(rows))
        if others["created_at"]:
            newest.append(_newest_times(others))
        created = pd.Series([t[0] for t in newest], dtype=schema.TIME)
        observed_at, basis = created.max(), "the newest account's creation time"
        if pd.isna(observed_at):
            raise _no_dates(user_file)
        pinned = max((t[1] for t in newest if t[1] is not None), default=None)
        if pinned is not None and pinned > observed_at:   # the profiles were read after it
            observed_at, basis = pinned, "the newest pinned post's time (from its id)"
        log.warning("%s: no observation time recorded; using %s %s (pass observed_at= for "
                    "account ages that mean something)", name, basis, observed_at)
        issues.append(("assumed_observed_at", None, None, user_file.name, None,
                       f"observed_at set to {observed_at}: {basis}"))
    users = _canonical(rows, observed_at, name, issues=issues, lines=lines, file=user_file.name)
    labels = pd.Series(labels, dtype="int8", name="is_bot")
    users, labels, dups = _dedupe(users, labels, lines, user_file.name, conflicts)
    issues = pd.concat([pd.DataFrame(issues, columns=ISSUE_COLUMNS), dups], ignore_index=True)
    # X API v2 user objects carry no like count: say so rather than let it look like zero
    fields = FIELD_GROUPS if has_likes else tuple(f for f in FIELD_GROUPS if f != "likes")
    log.info("%s: %d accounts (%d bots), %d issues", name, len(users), labels.sum(), len(issues))
    return LabeledSet(name, users, labels, issues, fields)


# --------------------------------------------------------------------------------------------
# MIB CSV exports: cresci-2015 and cresci-2017

#: cresci-2017 folders that hold people; every other group folder holds bots.
CRESCI_HUMAN_GROUPS = ("genuine_accounts",)
#: cresci-2015 groups: E13 and TFP are people; INT, FSF and TWT were bought from vendors.
CRESCI15_HUMAN_GROUPS = ("E13", "TFP")


def _read_mib_csv(path) -> pd.DataFrame:
    try:
        raw = pd.read_csv(io.BytesIO(_read_whole(path)), dtype=str, keep_default_na=False,
                          na_values=[""], encoding="utf-8", low_memory=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read as CSV: {exc}", path=path) from exc
    missing = {"id", "screen_name", "created_at"} - set(raw.columns)
    if missing:
        raise SourceError(f"{path}:1: lacks column(s) {sorted(missing)} (a MIB users.csv export)",
                          path=path, line=1)
    # traditional_spambots_1 spells unknown as the literal NULL; E13 hides NUL bytes in a bio
    raw = raw.replace({"NULL": None}).map(
        lambda v: v.replace("\x00", "") if isinstance(v, str) else v)
    raw["_line"] = np.arange(len(raw)) + 2   # the header is line 1
    return raw


def _mib_rows(raw: pd.DataFrame, group: str) -> pd.DataFrame:
    """Canonical-ish rows of a MIB export (v1.1 column names, ``"1"``/empty booleans)."""
    def col(name):
        return (raw[name].astype(object) if name in raw
                else pd.Series(None, index=raw.index, dtype=object))

    image = col("profile_image_url").fillna(col("profile_image_url_https"))
    dpi = col("default_profile_image")
    # the flag is NULL for all of traditional_spambots_1: the avatar URL still says "default"
    from_url = image.map(lambda v: None if not isinstance(v, str)
                         else ("1" if "default_profile" in v else "0"))
    dpi = dpi.where(dpi.notna(), from_url)
    flag = {"1": "1", "1.0": "1"}

    def boolean(s):   # "1" is true; empty means false or unknown in these exports
        return s.map(lambda v: flag.get(str(v).strip(), "0") if v is not None else "0")

    return pd.DataFrame({
        "id": col("id"), "username": col("screen_name"), "name": col("name"),
        "description": col("description"), "location": col("location"), "url": col("url"),
        "created_at": col("created_at"), "followers_count": col("followers_count"),
        "following_count": col("friends_count"), "tweet_count": col("statuses_count"),
        "listed_count": col("listed_count"), "like_count": col("favourites_count"),
        "verified": boolean(col("verified")), "protected": boolean(col("protected")),
        "profile_image_url": image, "default_profile_image": boolean(dpi),
        "default_profile": boolean(col("default_profile")),
        "profile_use_background_image": boolean(col("profile_use_background_image")),
        "group": group,
    })


def _mib_observed(raw: pd.DataFrame) -> pd.Series:
    """When each profile was read: ``crawled_at`` where the export has it, else ``updated``
    (the export time), both UTC wall-clock text."""
    crawled = raw["crawled_at"] if "crawled_at" in raw else pd.Series(None, index=raw.index)
    updated = raw["updated"] if "updated" in raw else pd.Series(None, index=raw.index)
    # as text: an all-empty column reads as float, which a future pandas will not fill with text
    return pd.to_datetime(crawled.astype(object).fillna(updated.astype(object)), utc=True,
                          errors="coerce")


def _mib_set(name: str, parts: list[tuple[pd.DataFrame, str, int, str]], conflicts: str,
             fields=FIELD_GROUPS) -> LabeledSet:
    """One labeled set from MIB exports: ``parts`` of (raw frame, group, label, file name)."""
    issues: list = []
    frames, labels, lines = [], [], []
    for raw, group, label, file in parts:
        rows = _mib_rows(raw, group)
        rows["_observed"] = _mib_observed(raw).to_numpy()
        ids = rows["id"].map(clean_id)
        bad = ids.map(lambda t: t[1] is not None).to_numpy()
        for i in np.flatnonzero(bad):
            issues.append(("bad_id", None, rows["username"].iloc[i], file,
                           int(raw["_line"].iloc[i]), f"id {ids.iloc[i][1]}; left out"))
        rows["id"] = ids.map(lambda t: t[0])
        no_time = rows["_observed"].isna().to_numpy() & ~bad
        for i in np.flatnonzero(no_time):
            issues.append(("bad_date", rows["id"].iloc[i], rows["username"].iloc[i], file,
                           int(raw["_line"].iloc[i]), "neither crawled_at nor updated is a date; "
                           "the set's latest export time is used"))
        keep = ~bad & rows["id"].notna().to_numpy()
        frames.append(rows[keep])
        labels += [label] * int(keep.sum())
        lines += [f"{file}:{n}" for n in raw["_line"][keep]]
    df = pd.concat(frames, ignore_index=True)
    if not len(df):
        raise SourceError(f"{name}: no usable accounts in {[p[3] for p in parts]}", path=name)
    observed = df.pop("_observed")
    observed = pd.to_datetime(observed, utc=True).fillna(pd.to_datetime(observed, utc=True).max())
    users = _canonical(df, observed, name, issues=issues, lines=lines, file=name)
    labels = pd.Series(labels, dtype="int8", name="is_bot")
    users, labels, dups = _dedupe(users, labels, lines, name, conflicts)
    issues = pd.concat([pd.DataFrame(issues, columns=ISSUE_COLUMNS), dups], ignore_index=True)
    log.info("%s: %d accounts (%d bots), %d issues", name, len(users), labels.sum(), len(issues))
    return LabeledSet(name, users, labels, issues, tuple(fields))


def load_cresci2017(path: str | Path, *, conflicts: str = "drop") -> LabeledSet:
    """Read cresci-2017: one ``GROUP/users.csv`` per group, and the folder is the label
    (``genuine_accounts`` are people, every other group bots). The official download
    (``cresci-2017.csv.zip``), unpacked, names each group's folder ``GROUP.csv``
    (``datasets_full.csv/genuine_accounts.csv/users.csv``): the ``.csv`` is not part of the
    group's name.

    Java epoch-millisecond creation times (``1183552203000L``), literal ``NULL`` values and the
    missing default-avatar flag of traditional_spambots_1 (taken from the avatar URL) are
    handled; each account's ``group`` is its folder.

    Returns
    -------
    LabeledSet
        see :func:`load_labeled`.
    """
    path = Path(path)
    with ExitStack() as stack:
        root, name = path, path.name
        if path.suffix.lower() == ".zip" and path.is_file():
            root = _release_folder(zipfile.Path(stack.enter_context(_open_zip(path))))
            name = path.name.removesuffix(".zip").removesuffix(".csv")
        groups = _cresci_groups(root, stack)
        if not groups:
            raise SourceError(f"{path}: no GROUP/users.csv (cresci-2017 layout) and no "
                              "GROUP.csv.zip holding one (as the official download)", path=path)
        # "genuine_accounts.csv" is genuine_accounts: read as a bot group, its people were bots
        parts = [(_read_mib_csv(f), g, 0 if g in CRESCI_HUMAN_GROUPS else 1, label)
                 for g, f, label in groups]
        return _mib_set(name, parts, conflicts)


#: cresci-2017's groups, as its official download names their zips (``GROUP.csv.zip``).
CRESCI17_GROUPS = ("genuine_accounts", "fake_followers", "social_spambots_1",
                   "social_spambots_2", "social_spambots_3", "traditional_spambots_1",
                   "traditional_spambots_2", "traditional_spambots_3", "traditional_spambots_4")


def _is_cresci2017(folder) -> bool:
    """Whether ``folder`` (a folder, or a :class:`zipfile.Path`) holds cresci-2017: group
    folders with a ``users.csv``, or the official download's ``GROUP.csv.zip`` files."""
    return any((p.is_dir() and (p / "users.csv").is_file())
               or (p.is_file() and p.name in {f"{g}.csv.zip" for g in CRESCI17_GROUPS})
               for p in folder.iterdir())


def _cresci_groups(root, stack: ExitStack) -> list[tuple[str, object, str]]:
    """(group, its users.csv, the name errors and issues give it) for every cresci-2017
    group in ``root`` (a folder or a :class:`zipfile.Path`): a ``GROUP/users.csv`` or
    ``GROUP.csv/users.csv`` folder, or a ``GROUP.csv.zip`` holding one (the official
    ``cresci-2017.csv.zip`` holds ``datasets_full.csv/GROUP.csv.zip``; only ``users.csv`` is
    read from each, never its tweets). Inner zips stay open in ``stack``."""
    out = []
    for p in sorted(root.iterdir(), key=lambda p: p.name):
        if p.is_dir() and (p / "users.csv").is_file():
            out.append((p.name.removesuffix(".csv"), p / "users.csv", f"{p.name}/users.csv"))
        elif p.is_file() and p.name.lower().endswith(".csv.zip"):
            inner = _release_folder(zipfile.Path(stack.enter_context(_open_inner_zip(p))))
            if (inner / "users.csv").is_file():
                out.append((p.name[: -len(".csv.zip")], inner / "users.csv",
                            f"{p.name}/{inner.at}users.csv"))
    return out


def _open_inner_zip(p) -> zipfile.ZipFile:
    """The zip ``p``: a file, or a zip member (:class:`zipfile.Path`), checked by its declared
    size and ratio as :func:`_open_binary` checks one before it is read."""
    if isinstance(p, Path):
        return _open_zip(p)
    info = p.root.getinfo(p.at)
    _check_member(str(p), info.file_size, info.compress_size, _bound("file_bytes"),
                  f" ({_raise_hint('file_bytes')})")
    try:
        return zipfile.ZipFile(p.root.open(info))
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise SourceError(f"{p}: not a zip file, or a damaged one ({exc})", path=p) from None


def load_cresci2015(path: str | Path, *, conflicts: str = "drop") -> LabeledSet:
    """Read cresci-2015 "Fame for sale": E13 (``E13_users.csv``) and TFP (``bas_users.csv``)
    people, and the 3,351 bought followers (INT, FSF, TWT), whose complete profiles are the
    ``fake_followers`` group of cresci-2017 (``../cresci-2017/fake_followers/users.csv``), tagged
    with their vendor by ``fake_followers_group_map.csv``. Without that sibling folder the
    bought followers come from ``INT_users.csv`` and the FSF/TWT rows of ``bas_users.csv``
    (2,300 of them), and an issue says so.

    Returns
    -------
    LabeledSet
        see :func:`load_labeled`; ``group`` is E13, TFP, INT, FSF, TWT or FSF_or_TWT.
    """
    path = Path(path)
    e13 = _read_mib_csv(path / "E13_users.csv")
    bas = _read_mib_csv(path / "bas_users.csv")
    tfp = bas[bas["dataset"] == "TFP"]
    parts = [(e13, "E13", 0, "E13_users.csv"), (tfp, "TFP", 0, "bas_users.csv")]
    fake = path.parent / "cresci-2017" / "fake_followers" / "users.csv"
    extra = []
    if fake.exists():
        ff = _read_mib_csv(fake)
        gmap = pd.read_csv(_whole(path / "fake_followers_group_map.csv"), dtype=str)
        group_of = dict(zip(gmap["id"], gmap["cresci2015_group"]))
        for g in sorted(set(group_of.values()) | {"unknown"}):
            sub = ff[ff["id"].map(lambda i: group_of.get(i, "unknown")) == g]
            if len(sub):
                parts.append((sub, g, 1, "cresci-2017/fake_followers/users.csv"))
    else:
        parts.append((_read_mib_csv(path / "INT_users.csv"), "INT", 1, "INT_users.csv"))
        for g in ("FSF", "TWT"):
            parts.append((bas[bas["dataset"] == g], g, 1, "bas_users.csv"))
        extra.append(("missing_profile", None, None, str(fake), None,
                      "cresci-2017 fake_followers absent: FSF and TWT limited to bas_users.csv"))
    out = _mib_set(path.name, parts, conflicts)
    if extra:
        out.issues = pd.concat([out.issues, pd.DataFrame(extra, columns=ISSUE_COLUMNS)],
                               ignore_index=True)
    return out


# --------------------------------------------------------------------------------------------
# caverlee-2011: counts only

CAVERLEE_COLUMNS = ("UserID", "CreatedAt", "CollectedAt", "NumerOfFollowings",
                    "NumberOfFollowers", "NumberOfTweets", "LengthOfScreenName",
                    "LengthOfDescriptionInUserProfile")
CAVERLEE_FILES = {"content_polluters.txt": 1, "legitimate_users.txt": 0}


def load_caverlee(path: str | Path, *, conflicts: str = "drop") -> LabeledSet:
    """Read caverlee-2011 (Social Honeypot): counts and creation dates only, no text, likes or
    lists, so the set declares ``fields=()``. Accounts have no handle (``username`` is empty).
    Beware: its two classes were collected months apart, so account age leaks the label.

    Returns
    -------
    LabeledSet
        see :func:`load_labeled`.
    """
    path = Path(path)
    if path.suffix.lower() == ".zip" and path.is_file():   # social_honeypot_icwsm_2011.zip
        with _open_zip(path) as zf:
            return _load_caverlee(_release_folder(zipfile.Path(zf)), path.stem, conflicts)
    return _load_caverlee(path, path.name, conflicts)


def _load_caverlee(path, name: str, conflicts: str) -> LabeledSet:
    """:func:`load_caverlee` on a folder (a :class:`~pathlib.Path`, or a :class:`zipfile.Path`
    inside the official zip, whose tweet and following files are never read)."""
    frames, issues = [], []
    for file, label in CAVERLEE_FILES.items():
        f = path / file
        if not f.exists():
            raise SourceError(f"{f}: missing (caverlee-2011 is content_polluters.txt and "
                              f"legitimate_users.txt)", path=f)
        raw = pd.read_csv(io.BytesIO(_read_whole(f)), sep="\t", header=None,
                          names=list(CAVERLEE_COLUMNS), dtype=str, keep_default_na=False,
                          na_values=[""])
        raw["_label"], raw["_file"] = label, file
        raw["_line"] = np.arange(len(raw)) + 1
        frames.append(raw)
    raw = pd.concat(frames, ignore_index=True)
    lines = [f"{a}:{b}" for a, b in zip(raw["_file"], raw["_line"])]
    observed = pd.to_datetime(raw["CollectedAt"], utc=True, errors="coerce")
    for i in np.flatnonzero(observed.isna().to_numpy()):
        issues.append(("bad_date", raw["UserID"].iloc[i], None, raw["_file"].iloc[i],
                       int(raw["_line"].iloc[i]), f"CollectedAt {raw['CollectedAt'].iloc[i]!r} "
                       "is not a date; the latest collection time is used"))
    df = pd.DataFrame({
        "id": raw["UserID"], "username": None, "created_at": raw["CreatedAt"],
        "followers_count": raw["NumberOfFollowers"], "following_count": raw["NumerOfFollowings"],
        "tweet_count": raw["NumberOfTweets"], "group": raw["_file"].str.removesuffix(".txt"),
    })
    users = _canonical(df, observed.fillna(observed.max()), name, issues=issues,
                       lines=lines, file=name)
    labels = raw["_label"].astype("int8").rename("is_bot").reset_index(drop=True)
    users, labels, dups = _dedupe(users, labels, lines, name, conflicts)
    issues = pd.concat([pd.DataFrame(issues, columns=ISSUE_COLUMNS), dups], ignore_index=True)
    return LabeledSet(name, users, labels, issues, ())


# --------------------------------------------------------------------------------------------
# a folder of labeled sets


def detect_set(path: Path) -> str | None:
    """The reader for one data set folder, or None when it holds none of the known layouts."""
    if not path.is_dir():
        return None
    if (path / "E13_users.csv").exists():
        return "cresci2015"
    if _is_cresci2017(path):
        return "cresci2017"
    if all((path / f).exists() for f in CAVERLEE_FILES):
        return "caverlee"
    if _botrepo_files(path):
        return "botrepo"
    try:
        return detect_format(path)
    except SourceError:
        return None


READERS = {"botrepo": load_botrepo, "kaggle": load_kaggle, "twibot": load_twibot,
           "cresci2015": load_cresci2015, "cresci2017": load_cresci2017,
           "caverlee": load_caverlee}


def shared_bots_dir() -> Path | None:
    """The public labeled sets when this machine has them: ``$FOLLOWER_KIT_SHARED_DATA/bots``,
    or ``../shared/data/bots`` beside the working directory or beside the clone; None otherwise.
    """
    import os

    env = os.environ.get("FOLLOWER_KIT_SHARED_DATA")
    roots = ([Path(env)] if env else []) + [Path.cwd().parent / "shared" / "data",
                                            Path(__file__).resolve().parents[2].parent / "shared"
                                            / "data"]
    return next((r / "bots" for r in roots if (r / "bots").is_dir()), None)


def load_bot_sets(folder: str | Path, *, names=None, conflicts: str = "drop",
                  observed_at=None, progress=None) -> dict[str, LabeledSet]:
    """Every labeled set in ``folder`` (one sub-folder each, as in ``../shared/data/bots``),
    keyed and named by its folder. A sub-folder of no other layout that holds one ``.zip`` of
    a set (``botwiki-2019/botwiki-2019.zip``), or one TwiBot release as a ``.tar.gz``
    (``twibot-22/TwiBot-22.tar.gz``), is read from it.

    Parameters
    ----------
    names : iterable of str, optional
        Load only these folders; a name no folder has is an error listing the folders.
    observed_at : datetime-like, optional
        When the profiles of a TwiBot release were read (it does not record it), as for
        :func:`load_labeled`; the other formats record it and ignore this. Default: the latest
        time found in the data, with a warning.
    progress : callable, optional
        Called with each folder name before it is read (the CLI passes a progress bar).

    Returns
    -------
    dict of str -> LabeledSet
        in folder-name order; folders of no known layout are skipped with a log line.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise SourceError(f"{folder}: not a folder of labeled data sets", path=folder)
    for packed in sorted(p for p in folder.iterdir() if p.is_file()
                         and (p.suffix.lower() == ".zip" or _is_tarball(p))):
        # not read: a download kept beside its unpacked folder would be read twice
        log.warning("%s: an archive beside the set folders is not read; a set is read from "
                    "a folder of its own (%s/%s)", packed, _archive_stem(packed), packed.name)
    out = {}
    subs = sorted(p for p in folder.iterdir() if p.is_dir())
    if names is not None:
        names = [names] if isinstance(names, str) else list(names)
        absent = [n for n in names if n not in {p.name for p in subs}]
        if absent:   # a set asked for by name is never left out without a word
            have = ", ".join(p.name for p in subs) or "none"
            raise SourceError(f"{folder}: no folder named {', '.join(map(repr, absent))} "
                              f"(names are the folders' own, case and all; it holds: {have})",
                              path=folder)
    for sub in subs:
        if names is not None and sub.name not in names:
            continue
        kind, where = detect_set(sub), sub
        if kind is None:
            kind, where = _packed_set(sub)
        if kind is None:
            if names is not None:   # asked for by name: say why it cannot be read
                raise SourceError(f"{sub}: no labeled data set layout (a TwiBot release, a Bot "
                                  f"Repository TSV + JSON, cresci, caverlee or Kaggle files)",
                                  path=sub)
            log.info("%s: no labeled data set layout; skipped", sub)
            continue
        if progress is not None:
            progress(sub.name)
        kwargs = {"observed_at": observed_at} if kind == "twibot" else {}
        s = READERS[kind](where, conflicts=conflicts, **kwargs)
        s.name = sub.name
        s.users["dataset"] = pd.Series(sub.name, index=s.users.index, dtype=schema.STR)
        out[sub.name] = s
    if not out:
        raise SourceError(f"{folder}: holds no labeled data set (expected sub-folders such as "
                          f"kaggle-2017/ or cresci-2017/)", path=folder)
    return out
