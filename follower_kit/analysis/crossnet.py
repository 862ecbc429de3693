"""One person, two networks: which followers of a client's X account also follow its Bluesky
account. Pure: two follower frames in, candidate pairs and an estimate out.

No network links accounts for us, so every match is a guess with a stated confidence, never an
assertion:

* ``link`` (0.95): one profile names the other (a bsky.app profile link or the Bluesky handle
  in the X bio or URL; an x.com / twitter.com link or ``@handle`` in the Bluesky bio or website).
* ``handle+bio`` (0.8): the X username is the first label of the Bluesky handle
  (``alice`` / ``alice.bsky.social``; ``_`` and ``-`` ignored, since Bluesky handles cannot hold
  ``_``) and the bios share at least half their words.
* ``name+bio`` (0.6): the same display name and bios sharing at least half their words.
* ``handle`` (0.4): the X username is the Bluesky handle's first label, nothing else agrees.

Each X follower and each Bluesky follower is paired at most once, with its best match.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .relations import profile_url

CONFIDENCE = {"link": 0.95, "handle+bio": 0.8, "name+bio": 0.6, "handle": 0.4}
_WORD = re.compile(r"[^\W_]{3,}", re.UNICODE)
_X_LINK = re.compile(r"(?:x|twitter)\.com/@?([A-Za-z0-9_]{1,50})", re.IGNORECASE)
_BSKY_LINK = re.compile(r"bsky\.app/profile/([A-Za-z0-9.:-]+)", re.IGNORECASE)


def _words(text) -> frozenset:
    return frozenset(w.lower() for w in _WORD.findall(text)) if isinstance(text, str) \
        else frozenset()


def _key(handle: str) -> str:
    """A handle without ``_`` and ``-``: X handles may hold ``_`` but no ``-``, Bluesky handles
    the reverse, so ``dan_smith`` on X and ``dan-smith.bsky.social`` are the same handle."""
    return handle.replace("_", "").replace("-", "")


def _similar(a: frozenset, b: frozenset) -> bool:
    return bool(a) and bool(b) and len(a & b) / min(len(a), len(b)) >= 0.5


def _text(frame: pd.DataFrame, *cols: str) -> pd.Series:
    parts = [frame[c].fillna("").astype(str) for c in cols if c in frame.columns]
    return (parts[0].str.cat(parts[1:], sep=" ") if parts else
            pd.Series("", index=frame.index))


def audience_overlap(x_followers: pd.DataFrame, bluesky_followers: pd.DataFrame
                     ) -> pd.DataFrame:
    """Followers who probably follow on both networks, each pair with how it was matched.

    Parameters
    ----------
    x_followers, bluesky_followers : DataFrame
        Canonical users frames of the two audiences (``id``, ``username``, ``name``,
        ``description``, ``url``).

    Returns
    -------
    DataFrame
        One row per matched pair, most confident first: ``x_id``, ``x_username``,
        ``bluesky_id``, ``bluesky_handle``, ``match`` (``link``, ``handle+bio``, ``name+bio``,
        ``handle``), ``confidence`` (:data:`CONFIDENCE`), and the two profile links ``x_url``
        (``https://x.com/...``) and ``bluesky_url`` (``https://bsky.app/profile/...``).
    """
    x = x_followers.reset_index(drop=True)
    b = bluesky_followers.reset_index(drop=True)
    cols = ["x_id", "x_username", "bluesky_id", "bluesky_handle", "match", "confidence",
            "x_url", "bluesky_url"]
    if x.empty or b.empty:
        return pd.DataFrame(columns=cols)
    x_user = x["username"].fillna("").astype(str).str.lower()
    b_handle = b["username"].fillna("").astype(str).str.lower()
    b_stem = b_handle.str.split(".").str[0]
    x_bio = [_words(t) for t in _text(x, "description")]
    b_bio = [_words(t) for t in _text(b, "description")]
    x_name = x["name"].fillna("").astype(str).str.strip().str.casefold() \
        if "name" in x else pd.Series("", index=x.index)
    b_name = b["name"].fillna("").astype(str).str.strip().str.casefold() \
        if "name" in b else pd.Series("", index=b.index)
    b_of_handle = {h: i for i, h in enumerate(b_handle) if h}
    b_of_id = {str(d): i for i, d in enumerate(b["id"])}
    x_of_user = {u: i for i, u in enumerate(x_user) if u}
    candidates: list[tuple[float, int, int, str]] = []
    # links, both ways
    for i, text in enumerate(_text(x, "description", "url")):
        for target in _BSKY_LINK.findall(text) + [h for h in text.lower().split()
                                                   if h.lstrip("@") in b_of_handle]:
            j = b_of_handle.get(target.lower().lstrip("@"), b_of_id.get(target))
            if j is not None:
                candidates.append((CONFIDENCE["link"], i, j, "link"))
    for j, text in enumerate(_text(b, "description", "url")):
        for user in _X_LINK.findall(text):
            i = x_of_user.get(user.lower())
            if i is not None:
                candidates.append((CONFIDENCE["link"], i, j, "link"))
    # the same handle, with or without a similar bio
    stems: dict[str, list[int]] = {}
    for j, stem in enumerate(b_stem):
        if _key(stem):
            stems.setdefault(_key(stem), []).append(j)
    for i, user in enumerate(x_user):
        for j in stems.get(_key(user), []) if user else []:
            kind = "handle+bio" if _similar(x_bio[i], b_bio[j]) else "handle"
            candidates.append((CONFIDENCE[kind], i, j, kind))
    # the same display name and a similar bio
    names: dict[str, list[int]] = {}
    for j, name in enumerate(b_name):
        if name:
            names.setdefault(name, []).append(j)
    for i, name in enumerate(x_name):
        for j in names.get(name, []) if name else []:
            if _similar(x_bio[i], b_bio[j]):
                candidates.append((CONFIDENCE["name+bio"], i, j, "name+bio"))
    rows, used_x, used_b = [], set(), set()
    for conf, i, j, kind in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if i in used_x or j in used_b:
            continue
        used_x.add(i)
        used_b.add(j)
        x_id, x_name, b_id, b_name = (str(x["id"].iloc[i]), x["username"].iloc[i],
                                      str(b["id"].iloc[j]), b["username"].iloc[j])
        rows.append((x_id, x_name, b_id, b_name, kind, conf, profile_url(x_id, x_name),
                     profile_url(b_id, b_name)))
    return pd.DataFrame(rows, columns=cols)


def overlap_estimate(pairs: pd.DataFrame, x_total: int, bluesky_total: int) -> dict:
    """How many people probably follow on both networks, as a range and an expectation.

    Returns
    -------
    dict
        ``pairs`` (candidate pairs), ``likely`` (pairs of confidence 0.8 or more: the low end),
        ``expected`` (the sum of confidences), ``by_match`` (pairs per kind), and the shares of
        each audience the expectation makes (``share_of_x``, ``share_of_bluesky``).
    """
    expected = float(pairs["confidence"].sum()) if len(pairs) else 0.0
    return {"pairs": len(pairs),
            "likely": int((pairs["confidence"] >= 0.8).sum()) if len(pairs) else 0,
            "expected": round(expected, 1),
            "by_match": pairs["match"].value_counts().to_dict() if len(pairs) else {},
            "share_of_x": expected / x_total if x_total else np.nan,
            "share_of_bluesky": expected / bluesky_total if bluesky_total else np.nan}


__all__ = ["CONFIDENCE", "audience_overlap", "overlap_estimate"]
