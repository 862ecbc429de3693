"""What each choice of the topic segmenter buys on real tweets: NMI per language, one row per step.

TweetTopicXL single-label tweets (../shared/data/topics/tweettopicxl), k = the number of labels
for every row. Each row changes one setting of the row above it (``TopicSegmenter`` parameters,
so every step can be re-run by hand); the peers are measured in the same run. ``nmi`` is the fit
on all the tweets; ``nmi_sub`` the mean over four random 85% subsamples, which says whether a
difference is larger than the luck of one sample (on 281 and 350 tweets it often is not).

These are the data the settings were chosen on: in-sample figures, not a held-out test.
"""

from __future__ import annotations

import numpy as np

from benchmarks.bench_topics import tweettopic

STEPS = [
    ("words only (kit tokenizer, min_df 1)", dict(subwords=False, min_df=1)),
    ("+ char 2-4-grams, half the weight", dict(subwords=True, min_df=1, subword_weight=0.5)),
    ("+ min_df 2 (terms in one text dropped)", dict(subwords=True, subword_weight=0.5)),
    ("+ char n-grams 0.8 of the weight", dict(subword_weight=0.8)),
    ("+ char n-grams 0.95 of the weight (default)", dict()),
    ("char n-grams only", dict(subword_weight=1.0)),
]


# The char peer's usual settings (TfidfVectorizer analyzer, sublinear_tf, min_df), to show its
# spread: topic_eval.char_nmf is the row ("char_wb", True, 2).
PEER_VARIANTS = [(analyzer, sublinear, min_df) for analyzer in ("char", "char_wb")
                 for sublinear in (False, True) for min_df in (1, 2)]


def _char_variant(texts, k, analyzer, sublinear, min_df):
    from sklearn.feature_extraction.text import TfidfVectorizer

    from follower_kit.analysis.topic_eval import _nmf_clusters

    x = TfidfVectorizer(analyzer=analyzer, ngram_range=(2, 4), sublinear_tf=sublinear,
                        min_df=min_df).fit_transform(list(texts))
    return _nmf_clusters(x, k, 0)


def _nmi(labels, predicted) -> float:
    from follower_kit.analysis.topics import cluster_scores

    return cluster_scores(labels, predicted)["nmi"]


def _scores(fit, texts, labels, subsamples: int) -> dict:
    labels = np.asarray(labels)
    out = {"nmi": round(_nmi(labels, fit(texts)), 3)}
    if subsamples:
        rng = np.random.default_rng(0)
        subs = []
        for _ in range(subsamples):
            rows = np.sort(rng.choice(len(texts), int(0.85 * len(texts)), replace=False))
            subs.append(_nmi(labels[rows], fit([texts[i] for i in rows])))
        out["nmi_sub"] = round(float(np.mean(subs)), 3)
    return out


def run(quick: bool) -> list[dict]:
    from follower_kit.analysis.topic_eval import char_nmf, textbook_nmf
    from follower_kit.analysis.topics import TopicSegmenter

    subsamples = 0 if quick else 4
    rows = []
    for lang in ("en", "es"):
        data = tweettopic(lang)
        if data is None:
            rows.append({"lang": lang, "method": "(data absent)"})
            continue
        texts, labels = data
        k = len(set(labels))
        for name, peer in (("textbook word TF-IDF + NMF (peer)", textbook_nmf),
                           ("char 2-4-gram TF-IDF + NMF (peer)", char_nmf)):
            rows.append({"lang": lang, "method": name,
                         **_scores(lambda t, p=peer: p(t, k), texts, labels, subsamples)})
        for analyzer, sublinear, min_df in PEER_VARIANTS:
            name = (f"char peer variant: {analyzer}, sublinear_tf={sublinear}, "
                    f"min_df={min_df}")
            rows.append({"lang": lang, "method": name, **_scores(
                lambda t, v=(analyzer, sublinear, min_df): _char_variant(t, k, *v),
                texts, labels, subsamples)})
        for name, params in STEPS:
            def fit(t, params=params):
                return TopicSegmenter(k, min_segment_size=1, **params).fit(t).labels_

            rows.append({"lang": lang, "method": name, **_scores(fit, texts, labels, subsamples)})
    return rows
