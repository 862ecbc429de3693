"""Labeled research data sets for bot detection, read into the canonical users frame plus a label.

Three formats are recognised; :func:`load_labeled` detects which one a file or folder holds:

* **Botometer Bot Repository** (``botometer.osome.iu.edu/bot-repository``): ``NAME.tsv`` of
  ``user_id<TAB>label`` (no header) beside ``NAME_tweets.json``, a JSON array of
  ``{"created_at": tweet time, "user": {v1.1 user object}}``. The newest record time (the
  collection time) becomes ``observed_at``.
* **Kaggle 2017** (``bots_data.csv`` / ``nonbots_data.csv`` or any CSV with v1.1 columns and a
  ``bot`` column): latin-1 text, Excel-mangled ids (``8.41E+17``) and dates (``3/11/2017 4:48``,
  ``13/03/2017 22:21``), rows repeated, and ids labeled both ways across the two files.
* **TwiBot style**: user objects (X API v2 with ``public_metrics``, or v1.1 with ``screen_name``;
  bare, wrapped as ``{"user": ...}`` or as TwiBot-20 ``{"ID", "profile", "label"}`` records) in a
  JSON array or JSON Lines file, with a ``label.csv`` of ``id,label`` (``human``/``bot``); ids may
  carry a ``u`` prefix.

Nothing is dropped silently: duplicates, conflicting labels, unrecoverable ids and labels without a
profile are listed in :attr:`LabeledSet.issues`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..errors import SourceError

log = logging.getLogger(__name__)

ISSUE_COLUMNS = ["kind", "id", "username", "file", "line", "detail"]
LABEL_WORDS = {"bot": 1, "1": 1, "true": 1, "human": 0, "0": 0, "false": 0, "nonbot": 0}
V1_TIME = "%a %b %d %H:%M:%S %z %Y"


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
        ``surrogate_id``, ``missing_profile``, ``bad_label``), ``id``, ``username``, ``file``,
        ``line`` (1-based data row or record), ``detail``.
    """

    name: str
    users: pd.DataFrame
    labels: pd.Series
    issues: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ISSUE_COLUMNS))

    def __len__(self) -> int:
        return len(self.users)

    def summary(self) -> dict:
        """Counts a person checks first: accounts, bots, humans, and issues by kind."""
        kinds = self.issues["kind"].value_counts().to_dict() if len(self.issues) else {}
        return {"dataset": self.name, "accounts": len(self), "bots": int(self.labels.sum()),
                "humans": int((self.labels == 0).sum()), **{f"issues_{k}": int(v)
                                                             for k, v in sorted(kinds.items())}}


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
        names = {p.name.lower() for p in files}
        if any(p.suffix == ".tsv" and (p.parent / f"{p.stem}_tweets.json").exists() for p in files):
            return "botrepo"
        if "label.csv" in names or "labels.csv" in names:
            return "twibot"
        if any(p.suffix.lower() == ".csv" and _is_kaggle_csv(p) for p in files):
            return "kaggle"
        raise SourceError(
            f"{path}: not a labeled data set folder; expected NAME.tsv + NAME_tweets.json (Bot "
            f"Repository), a CSV with screen_name and bot columns (Kaggle 2017), or user objects "
            f"with label.csv (TwiBot)", path=path)
    suffix = path.suffix.lower()
    if suffix == ".tsv" or path.name.endswith("_tweets.json"):
        return "botrepo"
    if suffix == ".csv" and _is_kaggle_csv(path):
        return "kaggle"
    if suffix in (".json", ".jsonl", ".ndjson"):
        return "twibot"
    raise SourceError(f"{path}: unknown labeled data format (expected .tsv, .csv, .json or .jsonl)",
                      path=path)


def _is_kaggle_csv(path: Path) -> bool:
    with open(path, encoding="latin-1", newline="") as fh:
        header = next(csv.reader([fh.readline()]), [])
    cols = {c.strip().lower() for c in header}
    return {"screen_name", "bot"} <= cols


