"""Follower growth: counts, new and lost followers, churn, retention, follow dates, bursts, activity.

Everything here is a pure function over canonical frames (see :mod:`follower_kit.schema`):

* the **follower edges** of one account, several snapshots in one frame (what
  ``Store.follower_edges(account)`` returns: ``snapshot_at``, ``follower_id``, ``position``);
* one snapshot's **followers with profiles** (what ``Store.followers(account)`` returns: ``id``,
  ``created_at``, ``position`` ...) for the follow-date estimates;
* the **tweets** of followers for the activity heatmap.

Set arithmetic over snapshots runs on integer codes in a snapshots x followers presence matrix, so
a million followers over a dozen snapshots takes seconds, not minutes.

Follow dates from a single pull
-------------------------------
X lists followers newest first and never says when someone followed. But nobody can follow before
their account exists, and everyone listed after (older than) a follower followed no later than that
follower. So the running maximum of account creation dates, counted from the oldest follower, is a
lower bound of each follow date (the method behind the New York Times' "Follower Factory" charts).
Plotting follow order against creation date shows it; runs of consecutive followers whose accounts
were all created within a narrow window, far narrower than the account's usual spread, are the
signature of bought followers (:func:`label_bursts`).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema
from ..errors import SchemaError

log = logging.getLogger(__name__)

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_SECONDS_PER_DAY = 86_400.0


# ---------------------------------------------------------------------------------------- edges
class _Presence:
    """Who is present at which snapshot: a boolean matrix (snapshots x distinct followers)."""

    def __init__(self, edges: pd.DataFrame, snapshots=None):
        _require(edges, ("snapshot_at", "follower_id"), "edges")
        if "account_id" in edges.columns and edges["account_id"].nunique() > 1:
            raise SchemaError(
                f"edges hold {edges['account_id'].nunique()} accounts; growth is computed per "
                f"account (filter on account_id, or use Store.follower_edges(account))",
                frame="followers", column="account_id")
        for column in ("snapshot_at", "follower_id"):
            if edges[column].isna().any():
                row = int(np.flatnonzero(edges[column].isna().to_numpy())[0])
                raise SchemaError(f"followers.{column} is required but row {row} is missing",
                                  frame="followers", column=column)
        snap_codes, snaps = pd.factorize(edges["snapshot_at"], sort=True)
        snaps = pd.DatetimeIndex(snaps).tz_convert("UTC").astype(schema.TIME)
        if snapshots is not None:
            # snapshots with no follower at all have no edge rows: take the times from the caller
            every = pd.DatetimeIndex(pd.to_datetime(pd.Series(snapshots), utc=True)).astype(
                schema.TIME)
            missing = snaps.difference(every)
            if len(missing):
                raise SchemaError(f"edges hold snapshot(s) {list(missing.astype(str))} that are "
                                  f"not in `snapshots`", frame="followers", column="snapshot_at")
            every = every.unique().sort_values()
            snap_codes = every.get_indexer(snaps)[snap_codes]
            snaps = every
        self.snapshots = snaps
        id_codes, self._id_rows = _id_codes(edges["follower_id"])
        self.edges = edges
        self.matrix = np.zeros((len(self.snapshots), len(self._id_rows)), dtype=bool)
        self.matrix[snap_codes, id_codes] = True
        self.counts = self.matrix.sum(axis=1).astype("int64")
        if len(snap_codes) and int(self.counts.sum()) != len(edges):
            raise SchemaError("edges repeat a follower within one snapshot; the canonical "
                              "followers frame has one row per (snapshot_at, follower_id)",
                              frame="followers", column="follower_id")
        self._id_codes = id_codes
        # rows of each snapshot: contiguous when the edges come sorted (as the store returns
        # them), else found with one stable sort
        codes = np.asarray(snap_codes, dtype="int64")
        self._order = None if (np.diff(codes) >= 0).all() else np.argsort(codes, kind="stable")
        sorted_codes = codes if self._order is None else codes[self._order]
        self._bounds = np.searchsorted(sorted_codes, np.arange(len(self.snapshots) + 1))
        self._position = edges["position"].to_numpy(dtype="int64") if "position" in \
            edges.columns else None

    def ids(self, codes: np.ndarray) -> pd.Series:
        # take from the Arrow-backed column: converting it to a numpy object array first would
        # cost a second per million rows, per call
        taken = self.edges["follower_id"].astype(schema.STR).array.take(self._id_rows[codes])
        return pd.Series(taken, dtype=schema.STR).reset_index(drop=True)

    def positions(self, k: int, codes: np.ndarray) -> np.ndarray:
        """Position of followers ``codes`` in snapshot ``k`` (-1 where absent)."""
        if self._position is None:
            return np.full(len(codes), -1, dtype="int64")
        rows = np.arange(self._bounds[k], self._bounds[k + 1])
        if self._order is not None:
            rows = self._order[rows]
        lookup = np.full(self.matrix.shape[1], -1, dtype="int64")
        lookup[self._id_codes[rows]] = self._position[rows]
        return lookup[codes]


def _require(df: pd.DataFrame, columns, frame: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise SchemaError(f"{frame} frame lacks column(s) {missing}; it has {list(df.columns)}",
                          frame=frame, column=missing[0])


def _id_codes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes for follower ids and, per code, one row holding that id.

    Decimal id strings are parsed to integers first (10x faster than hashing strings); ids with
    leading zeros or other text fall back to hashing the strings.
    """
    arr = pa.array(ids.astype(schema.STR))
    try:
        if pc.any(pc.starts_with(arr, "0")).as_py():
            raise pa.ArrowInvalid("leading zeros")
        values = pc.cast(arr, pa.uint64()).to_numpy(zero_copy_only=False)
        codes, uniques = pd.factorize(values)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):
        codes, uniques = pd.factorize(ids)
    rows = np.empty(len(uniques), dtype="int64")
    rows[codes] = np.arange(len(codes))  # any row of each id will do: they hold the same id
    return codes.astype("int64"), rows


