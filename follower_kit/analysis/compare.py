"""Compare audiences: how the followers of several accounts overlap, pairwise and all together, who
follows only one of them, and their mixes (country, language, segment, bots) side by side.

The overlap is one pass: each follower gets a bit per account it follows (a GROUP BY in DuckDB over
the Arrow edges), and the counts per bit pattern are the UpSet plot's bars; pairs, the all-accounts
overlap and the unique followers are sums over those patterns. :func:`intersections_pandas` is the
same in plain pandas, the baseline the benchmark measures.

Pure functions: frames in, frames out, no I/O (DuckDB runs in memory).
"""

from __future__ import annotations

import itertools
import logging

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from .. import schema

log = logging.getLogger(__name__)


def _accounts(edges: pd.DataFrame, accounts) -> list[str]:
    present = list(dict.fromkeys(edges["account"].astype(str)))
    if accounts is None:
        return present
    return [str(a) for a in accounts]


def _from_masks(masks: pd.Series, accounts: list[str]) -> pd.DataFrame:
    """Per bit pattern counts -> the intersections frame."""
    masks = masks[masks.index > 0]
    rows = []
    for mask, n in masks.items():
        members = [a for i, a in enumerate(accounts) if int(mask) >> i & 1]
        rows.append({"accounts": tuple(members), "degree": len(members), "followers": int(n),
                     **{a: bool(int(mask) >> i & 1) for i, a in enumerate(accounts)}})
    out = pd.DataFrame(rows, columns=["accounts", "degree", "followers", *accounts])
    if len(out):
        out = out.sort_values(["followers", "degree"], ascending=[False, True],
                              kind="stable", ignore_index=True)
    out["followers"] = out["followers"].astype("int64")
    out["degree"] = out["degree"].astype("int64")
    return out


def intersections(edges: pd.DataFrame, accounts=None) -> pd.DataFrame:
    """Followers per exact combination of followed accounts (the bars of an UpSet plot).

    Parameters
    ----------
    edges : DataFrame or pyarrow.Table
        ``account`` (a label: handle or id) and ``follower_id``: one row per follow (duplicates
        are counted once).
    accounts : sequence of str, optional
        The accounts in order (default: in order of first appearance). At most 62.

    Returns
    -------
    DataFrame
        ``accounts`` (tuple of the accounts followed, in the given order), ``degree`` (how many),
        ``followers`` (how many follow exactly those), and one boolean column per account;
        largest combination first.
    """
    if isinstance(edges, pa.Table):
        table = edges.select(["account", "follower_id"])
        names = [str(a) for a in accounts] if accounts is not None else \
            [str(a) for a in table.column("account").unique().to_pylist()]
    else:
        table = pa.Table.from_pandas(edges[["account", "follower_id"]], preserve_index=False)
        names = _accounts(edges, accounts)
    if len(names) > 62:
        raise ValueError(f"compare takes at most 62 accounts at once, not {len(names)}")
    bits = pa.table({"account": pa.array(names, pa.string()),
                     "bit": pa.array([1 << i for i in range(len(names))], pa.int64())})
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar=false")
        con.register("edges", table)
        con.register("bits", bits)
        # one bit per account, OR-ed per follower; then followers per bit pattern
        counts = con.sql("""
            SELECT mask, count(*) AS n FROM (
                SELECT e.follower_id, bit_or(b.bit) AS mask
                FROM edges e JOIN bits b ON CAST(e.account AS VARCHAR) = b.account
                GROUP BY e.follower_id)
            GROUP BY mask""").df()
    finally:
        con.close()
    return _from_masks(counts.set_index("mask")["n"], names)


def intersections_pandas(edges: pd.DataFrame, accounts=None) -> pd.DataFrame:
    """:func:`intersections` in plain pandas (drop duplicates, group, sum bits, count): the same
    result, the benchmark's baseline."""
    names = _accounts(edges, accounts)
    bit = pd.Series([1 << i for i in range(len(names))], index=names)
    e = edges[["account", "follower_id"]].astype({"account": str}).drop_duplicates()
    e = e[e["account"].isin(names)]
    masks = e["account"].map(bit).groupby(e["follower_id"]).sum()
    return _from_masks(masks.value_counts(), names)


