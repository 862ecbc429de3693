"""Audience insight at scale: resolving profile locations, and the overlap of three audiences.

- locations: 10k, 100k and 1M profile locations drawn from the distinct real location strings of
  the public bot sets in ../shared/data (the sample's own strings when it is absent), five in six
  rewritten as profiles do (a lead such as "Based in ", a tail such as " | he/him", two places
  joined by " / ", upper or lower case), so most strings at 1M are distinct. follower-kit resolves each distinct string once
  through Arrow dictionary encoding; the peer is plain pandas, ``Series.map`` one row at a time.
  The gazetteer is built before timing (its build time is its own column).
- overlap: three accounts of 10k, 100k and 1M followers each, drawn from a pool so that they
  overlap; follower-kit's DuckDB GROUP BY of follower bits over the Arrow edges beside plain
  pandas (drop duplicates, map bits, group-sum, value counts), same result asserted.
Each size runs in one fresh process; both methods in the same process, so the ratio is from one
run.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.util import measure

SIZES = [10_000, 100_000, 1_000_000]


def _real_locations() -> list[str]:
    import os
    from pathlib import Path

    from follower_kit.sources.datasets import load_botrepo

    root = Path(os.environ.get("FOLLOWER_KIT_SHARED_DATA",
                               Path(__file__).resolve().parents[1].parent / "shared" / "data"))
    found = []
    for tsv in sorted((root / "bots").glob("*/*.tsv")):
        try:
            found += load_botrepo(tsv).users["location"].dropna().tolist()
        except Exception:  # noqa: BLE001 - a set in another format: skip it
            continue
    if not found:
        from follower_kit.sources.sample_text import LOCATION_TRUTH

        found = list(LOCATION_TRUTH)
    return sorted({s.strip() for s in found if s and s.strip()})


def location_series(size: int):
    """``size`` profile locations: real strings, most rewritten as profiles do."""
    import pandas as pd

    pool = np.asarray(_real_locations(), dtype=object)
    rng = np.random.default_rng(7)
    values = pool[rng.integers(0, len(pool), size)]
    # the long tail of real profiles: the same places written differently, two places at once
    variant = rng.integers(0, 6, size)
    lead = np.asarray(["📍 ", "Based in ", "near ", "Greater ", "✈️ "], dtype=object)
    tail = np.asarray([" 🇺🇸", ", USA", " 🌍", " | he/him", " (home)", " & beyond", " ✨",
                       ", Earth"], dtype=object)
    m = variant == 1
    values[m] = lead[rng.integers(0, len(lead), m.sum())] + values[m]
    m = variant == 2
    values[m] = values[m] + tail[rng.integers(0, len(tail), m.sum())]
    m = variant == 3
    values[m] = values[m] + " / " + pool[rng.integers(0, len(pool), m.sum())]
    m = variant == 4
    values[m] = np.asarray([v.upper() if i % 2 else v.lower() for i, v in
                            enumerate(values[m])], dtype=object)
    return pd.Series(values, dtype="str")


def _locations(size: int) -> dict:
    from follower_kit.analysis import geo

    series = location_series(size)
    t = time.perf_counter()
    geo.gazetteer()
    out = {"build_s": time.perf_counter() - t, "distinct": int(series.nunique())}
    geo.clear_caches()
    t = time.perf_counter()
    fast = geo.resolve_locations(series)
    out["arrow_s"] = time.perf_counter() - t
    geo.clear_caches()
    t = time.perf_counter()
    plain = geo.resolve_locations_pandas(series)
    out["pandas_s"] = time.perf_counter() - t
    assert fast["country"].fillna("").equals(plain["country"].fillna(""))
    out["resolved"] = float(fast["country"].notna().mean())
    return out


def _overlap(size: int) -> dict:
    import pandas as pd
    import pyarrow as pa

    from follower_kit.analysis.compare import intersections, intersections_pandas

    rng = np.random.default_rng(11)
    pool = int(size * 2.2)
    accounts, ids = [], []
    for name in ("a", "b", "c"):
        members = rng.choice(pool, size=size, replace=False)
        accounts.append(np.full(size, name, dtype=object))
        ids.append(members)
    ids = (np.concatenate(ids) + 10**17).astype(str)  # X-like 18-digit id strings
    table = pa.table({"account": pa.array(np.concatenate(accounts), pa.string()),
                      "follower_id": pa.array(ids, pa.string())})
    frame = table.to_pandas()
    t = time.perf_counter()
    fast = intersections(table, accounts=["a", "b", "c"])
    duck = time.perf_counter() - t
    t = time.perf_counter()
    plain = intersections_pandas(frame, accounts=["a", "b", "c"])
    panda = time.perf_counter() - t
    pd.testing.assert_frame_equal(fast, plain)
    return {"duckdb_s": duck, "pandas_s": panda, "all_three": int(fast.loc[
        fast["degree"] == 3, "followers"].sum())}


def run(quick: bool = False) -> list[dict]:
    rows = []
    for size in SIZES[:1] if quick else SIZES:
        _, peak, r = measure(_locations, size)
        rows.append({"task": "resolve locations", "rows": size, "distinct": r["distinct"],
                     "follower-kit s": round(r["arrow_s"], 2),
                     "pandas s": round(r["pandas_s"], 2),
                     "pandas/follower-kit": round(r["pandas_s"] / r["arrow_s"], 1),
                     "peer": "Series.map, row by row",
                     "note": f"gazetteer built in {r['build_s']:.1f} s first; "
                             f"{r['resolved']:.0%} get a country",
                     "peak MB": round(peak)})
        print(rows[-1], flush=True)
    for size in SIZES[:1] if quick else SIZES:
        _, peak, r = measure(_overlap, size)
        rows.append({"task": "overlap of 3 accounts", "rows": 3 * size, "distinct": "",
                     "follower-kit s": round(r["duckdb_s"], 2),
                     "pandas s": round(r["pandas_s"], 2),
                     "pandas/follower-kit": round(r["pandas_s"] / r["duckdb_s"], 1),
                     "peer": "groupby + value_counts",
                     "note": f"{size:,} followers each; {r['all_three']:,} follow all three",
                     "peak MB": round(peak)})
        print(rows[-1], flush=True)
    return rows
