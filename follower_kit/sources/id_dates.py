"""(account id, creation time) pairs from the public labeled data sets, to fit the id -> date map.

Every public bot/human set in ``../shared/data/bots`` that carries both an account id and its
``created_at`` contributes pairs; :func:`read_id_date_pairs` reads them all into one frame, one
row per distinct id, with the set it came from (for leave-one-set-out evaluation). The fit itself
is pure and lives in :mod:`follower_kit.analysis.account_age`; ``follower-kit ages fit`` runs both
and writes the package table.

Formats handled here (each folder's README describes its quirks):

* Bot Repository folders (``NAME.tsv`` + ``NAME_tweets.json``, also packed as ``.tar.gz``), read
  through :func:`follower_kit.sources.datasets.load_botrepo`;
* Kaggle 2017, through :func:`~follower_kit.sources.datasets.load_kaggle` (Excel-mangled ids,
  which it replaces by surrogates starting with ``0``, are left out: their true id is unknown);
* the cresci CSVs (``users.csv`` per group, ``*_users.csv``), where ``created_at`` is the v1.1
  time or Java epoch milliseconds with an ``L`` suffix;
* caverlee-2011 (tab-separated, no header, ``UserID, CreatedAt, ...``).
"""

from __future__ import annotations

import logging
import tarfile
import tempfile
from pathlib import Path

import pandas as pd

from .. import schema
from ..errors import SourceError
from . import datasets

log = logging.getLogger(__name__)

PAIR_COLUMNS = ["id", "created_at", "dataset"]


def _frame(ids, created, dataset: str) -> pd.DataFrame:
    out = pd.DataFrame({"id": pd.Series(ids, dtype=object).astype(str).str.strip(),
                        "created_at": pd.Series(created).reset_index(drop=True)})
    out["created_at"] = pd.to_datetime(out["created_at"], utc=True, errors="coerce")
    out["dataset"] = dataset
    ok = out["id"].str.fullmatch(r"[1-9][0-9]{0,19}") & out["created_at"].notna()
    return out[ok.to_numpy()].reset_index(drop=True)


def _botrepo(folder: Path) -> list[pd.DataFrame]:
    frames = []
    for tsv in sorted(folder.glob("*.tsv")):
        if (folder / f"{tsv.stem}_tweets.json").exists():
            labeled = datasets.load_botrepo(tsv)
            frames.append(_frame(labeled.users["id"], labeled.users["created_at"], tsv.stem))
    for tar in sorted(folder.glob("*.tar.gz")):
        with tempfile.TemporaryDirectory() as tmp, tarfile.open(tar) as archive:
            archive.extractall(tmp, filter="data")
            frames += _botrepo(Path(tmp))
    return frames


def _cresci_time(values: pd.Series) -> pd.Series:
    text = values.astype(str).str.strip()
    millis = text.str.fullmatch(r"[0-9]{10,13}L?")
    out = pd.to_datetime(text.where(~millis), format=datasets.V1_TIME, utc=True, errors="coerce")
    epoch = pd.to_datetime(pd.to_numeric(text[millis].str.rstrip("L")), unit="ms", utc=True)
    out.loc[millis] = epoch
    return out


def _cresci_csv(path: Path, dataset: str) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=["id", "created_at"],
                     encoding="utf-8", encoding_errors="replace")
    return _frame(df["id"], _cresci_time(df["created_at"]), dataset)


def _caverlee(folder: Path) -> list[pd.DataFrame]:
    frames = []
    for path in (folder / "content_polluters.txt", folder / "legitimate_users.txt"):
        df = pd.read_csv(path, sep="\t", header=None, usecols=[0, 1], dtype=str)
        df.columns = ["id", "created_at"]
        frames.append(_frame(df["id"], pd.to_datetime(df["created_at"], utc=True,
                                                      errors="coerce"), folder.name))
    return frames


def read_id_date_pairs(base: str | Path) -> pd.DataFrame:
    """Every (id, created_at) pair the public sets under ``base`` hold.

    Parameters
    ----------
    base : str or Path
        The ``bots`` folder of the shared data (``../shared/data/bots``).

    Returns
    -------
    DataFrame
        ``id`` (string), ``created_at`` (UTC), ``dataset`` (the folder, or the Bot Repository
        set name: ``botwiki-2019``, ``verified-2019``, ...). One row per id: an id found in
        several sets (cresci-2015's bought followers are also cresci-2017's ``fake_followers``)
        keeps its first set in name order.

    Raises
    ------
    SourceError
        When ``base`` is not a folder or holds none of the known sets.
    """
    base = Path(base)
    if not base.is_dir():
        raise SourceError(f"{base}: not a folder (expected the shared data's bots/ folder)",
                          path=base)
    frames: list[pd.DataFrame] = []
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        name = folder.name
        if name == "kaggle-2017":
            labeled = datasets.load_labeled(folder)
            frames.append(_frame(labeled.users["id"], labeled.users["created_at"], name))
        elif name == "caverlee-2011":
            frames += _caverlee(folder)
        elif name == "cresci-2015":
            frames += [_cresci_csv(p, name) for p in sorted(folder.glob("*_users.csv"))]
        elif name == "cresci-2017":
            frames += [_cresci_csv(p, name) for p in sorted(folder.glob("*/users.csv"))]
        elif any(folder.glob("*.tsv")) or any(folder.glob("*.tar.gz")):
            frames += _botrepo(folder)
        else:
            log.info("%s: no id/created_at pairs known in this folder; skipped", folder)
    if not frames:
        raise SourceError(f"{base}: none of the known labeled sets is in this folder", path=base)
    pairs = pd.concat(frames, ignore_index=True)
    pairs = pairs.sort_values(["dataset", "id"], kind="stable").drop_duplicates("id")
    pairs["id"] = pairs["id"].astype(schema.STR)
    pairs["created_at"] = pairs["created_at"].astype(schema.TIME)
    pairs["dataset"] = pairs["dataset"].astype(schema.STR)
    log.info("%d (id, created_at) pairs from %d sets", len(pairs), pairs["dataset"].nunique())
    return pairs.sort_values("id", key=lambda s: s.str.zfill(20), kind="stable") \
        .reset_index(drop=True)[PAIR_COLUMNS]