def follower_counts(edges: pd.DataFrame, *, snapshots=None,
                    departures: pd.DataFrame | None = None) -> pd.DataFrame:
    """Follower count per snapshot with the new and lost followers since the previous one.

    Parameters
    ----------
    edges : DataFrame
        The canonical followers frame of one account over several snapshots
        (``Store.follower_edges(account)``); needs ``snapshot_at`` and ``follower_id``.
    snapshots : sequence of timestamps, optional
        Every snapshot time (``Store.snapshots(account)["snapshot_at"]``). Only needed when a
        snapshot may hold no follower at all: such a snapshot has no rows in ``edges``.
    departures : DataFrame, optional
        Which lost followers are gone rather than unfollowed (``Store.departures(account)``:
        ``snapshot_at``, ``follower_id``, ``gone``; ``attrs["checked"]`` the snapshots
        checked, else those the frame names). Given, the counts gain ``unfollowed`` and
        ``gone``.

    Returns
    -------
    DataFrame
        One row per snapshot, oldest first: ``snapshot_at``, ``followers``, ``new`` (followers not
        in the previous snapshot), ``lost`` (followers of the previous snapshot no longer there),
        ``net`` (``new - lost``), ``churn_rate`` (``lost`` / previous ``followers``) and
        ``growth_rate`` (``net`` / previous ``followers``). The first snapshot has no previous one:
        its ``new``, ``lost``, ``net`` and rates are missing (``<NA>``). With ``departures``,
        ``unfollowed`` and ``gone`` (accounts deleted, deactivated or taken down) split
        ``lost``; both are missing where the snapshot's lost followers were not checked (X
        snapshots, older Bluesky ones), so ``lost`` means both there.
    """
    p = _Presence(edges, snapshots)
    return _counts(p, _gone_flags(p, departures))


def _counts(p: _Presence, gone_flags: dict | None = None) -> pd.DataFrame:
    m = p.matrix
    new = (m[1:] & ~m[:-1]).sum(axis=1)
    lost = (~m[1:] & m[:-1]).sum(axis=1)
    out = _counts_frame(p.snapshots, p.counts, new, lost)
    if gone_flags is not None:
        gone = [pd.NA] * len(out)
        for k, flags in gone_flags.items():
            if flags.notna().all():
                gone[k] = int(flags.sum())
        gone = pd.array(gone, dtype=schema.COUNT)
        at = out.columns.get_loc("lost") + 1
        out.insert(at, "unfollowed", out["lost"] - gone)
        out.insert(at + 1, "gone", gone)
    return out


def _checked(departures: pd.DataFrame) -> pd.DatetimeIndex:
    """The snapshots whose lost followers were checked (``attrs["checked"]``, else those the
    departures name)."""
    when = departures.attrs.get("checked")
    if when is None:
        when = departures["snapshot_at"].unique()
    return pd.DatetimeIndex(pd.to_datetime(pd.Series(list(when), dtype=object), utc=True))


def _gone_flags(p: _Presence, departures: pd.DataFrame | None) -> dict[int, pd.Series] | None:
    """For each snapshot ``k`` whose lost followers were checked, a boolean Series indexed by the
    ids lost at ``k``: True when the account is gone, False when it unfollowed, <NA> when the
    check names it not. None without ``departures``; snapshots not checked are left out."""
    if departures is None:
        return None
    checked = _checked(departures)
    when = pd.to_datetime(departures["snapshot_at"], utc=True)
    out = {}
    for k in range(1, len(p.snapshots)):
        if p.snapshots[k] not in checked:
            continue
        ids = p.ids(np.flatnonzero(~p.matrix[k] & p.matrix[k - 1])).to_numpy()
        record = departures[when == p.snapshots[k]]
        flags = dict(zip(record["follower_id"].astype(str), record["gone"].astype(bool)))
        out[k] = pd.Series([flags.get(i, pd.NA) for i in ids], index=ids, dtype=schema.BOOL)
    return out


