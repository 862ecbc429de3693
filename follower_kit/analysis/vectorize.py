"""TF-IDF over social text: :class:`SocialVectorizer`, the words and character n-grams of
:mod:`~follower_kit.analysis.tokenize` as one sparse matrix."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..errors import FollowerKitError
from .tokenize import _STOP_ARRAY, _subword_pairs, _token_arrays

__all__ = ["SocialVectorizer"]


def _df_bounds(df: np.ndarray, n: int, min_df, max_df, max_features: int) -> np.ndarray:
    """Indices of the terms inside the document-frequency bounds, most frequent first if capped."""
    if min_df == "auto":  # in two documents at least (any term of a handful); 1 in 20,000 on large
        min_df = max(2, n // 20_000) if n >= 20 else 1
    min_count = min_df if isinstance(min_df, (int, np.integer)) else math.ceil(min_df * n)
    max_count = max_df * n if isinstance(max_df, float) else max_df
    ok = np.flatnonzero((df >= min(min_count, n)) & (df <= max(max_count, 1)))
    if len(ok) > max_features:
        ok = np.sort(ok[np.argsort(-df[ok], kind="stable")[:max_features]])
    return ok


def _tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """1 + log(tf), times idf, rows scaled to unit length."""
    x = counts.astype(np.float32, copy=True)
    x.data = 1.0 + np.log(x.data)
    x = sp.csr_matrix(x @ sp.diags(idf.astype(np.float32)))
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags((1.0 / norms).astype(np.float32)) @ x)


def _encode(tokens: pa.Array, vocabulary: pa.Array | None):
    """Integer codes of tokens: a new vocabulary (fit) or positions in ``vocabulary`` (None where
    unknown, dropped; returns the mask of kept tokens)."""
    if vocabulary is None:
        encoded = pc.dictionary_encode(tokens)
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        return codes, encoded.dictionary, np.ones(len(codes), bool)
    codes = pc.index_in(tokens, value_set=vocabulary)
    known = pc.is_valid(codes).to_numpy(zero_copy_only=False)
    codes = codes.filter(pa.array(known)).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, vocabulary, known


def _matrix(rows: np.ndarray, cols: np.ndarray, shape) -> sp.csr_matrix:
    m = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=shape)
    m.sum_duplicates()
    return m


class SocialVectorizer(TransformerMixin, BaseEstimator):
    """TF-IDF over social-text tokens (see :func:`tokenize`), with document-frequency bounds.

    Two blocks of columns, each weighted 1 + log(tf) times idf and scaled to unit length: words
    (hashtags, mentions, URL domains, emoji, bigrams of spaceless scripts) and, for short
    documents, character 2-4-grams of the words (``subwords``), which let "vaccine" meet
    "vaccines" and "vacunación" meet "vacunas" when a tweet is all there is. The blocks share
    each row's unit length: ``subword_weight`` of its square goes to the character n-grams.

    Parameters
    ----------
    min_df : int, float or "auto"
        Drop terms in fewer documents than this (a count, or a fraction of documents).
        ``"auto"``: 2 (1 under 20 documents), or 1 in 20,000 documents on large audiences. A
        term in one document links it to no other, so it cannot shape a segment; dropping it
        bounds memory and keeps NMF fast where single documents hold many distinct terms (the
        bigrams of CJK text).
    max_df : float
        Drop terms in more than this fraction of documents (0.5: a term every other follower uses
        separates no one).
    max_features : int
        Keep the most frequent terms (by document frequency) up to this many, per block.
    subwords : bool or "auto"
        Add the character n-gram block. ``"auto"``: when the median document has fewer than 40
        tokens and the corpus fewer than 5 million, where they help and cost little; with a bio
        and 20 tweets per follower the words suffice.
    subword_weight : float
        Share (0..1) of each row's squared length given to the character n-gram block.
    """

    def __init__(self, min_df="auto", max_df: float = 0.5, max_features: int = 50_000,
                 subwords="auto", subword_weight: float = 0.95):
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.subwords = subwords
        self.subword_weight = subword_weight

    def fit(self, texts, y=None):
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts, y=None):
        return self._vectorize(texts, fit=True)

    def transform(self, texts):
        check_is_fitted(self, "vocabulary_")
        return self._vectorize(texts, fit=False)

    def _vectorize(self, texts, *, fit: bool) -> sp.csr_matrix:
        tokens, parents, n = _token_arrays(texts, stop_words=False)
        if fit and n == 0:
            raise FollowerKitError("SocialVectorizer: no documents to fit")
        stop = pc.is_in(tokens, value_set=_STOP_ARRAY).to_numpy(zero_copy_only=False)
        words = tokens.filter(pa.array(~stop))
        codes, vocab, known = _encode(words, None if fit else self.vocabulary_)
        counts = _matrix(parents[~stop][known], codes, (n, len(vocab)))
        if fit:
            df = np.bincount(counts.indices, minlength=counts.shape[1])
            ok = _df_bounds(df, n, self.min_df, self.max_df, self.max_features)
            if len(ok) == 0:
                raise FollowerKitError(
                    f"SocialVectorizer: no term lies within the document-frequency bounds "
                    f"(min_df={self.min_df!r}, max_df={self.max_df!r}) over {n} documents; "
                    f"lower min_df or raise max_df")
            self.vocabulary_ = vocab.take(pa.array(ok))
            self.idf_ = np.log((1 + n) / (1 + df[ok])) + 1
            self.n_documents_ = n
            counts = counts[:, ok]
            use_subwords = self.subwords
            if use_subwords == "auto":
                per_doc = np.bincount(parents, minlength=n)
                use_subwords = bool(np.median(per_doc) < 40 and len(tokens) < 5_000_000)
            self.subwords_ = bool(use_subwords)
        words = _tfidf(counts, self.idf_)
        if not self.subwords_:
            return words
        if not 0.0 <= self.subword_weight <= 1.0:
            raise FollowerKitError(f"SocialVectorizer: subword_weight must be between 0 and 1, "
                                   f"got {self.subword_weight!r}")
        grams = self._subword_block(tokens, parents, n, fit=fit)
        words.data *= np.float32(np.sqrt(1.0 - self.subword_weight))
        grams.data *= np.float32(np.sqrt(self.subword_weight))
        return sp.hstack([words, grams], format="csr")

    def _subword_block(self, tokens, parents, n, *, fit: bool) -> sp.csr_matrix:
        token_codes, distinct, _ = _encode(tokens, None)
        owners, grams = _subword_pairs(distinct)
        gram_codes, gram_vocab, known = _encode(grams, None if fit else self.subword_vocabulary_)
        word_grams = _matrix(owners[known], gram_codes, (len(distinct), len(gram_vocab)))
        counts = sp.csr_matrix(_matrix(parents, token_codes, (n, len(distinct))) @ word_grams)
        if fit:
            df = np.bincount(counts.indices, minlength=counts.shape[1])
            ok = _df_bounds(df, n, self.min_df, 0.95, self.max_features)
            self.subword_vocabulary_ = gram_vocab.take(pa.array(ok))
            self.subword_idf_ = np.log((1 + n) / (1 + df[ok])) + 1
            counts = counts[:, ok]
        return _tfidf(counts, self.subword_idf_)

    @property
    def n_words_(self) -> int:
        """Number of word columns (they come first; subword columns follow)."""
        return len(self.vocabulary_)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "vocabulary_")
        names = self.vocabulary_.to_pylist()
        if self.subwords_:
            names += [f"«{g}»" for g in self.subword_vocabulary_.to_pylist()]
        return np.asarray(names, dtype=object)

