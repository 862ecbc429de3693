"""When an account was created, estimated from its id alone; account ages; bursts of new accounts.

An X data archive lists followers by id only, and profiles cost money. But ids carry time:

* **Snowflake ids** (every account created since late 2015, ids of 15+ digits) hold their
  creation time: ``(id >> 22) + 1288834974657`` is the Unix time in milliseconds. The estimate
  is exact.
* **Sequential ids** (older accounts, up to about 4.4 billion) were handed out in order, so they
  rise with creation time. A monotone map fitted on public data sets that give both id and
  ``created_at`` turns an id into a date by linear interpolation between the map's knots.

:func:`fit_id_dates` fits the map (pure; ``follower-kit ages fit`` reads the public sets and
writes the table shipped as package data), :func:`evaluate_id_dates` measures its error leaving
one data set out, :func:`estimate_created_at` applies it, :func:`account_ages` adds ages and
:func:`creation_bursts` finds many followers whose accounts were created close together.
Everything is frames in, frames out; the one read is the packaged table (:func:`id_table`, once
per process), the way a function reads its own constants.
"""

from __future__ import annotations

import functools
import io
import logging
from importlib import resources

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema
from ..errors import SchemaError
from .growth import _runs

log = logging.getLogger(__name__)

#: Re-exported from :mod:`follower_kit.schema`, where the id formats live.
SNOWFLAKE_EPOCH_MS = schema.SNOWFLAKE_EPOCH_MS
#: Sequential ids stayed below ~4.4e9; a snowflake of an account created a few hours after the
#: snowflake epoch is already above 1e14, so this threshold separates the two cleanly.
SNOWFLAKE_MIN_ID = 10**14
TABLE_RESOURCE = "id_dates.csv"
METHODS = ("snowflake", "interpolated", "beyond_table")
_DAY = 86_400.0

#: Account-age bands, in days, for :func:`account_ages` (label, lower bound inclusive).
AGE_BANDS = (("under 30 days", 0), ("1-3 months", 30), ("3-12 months", 91),
             ("1-3 years", 365), ("3-10 years", 3 * 365), ("10+ years", 10 * 365))


def _id_numbers(ids) -> tuple[np.ndarray, np.ndarray]:
    """uint64 values of digit-only ids and a mask of which ids were valid (parsed in Arrow: a
    Python ``int()`` per id is the slow part otherwise)."""
    values = pd.Series(ids)
    if not isinstance(values.dtype, pd.StringDtype):
        values = values.astype(object).where(values.notna(), None).map(
            lambda v: v if v is None else str(v))
    arr = pa.array(values.astype(schema.STR).array, type=pa.string())
    arr = pc.utf8_trim_whitespace(arr)
    valid = pc.fill_null(pc.match_substring_regex(arr, r"^[0-9]{1,19}$"), False)
    numbers = np.zeros(len(arr), dtype="uint64")
    mask = valid.to_numpy(zero_copy_only=False).astype(bool)
    if mask.any():
        numbers[mask] = pc.cast(pc.filter(arr, valid), pa.uint64()).to_numpy()
    return numbers, mask


def _snowflake_micros(numbers: np.ndarray, snow: np.ndarray) -> np.ndarray:
    micros = np.full(len(numbers), np.iinfo("int64").min, dtype="int64")
    micros[snow] = ((numbers[snow] >> np.uint64(22)).astype("int64") + SNOWFLAKE_EPOCH_MS) * 1000
    return micros


def _times(micros: np.ndarray) -> pd.Series:
    return pd.Series(pd.DatetimeIndex(micros.astype("datetime64[us]")).tz_localize("UTC"),
                     dtype=schema.TIME)


def snowflake_time(ids: pd.Series) -> pd.Series:
    """Creation times held in snowflake ids (``NaT`` for ids below :data:`SNOWFLAKE_MIN_ID`).

    Parameters
    ----------
    ids : Series of str

    Returns
    -------
    Series
        UTC times, aligned with ``ids``.
    """
    numbers, valid = _id_numbers(ids)
    out = _times(_snowflake_micros(numbers, valid & (numbers >= SNOWFLAKE_MIN_ID)))
    out.index = pd.Series(ids).index
    return out