def _counts_frame(snapshots, counts, new, lost) -> pd.DataFrame:
    counts = np.asarray(counts, dtype="int64")
    first = [pd.NA] if len(counts) else []
    new = pd.array(first + list(new), dtype=schema.COUNT)
    lost = pd.array(first + list(lost), dtype=schema.COUNT)
    previous = pd.array([pd.NA, *counts[:-1]] if len(counts) else [], dtype=schema.COUNT)
    net = new - lost
    with np.errstate(divide="ignore", invalid="ignore"):
        churn = (lost / previous).astype("Float64")
        growth = (net / previous).astype("Float64")
    return pd.DataFrame({
        "snapshot_at": pd.Series(snapshots, dtype=schema.TIME).reset_index(drop=True),
        "followers": counts,
        "new": new, "lost": lost, "net": net,
        "churn_rate": churn, "growth_rate": growth,
    })


def follower_changes(edges: pd.DataFrame, users: pd.DataFrame | None = None, *,
                     snapshots=None, departures: pd.DataFrame | None = None) -> pd.DataFrame:
    """Who followed and who left, snapshot by snapshot.

    A change seen at snapshot ``k`` happened between snapshot ``k-1`` and ``k``; it is assigned to
    the calendar month of snapshot ``k`` (column ``month``).

    Parameters
    ----------
    edges : DataFrame
        The canonical followers frame of one account over several snapshots.
    users : DataFrame, optional
        Profiles (canonical users frame, e.g. ``Store.users(account)``); when given, the latest
        profile of each follower adds ``username``, ``name``, ``followers_count`` and
        ``created_at``.
    snapshots : sequence of timestamps, optional
        Every snapshot time, as in :func:`follower_counts`.
    departures : DataFrame, optional
        As in :func:`follower_counts`: adds ``gone``.

    Returns
    -------
    DataFrame
        ``snapshot_at``, ``previous_snapshot_at``, ``month`` (first instant of the month, UTC),
        ``change`` ("new" or "lost"), ``follower_id``, ``position`` (in ``snapshot_at`` for new
        followers, in ``previous_snapshot_at`` for lost ones), with ``departures`` ``gone``
        (boolean: a lost follower's account deleted, deactivated or taken down, False when it
        unfollowed, <NA> when not checked and for new followers), then the profile columns if
        ``users`` was given. Ordered by snapshot, change (new first), position.
    """
    p = _Presence(edges, snapshots)
    return _changes(p, users, _gone_flags(p, departures))


def _changes(p: _Presence, users: pd.DataFrame | None = None,
             gone_flags: dict | None = None) -> pd.DataFrame:
    m = p.matrix
    snap_k, kinds, all_codes, all_pos = [], [], [], []
    for k in range(1, len(p.snapshots)):
        for change, mask, where in (("new", m[k] & ~m[k - 1], k), ("lost", ~m[k] & m[k - 1], k - 1)):
            codes = np.flatnonzero(mask)
            pos = p.positions(where, codes)
            order = np.argsort(pos, kind="stable")
            all_codes.append(codes[order])
            all_pos.append(pos[order])
            snap_k.append(np.full(len(codes), k))
            kinds.append(np.full(len(codes), change == "new"))
    cat = (lambda parts, dtype: np.concatenate(parts) if parts else np.zeros(0, dtype=dtype))
    k_all = cat(snap_k, "int64")
    is_new = cat(kinds, bool)
    out = pd.DataFrame({
        "snapshot_at": pd.Series(p.snapshots.take(k_all), dtype=schema.TIME),
        "previous_snapshot_at": pd.Series(p.snapshots.take(k_all - 1), dtype=schema.TIME),
        "change": pd.Series(np.where(is_new, "new", "lost"), dtype=schema.STR),
        "follower_id": p.ids(cat(all_codes, "int64")),
        "position": cat(all_pos, "int64"),
    })
    out.insert(2, "month", _month_start(out["snapshot_at"]))
    if gone_flags is not None:
        out["gone"] = pd.array([pd.NA] * len(out), dtype=schema.BOOL)
        for k, flags in gone_flags.items():
            rows = (out["snapshot_at"] == p.snapshots[k]) & (out["change"] == "lost")
            out.loc[rows, "gone"] = flags.reindex(out.loc[rows, "follower_id"].to_numpy()) \
                .to_numpy()
    if users is not None:
        out = out.merge(_latest_profiles(users), how="left", left_on="follower_id",
                        right_on="id").drop(columns="id")
    return out


#: How a lost follower left, in words (:func:`left_words`).
LEFT_WORDS = {True: "account gone", False: "unfollowed"}


