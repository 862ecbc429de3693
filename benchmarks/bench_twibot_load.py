"""Loading a TwiBot-22 release (``user.json`` as one JSON array of X API v2 user objects, with
``label.csv``): ``datasets.load_labeled`` against pandas.

The full TwiBot-22 ``user.json`` holds about a million accounts; ``bots evaluate --test`` and
``bots train`` read such files. The kit reads the array one record at a time (the X archive
reader's streaming parser) and moves the accounts into frames every 10,000, so memory stays near
the size of the result; it also types, validates and names every bad id or date. The peer is
what a researcher writes first: ``pandas.read_json`` on the array, ``read_csv`` on the labels and
a merge (untyped, unvalidated: a lower bound for that approach). Files are synthesized: each
account a whole TwiBot-22-shaped v2 object with its own id, handle, counts and dates.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
from pathlib import Path

from benchmarks.util import measure

SIZES = [10_000, 100_000, 1_000_000]
REPEATS = {10_000: 3, 100_000: 3}     # 1M: one run


def record(i: int, rng: random.Random) -> dict:
    uid = 10**15 + i * 7919
    return {
        "created_at": f"20{rng.randint(8, 22):02d}-{rng.randint(1, 12):02d}-"
                      f"{rng.randint(1, 28):02d} 0{i % 10}:{i % 60:02d}:00+00:00",
        "description": f"Coffee, maps and #opendata {i}. Writing at @citylab https://t.co/abc",
        "entities": {"url": {"urls": [{"start": 0, "end": 23, "url": "https://t.co/x1",
                                       "expanded_url": f"https://example.org/{i}",
                                       "display_url": "example.org"}]},
                     "description": {"hashtags": [{"start": 17, "end": 26, "tag": "opendata"}]}},
        "id": f"u{uid}", "location": "Sydney", "name": f"Ada Maps {i}",
        "pinned_tweet_id": None if i % 3 else f"{uid * 5}.0",
        "profile_image_url": f"https://pbs.twimg.com/profile_images/{i}/a_normal.jpg",
        "protected": False,
        "public_metrics": {"followers_count": rng.randint(0, 10**5),
                           "following_count": rng.randint(0, 5000),
                           "tweet_count": rng.randint(0, 10**5),
                           "listed_count": rng.randint(0, 99)},
        "url": "https://t.co/x1", "username": f"ada_maps{i}", "verified": i % 50 == 0,
        "withheld": None}


def synthesize(n: int, folder: Path) -> Path:
    """Write ``n`` accounts as a TwiBot-22 release (15% bots) into ``folder``, once."""
    if (folder / "label.csv").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(n)
    with open(folder / "user.json.part", "w") as users, \
            open(folder / "label.part", "w") as labels:
        users.write("[")
        labels.write("id,label\n")
        for i in range(n):
            rec = record(i, rng)
            users.write(("," if i else "") + json.dumps(rec))
            labels.write(f"{rec['id']},{'bot' if rng.random() < 0.15 else 'human'}\n")
        users.write("]")
    os.replace(folder / "user.json.part", folder / "user.json")
    os.replace(folder / "label.part", folder / "label.csv")
    return folder


def kit(folder: str) -> int:
    from follower_kit.sources import datasets

    return len(datasets.load_labeled(folder).users)


def pandas_read_json(folder: str) -> int:
    import pandas as pd

    users = pd.read_json(Path(folder) / "user.json", orient="records", dtype=False)
    labels = pd.read_csv(Path(folder) / "label.csv", dtype=str)
    return len(users.merge(labels, on="id"))


def run(quick: bool = False) -> list[dict]:
    cache = Path(tempfile.gettempdir()) / "follower-kit-bench"
    rows = []
    for n in SIZES[:1] if quick else SIZES:
        folder = synthesize(n, cache / f"twibot-{n}")
        mb = os.path.getsize(folder / "user.json") / 1e6
        got = {}
        for name, func in (("follower-kit load_labeled", kit),
                           ("pandas read_json + merge", pandas_read_json)):
            runs = [measure(func, str(folder)) for _ in range(REPEATS.get(n, 1))]
            seconds, peak, count = min(runs, key=lambda r: r[0])
            got[name] = (seconds, peak)
            rows.append({"accounts": n, "user.json MB": round(mb), "method": name,
                         "seconds": round(seconds, 2), "peak MB": round(peak),
                         "accounts/s": round(count / seconds)})
        (ks, km), (ps, pm) = got["follower-kit load_labeled"], got["pandas read_json + merge"]
        rows.append({"accounts": n, "user.json MB": round(mb), "method": "kit / peer",
                     "seconds": round(ks / ps, 2), "peak MB": round(km / pm, 2)})
    return rows
