"""The follower factory from ids alone: estimated follow dates, bursts with a kind, and the words
that tie them to the month's spike.

Builds on :mod:`follower_kit.analysis.growth` (follow-date lower bounds, bursts in follow order)
and :mod:`follower_kit.analysis.account_age` (creation dates from ids when there is no profile),
so an archive imported without profiles still gets the chart.

Estimated follow dates
----------------------
Each follower followed no earlier than the lower bound (the latest creation date among it and
everyone who followed before it) and, when several snapshots are known, after the snapshot
before the one that first listed it and no later than that one. Between those bounds the
estimate interpolates linearly in follow order between the "record" followers whose own
creation date sets the bound (they can have followed right after creating their account) and
the snapshot at the end. The estimate is monotone in follow order and always within the bounds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema
from . import account_age, growth

_DAY = 86_400.0


def follower_factory(followers: pd.DataFrame, *, edges: pd.DataFrame | None = None,
                     table: pd.DataFrame | None = None, window: int = 20,
                     density: float = 10.0, min_size: int = 20) -> pd.DataFrame:
    """Follow order, account creation (given or estimated from the id), estimated follow date and
    burst membership for one snapshot: everything the follower-factory chart draws.

    Parameters
    ----------
    followers : DataFrame
        One snapshot (``Store.followers(account)``): an id column (``follower_id`` or ``id``),
        ``position`` (0 = newest), optionally ``created_at``, ``snapshot_at``, ``bot_score``.
    edges : DataFrame, optional
        Every snapshot of the account (``Store.follower_edges(account)``): when given, a
        follower first listed at a later snapshot followed between that snapshot and the one
        before, which narrows its follow date.
    table : DataFrame, optional
        An id -> date table for :func:`~follower_kit.analysis.account_age.estimate_created_at`.
    window, density, min_size
        Passed to :func:`~follower_kit.analysis.growth.label_bursts`.

    Returns
    -------
    DataFrame
        One row per follower, oldest follower first: the columns of
        :func:`~follower_kit.analysis.growth.label_bursts` (``follower_id``, ``position``,
        ``follow_order``, ``created_at``, ``follow_date_lower_bound``, ``sets_bound``,
        ``burst_id``, ``window_span_days``, and ``snapshot_at`` / ``bot_score`` when given)
        plus ``created_at_source`` (``profile``, ``snowflake``, ``interpolated`` or
        ``beyond_table``), ``first_seen_at`` (the first snapshot listing the follower; the
        snapshot itself without ``edges``), ``follow_date_upper_bound`` and
        ``follow_date_estimated`` (UTC).
    """
    filled = account_age.with_estimated_creation(followers, table=table)
    id_col = "follower_id" if "follower_id" in filled.columns else "id"
    bounds = growth.follow_date_bounds(filled, id=id_col)
    # follow_date_bounds orders by position, oldest first (stable): the same order here
    order = np.argsort(-filled["position"].to_numpy(dtype="int64"), kind="stable")
    labelled = growth.label_bursts(bounds, window=window, density=density, min_size=min_size)
    labelled["created_at_source"] = pd.Series(
        filled["created_at_source"].to_numpy()[order], dtype=schema.STR)
    snapshot = labelled["snapshot_at"].max() if "snapshot_at" in labelled.columns else \
        labelled["follow_date_lower_bound"].max()
    first_seen, snaps = _first_seen(labelled["follower_id"], edges, snapshot)
    labelled["first_seen_at"] = first_seen
    upper, before = _snapshot_bounds(_micros(first_seen), _micros(snaps))
    # fmax/fmin: an unknown (NaN) bound never overrides a known one
    lower = np.fmax(_micros(labelled["follow_date_lower_bound"]), before)
    lower = np.fmin(np.fmax.accumulate(lower), upper)
    labelled["follow_date_upper_bound"] = _from_micros(upper)
    labelled["follow_date_estimated"] = _from_micros(_interpolate(
        lower, upper, labelled["sets_bound"].to_numpy(dtype=bool), before))
    return labelled


def _micros(times) -> np.ndarray:
    values = pd.DatetimeIndex(pd.Series(times).astype(schema.TIME)).asi8.astype("float64")
    values[pd.Series(times).isna().to_numpy()] = np.nan
    return values


def _from_micros(values: np.ndarray) -> pd.Series:
    out = pd.Series(pd.to_datetime(values, unit="us", utc=True))
    return out.astype(schema.TIME)


def _first_seen(ids: pd.Series, edges: pd.DataFrame | None, snapshot) -> tuple[pd.Series,
                                                                                  pd.Series]:
    """First snapshot listing each follower (the snapshot itself without edges), and every
    snapshot time up to ``snapshot``, ascending."""
    at = pd.Series([snapshot] * len(ids), dtype=schema.TIME)
    if edges is None or edges.empty:
        return at, pd.Series([snapshot], dtype=schema.TIME)
    edges = edges[edges["snapshot_at"] <= snapshot]
    snaps = pd.Series(sorted(edges["snapshot_at"].unique()), dtype=schema.TIME)
    first = edges.groupby(edges["follower_id"].astype(str))["snapshot_at"].min()
    seen = pd.Series(first.reindex(ids.astype(str)).to_numpy()).astype(schema.TIME)
    return seen.fillna(pd.Timestamp(snapshot)), snaps


def _snapshot_bounds(seen: np.ndarray, snaps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per follower (in follow order), the snapshot that first listed its group and the one
    before it.

    Followers first listed by snapshot ``k`` should form one run in follow order. An account
    deactivated at one export and restored later breaks this: it reappears at its old place, so
    its own first snapshot is later than its follow. So each boundary is placed where the fewest
    followers disagree with it, and the few who do get their group's bounds.
    """
    n = len(seen)
    cut = np.zeros(len(snaps), dtype="int64")
    for k in range(1, len(snaps)):
        late = (seen >= snaps[k]).astype("int64")
        # disagreements when the boundary is before position b: late ones before b, early after
        cost = np.concatenate([[0], np.cumsum(late)]) + \
            (n - late.sum()) - np.concatenate([[0], np.cumsum(1 - late)])
        # on a tie the later boundary: a lone late-listed follower is a restored account
        cut[k] = max(len(cost) - 1 - int(np.argmin(cost[::-1])), cut[k - 1])
    group = np.searchsorted(cut[1:], np.arange(n), side="right") if len(snaps) > 1 \
        else np.zeros(n, dtype="int64")
    upper = snaps[group]
    before = np.where(group > 0, snaps[np.maximum(group - 1, 0)], np.nan)
    return upper, before


