"""The data selection re-checked the other way round (Yang et al. 2020): each source the shipped
model trains on left out of its training in turn, and the leave-one-data-set-out ROC AUC on the
seven mixed sets measured as ``bot_variants`` measures a variant (both ways: as published and as
X API v2). A source is a whole set, or one group of cresci-2017 or botrepo-2019 (as
:data:`~follower_kit.analysis.bots.model.TRAINING_KINDS` names them); the last row leaves out
cresci-2017's seven spambot groups at once. A source whose removal raises the mean both ways is
one the selection should drop (a quality benchmark, not a speed one; about 2 minutes a row).

``VARIANTS`` (labels separated by ``;``) limits the run; ``NO_PEER=1`` leaves the peer out (it
plays no part in the selection). Needs ``../shared/data/bots`` (or
``$FOLLOWER_KIT_SHARED_DATA/bots``); without it, no rows.
"""

from __future__ import annotations

from benchmarks.bench_bot_variants import measure


def variants(quick: bool = False) -> dict:
    from follower_kit.analysis.bots import model as M

    kinds = M.TRAINING_KINDS
    out = {"shipped": {}}
    if quick:
        return out
    sources = {(k if isinstance(k, str) else "/".join(k)): [k] for k in kinds}
    sources["cresci-2017 spambots (all seven groups)"] = [
        k for k in kinds if isinstance(k, tuple) and "spambots" in k[1]]
    for label, drop in sources.items():
        out[f"without {label}"] = {"training_kinds": {k: v for k, v in kinds.items()
                                                      if k not in drop}}
    return out


def run(quick: bool = False) -> list[dict]:
    return measure(variants(quick), quick)