def load_labeled(path: str | Path, *, fmt: str | None = None, conflicts: str = "drop",
                 observed_at=None) -> LabeledSet:
    """Read a labeled data set from a file or folder, detecting its format.

    Parameters
    ----------
    path : str or Path
        A file or a folder (see the module docstring for the formats).
    fmt : {"botrepo", "kaggle", "twibot"}, optional
        Skip detection.
    conflicts : {"drop", "bot", "human"}
        What to do with an id labeled both ways: leave it out (default) or keep one label.
        Either way each conflict is listed in ``issues``.
    observed_at : datetime-like, optional
        When the profiles were read, for formats that do not record it (TwiBot). Default: the latest
        time found in the data, with a warning.

    Returns
    -------
    LabeledSet
        ``users`` (canonical users columns plus ``dataset``), ``labels`` (``is_bot``) and
        ``issues``.
    """
    if conflicts not in ("drop", "bot", "human"):
        raise ValueError(f"conflicts must be 'drop', 'bot' or 'human', not {conflicts!r}")
    fmt = fmt or detect_format(path)
    readers = {"botrepo": load_botrepo, "kaggle": load_kaggle, "twibot": load_twibot}
    if fmt not in readers:
        raise ValueError(f"fmt must be one of {sorted(readers)}, not {fmt!r}")
    kwargs = {"conflicts": conflicts}
    if fmt == "twibot":
        kwargs["observed_at"] = observed_at
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
    return LabeledSet("+".join(s.name for s in sets), users, labels,
                      pd.concat([issues, more], ignore_index=True))


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
                      pd.concat([test.issues, removed], ignore_index=True))


# --------------------------------------------------------------------------------------------
# v1.1 and v2 user objects -> canonical rows


def _v1_row(u: dict) -> dict:
    url = u.get("url")
    try:
        url = u["entities"]["url"]["urls"][0].get("expanded_url") or url
    except (KeyError, IndexError, TypeError):
        pass
    uid = u.get("id_str") or u.get("id")
    return {
        "id": None if uid is None else str(uid),
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
    }


