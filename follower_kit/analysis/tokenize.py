"""Tokens of social text: the tokenizer every topic step shares.

Case folding (NFKC first for non-ASCII text), hashtags kept (``#python`` and ``python``), mentions
kept as ``@name``, URLs reduced to their domain (``url_github.com``), emoji as tokens, numbers and
stop words of the common languages dropped, contractions kept whole (``don't`` becomes ``dont``, a
stop word), and scripts written without spaces (Chinese, Japanese, Thai, Lao, Khmer, Myanmar) cut
into overlapping character bigrams, since a word tokenizer sees one huge "word" there. The work runs
in Arrow compute kernels (RE2) on whole columns, not a Python loop per token, so millions of tweets
tokenize in seconds.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from ..errors import FollowerKitError

__all__ = ["STOP_WORDS", "tokenize"]

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
al ai agli alla alle allo dei degli delle dello dal dalla dai nel nella nelle nei negli sul sulla
sui ci ne noi voi loro lui lei suo sua suoi sue mio mia tuo tua questo questa questi quello
quella è ho hai hanno abbiamo avete era essere fatto fare anche come cosa dove perché quando già
ancora solo tutto tutti tutte molto poi ora oggi sempre mai così dopo prima senza tra fra proprio
può possono potrebbe deve devono
rt amp via http https www url_t.co url_bit.ly im dont just like
dont doesnt didnt cant couldnt wont wouldnt isnt arent wasnt werent shouldnt havent hasnt hadnt
aint mustnt neednt ive youre theyre thats whats theres lets
"""
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | frozenset(_STOP_TEXT.split())

# Scripts written without spaces between words: cut into character bigrams.
_SPACELESS = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\x{30FC}"
_URL = r"(?:https?://|www\.)(?:www\.)?([^\s/?#]+)\S*"
_TOKEN_SEPARATOR = r"[^\p{L}\p{M}\p{N}_#@.\p{So}]+"
_CLITIC = r"'(?:s|re|ve|ll|d|m)\b"
_ASCII_PUNCTUATION = r"[^a-z0-9_#@.\s]+"  # separators of ASCII text other than whitespace


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
    # English contractions stay whole ("don't" -> "dont", a stop word) instead of leaving a
    # fragment "don"; clitics that only attach ('s, 're, 've, 'll, 'd, 'm) are dropped.
    quoted = pc.or_(pc.match_substring(t, "'"), pc.match_substring(t, "\u2019"))
    t = _on_rows(t, quoted, lambda a: pc.replace_substring_regex(
        pc.replace_substring_regex(pc.replace_substring(a, "\u2019", "'"), _CLITIC, ""),
        "n't\\b", "nt"))
    has_url = pc.or_(pc.match_substring(t, "http"), pc.match_substring(t, "www."))
    t = _on_rows(t, has_url, lambda a: pc.replace_substring_regex(a, _URL, r" url_\1 "))
    # Emoji, flags (a pair of regional indicators) and runs of spaceless scripts become tokens
    # of their own even when glued to words.
    t = _on_rows(t, foreign, lambda a: pc.replace_substring_regex(
        a, f"([\\x{{1F1E6}}-\\x{{1F1FF}}]{{2}}|\\p{{So}}|[{_SPACELESS}]+)", r" \1 "))
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
    (word index, gram). The bigrams of spaceless scripts are character n-grams already: they
    stand for themselves, so a CJK text weighs as much in this block as a Latin one (cutting them
    further would multiply the vocabulary for nothing). Hashtags, mentions, URLs and emoji get
    none."""
    letters = pc.match_substring_regex(words, r"^[\p{L}\p{M}]+$").to_numpy(zero_copy_only=False)
    spaceless = pc.match_substring_regex(words, f"^[{_SPACELESS}]").to_numpy(zero_copy_only=False)
    idx = np.flatnonzero(letters & ~spaceless)
    which, grams = _char_ngrams(words.take(pa.array(idx)), (2, 3, 4), pad=True, longest=24)
    as_is = np.flatnonzero(letters & spaceless)
    return (np.concatenate([idx[which], as_is]),
            pa.concat_arrays([grams, words.take(pa.array(as_is)).cast(pa.large_string())]))


_STOP_ARRAY = pa.array(sorted(STOP_WORDS), pa.large_string())


def tokenize(text: str) -> list[str]:
    """The tokens of one social text, as the vectorizer sees them (stop words dropped).

    Order carries no meaning in a bag of words: hashtag words and the bigrams of spaceless
    scripts come last.

    >>> tokenize("Loving #RustLang 🔥 thanks @ferris https://github.com/rust-lang 東京で 2026")
    ['loving', '#rustlang', '🔥', 'thanks', '@ferris', 'url_github.com', 'rustlang', '東京', '京で']
    """
    return _token_arrays([text])[0].to_pylist()