def gone_between(ids, departures: pd.DataFrame, *, before, after) -> pd.Series:
    """Whether followers lost between two snapshots left with their account: each one's latest
    check in the snapshots after ``before`` up to ``after`` (``Store.departures``).

    Parameters
    ----------
    ids : sequence of str
        Followers at ``before`` and not at ``after``.
    departures : DataFrame
        ``snapshot_at``, ``follower_id``, ``gone`` (``Store.departures(account)``).
    before, after : time
        The two snapshots.

    Returns
    -------
    Series
        Boolean, one per id in order (index 0..n-1): True when the account is gone (deleted,
        deactivated, taken down), False when it unfollowed, <NA> when no check names it (X,
        Bluesky snapshots pulled before the check existed).
    """
    ids = pd.Series(list(ids), dtype=object).astype(str)
    when = pd.to_datetime(departures["snapshot_at"], utc=True)
    inside = departures[(when > pd.Timestamp(before)) & (when <= pd.Timestamp(after))]
    latest = inside.sort_values("snapshot_at", kind="stable").drop_duplicates(
        "follower_id", keep="last").set_index("follower_id")["gone"].astype(schema.BOOL)
    latest.index = latest.index.astype(str)
    return pd.Series(latest.reindex(ids.to_numpy()).to_numpy(), dtype=schema.BOOL)


def left_words(gone: pd.Series) -> pd.Series:
    """:func:`gone_between`'s flags as words: "account gone", "unfollowed", <NA> (unknown)."""
    return pd.Series([LEFT_WORDS[bool(g)] if not pd.isna(g) else pd.NA for g in gone],
                     index=gone.index, dtype=schema.STR)


def _month_start(times: pd.Series) -> pd.Series:
    t = times.dt.tz_convert("UTC")
    return (t.dt.tz_localize(None).dt.to_period("M").dt.start_time
            .dt.tz_localize("UTC").astype(schema.TIME))


def _latest_profiles(users: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in ("id", "username", "name", "followers_count", "created_at")
            if c in users.columns]
    u = users
    if "observed_at" in u.columns:
        u = u.sort_values("observed_at", kind="stable")
    return u.drop_duplicates("id", keep="last")[cols]


def monthly_growth(edges: pd.DataFrame, *, snapshots=None,
                   departures: pd.DataFrame | None = None) -> pd.DataFrame:
    """New and lost followers per calendar month.

    Changes are assigned to the month of the snapshot that first shows them (see
    :func:`follower_changes`). Months without a snapshot are left out rather than shown as zero:
    their changes appear in the next month that has one. ``edges`` and ``snapshots`` are as in
    :func:`follower_counts`.

    Returns
    -------
    DataFrame
        One row per month with at least one snapshot: ``month`` (first instant, UTC),
        ``snapshots``, ``last_snapshot_at`` (the month's last snapshot: the figures are as of
        then, which for an archive exported mid-month is not the month's end), ``followers`` (at
        that snapshot), ``new``, ``lost``, ``net``,
        ``churn_rate`` (``lost`` / followers at the last snapshot before the month). The first
        month's changes are missing unless it holds several snapshots. With ``departures``
        (as in :func:`follower_counts`), ``unfollowed`` and ``gone``: missing unless every
        snapshot of the month that lost followers had them checked.
    """
    p = _Presence(edges, snapshots)
    return _monthly(_counts(p, _gone_flags(p, departures)))


def _monthly(counts: pd.DataFrame) -> pd.DataFrame:
    counts = counts.copy()
    counts["month"] = _month_start(counts["snapshot_at"])
    g = counts.groupby("month", sort=True)
    out = pd.DataFrame({
        "snapshots": g.size().astype("int64"),
        "last_snapshot_at": g["snapshot_at"].max(),
        "followers": g["followers"].last().astype("int64"),
        "new": g["new"].sum(min_count=1).astype(schema.COUNT),
        "lost": g["lost"].sum(min_count=1).astype(schema.COUNT),
    }).reset_index()
    if "gone" in counts.columns:
        # known for a month only when every snapshot in it that lost followers was checked
        known = (counts["gone"].notna() | counts["lost"].isna()).groupby(counts["month"]).all()
        for col in ("unfollowed", "gone"):
            out[col] = g[col].sum(min_count=1).astype(schema.COUNT) \
                .where(known.to_numpy(), pd.NA).to_numpy()
            out[col] = out[col].astype(schema.COUNT)
    out["net"] = out["new"] - out["lost"]
    before = pd.array([pd.NA, *out["followers"].iloc[:-1]], dtype=schema.COUNT) if len(out) \
        else pd.array([], dtype=schema.COUNT)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["churn_rate"] = (out["lost"] / before).astype("Float64")
    out["month"] = out["month"].astype(schema.TIME)
    out["last_snapshot_at"] = out["last_snapshot_at"].astype(schema.TIME)
    return out