def _v2_row(u: dict) -> dict:
    m = u.get("public_metrics") or {}
    url = u.get("url")
    try:
        url = u["entities"]["url"]["urls"][0].get("expanded_url") or url
    except (KeyError, IndexError, TypeError):
        pass
    image = u.get("profile_image_url")
    return {
        "id": None if u.get("id") is None else str(u["id"]),
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
        "pinned_tweet_id": u.get("pinned_tweet_id"),
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


def _parse_times(values: pd.Series, upper: pd.Series | None = None) -> pd.Series:
    """Twitter's ``Sat Oct 17 22:35:31 +0000 2015``, ISO 8601, and Excel's ``M/D/YYYY H:MM`` or
    ``D/M/YYYY H:MM``. A slashed date is read month-first unless that is impossible (day > 12) or
    would fall after ``upper`` (the observation time)."""
    text = values.astype(object).map(lambda v: v.strip().strip('"') if isinstance(v, str) else v)
    out = pd.to_datetime(text, format=V1_TIME, errors="coerce", utc=True)
    rest = out.isna() & text.notna()
    if rest.any():
        iso = pd.to_datetime(text[rest], format="ISO8601", errors="coerce", utc=True)
        out[rest] = iso
        slashed = out.isna() & text.notna()
        if slashed.any():
            mdy = pd.to_datetime(text[slashed], format="%m/%d/%Y %H:%M", errors="coerce", utc=True)
            dmy = pd.to_datetime(text[slashed], format="%d/%m/%Y %H:%M", errors="coerce", utc=True)
            pick = mdy.copy()
            if upper is not None:
                late = mdy > upper[slashed]
                pick[late] = dmy[late]
            pick = pick.fillna(dmy)
            out[slashed] = pick
    return out.astype(schema.TIME)


def _canonical(rows: list[dict] | pd.DataFrame, observed_at, dataset: str) -> pd.DataFrame:
    df = pd.DataFrame(rows) if not isinstance(rows, pd.DataFrame) else rows
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
        df["created_at"] = _parse_times(df["created_at"], df["observed_at"])
    for c in ("username", "name", "description", "location", "url", "profile_image_url"):
        if c in df:
            df[c] = df[c].astype(object).where(df[c].notna(), None)
    out = schema.coerce(df, "users")
    out["dataset"] = pd.Series(dataset, index=out.index, dtype=schema.STR)
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


def load_botrepo(path: str | Path, *, conflicts: str = "drop") -> LabeledSet:
    """Read a Bot Repository set: ``NAME.tsv`` (id, label) and ``NAME_tweets.json``.

    ``path`` is the TSV, the JSON, or a folder holding one or more such pairs (all are read and
    named ``NAME1+NAME2``). Labels without a user object are reported as ``missing_profile``.

    Returns
    -------
    LabeledSet
        see :func:`load_labeled`.
    """
    path = Path(path)
    if path.is_dir():
        tsvs = sorted(p for p in path.glob("*.tsv")
                      if (p.parent / f"{p.stem}_tweets.json").exists())
        if not tsvs:
            raise SourceError(f"{path}: no NAME.tsv with NAME_tweets.json beside it", path=path)
        return load_many([load_botrepo(p, conflicts=conflicts) for p in tsvs], conflicts=conflicts)
    stem = path.name[: -len("_tweets.json")] if path.name.endswith("_tweets.json") else path.stem
    tsv, js = path.parent / f"{stem}.tsv", path.parent / f"{stem}_tweets.json"
    for p in (tsv, js):
        if not p.exists():
            raise SourceError(f"{p}: missing (a Bot Repository set is NAME.tsv plus "
                              f"NAME_tweets.json)", path=p)
    label_of: dict[str, int] = {}
    issues = []
    with open(tsv, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 2 or not parts[0].strip().isdigit():
                raise SourceError(f"{tsv}:{lineno}: expected '<user_id>\\t<label>', got {line!r}",
                                  path=tsv, line=lineno)
            lab = _label_of(parts[1])
            if lab is None:
                issues.append(("bad_label", parts[0], None, tsv.name, lineno,
                               f"label {parts[1]!r} is neither bot nor human"))
                continue
            uid = parts[0].strip()
            if uid in label_of and label_of[uid] != lab:
                issues.append(("conflict", uid, None, tsv.name, lineno,
                               "labeled both ways; dropped"))
                label_of[uid] = -1
            else:
                label_of.setdefault(uid, lab)
    try:
        records = json.loads(js.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SourceError(f"{js}:{exc.lineno}: not valid JSON: {exc.msg}", path=js,
                          line=exc.lineno) from exc
    if not isinstance(records, list):
        raise SourceError(f"{js}: expected a JSON array of {{created_at, user}} records", path=js)
    rows, observed, labels, lines = [], [], [], []
    seen = set()
    for i, rec in enumerate(records, 1):
        user = rec.get("user") if isinstance(rec, dict) else None
        if not isinstance(user, dict):
            raise SourceError(f"{js}: record {i} has no 'user' object", path=js, line=i)
        row = _v1_row(user)
        if row["id"] is None or not row["username"]:
            raise SourceError(f"{js}: record {i}: user object lacks id_str or screen_name",
                              path=js, line=i)
        lab = label_of.get(row["id"])
        if lab is None or lab < 0:  # a conflict was reported where the labels were read
            if lab is None:
                issues.append(("unlabeled", row["id"], row["username"], js.name, i,
                               "user object without a label; left out"))
            continue
        seen.add(row["id"])
        rows.append(row)
        observed.append(rec.get("created_at"))
        labels.append(lab)
        lines.append(i)
    for uid, lab in label_of.items():
        if uid not in seen and lab >= 0:
            issues.append(("missing_profile", uid, None, tsv.name, None,
                           f"labeled {'bot' if lab else 'human'} but {js.name} has no user object"))
    # each record's created_at is the time of the account's tweet that was stored with it (the
    # latest at collection; years old for dormant accounts), so the set was collected at the
    # newest of them
    observed = pd.to_datetime(pd.Series(observed, dtype=object), format=V1_TIME, utc=True,
                              errors="coerce").max()
    users = _canonical(rows, observed, stem)
    labels = pd.Series(labels, dtype="int8", name="is_bot")
    users, labels, dups = _dedupe(users, labels, lines, js.name, conflicts)
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
    """Read the Kaggle 2017 CSV(s): one file, or a folder of them (``bots_data.csv`` and
    ``nonbots_data.csv``).

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
    files = sorted(p for p in path.glob("*.csv") if _is_kaggle_csv(p)) if path.is_dir() else [path]
    if not files:
        raise SourceError(f"{path}: no CSV with screen_name and bot columns", path=path)
    frames, issues = [], []
    for f in files:
        try:
            raw = pd.read_csv(f, encoding="latin-1", dtype=str, keep_default_na=False,
                              na_values=[""])
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
    })
    name = "kaggle-2017" if path.is_dir() else path.stem
    users = _canonical(df, observed, name)
    lines = [f"{a}:{b}" for a, b in zip(raw["_file"], raw["_line"])]
    users, labels, dups = _dedupe(users, labels, lines, name, conflicts)
    issues = pd.concat([pd.DataFrame(issues, columns=ISSUE_COLUMNS), dups], ignore_index=True)
    log.info("%s: %d accounts (%d bots), %d issues", name, len(users), labels.sum(), len(issues))
    return LabeledSet(name, users, labels.rename("is_bot"), issues)


# --------------------------------------------------------------------------------------------
# TwiBot style


def _read_objects(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SourceError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}", path=path,
                              line=exc.lineno) from exc
        return data
    out = []
    for lineno, line in enumerate(io.StringIO(text), 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise SourceError(f"{path}:{lineno}: not valid JSON Lines: {exc.msg}", path=path,
                              line=lineno) from exc
    return out


def _strip_u(value) -> str:
    s = str(value).strip()
    return s[1:] if s[:1] in ("u", "U") and s[1:].isdigit() else s


def load_twibot(path: str | Path, *, conflicts: str = "drop", observed_at=None) -> LabeledSet:
    """Read TwiBot-style data: user objects (v2 or v1.1; JSON array or JSON Lines) and a label CSV.

    ``path`` is a folder holding ``label.csv`` and one of ``user.json``, ``users.json``,
    ``user.jsonl``, ``users.jsonl``, ``node.json`` (user nodes only), or any single ``.json``/
    ``.jsonl``; or the user file itself with ``label.csv`` beside it. TwiBot-20 records
    (``{"ID", "profile", "label"}``) carry their own labels and need no CSV.

    Returns
    -------
    LabeledSet
        see :func:`load_labeled`.
    """
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    if path.is_dir():
        cands = [folder / n for n in ("user.json", "users.json", "user.jsonl", "users.jsonl",
                                      "node.json")]
        found = [p for p in cands if p.exists()]
        if not found:
            found = sorted(p for p in folder.iterdir()
                           if p.suffix.lower() in (".json", ".jsonl", ".ndjson"))
        if not found:
            raise SourceError(f"{folder}: no user objects (.json or .jsonl) found", path=folder)
        user_file = found[0]
    else:
        user_file = path
    records = _read_objects(user_file)
    label_file = next((folder / n for n in ("label.csv", "labels.csv") if (folder / n).exists()),
                      None)
    label_of: dict[str, int] = {}
    issues = []
    if label_file is not None:
        with open(label_file, encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if not header or [h.strip().lower() for h in header[:2]] != ["id", "label"]:
                raise SourceError(f"{label_file}:1: expected header 'id,label', got {header}",
                                  path=label_file, line=1)
            for lineno, row in enumerate(reader, 2):
                if not row:
                    continue
                lab = _label_of(row[1]) if len(row) > 1 else None
                uid = _strip_u(row[0])
                if lab is None:
                    issues.append(("bad_label", uid, None, label_file.name, lineno,
                                   f"label {row[1:2]} is neither human nor bot"))
                    continue
                if uid in label_of and label_of[uid] not in (lab, -1):
                    issues.append(("conflict", uid, None, label_file.name, lineno,
                                   "labeled both ways; dropped"))
                    label_of[uid] = -1
                elif uid in label_of:
                    issues.append(("duplicate", uid, None, label_file.name, lineno,
                                   "label repeated"))
                else:
                    label_of[uid] = lab
    rows, labels, lines = [], [], []
    seen = set()
    for i, rec in enumerate(records, 1):
        if not isinstance(rec, dict):
            raise SourceError(f"{user_file}: record {i} is not a JSON object", path=user_file,
                              line=i)
        own_label = None
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
        if row["id"] is None or not row["username"]:
            raise SourceError(f"{user_file}: record {i}: user object lacks id or username",
                              path=user_file, line=i)
        row["id"] = _strip_u(row["id"])
        if isinstance(row["created_at"], str):
            row["created_at"] = row["created_at"].strip()
        lab = label_of.get(row["id"], own_label)
        if lab is None or lab < 0:  # a conflict was reported where the labels were read
            if lab is None:
                issues.append(("unlabeled", row["id"], row["username"], user_file.name, i,
                               "user object without a label; left out"))
            continue
        seen.add(row["id"])
        rows.append(row)
        labels.append(lab)
        lines.append(i)
    for uid, lab in label_of.items():
        if uid not in seen and lab >= 0:
            issues.append(("missing_profile", uid, None, label_file.name if label_file else "",
                           None, "labeled but no user object"))
    if not rows:
        raise SourceError(f"{user_file}: no labeled user objects (labels from "
                          f"{label_file or 'the records'})", path=user_file)
    name = folder.name if path.is_dir() else user_file.stem
    if observed_at is None:
        created = pd.to_datetime(pd.Series([r["created_at"] for r in rows], dtype=object),
                                 utc=True, format="mixed", errors="coerce")
        observed_at = created.max()
        log.warning("%s: no observation time recorded; using the newest account's creation time "
                    "%s (pass observed_at= for account ages that mean something)", name,
                    observed_at)
        issues.append(("assumed_observed_at", None, None, user_file.name, None,
                       f"observed_at set to {observed_at}"))
    users = _canonical(rows, observed_at, name)
    labels = pd.Series(labels, dtype="int8", name="is_bot")
    users, labels, dups = _dedupe(users, labels, lines, user_file.name, conflicts)
    issues = pd.concat([pd.DataFrame(issues, columns=ISSUE_COLUMNS), dups], ignore_index=True)
    return LabeledSet(name, users, labels, issues)
