"""The analyst's side of the notebooks: filter the audience, summarise it, and an ipywidgets
table that redraws through the escaping table builder."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..wording import number, plural

from .html import HTML, follower_table
from .prose import UNASSIGNED, month_label

__all__ = [
    "audience_line",
    "best_hours_table",
    "bursts_table",
    "countries_table",
    "filter_followers",
    "follower_explorer",
    "likely_humans_table",
]



# ------------------------------------------------------------------------------- exploration
def filter_followers(frame: pd.DataFrame, *, text: str = "", segment: str | None = None,
                     min_bot_score: float = 0.0, max_bot_score: float = 1.0,
                     new_only: bool = False, sort_by: str = "followers_count",
                     ascending: bool = False) -> pd.DataFrame:
    """The followers matching a search, for the explore notebook's filterable table.

    Parameters
    ----------
    frame : DataFrame
        Followers with ``username``, ``name``, ``description`` and optionally ``label``
        (segment), ``bot_score`` and ``is_new``.
    text : str
        Case-insensitive substring of the handle, name or bio (plain text, not a pattern).
    segment : str, optional
        Keep one segment label (None or "" keeps all).
    min_bot_score, max_bot_score : float
        Keep bot scores in this closed range (followers without a score are kept only when the
        range is the whole 0..1).
    new_only : bool
        Keep only followers new this month (``is_new``).
    sort_by, ascending
        Order of the result (ties by ``id`` for a stable order).

    Returns
    -------
    DataFrame
        The matching rows of ``frame``, ordered.
    """
    keep = pd.Series(True, index=frame.index)
    if text:
        needle = text.casefold()
        hay = frame[["username", "name", "description"]].fillna("").astype(str) \
            .agg(" ".join, axis=1).str.casefold()
        keep &= hay.str.contains(needle, regex=False)
    if segment and "label" in frame.columns:
        keep &= frame["label"] == segment
    if "bot_score" in frame.columns and (min_bot_score > 0 or max_bot_score < 1):
        score = pd.to_numeric(frame["bot_score"], errors="coerce")
        keep &= score.between(min_bot_score, max_bot_score).fillna(False)
    if new_only and "is_new" in frame.columns:
        keep &= frame["is_new"].fillna(False).astype(bool)
    out = frame[keep.to_numpy()]
    by = [c for c in (sort_by, "id") if c in out.columns]
    if by:
        out = out.sort_values(by, ascending=[ascending] + [True] * (len(by) - 1), kind="stable")
    return out


def audience_line(audience: pd.DataFrame, *, account: str, month: str, segments: int,
                  first_month: bool = False, previous=None) -> str:
    """The explore notebook's one-line summary of an audience.

    ``"@acme, 2026-10: 5,000 followers, 265 new, 7 segments"``; on the first snapshot on
    record, where nobody can be told apart as new, it says so instead of "0 new". When the
    snapshot before is further back than the month before (X archives exported months apart),
    the new followers are counted since then, and it says so, as the report does:
    ``"@lars, 2023-08: 764 followers, 173 new since October 2022, no segments"``.

    Parameters
    ----------
    audience : DataFrame
        One row per follower, with ``is_new``.
    account, month : str
        The handle (without ``@``) and the ``YYYY-MM`` month.
    segments : int
        Number of topic segments found.
    first_month : bool
        No earlier snapshot exists (:attr:`~follower_kit.report.MonthData.first_month`).
    previous : Timestamp, optional
        The snapshot before (:attr:`~follower_kit.report.MonthData.previous_snapshot_at`).

    Returns
    -------
    str
    """
    new = ("the first snapshot on record, so nobody can be new yet" if first_month
           else f"{number(int(audience['is_new'].sum()))} new")
    if not first_month and previous is not None:
        after, before = pd.Timestamp(str(month)[:7] + "-01"), pd.Timestamp(previous)
        if (after.year - before.year) * 12 + after.month - before.month > 1:
            new += f" since {month_label(before)}"
    found = plural(segments, "segment") if segments else "no segments"
    return f"@{account}, {month}: {plural(len(audience), 'follower')}, {new}, {found}"


def likely_humans_table(audience: pd.DataFrame, columns: Mapping[str, str], *,
                        bot_threshold: float = 0.5, first_month: bool = False,
                        max_rows: int = 10) -> HTML:
    """The likely-human new followers of the largest segment, most followed first.

    On the first snapshot on record nobody can be new yet: the table lists the segment's
    likely-human followers instead, rather than nobody. Unassigned followers are no segment:
    when nobody has one, the table covers all followers.

    Parameters
    ----------
    audience : DataFrame
        As for :func:`filter_followers` (``label``, ``bot_score``, ``is_new`` ...).
    columns : mapping
        Columns to show and their headings (:func:`follower_table`).
    bot_threshold : float
        Bot score from which a follower counts as a likely bot; followers without a score are
        not counted as human.
    first_month : bool
        No earlier snapshot exists.
    max_rows : int
        Rows shown.

    Returns
    -------
    HTML
    """
    labels = audience["label"] if "label" in audience.columns else pd.Series(dtype=object)
    counts = labels[labels != UNASSIGNED].value_counts(dropna=True).sort_index() \
        .sort_values(ascending=False, kind="stable")  # ties: the first label, every run
    largest = counts.index[0] if len(counts) else None
    found = filter_followers(audience, segment=largest, max_bot_score=bot_threshold,
                             new_only=not first_month)
    where = f" in {largest}" if largest is not None else ""
    caption = (f"Likely-human followers{where} (the first snapshot on record: nobody can be new "
               "yet)" if first_month else f"New likely-human followers{where}")
    return follower_table(found, columns, max_rows=max_rows, caption=caption,
                          empty=f"No likely-human {'' if first_month else 'new '}followers{where}.")


def follower_explorer(frame: pd.DataFrame, columns: Mapping[str, str], *, rows: int = 25):
    """An interactive follower table for Jupyter: search, segment, bot-score range, new only.

    Every redraw goes through :func:`filter_followers` and :func:`follower_table`, so the table
    shows strangers' text as text, as in the report.

    Returns
    -------
    ipywidgets.VBox
        The controls and the table. It needs a live kernel: a static copy of the notebook keeps
        only a placeholder (use :func:`follower_table` for tables that must survive rendering).
    """
    import ipywidgets as w

    labels = sorted(frame["label"].dropna().unique()) if "label" in frame.columns else []
    search = w.Text(placeholder="handle, name or bio", description="Search")
    segment = w.Dropdown(options=[("all segments", "")] + [(x, x) for x in labels],
                         description="Segment")
    bot = w.FloatRangeSlider(value=(0.0, 1.0), min=0.0, max=1.0, step=0.05,
                             description="Bot score", continuous_update=False)
    new_only = w.Checkbox(value=False, description="new this month only")
    sort = w.Dropdown(options=[(h, c) for c, h in columns.items() if c in frame.columns],
                      value="followers_count" if "followers_count" in frame.columns else None,
                      description="Sort by")
    table = w.HTML()

    def redraw(_=None):
        found = filter_followers(frame, text=search.value, segment=segment.value or None,
                                 min_bot_score=bot.value[0], max_bot_score=bot.value[1],
                                 new_only=new_only.value, sort_by=sort.value or "id",
                                 ascending=sort.value in ("username", "name"))
        table.value = str(follower_table(found, columns, max_rows=rows,
                                         caption=f"{len(found):,} followers match",
                                         empty="No follower matches."))

    for control in (search, segment, bot, new_only, sort):
        control.observe(redraw, names="value")
    redraw()
    return w.VBox([w.HBox([search, segment]), w.HBox([bot, new_only, sort]), table])


# ------------------------------------------------------------------ the report's frames, readable
def bursts_table(bursts: pd.DataFrame, *, max_rows: int | None = None,
                 empty: str = "") -> HTML:
    """The follower bursts as a table a reader can scan: what each burst is and when it
    followed (its label), when its accounts were created (dates, not timestamps), its mean bot
    score and share of likely bots.

    Parameters
    ----------
    bursts : DataFrame
        :func:`~follower_kit.audience.follower_factory`'s bursts (``label``, ``created_from``,
        ``created_to``, ``mean_bot_score``, ``bot_share``); the score columns are left out when
        nobody has a score (an X archive alone).
    max_rows : int, optional
    empty : str
        Shown when there is no burst; by default nothing, as the notebooks print
        :func:`~follower_kit.analysis.factory.burst_spike_sentence` beside it.

    Returns
    -------
    HTML
    """
    columns = {"label": "Burst", "created_from": "Accounts created from", "created_to": "to",
               "mean_bot_score": "Mean bot score", "bot_share": "Likely bots"}
    return follower_table(bursts, columns, max_rows=max_rows,
                          empty=empty)


def best_hours_table(best: pd.DataFrame, *, empty: str = "") -> HTML:
    """The busiest hours of the week as a table: day, hour as ``14:00``, posts, share of the
    week.

    Parameters
    ----------
    best : DataFrame
        :func:`~follower_kit.analysis.growth.best_posting_hours` (``weekday``, ``hour``,
        ``active``, ``share``).
    empty : str
        Shown when nobody posted; by default nothing, as the notebooks print
        :func:`~follower_kit.report.prose.activity_sentence` beside it.

    Returns
    -------
    HTML
    """
    shown = best[best["active"] > 0].assign(hour=lambda f: [f"{int(h):02d}:00" for h in f["hour"]])
    return follower_table(shown, {"weekday": "Day", "hour": "Hour", "active": "Posts",
                                  "share": "Share of the week"}, max_rows=None,
                          empty=empty)


def countries_table(countries: pd.DataFrame, *, max_rows: int | None = None,
                    empty: str = "") -> HTML:
    """Followers per country as a table (name, followers, share as a percentage), unknown
    last as the frame has it.

    Parameters
    ----------
    countries : DataFrame
        :func:`~follower_kit.analysis.geo.country_shares` (``country``, ``country_name``,
        ``followers``, ``share``).
    max_rows : int, optional
    empty : str
        Shown when no follower names a country; by default nothing, as the notebooks print
        :func:`~follower_kit.report.prose.countries_sentence` beside it.

    Returns
    -------
    HTML
    """
    known = countries["country"] != "unknown"
    shown = countries if known.any() else countries.head(0)
    return follower_table(shown, {"country_name": "Country", "followers": "Followers",
                                  "share": "Share of followers"}, max_rows=max_rows,
                          empty=empty)