def retention(edges: pd.DataFrame, months=(1, 3, 6, 12), *, snapshots=None) -> pd.DataFrame:
    """How many new followers are still there N months later, cohort by cohort.

    A cohort is the set of followers new at one snapshot (the first snapshot has no cohort: nobody
    knows when its followers came). A cohort is checked at the first snapshot at least ``N``
    calendar months after its own.

    Parameters
    ----------
    edges : DataFrame
        The canonical followers frame of one account over several snapshots.
    months : iterable of int
        The horizons N.
    snapshots : sequence of timestamps, optional
        Every snapshot time, as in :func:`follower_counts`.

    Returns
    -------
    DataFrame
        One row per cohort and horizon: ``cohort_snapshot_at``, ``new_followers``, ``months``,
        ``checked_at`` (the snapshot used, ``NaT`` when none is late enough), ``retained``
        (cohort members present then) and ``retention_rate`` (``retained / new_followers``;
        missing when there is nothing to check).
    """
    return _retention(_Presence(edges, snapshots), months)


def _retention(p: _Presence, months) -> pd.DataFrame:
    m = p.matrix
    snaps = pd.DatetimeIndex(p.snapshots)
    rows = []
    for k in range(1, len(snaps)):
        cohort = m[k] & ~m[k - 1]
        size = int(cohort.sum())
        for n in months:
            due = snaps[k] + pd.DateOffset(months=int(n))
            j = int(snaps.searchsorted(due, side="left"))
            if j < len(snaps):
                kept = int((cohort & m[j]).sum())
                rows.append((snaps[k], size, int(n), snaps[j], kept,
                             kept / size if size else pd.NA))
            else:
                rows.append((snaps[k], size, int(n), pd.NaT, pd.NA, pd.NA))
    out = pd.DataFrame(rows, columns=["cohort_snapshot_at", "new_followers", "months",
                                      "checked_at", "retained", "retention_rate"])
    return out.astype({
        "cohort_snapshot_at": schema.TIME, "new_followers": "int64", "months": "int64",
        "checked_at": schema.TIME, "retained": schema.COUNT, "retention_rate": "Float64",
    })


