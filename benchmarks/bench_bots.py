"""Bot scoring at 10k, 100k and 1M profiles: the kit's one score (the shipped kind model with
kinds and reasons) and the hand-set rules, beside the BotometerLite random forest (the peer).

The profiles are the default sample audience's (about 5,300 realistic follower profiles) repeated
to N, each copy of the audience with its creation times shifted by up to 3 years, counts scaled by
a log-normal factor, a letters prefix on handles and a tag on bios, so copies are distinct
accounts (and the farms of each copy stay farms). Each row is one
method at one size in a fresh process; ``seconds`` times the scoring only (building the frame and
fitting the models on the 5,300-profile sample are not timed); ``peak_mb`` is the whole process,
the frame included.

Methods
-------
score_bots+kinds+reasons
    ``score_bots(farms=False)`` with the shipped model: profile features, every kind's
    classifier, the boosted trees, the calibrated ``bot_score``, ``bot_kind`` and the reasons for
    every account scoring ``bot_threshold`` or more (``share_scored_bot`` counts those; the other
    methods count 0.5 or more).
score_bots+kinds+reasons+farms
    The same plus farm detection (creation window and bio; no follow order here): what
    ``bots score`` computes.
default_score
    ``profile_features`` + the hand-set default score (profile rules; what the 1M / 5 s target is
    about).
default_score+farms+reasons
    The same plus coordination (farms by creation window and bio; no follow order here) and
    plain-words reasons for every account scoring 0.5 or more: what ``bots score`` computes.
bot_classifier
    ``BotClassifier.predict_proba`` (profile features + logistic regression).
botometer_lite_rf (peer)
    ``botometer_lite_forest`` (BotometerLite features + a 100-tree random forest) ``predict_proba``.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from benchmarks.util import measure

SIZES = (10_000, 100_000, 1_000_000)


def make_profiles(n: int, seed: int = 0):
    """(``n`` canonical user profiles, the sample's users, the sample's labels)."""
    from follower_kit.sources.sample import generate

    a = generate()
    users = a.users
    labels = a.truth.set_index("follower_id").loc[users["id"], "is_bot"].to_numpy().astype(int)
    rng = np.random.default_rng(seed)
    rep = np.resize(np.arange(len(users)), n)
    copy = np.arange(n) // len(users)
    big = users.iloc[rep].reset_index(drop=True)
    big["id"] = pd.array((np.arange(n) + 10**15).astype(str), dtype="str")
    # one shift per copy keeps each copy's farms created together
    shift = pd.to_timedelta(rng.integers(0, 3 * 365 * 86400, copy.max() + 1)[copy], unit="s")
    big["created_at"] = (big["created_at"] - shift).astype(big["created_at"].dtype)
    for c in ("followers_count", "following_count", "tweet_count", "like_count"):
        scale = np.exp(rng.normal(0, 0.3, n))
        big[c] = pd.array(np.round(big[c].to_numpy(dtype=float, na_value=0) * scale),
                          dtype="Int64")
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    tag = letters[copy % 26].astype(object) + letters[(copy // 26) % 26].astype(object)
    # copies get a letters prefix (handle endings such as "name+8 digits" stay) and their own
    # bios, so bios repeat within a copy (farms, templates) as in the sample, not 200 times over
    big["username"] = pd.array(np.where(
        copy > 0, tag + big["username"].str.slice(0, 13).to_numpy(dtype=object),
        big["username"].to_numpy(dtype=object)), dtype="str")
    desc = big["description"].to_numpy(dtype=object)
    has = pd.notna(desc) & (copy > 0)
    desc[has] = desc[has] + " " + tag[has]
    big["description"] = pd.array(desc, dtype="str")
    return big, users, labels


def _run(method: str, n: int) -> dict:
    from follower_kit.analysis import bots as B
    from follower_kit.config import BOT_THRESHOLD

    big, users, labels = make_profiles(n)
    flag_at = BOT_THRESHOLD if method.startswith("score_bots") else 0.5
    model = None
    if method == "bot_classifier":
        model = B.BotClassifier().fit(users, labels)
    elif method == "botometer_lite_rf":
        model = B.botometer_lite_forest().fit(users, labels)
    start = time.perf_counter()
    if method == "score_bots+kinds+reasons":
        B.default_model()   # reading the shipped JSON is not scoring
        start = time.perf_counter()
        scores = B.score_bots(big, farms=False, reasons_above=BOT_THRESHOLD)["bot_score"]
        scores = scores.to_numpy()
    elif method == "score_bots+kinds+reasons+farms":
        B.default_model()
        start = time.perf_counter()
        scores = B.score_bots(big, reasons_above=BOT_THRESHOLD)["bot_score"].to_numpy()
    elif method == "default_score":
        scores = B.default_score(big, farms=False, n_reasons=0)["bot_score"].to_numpy()
    elif method == "default_score+farms+reasons":
        scores = B.default_score(big, reasons_above=0.5)["bot_score"].to_numpy()
    else:
        scores = model.predict_proba(big)[:, 1]
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "flagged": float(np.mean(scores >= flag_at))}


def run(quick: bool = False) -> list[dict]:
    rows = []
    for n in SIZES[:1] if quick else SIZES:
        for method in ("score_bots+kinds+reasons", "score_bots+kinds+reasons+farms",
                       "default_score",
                       "default_score+farms+reasons", "bot_classifier", "botometer_lite_rf"):
            _, peak_mb, result = measure(_run, method, n)
            rows.append({"profiles": n, "method": method, "seconds": round(result["seconds"], 2),
                         "profiles_per_s": int(n / result["seconds"]),
                         "peak_mb": round(peak_mb),
                         "share_scored_bot": round(result["flagged"], 3)})
    return rows
