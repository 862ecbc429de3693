"""Archive import: a zipped X archive's follower list -> the follower frame, time and peak memory.

follower-kit reads a data file one record at a time (the bounded reader behind the zip limits);
the peer is what most archive scripts do, and what the kit did before: inflate the member whole,
decode it, cut the ``window.YTD.follower.part0 =`` prefix and ``json.loads`` the rest. Both run in
a fresh process (``benchmarks.util.measure``), after their imports; both peaks include pandas
and pyarrow (about 180 MB here): this module imports the kit, and each child imports this module. The archives are generated with the record shape
of the real exports in ../shared/data/x-archive (143 bytes a follower).
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path

from benchmarks.util import measure
from follower_kit.sources.archive import read_archive  # imported before the clock starts

SIZES = [10_000, 100_000, 1_000_000]


def _archive(folder: Path, n: int) -> Path:
    path = folder / f"twitter-{n}.zip"
    manifest = {"userInfo": {"accountId": "3128746474", "userName": "bench"},
                "archiveInfo": {"generationDate": "2023-08-20T11:06:14.174Z"},
                "dataTypes": {"follower": {"files": [{"fileName": "data/follower.js",
                                                      "globalName": "YTD.follower.part0",
                                                      "count": str(n)}]}}}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("data/manifest.js", "window.__THAR_CONFIG = " + json.dumps(manifest))
        with z.open("data/follower.js", "w", force_zip64=True) as fh:
            fh.write(b"window.YTD.follower.part0 = [ ")
            for i in range(n):
                uid = 10**15 + i * 7919
                fh.write((", " if i else "") .encode() + json.dumps(
                    {"follower": {"accountId": str(uid), "userLink":
                                  f"https://twitter.com/intent/user?user_id={uid}"}},
                    indent=2).encode())
            fh.write(b" ]")
    return path


def kit(path: str) -> int:
    return len(read_archive(path).followers)


def whole_file(path: str) -> int:
    with zipfile.ZipFile(path) as z:
        text = z.read("data/follower.js").decode("utf-8")
    records = json.loads(text.split("=", 1)[1])
    return len({r["follower"]["accountId"]: None for r in records})


def run(quick: bool = False) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in SIZES[:1] if quick else SIZES:
            path = str(_archive(Path(tmp), n))
            t_kit, mb_kit, got = measure(kit, path)
            t_peer, mb_peer, want = measure(whole_file, path)
            assert got == want == n, (got, want, n)
            rows.append({"followers": n, "kit s": t_kit, "whole-file s": t_peer,
                         "time ratio": t_kit / t_peer, "kit peak MB": mb_kit,
                         "whole-file peak MB": mb_peer, "memory ratio": mb_kit / mb_peer})
    return rows