def _interpolate(lower: np.ndarray, upper: np.ndarray, records: np.ndarray,
                 before: np.ndarray) -> np.ndarray:
    """Linear in follow order between anchors: each record follower at its own creation date,
    the first follower listed by a later snapshot just after the snapshot before it, and the
    newest follower at its snapshot; then clipped into the bounds."""
    n = len(lower)
    if n == 0:
        return lower
    order = np.arange(n, dtype="float64")
    anchor = records & ~np.isnan(lower)
    starts = np.flatnonzero(np.concatenate([[False], upper[1:] != upper[:-1]]) & ~np.isnan(before))
    xs = np.concatenate([order[anchor], starts - 0.5, [n - 1]])
    ys = np.concatenate([lower[anchor], before[starts], [upper[-1]]])
    keep = ~np.isnan(ys)
    if not keep.any():
        return lower
    xs, ys = xs[keep], ys[keep]
    by_x = np.argsort(xs, kind="stable")
    xs, ys = xs[by_x], np.maximum.accumulate(ys[by_x])
    guess = np.interp(order, xs, ys)
    lo = np.where(np.isnan(lower), -np.inf, lower)
    hi = np.where(np.isnan(upper), np.inf, upper)
    return np.clip(guess, lo, hi)


def factory_bursts(factory: pd.DataFrame, *, bot_threshold: float = 0.5,
                   new_within_days: float = 90.0) -> pd.DataFrame:
    """One row per burst of the follower factory, with when it followed and what kind it is.

    Parameters
    ----------
    factory : DataFrame
        :func:`follower_factory`.
    bot_threshold : float
        With ``bot_score``, members at or above it count as likely bots.
    new_within_days : float
        Accounts followed within this many days of their creation are "brand-new".

    Returns
    -------
    DataFrame
        The columns of :func:`~follower_kit.analysis.growth.burst_summary` plus
        ``followed_from`` / ``followed_to`` (estimated follow dates of the oldest and newest
        member), ``created_days_before_follow`` (median days from account creation to follow),
        ``kind`` (``likely bought``: most members score as bots; ``brand-new accounts``: created
        shortly before they followed; ``created together`` otherwise) and ``label`` (a short
        phrase for the chart: size and kind).
    """
    summary = growth.burst_summary(factory, bot_threshold=bot_threshold)
    cols = list(summary.columns) + ["followed_from", "followed_to",
                                    "created_days_before_follow", "kind", "label"]
    if summary.empty:
        out = summary.copy()
        for c in ("followed_from", "followed_to"):
            out[c] = pd.Series([], dtype=schema.TIME)
        out["created_days_before_follow"] = pd.Series([], dtype="float64")
        out["kind"] = pd.Series([], dtype=schema.STR)
        out["label"] = pd.Series([], dtype=schema.STR)
        return out[cols]
    members = factory[factory["burst_id"].notna()]
    g = members.groupby(members["burst_id"].astype("int64"), sort=True)
    when = g["follow_date_estimated"]
    lag = ((members["follow_date_estimated"] - members["created_at"]).dt.total_seconds()
           / _DAY).groupby(members["burst_id"].astype("int64").to_numpy()).median()
    out = summary.set_index("burst_id")
    out["followed_from"] = when.min()
    out["followed_to"] = when.max()
    out["created_days_before_follow"] = lag
    kinds = []
    for bid, row in out.iterrows():
        if "bot_share" in out.columns and row["bot_share"] >= 0.5:
            kinds.append("likely bought")
        elif row["created_days_before_follow"] <= new_within_days:
            kinds.append("brand-new accounts")
        else:
            kinds.append("created together")
    out["kind"] = pd.Series(kinds, index=out.index, dtype=schema.STR)
    out["label"] = [f"{n:,} {k}, followed {_span(a, b)}"
                    for n, k, a, b in zip(out["followers"], out["kind"], out["followed_from"],
                                          out["followed_to"])]
    out["label"] = out["label"].astype(schema.STR)
    return out.reset_index()[cols]


