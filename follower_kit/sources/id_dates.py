"""(account id, creation time) pairs from the public labeled data sets, to fit the id -> date map.

Every public bot/human set in ``../shared/data/bots`` that carries both an account id and its
``created_at`` contributes pairs. The sets are read by
:func:`follower_kit.sources.datasets.load_bot_sets`, the one reader of those folders (each
folder's quirks, such as Excel-mangled Kaggle ids or cresci's epoch milliseconds, are handled
there); :func:`read_id_date_pairs` keeps the pairs, one row per distinct id, with the set it came
from (for leave-one-set-out evaluation). The fit itself is pure and lives in
:mod:`follower_kit.analysis.account_age`; ``follower-kit ages fit`` runs both and writes the
package table.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from .. import schema
from ..errors import SourceError
from . import datasets

log = logging.getLogger(__name__)

PAIR_COLUMNS = ["id", "created_at", "dataset"]
#: Folders that pack several published sets (the Bot Repository's ``NAME.tsv`` files): each
#: keeps its own name, its ``group``, so a leave-one-set-out evaluation holds out one set.
_GROUPED = {"botrepo"}


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
        keeps its first set in name order. Ids that are not the account's real id (the
        surrogates ``load_kaggle`` gives Excel-mangled ids start with ``0``) are left out.

    Raises
    ------
    SourceError
        When ``base`` is not a folder or holds none of the known sets.
    """
    base = Path(base)
    if not base.is_dir():
        raise SourceError(f"{base}: not a folder (expected the shared data's bots/ folder)",
                          path=base)
    frames = []
    for name, labeled in datasets.load_bot_sets(base).items():
        users = labeled.users
        grouped = datasets.detect_set(base / name) in _GROUPED and "group" in users.columns
        frames.append(pd.DataFrame({
            "id": users["id"].astype(str).str.strip().to_numpy(),
            "created_at": pd.to_datetime(users["created_at"], utc=True, errors="coerce")
            .to_numpy(),
            "dataset": (users["group"].astype(str) if grouped else
                        pd.Series(name, index=users.index)).to_numpy()}))
    pairs = pd.concat(frames, ignore_index=True)
    real = pairs["id"].str.fullmatch(r"[1-9][0-9]{0,19}") & pairs["created_at"].notna()
    pairs = pairs[real.to_numpy()]
    pairs = pairs.sort_values(["dataset", "id"], kind="stable").drop_duplicates("id")
    pairs["id"] = pairs["id"].astype(schema.STR)
    pairs["created_at"] = pd.to_datetime(pairs["created_at"], utc=True).astype(schema.TIME)
    pairs["dataset"] = pairs["dataset"].astype(schema.STR)
    log.info("%d (id, created_at) pairs from %d sets", len(pairs), pairs["dataset"].nunique())
    return pairs.sort_values("id", key=lambda s: s.str.zfill(20), kind="stable") \
        .reset_index(drop=True)[PAIR_COLUMNS]