def growth_tables(edges: pd.DataFrame, *, snapshots=None, users: pd.DataFrame | None = None,
                  months=(1, 3, 6, 12),
                  departures: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """All of the above in one pass over the edges (the presence matrix is built once);
    ``departures`` as in :func:`follower_counts`.

    Returns
    -------
    dict
        ``"counts"`` (:func:`follower_counts`), ``"changes"`` (:func:`follower_changes`),
        ``"monthly"`` (:func:`monthly_growth`) and ``"retention"`` (:func:`retention`), with the
        columns documented there.
    """
    p = _Presence(edges, snapshots)
    gone = _gone_flags(p, departures)   # once for both tables
    counts = _counts(p, gone)
    return {"counts": counts, "changes": _changes(p, users, gone),
            "monthly": _monthly(counts),
            "retention": _retention(p, months)}


# --------------------------------------------------------------------------------- follow dates
def follow_date_bounds(followers: pd.DataFrame, *, id: str | None = None,
                       position: str = "position", created_at: str = "created_at") -> pd.DataFrame:
    """Lower bounds of follow dates from a single follower list (the "Follower Factory" method).

    Parameters
    ----------
    followers : DataFrame
        One snapshot of followers with their profiles, e.g. ``Store.followers(account)``.
        An optional ``bot_score`` column (0..1) is carried along.
    id : str, optional
        The follower id column; default ``follower_id`` if present, else ``id``.
    position : str
        Follower order, 0 = newest (as X lists them).
    created_at : str
        Account creation time (UTC). Followers without one do not raise the bound.

    Returns
    -------
    DataFrame
        One row per follower, oldest follower first: ``follower_id``, ``position``,
        ``follow_order`` (0 = oldest follower), ``created_at``, ``follow_date_lower_bound`` (the
        latest creation date among this follower and all older ones; never later than the true
        follow date), ``sets_bound`` (True where this follower's own creation date is the bound:
        the "record" accounts whose dots trace the edge of the follower-factory chart), and
        ``snapshot_at`` / ``bot_score`` when present in the input.
    """
    id = id or ("follower_id" if "follower_id" in followers.columns else "id")
    _require(followers, (id, position, created_at), "followers")
    if "snapshot_at" in followers.columns and followers["snapshot_at"].nunique() > 1:
        raise SchemaError("follow_date_bounds needs one snapshot; the frame holds "
                          f"{followers['snapshot_at'].nunique()} (use Store.followers(account, at))",
                          frame="followers", column="snapshot_at")
    keep = [id, position, created_at] + [c for c in ("snapshot_at", "bot_score")
                                         if c in followers.columns and c not in (id, position)]
    order = np.argsort(-followers[position].to_numpy(dtype="int64"), kind="stable")
    df = followers[keep].take(order).reset_index(drop=True)
    created = pd.to_datetime(df[created_at], utc=True).astype(schema.TIME)
    # NaT is the smallest int64, so it never raises the running maximum, and bounds before the
    # first known creation date stay NaT
    filled = _micros(created)
    known = filled != _NAT
    bound = np.maximum.accumulate(filled) if len(filled) else filled
    out = pd.DataFrame({
        "follower_id": df[id].astype(schema.STR),
        "position": df[position].astype("int64"),
        "follow_order": np.arange(len(df), dtype="int64"),
        "created_at": created,
        "follow_date_lower_bound": _from_micros(bound),
        "sets_bound": known & (filled == bound),
    })
    if "snapshot_at" in df.columns:
        out["snapshot_at"] = pd.to_datetime(df["snapshot_at"], utc=True).astype(schema.TIME)
    if "bot_score" in df.columns:
        out["bot_score"] = df["bot_score"]
    return out


_NAT = np.iinfo("int64").min


def _micros(times: pd.Series) -> np.ndarray:
    """UTC times as int64 microseconds (NaT = the smallest int64), without a trip through
    Python Timestamp objects."""
    return pd.DatetimeIndex(pd.Series(times).astype(schema.TIME)).asi8.copy()


def _from_micros(values: np.ndarray) -> pd.Series:
    return pd.Series(pd.DatetimeIndex(values.astype("datetime64[us]")).tz_localize("UTC"),
                     dtype=schema.TIME)


def estimated_growth(bounds: pd.DataFrame, *, freq: str = "MS") -> pd.DataFrame:
    """An estimated follower curve from one snapshot: current followers by follow-date bound.

    Followers lost before the snapshot are not in it, and each follower is counted from the lower
    bound of its follow date, so the curve is an upper estimate of how many of today's followers
    were already there at each date.

    Parameters
    ----------
    bounds : DataFrame
        The output of :func:`follow_date_bounds`.
    freq : str
        A pandas frequency for the dates (default month starts, ``"D"`` for days).

    Returns
    -------
    DataFrame
        ``date`` (UTC) and ``followers_estimated`` (followers whose bound is on or before it);
        the last row is the snapshot time (or the last bound) with every follower counted.
    """
    b = bounds["follow_date_lower_bound"].dropna().sort_values()
    if b.empty:
        return pd.DataFrame({"date": pd.Series([], dtype=schema.TIME),
                             "followers_estimated": pd.Series([], dtype="int64")})
    end = bounds["snapshot_at"].max() if "snapshot_at" in bounds.columns else b.iloc[-1]
    grid = pd.date_range(b.iloc[0].floor("D"), end, freq=freq, tz="UTC")
    grid = grid.append(pd.DatetimeIndex([end])).unique().sort_values()
    counts = np.searchsorted(_micros(b).astype("datetime64[us]"),
                             grid.tz_convert(None).to_numpy(dtype="datetime64[us]"), side="right")
    counts = counts + int(bounds["follow_date_lower_bound"].isna().sum())
    return pd.DataFrame({"date": pd.Series(grid, dtype=schema.TIME),
                         "followers_estimated": counts.astype("int64")})


def label_bursts(bounds: pd.DataFrame, *, window: int = 20, density: float = 10.0,
                 max_span_days: float = 180.0, min_size: int = 20) -> pd.DataFrame:
    """Mark runs of consecutive followers whose accounts were created in a narrow window.

    Slide a window of ``window`` consecutive followers (in follow order) and measure the spread
    of their creation dates (15th to 85th percentile, so a few genuine followers mixed into a
    batch do not hide it). The account's baseline is the median spread over all windows. A window
    is dense when its spread is ``density`` times narrower than the baseline and at most
    ``max_span_days``. Overlapping dense windows merge into a run; the run's members are the
    followers inside it whose creation dates fall in the run's narrow band (the others are
    genuine followers who happened to follow in between); the run grows outward over in-band
    followers across gaps of a few out-of-band ones. Runs with fewer than ``min_size``
    members are dropped.

    Parameters
    ----------
    bounds : DataFrame
        The output of :func:`follow_date_bounds` (needs ``follow_order`` and ``created_at``).

    Returns
    -------
    DataFrame
        ``bounds`` (in follow order) with ``burst_id`` (Int64, 1, 2, ... oldest burst first;
        ``<NA>`` outside bursts) and ``window_span_days`` (creation-date spread of the window
        ending at that follower; NaN for the first ``window - 1`` followers).
    """
    _require(bounds, ("follow_order", "created_at"), "bounds")
    df = bounds.sort_values("follow_order", kind="stable").reset_index(drop=True)
    created = df["created_at"]
    known = created.notna().to_numpy()
    burst_id = np.full(len(df), -1, dtype="int64")
    span_full = np.full(len(df), np.nan)
    days = _micros(created[known]) / 1e6 / _SECONDS_PER_DAY
    if len(days) >= 2 * window:
        s = pd.Series(days)
        # actual order statistics (no interpolation), so a band edge is a real creation date
        lo = s.rolling(window).quantile(0.15, interpolation="lower").to_numpy()
        hi = s.rolling(window).quantile(0.85, interpolation="higher").to_numpy()
        span = hi - lo
        span_full[known] = span
        baseline = float(np.nanmedian(span))
        limit = min(baseline / density, max_span_days)
        dense = np.nan_to_num(span, nan=np.inf) <= limit
        ends = np.flatnonzero(dense)
        # A follower in a dense window belongs to the batch when its creation date lies in that
        # window's band, padded by half the typical dense spread. Bands are local, so a farm
        # whose accounts drift in creation date along the run is followed rather than cut; windows
        # much wider than the typical dense one (a genuine follower stretching them) are skipped.
        if len(ends):
            typical = float(np.median(span[ends]))
            ends = ends[span[ends] <= 2 * typical + 1.0]
            pad = max(typical / 2, 1.0)
        else:
            pad = 1.0
        band_lo, band_hi = lo[ends] - pad, hi[ends] + pad
        member = np.zeros(len(days), dtype=bool)
        if len(ends):
            idx = ends[:, None] - np.arange(window)[None, :]
            ok = (days[idx] >= band_lo[:, None]) & (days[idx] <= band_hi[:, None])
            member[idx[ok]] = True
        max_gap = max(2, window // 10)
        # the first and last few members of a batch sit in no dense window (a window needs most
        # of its followers in the band): walk outward with the band of the run's outer windows
        for first, last in ((0, -1), (-1, 1)):
            for run_start, run_stop in _runs(member):
                e = ends[(ends >= run_start) & (ends < run_stop + window)]
                if not len(e):
                    continue
                k = np.searchsorted(ends, e[first])
                in_band = (days >= band_lo[k]) & (days <= band_hi[k])
                edge = run_start if last == -1 else run_stop - 1
                _walk(member, in_band, edge, last, max_gap)
        labels = np.full(len(days), -1, dtype="int64")
        next_id = 1   # counted from 1: `ages show` prints "burst 1", as farms are numbered
        where = np.flatnonzero(member)
        if len(where):
            breaks = np.flatnonzero(np.diff(where) > max_gap + 1) + 1
            for group in np.split(where, breaks):
                if len(group) >= min_size:
                    labels[group] = next_id
                    next_id += 1
        burst_id[known] = labels
        log.debug("bursts: baseline spread %.0f days, limit %.1f days, %d bursts",
                  baseline, limit, next_id - 1)
    out = df.copy()
    out["burst_id"] = pd.array(np.where(burst_id >= 0, burst_id, 0), dtype=schema.COUNT)
    out.loc[burst_id < 0, "burst_id"] = pd.NA
    out["window_span_days"] = span_full
    return out


def _walk(member: np.ndarray, in_band: np.ndarray, i: int, step: int, max_gap: int) -> None:
    """Mark in-band followers from ``i`` outward (``step`` -1 or 1) until more than ``max_gap``
    followers in a row are outside the band."""
    gap = 0
    while 0 <= i + step < len(member) and gap <= max_gap:
        i += step
        if in_band[i]:
            member[i] = True
            gap = 0
        else:
            gap += 1


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) of each run of True."""
    padded = np.concatenate([[False], mask, [False]]).astype("int8")
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def burst_summary(labelled: pd.DataFrame, *, bot_threshold: float = 0.5) -> pd.DataFrame:
    """One row per burst found by :func:`label_bursts`.

    Returns
    -------
    DataFrame
        ``burst_id``, ``followers`` (members), ``first_position`` and ``last_position`` (newest
        and oldest member, 0 = newest follower), ``created_from``, ``created_to``,
        ``created_span_days``, ``density`` (the account's median window spread divided by the
        burst's), ``followed_after`` (the follow-date lower bound of the oldest member), and, when
        ``bot_score`` is present, ``mean_bot_score`` and ``bot_share`` (members scoring at least
        ``bot_threshold``).
    """
    cols = ["burst_id", "followers", "first_position", "last_position", "created_from",
            "created_to", "created_span_days", "density", "followed_after"]
    has_bots = "bot_score" in labelled.columns
    if has_bots:
        cols += ["mean_bot_score", "bot_share"]
    members = labelled[labelled["burst_id"].notna()]
    if members.empty:
        out = pd.DataFrame({c: [] for c in cols})
        return out.astype({"burst_id": "int64", "followers": "int64", "first_position": "int64",
                           "last_position": "int64", "created_from": schema.TIME,
                           "created_to": schema.TIME, "created_span_days": "float64",
                           "density": "float64", "followed_after": schema.TIME})
    baseline = float(np.nanmedian(labelled["window_span_days"]))
    g = members.groupby(members["burst_id"].astype("int64"), sort=True)
    out = pd.DataFrame({
        "followers": g.size().astype("int64"),
        "first_position": g["position"].min().astype("int64"),
        "last_position": g["position"].max().astype("int64"),
        "created_from": g["created_at"].min(),
        "created_to": g["created_at"].max(),
        "followed_after": g["follow_date_lower_bound"].min()
        if "follow_date_lower_bound" in members.columns else pd.NaT,
        "burst_spread": g["window_span_days"].median(),
    })
    out["created_span_days"] = (out["created_to"] - out["created_from"]).dt.total_seconds() \
        / _SECONDS_PER_DAY
    out["density"] = baseline / out["burst_spread"].clip(lower=1 / 24)
    if has_bots:
        scores = pd.to_numeric(members["bot_score"], errors="coerce")
        out["mean_bot_score"] = scores.groupby(g.ngroup().to_numpy()).mean().to_numpy()
        out["bot_share"] = (scores >= bot_threshold).groupby(g.ngroup().to_numpy()).mean() \
            .to_numpy()
    return out.reset_index()[cols]


def detect_bursts(followers: pd.DataFrame, *, window: int = 20, density: float = 10.0,
                  max_span_days: float = 180.0, min_size: int = 20) -> pd.DataFrame:
    """Bursts of likely bought followers in one snapshot: bounds, labels and summary in one call.

    Parameters
    ----------
    followers : DataFrame
        One snapshot with ``position`` and ``created_at`` (``Store.followers(account)``), with an
        optional ``bot_score`` column.

    Returns
    -------
    DataFrame
        The columns of :func:`burst_summary`.
    """
    labelled = label_bursts(follow_date_bounds(followers), window=window, density=density,
                            max_span_days=max_span_days, min_size=min_size)
    return burst_summary(labelled)


# ------------------------------------------------------------------------------------ activity
def activity_heatmap(tweets: pd.DataFrame, *, tz: str = "UTC", authors=None,
                     count: str = "authors") -> pd.DataFrame:
    """When followers post: an hour-of-week table in the account's time zone.

    Parameters
    ----------
    tweets : DataFrame
        Canonical tweets frame (``author_id``, ``created_at``).
    tz : str
        IANA time zone of the account, e.g. ``"Europe/Berlin"``.
    authors : iterable of str, optional
        Only count these authors (e.g. followers that are likely human).
    count : {"authors", "tweets"}
        ``"authors"`` counts distinct followers active in each hour (so one prolific poster does
        not dominate); ``"tweets"`` counts posts.

    Returns
    -------
    DataFrame
        7 rows (index ``weekday``: Mon..Sun) x 24 columns (``hour`` 0..23), int64 counts.
    """
    if count not in ("authors", "tweets"):
        raise ValueError(f"count must be 'authors' or 'tweets', not {count!r}")
    _require(tweets, ("author_id", "created_at"), "tweets")
    t = tweets
    if authors is not None:
        wanted = pa.array(pd.Series(list(authors), dtype=object).astype(schema.STR),
                          type=pa.string())
        t = t[pc.is_in(pa.array(t["author_id"].astype(schema.STR), type=pa.string()),
                       value_set=wanted).to_numpy(zero_copy_only=False).astype(bool)]
    local = pd.to_datetime(t["created_at"], utc=True).dt.tz_convert(tz)
    cell = (local.dt.day_of_week * 24 + local.dt.hour).to_numpy()
    if count == "authors":
        pairs = pd.DataFrame({"a": t["author_id"].to_numpy(), "c": cell}).drop_duplicates()
        cell = pairs["c"].to_numpy()
    grid = np.bincount(cell.astype("int64"), minlength=7 * 24).reshape(7, 24)
    out = pd.DataFrame(grid.astype("int64"), index=pd.Index(WEEKDAYS, name="weekday"),
                       columns=pd.RangeIndex(24, name="hour"))
    out.attrs["tz"] = tz
    out.attrs["count"] = count
    return out


def best_posting_hours(heatmap: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The ``n`` busiest hours of the week in an :func:`activity_heatmap`.

    Returns
    -------
    DataFrame
        ``weekday``, ``hour``, ``active`` (the cell's count) and ``share`` (of the week's total),
        busiest first (ties: earlier in the week first); only hours with someone active, so fewer
        than ``n`` rows (none without posts) when fewer hours have any.
    """
    long = heatmap.stack().rename("active").reset_index()
    long.columns = ["weekday", "hour", "active"]
    long = long[long["active"] > 0]  # an hour nobody posted in is no "best" hour
    total = long["active"].sum()
    long["share"] = long["active"] / total if total else 0.0
    long["weekday"] = long["weekday"].astype(schema.STR)
    return long.sort_values("active", ascending=False, kind="stable").head(n) \
        .reset_index(drop=True)


__all__ = [
    "activity_heatmap", "best_posting_hours", "burst_summary", "detect_bursts",
    "estimated_growth", "follow_date_bounds", "follower_changes", "follower_counts",
    "gone_between", "growth_tables", "left_words", "LEFT_WORDS",
    "label_bursts", "monthly_growth", "retention",
]