def overlap(inter: pd.DataFrame) -> dict:
    """Pairwise and all-accounts overlap and unique followers from :func:`intersections`.

    Returns
    -------
    dict
        ``accounts`` (list, in order), ``followers`` ({account: total}), ``pairs`` (list of
        {a, b, both, share_of_a, share_of_b, jaccard}), ``all`` ({followers, share_of_union}:
        following every account), ``union`` (following any), ``unique`` ({account: {followers,
        share}}: following that account only; share of its followers).
    """
    accounts = [c for c in inter.columns if c not in ("accounts", "degree", "followers")]
    n = inter["followers"].to_numpy()
    member = {a: inter[a].to_numpy(bool) for a in accounts}
    total = {a: int(n[member[a]].sum()) for a in accounts}
    union = int(n.sum())
    pairs = []
    for a, b in itertools.combinations(accounts, 2):
        both = int(n[member[a] & member[b]].sum())
        either = total[a] + total[b] - both
        pairs.append({"a": a, "b": b, "both": both,
                      "share_of_a": both / total[a] if total[a] else None,
                      "share_of_b": both / total[b] if total[b] else None,
                      "jaccard": both / either if either else None})
    every = np.logical_and.reduce([member[a] for a in accounts]) if accounts else np.array([])
    all_n = int(n[every].sum()) if len(every) else 0
    unique = {}
    for a in accounts:
        only = member[a] & (inter["degree"].to_numpy() == 1)
        k = int(n[only].sum())
        unique[a] = {"followers": k, "share": k / total[a] if total[a] else None}
    return {"accounts": accounts, "followers": total, "pairs": pairs,
            "all": {"followers": all_n, "share_of_union": all_n / union if union else None},
            "union": union, "unique": unique}


def pair_table(result: dict) -> pd.DataFrame:
    """The pairs of :func:`overlap` as a frame.

    Returns
    -------
    DataFrame
        ``a``, ``b``, ``both``, ``share_of_a``, ``share_of_b``, ``jaccard``; plus one row
        ``a="all"`` (every account) whose ``both`` follow them all.
    """
    rows = list(result["pairs"]) + [{"a": "all", "b": "", "both": result["all"]["followers"],
                                     "share_of_a": np.nan, "share_of_b": np.nan,
                                     "jaccard": result["all"]["share_of_union"]}]
    out = pd.DataFrame(rows, columns=["a", "b", "both", "share_of_a", "share_of_b", "jaccard"])
    return out.astype({"a": schema.STR, "b": schema.STR, "both": "int64",
                       "share_of_a": float, "share_of_b": float, "jaccard": float})


def mix(frames: dict[str, pd.DataFrame], column: str, *, top_n: int | None = 10,
        min_share: float = 0.005) -> pd.DataFrame:
    """A categorical mix (country, language, segment ...) of several audiences side by side.

    Parameters
    ----------
    frames : dict of account -> DataFrame
        Per account, one row per follower with ``column`` (missing counts as ``"unknown"``).
    column : str
    top_n : int, optional
        Keep the values among the ``top_n`` largest overall; fold the rest into ``"other"``.
    min_share : float
        Fold values below this share in every audience into ``"other"`` too.

    Returns
    -------
    DataFrame
        ``value`` and, per account, the share of its followers with that value (columns in the
        order of ``frames``); values by overall share, ``other`` and ``unknown`` last.
    """
    shares = {}
    for account, frame in frames.items():
        values = frame[column].astype(object).where(frame[column].notna(), "unknown")
        shares[account] = values.value_counts(normalize=True)
    table = pd.DataFrame(shares).fillna(0.0)
    overall = table.drop(index=["unknown"], errors="ignore").mean(axis=1)
    order = list(overall.index[np.lexsort((overall.index.astype(str), -overall.to_numpy()))])
    small = [v for v in order if (table.loc[v] < min_share).all()]
    keep = [v for v in order if v not in small][:top_n] if top_n is not None else \
        [v for v in order if v not in small]
    fold = [v for v in order if v not in keep]
    if fold:
        other = table.loc[fold].sum()
        table = pd.concat([table.drop(index=fold), other.to_frame("other").T])
        order = keep + ["other"]
    if "unknown" in table.index:
        order.append("unknown")
    table = table.loc[order]
    table.index.name = "value"
    out = table.reset_index()
    out["value"] = out["value"].astype(schema.STR)
    return out


