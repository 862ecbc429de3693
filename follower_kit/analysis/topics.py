"""Audience segments: cluster followers by what they write about.

The pipeline, each step a function you can call on its own:

1. :func:`follower_documents` builds one document per follower from the bio and recent tweets
   (bios alone work too).
2. :func:`tokenize` / :class:`SocialVectorizer` turn social text into TF-IDF vectors: case folding,
   hashtags kept (``#python`` and ``python``), mentions kept as ``@name``, URLs reduced to their
   domain (``url_github.com``), emoji as tokens, numbers dropped, stop words of the common
   languages dropped, and scripts written without spaces (Chinese, Japanese, Thai, Lao, Khmer,
   Myanmar) cut into overlapping character bigrams, since a word tokenizer sees one huge "word" there.
   The work runs in Arrow compute kernels (RE2), not a Python loop per token, so millions of
   tweets vectorize in seconds.
3. :class:`TopicSegmenter` is a scikit-learn estimator: NMF on the TF-IDF matrix (MiniBatchNMF
   for large audiences), the number of segments chosen by stability when not given, a readable
   label per segment from its most distinctive terms and hashtags. Fit it on last month's audience
   and ``predict`` this month's new followers: the segments and their labels stay the same.
   Optional sentence embeddings (``embeddings=True``, extra ``[embeddings]``) cluster with
   k-means in embedding space while labels still come from the TF-IDF terms.
4. :meth:`TopicSegmenter.assign`, :func:`segment_summary`, :func:`representative_followers` and
   :func:`segment_drift` give the frames an analyst reads: who is where, how big, how reachy,
   how botty, how new, and how the segments moved between two months.

Everything here is pure: frames in, frames out, no disk or network (the optional embedding model
is read from an installed package with the hub switched offline). The steps live in their own
modules (:mod:`.tokenize`, :mod:`.vectorize`, :mod:`.segments`, :mod:`.topic_eval`,
:mod:`.embeddings`) and are re-exported here, so one import offers the whole pipeline.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.cluster import KMeans
from sklearn.decomposition import NMF, MiniBatchNMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from ..errors import FollowerKitError
from .embeddings import _embed, _embedding_weights, choose_model
# The steps around the segmenter live in their own modules; they are re-exported here so that
# ``from follower_kit.analysis import topics`` offers the whole pipeline in one namespace.
from .segments import (BOT_LABEL, UNASSIGNED, mark_bot_segments, representative_followers,
                       segment_drift, segment_summary)
from .tokenize import STOP_WORDS, _as_text_array, tokenize
from .topic_eval import char_nmf, cluster_scores, compare, textbook_nmf
from .vectorize import SocialVectorizer

log = logging.getLogger(__name__)

__all__ = [
    "BOT_LABEL",
    "UNASSIGNED",
    "GENERIC_WORDS",
    "STOP_WORDS",
    "SocialVectorizer",
    "TopicSegmenter",
    "char_nmf",
    "cluster_scores",
    "compare",
    "follower_documents",
    "mark_bot_segments",
    "representative_followers",
    "segment_drift",
    "segment_summary",
    "textbook_nmf",
    "tokenize",
]


# ---------------------------------------------------------------------------------------------
# Documents


def follower_documents(users: pd.DataFrame, tweets: pd.DataFrame | None = None, *,
                       max_tweets: int = 20, bio_weight: int = 2) -> pd.DataFrame:
    """One document per follower: the bio, then the most recent tweets.

    Parameters
    ----------
    users : DataFrame
        Canonical users frame (``id``, ``description``); one row per follower to segment.
    tweets : DataFrame, optional
        Canonical tweets frame (``author_id``, ``created_at``, ``text``). Tweets of authors not in
        ``users`` are ignored. Without it, documents are bios alone.
    max_tweets : int
        Keep at most this many of each follower's newest tweets.
    bio_weight : int
        Repeat the bio this many times: a bio is one line someone chose to describe themselves,
        twenty tweets are twenty passing remarks, and repeating it keeps it from being drowned.

    Returns
    -------
    DataFrame
        ``follower_id`` (str), ``text`` (str: bio and tweets joined by newlines, may be empty),
        ``n_tweets`` (int: tweets used), in the order of ``users``.
    """
    for col in ("id", "description"):
        if col not in users.columns:
            raise FollowerKitError(f"follower_documents: users frame lacks column {col!r}")
    ids = users["id"].astype("str").reset_index(drop=True)
    bios = users["description"].astype("str").fillna("").reset_index(drop=True)
    n_tweets = np.zeros(len(ids), dtype="int64")
    newline = pa.scalar("\n", pa.large_string())
    parts = [_as_text_array(bios)] * max(1, bio_weight)
    if tweets is not None and len(tweets) and max_tweets > 0:
        for col in ("author_id", "created_at", "text"):
            if col not in tweets.columns:
                raise FollowerKitError(f"follower_documents: tweets frame lacks column {col!r}")
        pos = pd.Index(ids).get_indexer(tweets["author_id"].astype("str"))
        when = tweets["created_at"].astype("int64").to_numpy()
        keep = np.flatnonzero(pos >= 0)
        # newest first within each follower, then the first max_tweets of each
        order = keep[np.lexsort((-when[keep], pos[keep]))]
        owner = pos[order]
        first = np.searchsorted(owner, owner, side="left")
        order = order[np.arange(len(order)) - first < max_tweets]
        counts = np.bincount(pos[order], minlength=len(ids))
        n_tweets = counts.astype("int64")
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype("int64")
        texts = _as_text_array(tweets["text"]).take(pa.array(order))
        parts.append(pc.binary_join(pa.LargeListArray.from_arrays(pa.array(offsets), texts),
                                    newline))
    text = parts[0]
    for extra in parts[1:]:
        text = pc.binary_join_element_wise(text, extra, newline)
    text = pc.utf8_trim(text, "\n")  # no empty lines for an empty bio or no tweets
    return pd.DataFrame({"follower_id": ids,
                         "text": pd.Series(text.cast(pa.string()).to_pandas(), dtype="str"),
                         "n_tweets": n_tweets})

# ---------------------------------------------------------------------------------------------
# Segments


def _memberships(w: np.ndarray) -> np.ndarray:
    """Rows scaled to sum to 1 (rows with no weight stay 0)."""
    total = w.sum(axis=1, keepdims=True)
    return np.divide(w, total, out=np.zeros_like(w, dtype=np.float64), where=total > 0)


def _top_terms(components: np.ndarray, names: np.ndarray, n: int) -> list[list[str]]:
    """Most distinctive terms per segment: weight in the segment times the share of the term's
    weight that this segment holds, so a term every segment uses ranks below one that is its own."""
    weights = components / np.maximum(components.sum(axis=1, keepdims=True), 1e-12)
    exclusivity = weights / np.maximum(weights.sum(axis=0, keepdims=True), 1e-12)
    score = weights * exclusivity
    out = []
    for row in score:
        order = np.argsort(-row, kind="stable")
        out.append([names[i] for i in order[: n * 3] if row[i] > 0])
    return out


def _spaceless_gram(term: str) -> bool:
    # a bigram of a script written without spaces (Thai U+0E00 and everything above it that
    # the tokenizer cuts: kana, CJK ideographs)
    return len(term) == 2 and all(ord(c) >= 0x0E00 for c in term)


# Words that say how someone feels or when, not what they write about: they may separate
# segments (they stay in the vectors) but name none, so labels skip them ("good, great" says
# nothing about a segment).
GENERIC_WORDS = frozenset("""
good great best better nice cool awesome amazing love loves loved loving lovely happy glad fun funny
like likes liked want wants need needs think know knew feel feeling going gonna got get gets
make made see seen say said says look looking come came go went thing things stuff lot lots
really actually literally pretty little big new old today tonight day days week weeks year years
time times night morning yesterday tomorrow now ago soon week weekend life world people person
guys guy man men woman women thanks thank please lol lmao omg yes yeah oh hey hi wow ok okay
bad right wrong real true way back still even much many first last long ever always never
every let lets day follow followers following account tweet tweets post posts official bio
bueno buena gracias hoy día dia años año vida gente mundo nuevo nueva bien mejor gran hacer
jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday
saturday sunday
""".split())
# Two-letter words name a segment only when they are known abbreviations; others are mostly
# fragments ("ca", "sh") or chat ("ig", "ur").
_SHORT_NAMES = frozenset("ai ml ux ui uk eu vr ar f1 tv pc".split())


def _label(terms: list[str], n_words: int = 3) -> str:
    """'python, rust, data · #devops': the top words, plus the top hashtag not already said.

    Generic words (:data:`GENERIC_WORDS`) and stop words never make a label. Overlapping
    bigrams of spaceless scripts are chained back into words ('マー' + 'ーケ' + 'ケテ' ->
    'マーケテ') so a Japanese segment reads as words, not as fragments."""
    words, tags, seen = [], [], set()
    for term in terms:
        bare = term.lstrip("#")
        if bare in GENERIC_WORDS or bare in STOP_WORDS or (
                len(bare) <= 2 and bare.isascii() and bare not in _SHORT_NAMES):
            continue
        if term.startswith("#"):
            if bare not in seen and len(tags) < 1:
                tags.append(term)
            seen.add(bare)
        elif term.startswith("url_") or term.startswith("@"):
            continue
        elif _spaceless_gram(term) and any(_spaceless_gram(w[-2:]) for w in words):
            for i, w in enumerate(words):
                if w[-1] == term[0] and _spaceless_gram(w[-2:]):
                    words[i] = w + term[1]
                    break
                if w[0] == term[1] and _spaceless_gram(w[:2]):
                    words[i] = term[0] + w
                    break
            else:
                if len(words) < n_words:
                    words.append(term)
        elif bare not in seen and len(words) < n_words:
            words.append(term)
            seen.add(bare)
    label = ", ".join(words)
    if tags and tags[0].lstrip("#") not in words:
        label = f"{label} · {tags[0]}" if label else tags[0]
    return label or "(no distinctive terms)"


def _anchors(k: int) -> np.ndarray:
    angles = np.pi / 2 - 2 * np.pi * np.arange(k) / max(k, 1)
    return np.column_stack([np.cos(angles), np.sin(angles)])


def _norm(v: np.ndarray) -> float:
    # not np.linalg.norm: its BLAS call stalls for milliseconds when the cores are contended
    return float(np.sqrt(np.square(v).sum()))


def _top_singular(x: sp.csr_matrix, k: int, random_state: int):
    """The k largest singular triplets of x, largest first, vectors as rows: (u, s, vt).

    Up to 1,000 documents, from the top eigenvectors of the small Gram matrix x x^T: exact and
    fast however many terms there are, where ARPACK (svds) can fail to converge (a few hundred
    short CJK texts that share few bigrams). Larger corpora use svds, and randomized SVD if
    ARPACK still does not converge."""
    from scipy.linalg import eigh
    from scipy.sparse.linalg import ArpackNoConvergence, svds

    n = x.shape[0]
    if n <= 1000:
        values, vectors = eigh((x @ x.T).toarray(), subset_by_index=[n - k, n - 1])
        top = np.argsort(-values, kind="stable")
        s = np.sqrt(np.clip(values[top], 0, None))
        u = vectors[:, top]
        vt = np.asarray(x.T @ u).T / np.where(s > 1e-12, s, np.inf)[:, None]
        return np.ascontiguousarray(u.T), s, vt
    try:
        v0 = np.random.default_rng(random_state).uniform(-1, 1, min(x.shape))
        u, s, vt = svds(x, k=k, v0=v0)
    except ArpackNoConvergence:
        from sklearn.utils.extmath import randomized_svd

        u, s, vt = randomized_svd(x, k, random_state=random_state)
    order = np.argsort(-s)
    return np.ascontiguousarray(u[:, order].T), s[order], vt[order]


def _nndsvd_start(x: sp.csr_matrix, k_max: int, random_state: int):
    """A function k -> (W, H): NNDSVDa starting points for every k from one truncated SVD.

    NNDSVD (Boutsidis and Gallopoulos, 2008) builds each factor pair from the positive or the
    negative part of a singular vector pair; its first k pairs do not depend on k, so one SVD with
    ``k_max`` components serves every candidate (zeros filled with the data mean: the "a")."""
    k_svd = max(1, min(k_max, min(x.shape) - 1))
    u, s, vt = _top_singular(x.astype(np.float64), k_svd, random_state)
    mean = float(x.sum() / (x.shape[0] * x.shape[1]))

    def start(k: int):
        w = np.zeros((k, x.shape[0]))
        h = np.zeros((k, x.shape[1]))
        w[0] = np.sqrt(s[0]) * np.abs(u[0])
        h[0] = np.sqrt(s[0]) * np.abs(vt[0])
        for j in range(1, min(k, k_svd)):
            a, b = u[j], vt[j]
            ap, an, bp, bn = np.maximum(a, 0), np.maximum(-a, 0), np.maximum(b, 0), np.maximum(-b, 0)
            pos = _norm(ap) * _norm(bp)
            neg = _norm(an) * _norm(bn)
            a, b, sigma = (ap, bp, pos) if pos >= neg else (an, bn, neg)
            scale = np.sqrt(s[j] * sigma)
            w[j] = scale * a / max(_norm(a), 1e-12)
            h[j] = scale * b / max(_norm(b), 1e-12)
        w[w == 0] = mean
        h[h == 0] = mean
        return np.ascontiguousarray(w.T, dtype=x.dtype), h.astype(x.dtype)

    return start


def _stability(x: sp.csr_matrix, k: int, start, *, runs: int, random_state: int) -> float:
    """Agreement (adjusted Rand) of NMF segmentations fitted on random 80% subsamples, scored on
    the documents both saw. A real structure comes back each time; an arbitrary split of one
    community into two, or a merge of two, comes out differently from sample to sample. Every
    run starts from the same NNDSVD point, so what varies is the data, not the luck of a start."""
    from sklearn.metrics import adjusted_rand_score

    rng = np.random.default_rng(random_state)
    n = x.shape[0]
    w0, h0 = start(k)
    fits = []
    for _ in range(runs):
        rows = np.sort(rng.choice(n, size=int(0.8 * n), replace=False))
        model = NMF(k, init="custom", max_iter=200, tol=1e-3)
        with warnings.catch_warnings():  # a rough fit is enough to compare partitions
            warnings.simplefilter("ignore", ConvergenceWarning)
            w = model.fit_transform(x[rows], W=w0[rows].copy(), H=h0.copy())
        fits.append((rows, w.argmax(axis=1)))
    scores = []
    for i in range(runs):
        for j in range(i + 1, runs):
            common, in_i, in_j = np.intersect1d(fits[i][0], fits[j][0], return_indices=True)
            scores.append(adjusted_rand_score(fits[i][1][in_i], fits[j][1][in_j]))
    return float(np.mean(scores))


def _require_ids(documents) -> None:
    if not isinstance(documents, pd.DataFrame) or "follower_id" not in documents.columns:
        raise FollowerKitError("expected a documents frame with follower_id and text columns "
                               "(see follower_documents)")


class TopicSegmenter(ClusterMixin, TransformerMixin, BaseEstimator):
    """Segment an audience by topic: TF-IDF over social text, then NMF (or k-means on embeddings).

    Fit on one month's followers, then ``predict``/``assign`` any later followers: segment
    numbers and labels are those learned at fit time, so months compare.

    Parameters
    ----------
    n_segments : int or "auto"
        Number of segments. ``"auto"`` picks it from ``candidates`` by stability (the segmentation
        that comes back the same when fitted on different subsamples).
    candidates : iterable of int
        Numbers of segments tried when ``n_segments="auto"``.
    solver : {"auto", "nmf", "minibatch"}
        ``"minibatch"`` uses MiniBatchNMF (constant memory, a pass over batches); ``"auto"``
        switches to it above ``minibatch_above`` documents.
    minibatch_above : int
        Audience size from which ``solver="auto"`` uses MiniBatchNMF.
    selection_sample : int
        Documents sampled to choose the number of segments (the fit itself uses all).
    min_segment_size : int
        Followers per segment, on average, at the least: an audience of n followers with text
        gets at most n // min_segment_size segments (at least one), whatever ``n_segments``
        asks, so a small audience is not cut into segments of a handful of people (91
        followers: at most 3). 0 or 1 lifts the bound (scoring against labels does).
    embeddings : bool
        Cluster sentence embeddings (the ``[embeddings]`` extra) with k-means instead of NMF on
        TF-IDF. Off by default: slower by orders of magnitude.
    embedding_model : str
        ``"auto"`` (all-MiniLM-L6-v2 when 80% of the texts are English, else the multilingual
        Universal Sentence Encoder), ``"minilm"``, ``"use-m3"``, or a local
        sentence-transformers model directory. See :mod:`~follower_kit.analysis.embeddings`.
    min_df, max_df, max_features, subwords, subword_weight
        Settings of the :class:`SocialVectorizer`.
    n_top_terms : int
        Terms kept per segment in ``segments_``.
    random_state : int
        Seed for subsampling and the solvers: same data, same segments.

    Attributes
    ----------
    vectorizer_ : SocialVectorizer
    n_segments_ : int
    components_ : ndarray (n_segments_, n_terms)
        Term weights per segment (NMF components, or mean TF-IDF per cluster with embeddings).
    cluster_centers_ : ndarray or None
        k-means centres in embedding space when ``embeddings=True``.
    embedding_model_ : str or None
        The embedding model used (``embedding_model`` with "auto" resolved).
    segments_ : DataFrame
        ``segment`` (int), ``label`` (str), ``top_terms`` (list of str), ``top_hashtags``
        (list of str), ``train_share`` (float: share of the fitted audience).
    stability_ : DataFrame or None
        ``n_segments``, ``stability`` for each candidate when chosen automatically.
    labels_ : ndarray
        Segment of each fitted document (-1: nothing to go on, e.g. an empty bio).
    """

    def __init__(self, n_segments="auto", *, candidates: Iterable[int] = range(3, 13),
                 solver: str = "auto", minibatch_above: int = 200_000,
                 selection_sample: int = 3000, min_segment_size: int = 25,
                 embeddings: bool = False, embedding_model: str = "auto", min_df="auto",
                 max_df: float = 0.5, max_features: int = 50_000, subwords="auto",
                 subword_weight: float = 0.95,
                 n_top_terms: int = 10, random_state: int = 0):
        self.n_segments = n_segments
        self.candidates = candidates
        self.solver = solver
        self.minibatch_above = minibatch_above
        self.selection_sample = selection_sample
        self.min_segment_size = min_segment_size
        self.embeddings = embeddings
        self.embedding_model = embedding_model
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.subwords = subwords
        self.subword_weight = subword_weight
        self.n_top_terms = n_top_terms
        self.random_state = random_state

    # -- fitting ---------------------------------------------------------------------------

    def _most_segments(self, x: sp.csr_matrix) -> int:
        """The most segments this audience can carry: one per ``min_segment_size`` documents
        with text (at least one)."""
        with_text = int((x.getnnz(axis=1) > 0).sum())
        if self.min_segment_size <= 1:
            return max(with_text, 1)
        return max(with_text // int(self.min_segment_size), 1)

    def _choose_k(self, x: sp.csr_matrix, most: int) -> tuple[int, pd.DataFrame | None]:
        rng = np.random.default_rng(self.random_state)
        rows = np.flatnonzero(x.getnnz(axis=1) > 0)
        if len(rows) > self.selection_sample:
            rows = np.sort(rng.choice(rows, self.selection_sample, replace=False))
        sample = x[rows]
        ks = [k for k in sorted(set(int(c) for c in self.candidates))
              if 2 <= k < len(rows) and k <= most]
        if not ks:
            chosen = max(1, min(most, len(rows) - 1, max(int(c) for c in self.candidates)))
            log.info("%d documents with text carry at most %d segments: %d segment(s), not "
                     "chosen by stability", len(rows), most, chosen)
            return chosen, None
        start = _nndsvd_start(sample, max(ks), self.random_state)
        scores = [_stability(sample, k, start, runs=5, random_state=self.random_state)
                  for k in ks]
        table = pd.DataFrame({"n_segments": ks, "stability": scores})
        # Fewest segments among the most stable: splitting a community in two is unstable, and
        # a finer split that is as stable as a coarser one (say, by language inside a topic)
        # is a refinement the user can ask for with n_segments.
        best = max(scores)
        chosen = min(k for k, s in zip(ks, scores) if s >= best - 0.001)
        log.info("stability by number of segments: %s -> %d",
                 dict(zip(ks, np.round(scores, 3))), chosen)
        return chosen, table

    def fit(self, X, y=None):
        """Learn vocabulary, number of segments, segments and their labels from documents ``X``
        (texts, or a frame with a ``text`` column such as :func:`follower_documents` returns)."""
        self._fit(X)
        return self

    def fit_assign(self, documents: pd.DataFrame) -> pd.DataFrame:
        """``fit(documents)`` then ``assign(documents)``, vectorizing the documents once."""
        _require_ids(documents)
        return self._frame(documents, *self._fit(documents))

    def _fit(self, X) -> tuple[np.ndarray, sp.csr_matrix]:
        if self.n_segments != "auto" and (not isinstance(self.n_segments, (int, np.integer))
                                          or self.n_segments < 1):
            raise FollowerKitError(f"TopicSegmenter: n_segments must be a number >= 1 or "
                                   f"'auto', got {self.n_segments!r}")
        if self.solver not in ("auto", "nmf", "minibatch"):
            raise FollowerKitError(f"TopicSegmenter: solver must be 'auto', 'nmf' or "
                                   f"'minibatch', got {self.solver!r}")
        texts = _as_text_array(X)
        self.vectorizer_ = SocialVectorizer(min_df=self.min_df, max_df=self.max_df,
                                            max_features=self.max_features,
                                            subwords=self.subwords,
                                            subword_weight=self.subword_weight)
        x = self.vectorizer_.fit_transform(texts)
        names = self.vectorizer_.get_feature_names_out()
        most = self._most_segments(x)
        if self.n_segments == "auto":
            self.n_segments_, self.stability_ = self._choose_k(x, most)
        else:
            self.n_segments_, self.stability_ = min(int(self.n_segments), most), None
            if self.n_segments_ < self.n_segments:
                log.warning("%d segments asked, but %d followers with text carry at most %d "
                            "(min_segment_size=%d): fitting %d", self.n_segments,
                            int((x.getnnz(axis=1) > 0).sum()), most, self.min_segment_size,
                            self.n_segments_)
        k = self.n_segments_
        self.cluster_centers_ = None
        self.embedding_model_ = None
        if self.embeddings:
            self.embedding_model_ = choose_model(texts, self.embedding_model)
            emb = _embed(texts, self.embedding_model_)
            km = KMeans(k, n_init=10, random_state=self.random_state).fit(emb)
            self.cluster_centers_ = km.cluster_centers_
            labels = km.labels_
            onehot = sp.csr_matrix((np.ones(len(labels)), (labels, np.arange(len(labels)))),
                                   shape=(k, len(labels)))
            sizes = np.maximum(np.bincount(labels, minlength=k), 1)[:, None]
            self.components_ = np.asarray((onehot @ x).todense()) / sizes
            self.labels_ = labels
            w = _embedding_weights(emb, self.cluster_centers_)
        else:
            solver = self.solver
            if solver == "auto":
                solver = "minibatch" if x.shape[0] > self.minibatch_above else "nmf"
            if solver == "minibatch":
                model = MiniBatchNMF(k, init="custom", batch_size=4096, max_iter=20,
                                     random_state=self.random_state)
            else:
                model = NMF(k, init="custom", max_iter=400, tol=1e-4,
                            random_state=self.random_state)
            w0, h0 = _nndsvd_start(x, k, self.random_state)(k)
            with warnings.catch_warnings():  # a stopped-early fit is still a usable fit
                warnings.simplefilter("ignore", ConvergenceWarning)
                # scikit-learn's error of a perfect fit can round below zero before its sqrt
                warnings.filterwarnings("ignore", "invalid value encountered in sqrt",
                                        RuntimeWarning)
                w = model.fit_transform(x, W=w0, H=h0)
            self.nmf_ = model
            self.components_ = model.components_
            self.labels_ = np.where(w.sum(axis=1) > 0, w.argmax(axis=1), -1)
        words = self.vectorizer_.n_words_  # labels speak in words, not character n-grams
        terms = _top_terms(self.components_[:, :words], names[:words], self.n_top_terms)
        labels = [_label(t) for t in terms]
        for i, lab in enumerate(labels):  # labels must tell segments apart
            if labels.count(lab) > 1:
                labels[i] = f"{lab} ({i})"
        share = np.bincount(self.labels_[self.labels_ >= 0], minlength=k) / max(len(texts), 1)
        self.segments_ = pd.DataFrame({
            "segment": np.arange(k),
            "label": pd.Series(labels, dtype="str"),
            "top_terms": [[t for t in ts if not t.startswith("#")][: self.n_top_terms]
                          for ts in terms],
            "top_hashtags": [[t for t in ts if t.startswith("#")][:5] for ts in terms],
            "train_share": share,
        })
        return w, x

    # -- applying --------------------------------------------------------------------------

    def _weights(self, X) -> tuple[np.ndarray, sp.csr_matrix]:
        check_is_fitted(self, "components_")
        texts = _as_text_array(X)
        x = self.vectorizer_.transform(texts)
        if self.embeddings:
            w = _embedding_weights(_embed(texts, self.embedding_model_), self.cluster_centers_)
        else:
            w = self.nmf_.transform(x)
        return w, x

    def transform(self, X) -> np.ndarray:
        """Segment memberships, shape (n_documents, n_segments_), rows summing to 1 (0 for a
        document with nothing to go on)."""
        return _memberships(self._weights(X)[0])

    def predict(self, X) -> np.ndarray:
        """The segment of each document (-1 when it has nothing to go on)."""
        w = self._weights(X)[0]
        return np.where(w.sum(axis=1) > 0, w.argmax(axis=1), -1)

    def fit_predict(self, X, y=None, **kwargs) -> np.ndarray:
        return self.fit(X).labels_

    def assign(self, documents: pd.DataFrame) -> pd.DataFrame:
        """Each follower's segment, membership, fit and place on the 2-D audience map.

        Parameters
        ----------
        documents : DataFrame
            ``follower_id`` and ``text``, as :func:`follower_documents` returns.

        Returns
        -------
        DataFrame
            ``follower_id`` (str), ``segment`` (int, -1 when the document holds no known term),
            ``label`` (str), ``membership`` (float: share of the follower's weight in that
            segment), ``explained`` (float 0..1: how much of the follower's TF-IDF vector the
            segments reconstruct; low values on new followers mean the segments are ageing),
            ``x``, ``y`` (float: the audience map, each segment anchored on a circle and each
            follower at the membership-weighted mean of the anchors, so mixed followers sit
            between their segments and the map of a later month uses the same layout).
        """
        _require_ids(documents)
        return self._frame(documents, *self._weights(documents))

    def _frame(self, documents: pd.DataFrame, w: np.ndarray, x: sp.csr_matrix) -> pd.DataFrame:
        member = _memberships(w)
        segment = np.where(w.sum(axis=1) > 0, w.argmax(axis=1), -1)
        # ||x - wH||^2 = |x|^2 - 2 w.(H x) + w (H H^T) w, without forming the dense wH
        h = self.components_
        coef = member if self.embeddings else w
        cross = (coef * np.asarray(x @ h.T)).sum(axis=1)
        resid_sq = (coef @ (h @ h.T) * coef).sum(axis=1)
        sq = np.asarray(x.multiply(x).sum(axis=1)).ravel()
        resid = sq - 2 * cross + resid_sq
        explained = np.where(sq > 0, np.clip(1 - resid / np.where(sq > 0, sq, 1), 0, 1), 0.0)
        xy = member @ _anchors(self.n_segments_)
        labels = self.segments_["label"].to_numpy(dtype=object)
        return pd.DataFrame({
            "follower_id": documents["follower_id"].astype("str").to_numpy(),
            "segment": segment.astype("int64"),
            "label": pd.Series(np.where(segment >= 0, labels[np.maximum(segment, 0)],
                                        UNASSIGNED), dtype="str"),
            "membership": member.max(axis=1) if len(member) else np.zeros(0),
            "explained": explained,
            "x": xy[:, 0],
            "y": xy[:, 1],
        })