def fit_id_dates(pairs: pd.DataFrame, *, knots: int = 1000,
                 min_per_bin: int = 25) -> pd.DataFrame:
    """Fit the monotone map from sequential ids to creation times.

    Pairs are sorted by id and cut into bins of equal size (at least ``min_per_bin`` pairs, at
    most ``knots`` bins); each bin gives its median id and median creation time, which shrugs
    off the mislabeled dates some sets hold. An isotonic regression over the bin medians
    (weighted by bin size) makes the map non-decreasing.

    Parameters
    ----------
    pairs : DataFrame
        ``id`` (str) and ``created_at`` (UTC), e.g.
        :func:`follower_kit.sources.id_dates.read_id_date_pairs`. Snowflake ids are ignored
        (they need no map).
    knots : int
        The most rows the table gets.
    min_per_bin : int

    Returns
    -------
    DataFrame
        The table, ascending: ``id`` (str, the bin's median id) and ``created_at`` (UTC).

    Raises
    ------
    SchemaError
        When a column is missing or fewer than ``2 * min_per_bin`` sequential pairs remain.
    """
    from sklearn.isotonic import IsotonicRegression

    for col in ("id", "created_at"):
        if col not in pairs.columns:
            raise SchemaError(f"pairs lacks column {col!r} (needs id and created_at)",
                              frame="pairs", column=col)
    numbers, valid = _id_numbers(pairs["id"])
    created = pd.to_datetime(pairs["created_at"], utc=True)
    keep = valid & (numbers < SNOWFLAKE_MIN_ID) & created.notna().to_numpy()
    x = numbers[keep].astype("float64")   # sequential ids < 2**53: exact in float64
    y = pd.DatetimeIndex(created[keep]).as_unit("s").asi8.astype("float64")
    if len(x) < 2 * min_per_bin:
        raise SchemaError(f"fit_id_dates needs at least {2 * min_per_bin} sequential (id, "
                          f"created_at) pairs; got {len(x)}", frame="pairs", column="id")
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    n_bins = int(min(knots, len(x) // min_per_bin))
    bins = np.array_split(np.arange(len(x)), n_bins)
    bx = np.array([np.median(x[b]) for b in bins])
    by = np.array([np.median(y[b]) for b in bins])
    w = np.array([len(b) for b in bins], dtype=float)
    fitted = IsotonicRegression(increasing=True).fit(bx, by, sample_weight=w).predict(bx)
    ids = np.round(bx).astype("uint64")
    keep = np.concatenate([[True], np.diff(ids) > 0])   # strictly increasing ids
    return pd.DataFrame({
        "id": pd.Series([str(v) for v in ids[keep]], dtype=schema.STR),
        "created_at": pd.Series(pd.to_datetime(np.round(fitted[keep]), unit="s", utc=True),
                                dtype=schema.TIME),
    })


@functools.cache
def _packaged_table() -> pd.DataFrame:
    text = resources.files("follower_kit").joinpath("data", TABLE_RESOURCE).read_text("utf-8")
    return read_id_table(text)


def read_id_table(text: str) -> pd.DataFrame:
    """Parse the CSV text of an id -> date table (``id,created_at``, ISO times, ``#`` comments).

    Returns
    -------
    DataFrame
        ``id`` (str) and ``created_at`` (UTC).
    """
    df = pd.read_csv(io.StringIO(text), dtype=str, comment="#")
    return pd.DataFrame({"id": df["id"].astype(schema.STR),
                         "created_at": pd.to_datetime(df["created_at"], utc=True)
                         .astype(schema.TIME)})


def id_table_csv(table: pd.DataFrame, pairs: pd.DataFrame) -> str:
    """The CSV text of a fitted table, with a comment naming the sets it was fitted on.

    Parameters
    ----------
    table : DataFrame
        :func:`fit_id_dates`.
    pairs : DataFrame
        The pairs it was fitted on (``dataset`` column), for the provenance comment.

    Returns
    -------
    str
        ``# ...`` comment lines, then ``id,created_at`` rows (ISO UTC times, whole seconds).
    """
    sets = pairs["dataset"].value_counts().sort_index()
    lines = ["# id -> account creation time for sequential X ids (below 1e14); fitted by",
             "# `follower-kit ages fit ../shared/data/bots` on these public labeled sets:",
             *(f"#   {name}: {n} pairs" for name, n in sets.items()),
             "id,created_at"]
    lines += [f"{i},{t:%Y-%m-%dT%H:%M:%SZ}" for i, t in zip(table["id"], table["created_at"])]
    return "\n".join(lines) + "\n"


def id_table() -> pd.DataFrame:
    """The id -> creation time table shipped with the kit (fitted by ``follower-kit ages fit``).

    Returns
    -------
    DataFrame
        ``id`` (str) and ``created_at`` (UTC), ascending.
    """
    return _packaged_table().copy()


def estimate_created_at(ids, *, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Estimate each account's creation time from its id.

    Parameters
    ----------
    ids : Series or list of str
        Account ids (digits only; anything else gets no estimate).
    table : DataFrame, optional
        An id -> date table (:func:`fit_id_dates`); default the packaged one (:func:`id_table`).

    Returns
    -------
    DataFrame
        One row per input id, in input order: ``id``, ``created_at_estimated`` (UTC; ``NaT``
        for an id that is not digits) and ``method``: ``snowflake`` (exact, read from the id),
        ``interpolated`` (between two knots of the table) or ``beyond_table`` (a sequential id
        outside the table's range, given the nearest knot's date).
    """
    ids = pd.Series(ids).reset_index(drop=True) if isinstance(ids, pd.Series) \
        else pd.Series(list(ids), dtype=object)
    table = id_table() if table is None else table
    numbers, valid = _id_numbers(ids)
    snow = valid & (numbers >= SNOWFLAKE_MIN_ID)
    seq = valid & ~snow
    knot_x = table["id"].astype(str).map(int).to_numpy(dtype="float64")
    knot_y = pd.DatetimeIndex(table["created_at"]).as_unit("us").asi8.astype("float64")
    micros = _snowflake_micros(numbers, snow)
    if seq.any():
        micros[seq] = np.round(np.interp(numbers[seq].astype("float64"), knot_x, knot_y)) \
            .astype("int64")
    method = np.full(len(ids), None, dtype=object)
    method[snow] = "snowflake"
    method[seq] = "interpolated"
    method[seq & ((numbers < knot_x[0]) | (numbers > knot_x[-1]))] = "beyond_table"
    return pd.DataFrame({
        "id": ids.astype(schema.STR),
        "created_at_estimated": _times(micros),
        "method": pd.Series(method, dtype=schema.STR),
    })


def evaluate_id_dates(pairs: pd.DataFrame, *, knots: int = 1000) -> pd.DataFrame:
    """Measure the estimate's error on each data set, fitting on all the others.

    Parameters
    ----------
    pairs : DataFrame
        ``id``, ``created_at`` and ``dataset`` (one row per id, as
        :func:`~follower_kit.sources.id_dates.read_id_date_pairs` gives).

    Returns
    -------
    DataFrame
        One row per held-out set, then ``all`` (every held-out estimate pooled): ``dataset``,
        ``accounts``, ``snowflake`` and ``sequential`` (how many ids of each kind),
        ``median_abs_error_days`` (all ids), ``sequential_median_abs_error_days``,
        ``sequential_p90_abs_error_days``, ``snowflake_median_abs_error_days``,
        ``within_30_days`` (share of ids estimated within 30 days).
    """
    rows, pooled = [], []
    for name in sorted(pairs["dataset"].unique()):
        held = pairs[pairs["dataset"] == name]
        table = fit_id_dates(pairs[pairs["dataset"] != name], knots=knots)
        est = estimate_created_at(held["id"], table=table)
        err = (est["created_at_estimated"].to_numpy() - held["created_at"].to_numpy())
        days = pd.Series(err).dt.total_seconds().abs().to_numpy() / _DAY
        kind = est["method"].to_numpy()
        rows.append(_error_row(name, days, kind))
        pooled.append((days, kind))
    rows.append(_error_row("all", np.concatenate([d for d, _ in pooled]),
                           np.concatenate([k for _, k in pooled])))
    return pd.DataFrame(rows)


def _error_row(name: str, days: np.ndarray, kind: np.ndarray) -> dict:
    snow = kind == "snowflake"
    med = (lambda v: float(np.median(v)) if len(v) else float("nan"))
    return {"dataset": name, "accounts": len(days), "snowflake": int(snow.sum()),
            "sequential": int((~snow).sum()), "median_abs_error_days": med(days),
            "sequential_median_abs_error_days": med(days[~snow]),
            "sequential_p90_abs_error_days": float(np.percentile(days[~snow], 90))
            if (~snow).any() else float("nan"),
            "snowflake_median_abs_error_days": med(days[snow]),
            "within_30_days": float(np.mean(days <= 30)) if len(days) else float("nan")}


def with_estimated_creation(followers: pd.DataFrame, *, id: str | None = None,
                            table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Fill ``created_at`` from the id wherever the profile does not give it.

    Parameters
    ----------
    followers : DataFrame
        Followers with an id column (``follower_id`` or ``id``) and optionally ``created_at``
        (an archive without profiles has none).
    id : str, optional
        The id column; default ``follower_id`` when present, else ``id``.
    table : DataFrame, optional
        See :func:`estimate_created_at`.

    Returns
    -------
    DataFrame
        ``followers`` with ``created_at`` filled and ``created_at_source``: ``profile`` (as
        given), ``snowflake``, ``interpolated`` or ``beyond_table`` (estimated from the id).
    """
    id = id or ("follower_id" if "follower_id" in followers.columns else "id")
    if id not in followers.columns:
        raise SchemaError(f"followers lacks an id column ({id!r})", frame="followers", column=id)
    out = followers.copy()
    given = pd.to_datetime(out["created_at"], utc=True) if "created_at" in out.columns \
        else pd.Series(pd.NaT, index=out.index, dtype=schema.TIME)
    est = estimate_created_at(out[id], table=table)
    est.index = out.index
    missing = given.isna()
    out["created_at"] = given.astype(schema.TIME).where(~missing, est["created_at_estimated"])
    source = pd.Series("profile", index=out.index, dtype=object)
    source[missing] = est.loc[missing, "method"]
    out["created_at_source"] = source.astype(schema.STR)
    return out


def account_ages(followers: pd.DataFrame, *, at, id: str | None = None,
                 table: pd.DataFrame | None = None) -> pd.DataFrame:
    """How old each follower's account is at a date, and the audience by age band.

    Parameters
    ----------
    followers : DataFrame
        As for :func:`with_estimated_creation`.
    at : datetime-like
        The date the ages are measured at (the snapshot time, or the month's end).
    id : str, optional
    table : DataFrame, optional

    Returns
    -------
    DataFrame
        One row per age band of :data:`AGE_BANDS`, youngest first: ``age_band``,
        ``min_days``, ``followers``, ``share`` (of followers with a date), ``estimated`` (how
        many of them have a date from the id rather than a profile). ``attrs["ages"]`` holds the
        per-follower frame: the id column, ``created_at``, ``created_at_source``, ``age_days``.
    """
    filled = with_estimated_creation(followers, id=id, table=table)
    id = id or ("follower_id" if "follower_id" in followers.columns else "id")
    at = pd.Timestamp(at)
    at = at.tz_localize("UTC") if at.tzinfo is None else at.tz_convert("UTC")
    age = (at - filled["created_at"]).dt.total_seconds() / _DAY
    per = pd.DataFrame({id: filled[id], "created_at": filled["created_at"],
                        "created_at_source": filled["created_at_source"],
                        "age_days": age.clip(lower=0)})
    edges = [lo for _, lo in AGE_BANDS] + [np.inf]
    labels = [name for name, _ in AGE_BANDS]
    band = pd.cut(per["age_days"], edges, right=False, labels=labels)
    known = per["age_days"].notna()
    est = per["created_at_source"] != "profile"
    total = int(known.sum())
    out = pd.DataFrame({
        "age_band": labels,
        "min_days": [lo for _, lo in AGE_BANDS],
        "followers": [int((band == b).sum()) for b in labels],
        "estimated": [int(((band == b) & est).sum()) for b in labels],
    })
    out["share"] = out["followers"] / total if total else 0.0
    out = out[["age_band", "min_days", "followers", "share", "estimated"]]
    out.attrs["ages"] = per
    return out


def creation_bursts(followers: pd.DataFrame, *, at=None, days: float = 7.0,
                    min_size: int = 20, ratio: float = 5.0, new_within_days: float = 90.0,
                    id: str | None = None, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Many followers whose accounts were created close together: batches of made accounts.

    Creation dates (from profiles, else estimated from ids) are counted in bins of ``days``.
    A bin is a burst when it holds at least ``min_size`` followers and ``ratio`` times more than
    its neighbourhood usually does (the median of the 52 bins around it, at least 1). Adjacent
    burst bins merge. Works on an archive with ids only.

    Parameters
    ----------
    followers : DataFrame
        Followers with an id column and optionally ``created_at`` (see
        :func:`with_estimated_creation`).
    at : datetime-like, optional
        The snapshot time; a burst created within ``new_within_days`` before it is
        ``brand-new accounts``, otherwise ``created together``. Default: the latest
        ``snapshot_at`` in ``followers``, else the latest creation date.
    days, min_size, ratio, new_within_days : float, int, float, float

    Returns
    -------
    DataFrame
        One row per burst, oldest first: ``burst_id`` (1..), ``created_from``, ``created_to``,
        ``followers``, ``expected`` (followers a typical stretch of that length holds),
        ``ratio`` (followers / expected), ``kind`` (``brand-new accounts`` or
        ``created together``), ``estimated_share`` (share of members whose date comes from the
        id). ``attrs["members"]`` maps each member's id to its ``burst_id``.
    """
    filled = with_estimated_creation(followers, id=id, table=table)
    id = id or ("follower_id" if "follower_id" in followers.columns else "id")
    created = filled["created_at"].dropna()
    cols = ["burst_id", "created_from", "created_to", "followers", "expected", "ratio", "kind",
            "estimated_share"]
    empty = pd.DataFrame({c: [] for c in cols}).astype(
        {"burst_id": "int64", "created_from": schema.TIME, "created_to": schema.TIME,
         "followers": "int64", "expected": "float64", "ratio": "float64",
         "kind": schema.STR, "estimated_share": "float64"})
    empty.attrs["members"] = pd.DataFrame({id: pd.Series([], dtype=schema.STR),
                                           "burst_id": pd.Series([], dtype="int64")})
    if len(created) < min_size:
        return empty
    if at is None:
        at = filled["snapshot_at"].max() if "snapshot_at" in filled.columns \
            and filled["snapshot_at"].notna().any() else created.max()
    at = pd.Timestamp(at)
    at = at.tz_localize("UTC") if at.tzinfo is None else at.tz_convert("UTC")
    secs = pd.DatetimeIndex(created).as_unit("s").asi8.astype("float64")
    width = days * _DAY
    start = np.floor(secs.min() / width) * width
    bin_of = ((secs - start) // width).astype("int64")
    counts = np.bincount(bin_of)
    base = pd.Series(counts.astype(float)).rolling(53, center=True, min_periods=1).median() \
        .clip(lower=1.0).to_numpy()
    hot = (counts >= min_size) & (counts >= ratio * base)
    # a batch straddling a bin edge splits in two bins; let a neighbour of a hot bin join when it
    # is itself well above the baseline
    near = (counts >= ratio * base) & (counts >= max(2, min_size // 4))
    beside = np.zeros_like(hot)
    beside[1:] |= hot[:-1]
    beside[:-1] |= hot[1:]
    hot = hot | (near & beside)
    rows, member_bins = [], np.full(len(counts), -1)
    k = 1   # counted from 1, as `ages show` prints "burst 1" and farms are numbered
    for lo, hi in _runs(hot):
        member_bins[lo:hi] = k
        sel = (bin_of >= lo) & (bin_of < hi)
        n = int(sel.sum())
        expected = float(base[lo:hi].sum())
        when = created[sel]
        src = filled.loc[created.index[sel], "created_at_source"]
        rows.append({"burst_id": k, "created_from": when.min(), "created_to": when.max(),
                     "followers": n, "expected": expected, "ratio": n / expected,
                     "kind": "brand-new accounts"
                     if (at - when.max()).total_seconds() / _DAY <= new_within_days
                     else "created together",
                     "estimated_share": float((src != "profile").mean())})
        k += 1
    if not rows:
        return empty
    out = pd.DataFrame(rows).astype(empty.dtypes.to_dict())
    member = member_bins[bin_of]
    members = pd.DataFrame({id: filled.loc[created.index, id].astype(schema.STR).to_numpy(),
                            "burst_id": member})
    out.attrs["members"] = members[members["burst_id"] >= 0].reset_index(drop=True)
    return out


__all__ = ["AGE_BANDS", "SNOWFLAKE_EPOCH_MS", "SNOWFLAKE_MIN_ID", "account_ages",
           "creation_bursts", "estimate_created_at", "evaluate_id_dates", "fit_id_dates",
           "id_table", "read_id_table", "snowflake_time", "with_estimated_creation"]
