"""Why the peer scores kaggle-2017 higher than the independent implementation of issue 17 (0.934
against 0.874): the same fitted BotometerLite peer, scored on kaggle-2017 as other loaders might
read it (a quality benchmark, not a speed one).

The peer is fitted once, as ``follower-kit bots evaluate --lodo`` fits it for this fold: on every
other labeled set with profile text, accounts shared with kaggle-2017 left out. Then kaggle-2017 is
scored as this loader reads it, and with one of its quirks misread:

* its ``created_at`` mixes Twitter's ``Sat Oct 17 22:35:31 +0000 2015`` with Excel's
  ``7/13/2009 0:38``: a loader that reads only the first leaves the Excel ones unread (the
  account's age then unknown, which the peer takes as a day, or 0), or fills them with the set's
  median date, or drops those accounts;
* Kaggle names the listed count ``listedcount``: a loader that misses it (or another count or
  text column) reads 0 or an empty string for every account.

Needs ``../shared/data/bots`` (or ``$FOLLOWER_KIT_SHARED_DATA/bots``); without it, no rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from benchmarks.util import public_bot_sets

SET = "kaggle-2017"


def excel_dated(users: pd.DataFrame, folder) -> np.ndarray:
    """Which of the loaded accounts have an Excel date (``M/D/YYYY H:MM``) in the CSV, matched
    by handle (ids are Excel-damaged too)."""
    raw = pd.concat([pd.read_csv(f, dtype=str, encoding="latin-1", keep_default_na=False)
                     for f in sorted(folder.glob("*.csv"))])
    handle = raw["screen_name"].str.strip().str.lower()
    slashed = raw["created_at"].str.contains("/", regex=False)
    by_handle = pd.Series(slashed.to_numpy(), index=handle).groupby(level=0).any()
    return users["username"].str.lower().map(by_handle).fillna(False).to_numpy(bool)


def run(quick: bool = False) -> list[dict]:
    import importlib

    # the module, not the function of the same name the package exports
    E = importlib.import_module("follower_kit.analysis.bots.evaluate")
    from follower_kit.analysis.bots.peer import botometer_lite_forest
    from follower_kit.sources.datasets import shared_bots_dir

    sets, _ = public_bot_sets(quick)
    if sets is None or SET not in sets:
        return []
    test = sets[SET]
    train = [s for n, s in sets.items() if n != SET and "text" in s.fields]
    users, labels, _ = E.join_sets(train)
    keep = ~E.overlap(users, test.users)
    forest = botometer_lite_forest().fit(users[keep].reset_index(drop=True), labels[keep])
    tu = test.users.reset_index(drop=True)
    y = np.asarray(test.labels)
    excel = excel_dated(tu, shared_bots_dir() / SET)
    observed = tu["observed_at"]

    def blank(col, value):
        return tu.assign(**{col: pd.Series(value, index=tu.index).astype(tu[col].dtype)})

    readings = {
        "as this loader reads it (both date forms)": (tu, None),
        "Excel dates unread (age taken as a day)": (tu.assign(
            created_at=tu["created_at"].where(~excel)), None),
    }
    if not quick:
        readings |= {
            "Excel dates unread (age 0)": (tu.assign(
                created_at=tu["created_at"].where(~excel, observed)), None),
            "Excel dates read as the set's median date": (tu.assign(
                created_at=tu["created_at"].where(~excel, tu["created_at"][~excel].median())),
                None),
            "accounts with an Excel date left out": (tu, ~excel),
            "listed count read as 0 (column listedcount missed)": (blank("listed_count", 0),
                                                                   None),
            "post count read as 0": (blank("tweet_count", 0), None),
            "following count read as 0": (blank("following_count", 0), None),
            "like count read as 0": (blank("like_count", 0), None),
            "bio read as empty": (blank("description", ""), None),
            "name read as empty": (blank("name", ""), None),
        }
    rows = []
    for label, (frame, mask) in readings.items():
        p = forest.predict_proba(frame)[:, 1]
        m = np.ones(len(y), bool) if mask is None else mask
        rows.append({"kaggle-2017 read with": label, "accounts": int(m.sum()),
                     "bots": int(y[m].sum()),
                     "peer ROC AUC": round(float(roc_auc_score(y[m], p[m])), 3)})
    rows.append({"kaggle-2017 read with": "independent implementation (issue 17)",
                 "accounts": "", "bots": "", "peer ROC AUC": 0.874})
    return rows