def versus(result: dict, account: str | None = None) -> pd.DataFrame:
    """One account against each of the others in :func:`overlap`: the followers they share, and
    the other's followers who do not follow it (the people it could still reach).

    Parameters
    ----------
    result : dict
        :func:`overlap`.
    account : str, optional
        The account the others are set against (default: the first).

    Returns
    -------
    DataFrame
        One row per other account, in order: ``competitor``, ``followers`` (its followers),
        ``shared`` (following both), ``share_of_account`` (of ``account``'s followers),
        ``share_of_competitor`` (of its followers), ``exclusive`` (its followers who do not
        follow ``account``), ``jaccard``.
    """
    accounts = result["accounts"]
    account = accounts[0] if account is None else str(account)
    if account not in accounts:
        raise ValueError(f"{account!r} is not among the compared accounts {accounts}")
    rows = []
    for p in result["pairs"]:
        if account not in (p["a"], p["b"]):
            continue
        other = p["b"] if p["a"] == account else p["a"]
        mine, theirs = (p["share_of_a"], p["share_of_b"]) if p["a"] == account else \
            (p["share_of_b"], p["share_of_a"])
        rows.append({"competitor": other, "followers": result["followers"][other],
                     "shared": p["both"], "share_of_account": mine, "share_of_competitor": theirs,
                     "exclusive": result["followers"][other] - p["both"],
                     "jaccard": p["jaccard"]})
    out = pd.DataFrame(rows, columns=["competitor", "followers", "shared", "share_of_account",
                                      "share_of_competitor", "exclusive", "jaccard"])
    order = {a: i for i, a in enumerate(accounts)}
    out = out.iloc[np.argsort(out["competitor"].map(order).to_numpy(), kind="stable")]
    return out.reset_index(drop=True).astype({
        "competitor": schema.STR, "followers": "int64", "shared": "int64", "exclusive": "int64",
        "share_of_account": float, "share_of_competitor": float, "jaccard": float})


def shared_followers(followers: pd.DataFrame, others: dict, *,
                     top_n: int | None = 10) -> pd.DataFrame:
    """An account's followers who also follow other accounts, the most followed first: the
    names an agency reads when it asks who its client shares with the competitors.

    Parameters
    ----------
    followers : DataFrame
        The account's followers (``id``, ``username``, ``name``, ``followers_count``).
    others : dict of str -> iterable of str
        Per other account (its handle), the ids of its followers.
    top_n : int, optional

    Returns
    -------
    DataFrame
        ``follower_id``, ``username``, ``name``, ``followers_count``, ``also_follows`` (the other
        accounts, "@a, @b"), ``n_also_follows``; by how many they also follow, then followers,
        then id.
    """
    ids = followers["id"].astype(str).to_numpy()
    sets = {name: set(map(str, members)) for name, members in others.items()}
    also = [[name for name, members in sets.items() if i in members] for i in ids]
    n = np.array([len(a) for a in also], dtype="int64")
    reach = pd.to_numeric(followers.get("followers_count", pd.Series(0, index=followers.index)),
                          errors="coerce").fillna(0).to_numpy(float)
    out = pd.DataFrame({
        "follower_id": pd.Series(ids, dtype=schema.STR),
        "username": followers["username"].astype(schema.STR).to_numpy()
        if "username" in followers else pd.Series([None] * len(ids), dtype=schema.STR),
        "name": followers["name"].astype(schema.STR).to_numpy()
        if "name" in followers else pd.Series([None] * len(ids), dtype=schema.STR),
        "followers_count": pd.array(reach.astype("int64"), dtype=schema.COUNT),
        "also_follows": pd.Series([", ".join("@" + a for a in x) for x in also],
                                  dtype=schema.STR),
        "n_also_follows": n})
    keep = n > 0
    order = np.lexsort((ids[keep], -reach[keep], -n[keep]))
    out = out[keep].iloc[order].reset_index(drop=True)
    return out.head(top_n) if top_n is not None else out


__all__ = ["intersections", "intersections_pandas", "mix", "overlap", "pair_table",
           "shared_followers", "versus"]
