"""What languages followers use: from the ``lang`` X detected on their tweets, and, for followers
without tweets, from their bio with an offline language identifier (py3langid: langid.py's model,
97 languages, shipped inside the package; nothing is downloaded).

Pure functions: frames in, frames out, no I/O (the model file is read once per process).
"""

from __future__ import annotations

import functools
import logging

import numpy as np
import pandas as pd

from .. import schema
from .segments import UNASSIGNED

log = logging.getLogger(__name__)

# X's own non-language codes: undetermined, no text, hashtags only, media only, ...
NOT_A_LANGUAGE = {"und", "zxx", "qam", "qct", "qht", "qme", "qst", "art", "mis", "mul"}
X_ALIASES = {"in": "id", "iw": "he", "ji": "yi", "zh-cn": "zh", "zh-tw": "zh"}  # old codes X sends
MIN_BIO_LETTERS = 12  # shorter bios ("hi", "💰 DM") say too little to tell a language
MIN_CONFIDENCE = 0.3  # py3langid's normalised probability over its 97 languages


@functools.lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    log.info("loading the py3langid language model")
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def bio_language(text) -> str | None:
    """The language of one bio (ISO 639-1), or None when it is too short or unclear."""
    if not isinstance(text, str) or sum(ch.isalpha() for ch in text) < MIN_BIO_LETTERS:
        return None
    lang, prob = _identifier().classify(text)
    return lang if prob >= MIN_CONFIDENCE else None


@functools.lru_cache(maxsize=512)
def language_name(code) -> str:
    """The English name of an ISO 639 code (``"pt"`` -> ``"Portuguese"``), from pycountry; the
    code itself when it names no language (``"other"``, ``"unknown"``)."""
    import pycountry

    code = str(code)
    found = None
    if code.isalpha() and len(code) in (2, 3):
        found = pycountry.languages.get(**{"alpha_2" if len(code) == 2 else "alpha_3": code})
    if found is None:
        return code
    # "Modern Greek (1453-)", "Spanish; Castilian": the first plain name reads best
    return str(found.name).split(" (")[0].split(";")[0]


def _normalise(codes: pd.Series) -> pd.Series:
    c = codes.astype(schema.STR).str.lower()
    c = c.where(~c.isin(NOT_A_LANGUAGE))
    return c.replace(X_ALIASES).str.split("-").str[0]


def follower_languages(followers: pd.DataFrame, tweets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each follower's main language.

    Parameters
    ----------
    followers : DataFrame
        ``id`` and, where known, ``description`` (the bio).
    tweets : DataFrame, optional
        The followers' tweets (``author_id``, ``lang``).

    Returns
    -------
    DataFrame
        One row per follower, in order: ``follower_id``, ``language`` (ISO 639-1; missing when
        unknown), ``source`` (``tweets``: the language most of their tweets are in, ties by
        code; ``bio``: identified from the bio; ``unknown``).
    """
    ids = followers["id"].astype(str).reset_index(drop=True)
    lang = pd.Series(np.nan, index=range(len(ids)), dtype=schema.STR)
    source = np.full(len(ids), "unknown", dtype=object)
    if tweets is not None and len(tweets):
        t = pd.DataFrame({"author_id": tweets["author_id"].astype(str).to_numpy(),
                          "language": _normalise(tweets["lang"]).to_numpy()}).dropna()
        t = t[t["author_id"].isin(ids)]
        counts = t.groupby(["author_id", "language"]).size().reset_index(name="n")
        counts = counts.sort_values(["author_id", "n", "language"], ascending=[True, False, True])
        top = counts.drop_duplicates("author_id").set_index("author_id")["language"]
        from_tweets = pd.Series(top.reindex(ids.to_numpy()).to_numpy(), dtype=schema.STR)
        has = from_tweets.notna().to_numpy()
        lang[has] = from_tweets[has]
        source[has] = "tweets"
    if "description" in followers.columns:
        need = lang.isna().to_numpy()
        bios = followers["description"].reset_index(drop=True)[need]
        uniq = pd.unique(bios.dropna())
        found = {b: bio_language(b) for b in uniq}
        guessed = pd.Series([found.get(b) if isinstance(b, str) else None for b in bios],
                            dtype=schema.STR)
        idx = np.flatnonzero(need)[guessed.notna().to_numpy()]
        lang[idx] = guessed.dropna().to_numpy()
        source[idx] = "bio"
    return pd.DataFrame({"follower_id": pd.Series(ids, dtype=schema.STR), "language": lang,
                         "source": pd.Series(source, dtype=schema.STR)})


def language_shares(langs: pd.DataFrame, segments: pd.DataFrame | None = None, *,
                    top_n: int | None = None) -> pd.DataFrame:
    """Followers per language, the unknown share stated; per segment too when given.

    Parameters
    ----------
    langs : DataFrame
        :func:`follower_languages`.
    segments : DataFrame, optional
        ``follower_id`` and ``label`` (the stored segments): shares are then per segment.
    top_n : int, optional
        Keep the ``top_n`` largest languages (per segment) and fold the rest into ``"other"``.

    Returns
    -------
    DataFrame
        ``segment`` (``"all"`` without segments), ``language`` (``"other"``, ``"unknown"`` last),
        ``language_name`` (:func:`language_name`), ``followers``, ``share`` (of the segment's
        followers).
    """
    frame = langs.assign(segment="all")
    if segments is not None:
        seg = segments.drop_duplicates("follower_id").set_index("follower_id")["label"]
        frame = frame.assign(segment=frame["follower_id"].map(seg).fillna(UNASSIGNED))
    rows = []
    for segment, part in frame.groupby("segment", sort=True):
        counts = part["language"].value_counts()
        counts = counts.iloc[np.lexsort((counts.index.to_numpy(dtype=str), -counts.to_numpy()))]
        items = [(k, int(v)) for k, v in counts.items()]
        if top_n is not None and len(items) > top_n:
            items = items[:top_n] + [("other", sum(v for _, v in items[top_n:]))]
        items.append(("unknown", int(part["language"].isna().sum())))
        rows += [(segment, k, v, v / len(part)) for k, v in items]
    out = pd.DataFrame(rows, columns=["segment", "language", "followers", "share"])
    out.insert(2, "language_name", [language_name(c) for c in out["language"]])
    return out.astype({"segment": schema.STR, "language": schema.STR,
                       "language_name": schema.STR, "followers": "int64", "share": float})


__all__ = ["bio_language", "follower_languages", "language_name", "language_shares"]