def _span(a: pd.Timestamp, b: pd.Timestamp) -> str:
    if pd.isna(a) or pd.isna(b):
        return "at an unknown date"
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}-{b.day} {b:%b %Y}" if a.day != b.day else f"{b.day} {b:%b %Y}"
    return f"{a.day} {a:%b} - {b.day} {b:%b %Y}" if a.year == b.year else \
        f"{a:%d %b %Y} - {b:%d %b %Y}"


def burst_spike_sentence(factory: pd.DataFrame, bursts: pd.DataFrame, *,
                         new_ids=None, month: str | None = None) -> str:
    """Words that tie the month's new followers to the bursts of the follower factory.

    Parameters
    ----------
    factory : DataFrame
        :func:`follower_factory` (``follower_id`` and ``burst_id``).
    bursts : DataFrame
        :func:`factory_bursts`.
    new_ids : iterable of str, optional
        Ids of the month's new followers (``growth.follower_changes`` with ``change ==
        "new"``); without them the sentence describes the bursts only.
    month : str, optional
        How to name the month (``"October 2026"``); default "this month".

    Returns
    -------
    str
        One or two sentences, plain text.
    """
    month = month or "this month"
    if bursts.empty:
        return ("No burst of accounts created together shows among the followers: "
                "the follower factory looks organic.")
    total = int(bursts["followers"].sum())
    kinds = bursts.groupby("kind", sort=False)["followers"].sum()
    what = ", ".join(f"{int(n):,} {k}" for k, n in kinds.items())
    head = (f"{len(bursts)} burst{'s' * (len(bursts) != 1)} of accounts created within days "
            f"of each other hold{'s' * (len(bursts) == 1)} {total:,} followers ({what}).")
    if new_ids is None:
        return head
    new_ids = pd.Index(pd.Series(list(new_ids), dtype=object).astype(str))
    if len(new_ids) == 0:
        return f"{head} There were no new followers in {month}."
    member = factory[factory["burst_id"].notna()]
    in_month = member[member["follower_id"].astype(str).isin(new_ids)]
    if in_month.empty:
        return (f"{head} None of the {len(new_ids):,} new followers of {month} is in one: "
                f"the bursts came earlier.")
    n_bursts = in_month["burst_id"].nunique()
    share = len(in_month) / len(new_ids)
    verdict = ("most of the month's growth is not organic" if share >= 0.5 else
               "part of the month's growth is not organic")
    return (f"{head} {len(in_month):,} of the {len(new_ids):,} new followers of {month} "
            f"({share:.0%}) came in {n_bursts} of them: {verdict}.")


__all__ = ["burst_spike_sentence", "factory_bursts", "follower_factory"]
