"""Safe HTML for the report and the notebooks: strangers' text escaped once, tables, cards.

Follower names and bios are written by strangers. Every value that reaches a table or a sentence
goes through :func:`escape` (HTML-escaped, ``$`` and backquotes neutralized so no math or markdown
renderer picks them up, long text cut, each cell isolated for right-to-left text). Nothing here
emits Markdown: a Markdown renderer would treat ``$\\frac{}{}`` in a name as math.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd

from .. import text as _text
from ..wording import number
from .prose import day_label, growth_glance, headline_cards, headline_sentences, percent

MAX_CELL_CHARS = _text.MAX_CELL_CHARS
# Spreadsheet programs run a cell that starts with one of these as a formula (CSV injection).

__all__ = [
    "action_list",
    "HTML",
    "MAX_CELL_CHARS",
    "csv_download_link",
    "csv_lists",
    "escape",
    "follower_table",
    "for_download",
    "number",
    "paragraphs",
    "profile_link",
    "sparkline",
    "spreadsheet_safe",
    "stat_cards",
    "summary_page",
    "title_block",
]



class HTML(str):
    """A string of trusted HTML that Jupyter displays as HTML (and as plain text elsewhere).

    Only this module builds them, from escaped values. In a notebook, ``display(block)`` or a
    cell ending in it renders the HTML; no IPython import is needed.
    """

    def _repr_html_(self) -> str:
        return str(self)

    def __add__(self, other):
        return HTML(str(self) + str(other))



# -------------------------------------------------------------------------------------- safety
def escape(value, max_chars: int | None = MAX_CELL_CHARS) -> str:
    """Make a stranger's text safe to place inside HTML (:func:`follower_kit.text.html`): shown
    as text, never run or typeset; controls and bidi controls removed, cut at ``max_chars``."""
    return _text.html(value, max_chars)


def _cell(value, column: str, max_chars: int) -> tuple[str, str]:
    """(escaped text, css class) for one table cell."""
    if isinstance(value, bool):
        return ("yes" if value else "no"), "fk-text"
    if value is None or (not isinstance(value, (str, list, tuple)) and pd.isna(value)):
        return "", "fk-text"
    if isinstance(value, pd.Timestamp):
        return escape(value.strftime("%Y-%m-%d")), "fk-num"
    if isinstance(value, (int,)) or (hasattr(value, "dtype") and getattr(value, "dtype").kind in "iu"):
        return number(value), "fk-num"
    if isinstance(value, float) or (hasattr(value, "dtype") and getattr(value, "dtype").kind == "f"):
        if column.endswith(("share", "rate")) or column.startswith("share_"):
            return percent(value, 0 if abs(float(value)) >= 0.01 else 1), "fk-num"
        if column.endswith("score"):
            return f"{float(value):.2f}", "fk-num"
        if column.endswith(("reach", "count", "followers")):
            return f"{float(value):,.0f}", "fk-num"
        return f"{float(value):,.1f}", "fk-num"
    # a date inside text ("last 2021-03-12") is one word: never "2021-03-" above "12"
    return _ISO_DATE.sub(r'<span class="fk-date">\1</span>', escape(value, max_chars)), "fk-text"


_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


def profile_link(username=None, user_id=None, *, max_chars: int = MAX_CELL_CHARS) -> str:
    """``<a href="https://x.com/HANDLE">@HANDLE</a>`` (a Bluesky account:
    ``https://bsky.app/profile/HANDLE``, see :func:`~follower_kit.analysis.relations.profile_url`),
    or the link by id with the text "id ID" when only the id is known; "" when neither is. Both
    parts are escaped (and the handle URL-quoted), so a stranger's handle can only ever be a
    path on the profile site.

    Returns
    -------
    str
        HTML.
    """
    from ..analysis.relations import profile_label, profile_url

    def known(v) -> bool:
        return v is not None and not (not isinstance(v, str) and pd.isna(v)) and str(v) != ""

    if known(username):
        uid = user_id if known(user_id) else ""
        href = profile_url(uid, str(username))
        label = profile_label(uid, str(username))  # a DID for Bluesky's handle.invalid
        return f'<a href="{html.escape(href)}">{escape(label, max_chars)}</a>'
    if known(user_id):
        href = profile_url(str(user_id))
        return f'<a href="{html.escape(href)}">id {escape(user_id, max_chars)}</a>'
    return ""


def _blank(values: pd.Series) -> pd.Series:
    """True where a cell would show nothing: missing, or text of only white space."""
    text = values.map(lambda v: v.strip() == "" if isinstance(v, str) else False)
    return values.isna() | text


def follower_table(frame: pd.DataFrame, columns: Mapping[str, str] | Sequence[str] | None = None,
                   *, max_rows: int | None = 20, max_chars: int = MAX_CELL_CHARS,
                   caption: str | None = None, empty: str = "Nobody to list.",
                   named_first: bool = False) -> HTML:
    """An HTML table of followers in which every value is shown as text.

    Parameters
    ----------
    frame : DataFrame
        Any frame (followers, scores, segments ...).
    columns : mapping or sequence, optional
        Columns to show, in order; a mapping gives each a heading (``{"username": "Handle"}``).
        Columns missing from ``frame``, or empty in every row shown, are skipped. Default: all.
    max_rows : int, optional
        Rows shown (the caption says how many more there are).
    max_chars : int
        Longer text is cut with an ellipsis.
    caption : str, optional
        Plain text shown above the table (escaped).
    empty : str
        Plain text shown instead of an empty table ("" shows nothing).
    named_first : bool
        Show the rows with a ``username`` before those known by id only (otherwise in order),
        so that a table cut at ``max_rows`` shows the people a reader can recognise; an X
        archive names only the accounts the own posts mention or reply to.

    Returns
    -------
    HTML
        ``<table class="fk-table mathjax_ignore tex2jax_ignore">`` with escaped cells; a
        ``username`` is a link to the profile (:func:`profile_link`, by ``follower_id`` or
        ``id`` when the handle is unknown), numbers right-aligned, dates as ``YYYY-MM-DD``.
    """
    if columns is None:
        columns = list(frame.columns)
    if not isinstance(columns, Mapping):
        columns = {c: c.replace("_", " ") for c in columns}
    columns = {c: h for c, h in columns.items() if c in frame.columns}
    if frame.empty:
        return HTML(f'<p class="fk-empty {_NO_MATH}">{escape(empty, None)}</p>' if empty else "")
    from markupsafe import Markup

    from .templates import block

    if named_first and "username" in frame.columns:
        frame = frame.iloc[np.argsort(frame["username"].isna().to_numpy(), kind="stable")]
    shown = frame if max_rows is None else frame.head(max_rows)
    # a column with nothing to show in any row (names and bios of followers known by id only,
    # details a relation does not have) is left out rather than drawn empty
    columns = {c: h for c, h in columns.items()
               if c == "username" or not _blank(shown[c]).all()} or columns
    id_column = next((c for c in ("follower_id", "id") if c in frame.columns), None)
    ids = shown[id_column].tolist() if id_column else [None] * len(shown)
    rows = []
    for record, user_id in zip(shown[list(columns)].itertuples(index=False, name=None), ids):
        cells = []  # each cell is escaped (or built from escaped parts) here, once
        for value, column in zip(record, columns):
            if column == "username":
                text, cls = profile_link(value, user_id, max_chars=max_chars), "fk-handle"
            else:
                text, cls = _cell(value, column, max_chars)
            cells.append((Markup(text), cls))
        rows.append(cells)
    note = ""
    if max_rows is not None and len(frame) > max_rows:
        note = f" (top {number(max_rows)} of {number(len(frame))})"
    cap = _safe((caption or "") + note) if (caption or note) else ""
    return HTML(block("table")([_safe(h) for h in columns.values()], rows, cap, _NO_MATH))


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` that a spreadsheet opens as text (:func:`follower_kit.text.csv_frame`):
    every CSV the kit writes goes through it (CSV injection).

    Returns
    -------
    DataFrame
        The same columns and rows; formula-like text cells get a leading apostrophe.
    """
    return _text.csv_frame(frame)


def csv_download_link(frame: pd.DataFrame, filename: str, text: str) -> HTML:
    """A link that downloads ``frame`` as CSV from inside a self-contained report (a data: URL),
    with formulas defused by :func:`spreadsheet_safe`.

    Returns
    -------
    HTML
        ``<a download=... href="data:text/csv;base64,...">text</a>``.
    """
    payload = base64.b64encode(spreadsheet_safe(frame).to_csv(index=False).encode("utf-8")) \
        .decode("ascii")
    return HTML(f'<p><a class="fk-download" download="{escape(filename, None)}" '
                f'href="data:text/csv;base64,{payload}">{escape(text, None)}</a></p>')


def for_download(frame: pd.DataFrame) -> pd.DataFrame:
    """A list of accounts as a person downloads it: the account's id named ``follower_id`` in
    every list (the new and lost followers' frames call it ``id``), a ``profile_url`` beside the
    handle to click, and scores to three decimals (0.999998582 is 1.000 to a reader). A frame
    that lists no accounts (no ``username``) is left as it is.

    Returns
    -------
    DataFrame
    """
    from ..analysis.relations import profile_url

    if "username" not in frame.columns:
        return frame
    out = frame.rename(columns={"id": "follower_id"}) if "follower_id" not in frame.columns \
        else frame.copy()
    if "follower_id" in out.columns and "profile_url" not in out.columns:
        names = out["username"].astype(object)
        at = out.columns.get_loc("name" if "name" in out.columns else "username") + 1
        out.insert(at, "profile_url", [profile_url(i, u if isinstance(u, str) else None)
                                       for i, u in zip(out["follower_id"], names)])
    for col in out.columns:
        if "score" in col and pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(3)
    return out


def csv_lists(lists: Mapping[str, pd.DataFrame], prefix: str, folder: str = "",
              lead: str = "Every list as CSV") -> HTML:
    """Every non-empty list as a CSV (``{prefix}-{name}.csv``, name slugged) shaped by
    :func:`for_download`, through :func:`spreadsheet_safe`, in one paragraph of links.

    With ``folder`` (the rendered report's folder) the files are written there and linked by
    their bare names, so the links work from the HTML and the PDF beside them and the folder
    can be zipped and sent; without it (a notebook in JupyterLab) each link carries its CSV
    inside (a ``data:`` link).

    ``lead`` starts the paragraph (a section's own files: "As CSV").

    Returns
    -------
    HTML
        ``<p class="fk-downloads">`` with one link per list, or "" when every list is empty.
    """
    links = []
    for name, frame in lists.items():
        if frame is None or frame.empty:
            continue
        filename = f"{prefix}-{'-'.join(name.lower().split())}.csv"
        text = f"{name} ({number(len(frame))})"
        frame = for_download(frame)
        if folder:
            spreadsheet_safe(frame).to_csv(Path(folder) / filename, index=False)
            links.append(f'<a class="fk-download" download="{escape(filename, None)}" '
                         f'href="{escape(quote(filename), None)}">{escape(text, None)}</a>')
        else:
            links.append(csv_download_link(frame, filename, text)
                         .removeprefix("<p>").removesuffix("</p>"))
    return HTML(f'<p class="fk-downloads">{escape(lead, None)}: {" · ".join(links)}</p>'
                if links else "")


_NO_MATH = "mathjax_ignore tex2jax_ignore"


def paragraphs(*sentences: str | None) -> HTML:
    """Plain-text sentences -> one escaped HTML paragraph (empty or ``None`` sentences dropped)."""
    text = " ".join(s.strip() for s in sentences if s and s.strip())
    return HTML(f'<p class="fk-prose {_NO_MATH}">{escape(text, None)}</p>' if text else "")


def _safe(value, max_chars: int | None = None):
    """A stranger's text through :func:`escape`, marked safe for the templates' autoescape."""
    from markupsafe import Markup

    return Markup(escape(value, max_chars))


def action_list(actions: Sequence[str], heading: str = "This month's actions") -> HTML:
    """The summary's numbered actions (plain text, escaped); "" without any."""
    from .templates import block

    if not actions:
        return HTML("")
    return HTML(block("actions")(_safe(heading), [_safe(a) for a in actions], _NO_MATH))


_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|"
           "December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec")
_DATE = re.compile(rf"\b(?:(\d{{1,2}}) )?({_MONTHS}) (\d{{4}})\b")


def _safe_dates(value):
    """:func:`_safe`, with no-break spaces inside its dates ("October 2026", "31 Oct 2026"),
    so a line never ends between a month and its year (a long client name wrapped the title
    as "... October" / "2026"). Added after escaping, which joins every run of spaces."""
    from markupsafe import Markup

    return Markup(_DATE.sub(lambda m: "\u00a0".join(g for g in m.groups() if g),
                            escape(value, None)))


def title_block(title: str, subtitle: str = "") -> HTML:
    """The report's title and subtitle (plain text, escaped; dates kept on one line)."""
    from .templates import block

    return HTML(block("title")(_safe_dates(title), _safe_dates(subtitle) if subtitle else "",
                               _NO_MATH))


def stat_cards(cards: Iterable[tuple[str, str, str | None]]) -> HTML:
    """Headline figures as a row of cards: (label, value, note) each, all escaped (dates kept
    on one line)."""
    from .templates import block

    items = [(_safe_dates(label), _safe(value), _safe_dates(note) if note else "")
             for label, value, note in cards]
    return HTML(block("cards")(items, _NO_MATH))


def sparkline(counts: pd.DataFrame, *, width: int = 420, height: int = 90) -> HTML:
    """The follower count per snapshot as a small inline SVG line (no image file, no script),
    snapshots placed by date, with the new followers of each snapshot as bars above the axis
    and the lost ones below it.

    Parameters
    ----------
    counts : DataFrame
        :func:`~follower_kit.analysis.growth.follower_counts` (``snapshot_at``, ``followers``,
        ``new``, ``lost``), oldest first.

    Returns
    -------
    HTML
        ``<svg class="fk-sparkline" role="img">`` with a ``<title>``; "" with fewer than two
        snapshots.
    """
    if len(counts) < 2:
        return HTML("")
    followers = counts["followers"].to_numpy(dtype=float)
    new = pd.to_numeric(counts["new"], errors="coerce").fillna(0).to_numpy(dtype=float)
    lost = pd.to_numeric(counts["lost"], errors="coerce").fillna(0).to_numpy(dtype=float)
    n, pad, label_w = len(counts), 4.0, 64.0
    line_h, bar_h = height * 0.55, height * 0.2
    # placed by date, so snapshots months apart (archives) are drawn months apart
    when = pd.to_datetime(counts["snapshot_at"], utc=True).astype("int64").to_numpy(dtype=float)
    span_t = (when[-1] - when[0]) or 1.0
    xs = [pad + (width - label_w - 2 * pad) * (t - when[0]) / span_t for t in when]
    step = min(b - a for a, b in zip(xs, xs[1:])) if n > 1 else 1.0
    lo, hi = followers.min(), followers.max()
    span = (hi - lo) or 1.0
    ys = [pad + (line_h - pad) * (1 - (f - lo) / span) for f in followers]
    axis = line_h + pad + bar_h
    top = max(new.max(), lost.max(), 1.0)
    bar_w = max(min(step * 0.5, 14.0), 2.0)
    parts = [f'<line x1="{pad:.1f}" x2="{xs[-1]:.1f}" y1="{axis:.1f}" y2="{axis:.1f}" '
             'stroke="#c8cdd3" stroke-width="1"/>']
    for x, a, b in zip(xs, new, lost):
        if a:
            h = bar_h * a / top
            parts.append(f'<rect x="{x - bar_w / 2:.1f}" y="{axis - h:.1f}" width="{bar_w:.1f}" '
                         f'height="{h:.1f}" fill="#59a14f"/>')
        if b:
            h = bar_h * b / top
            parts.append(f'<rect x="{x - bar_w / 2:.1f}" y="{axis:.1f}" width="{bar_w:.1f}" '
                         f'height="{h:.1f}" fill="#e15759"/>')
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))
    parts.append(f'<polyline points="{points}" fill="none" stroke="#4c78a8" stroke-width="2"/>')
    parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#4c78a8"/>'
              for x, y in zip(xs, ys)]
    parts.append(f'<text x="{xs[-1] + 8:.1f}" y="{ys[-1] + 4:.1f}" font-size="12" '
                 'font-family="sans-serif" '
                 f'fill="#333">{number(int(followers[-1]))}</text>')
    start, end = (day_label(counts["snapshot_at"].iloc[i], short=True) for i in (0, -1))
    label = (f"Followers from {number(int(followers[0]))} on {start} to "
             f"{number(int(followers[-1]))} on {end}; new (green) and lost (red) per snapshot")
    return HTML(f'<svg class="fk-sparkline" role="img" width="{width}" height="{height}" '
                f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
                f"<title>{escape(label, None)}</title>{''.join(parts)}</svg>")


def summary_page(head: Mapping, counts: pd.DataFrame, *, account: str, title: str,
                 subtitle: str = "", actions: Sequence[str] = (),
                 notes: Sequence[str] = ()) -> HTML:
    """The report's first page, an executive summary: the title, the headline cards, the
    sentences about the month, its (at most three) actions and the growth at a glance. The
    print style sheet ends the page after it.

    Parameters
    ----------
    head : mapping
        :func:`~follower_kit.report.prose.headline`.
    counts : DataFrame
        :func:`~follower_kit.analysis.growth.follower_counts` up to the month's snapshot.
    account : str
        The handle, without ``@``.
    title, subtitle : str
        Plain text.
    actions : sequence of str
        :func:`~follower_kit.report.prose.month_actions`.
    notes : sequence of str
        Sentences added after the headline ones (:func:`~follower_kit.report.prose.profiles_note`).

    Returns
    -------
    HTML
        ``<section class="fk-summary">`` holding :func:`title_block`, :func:`stat_cards`,
        :func:`paragraphs`, :func:`action_list` and the growth at a glance (a sentence and
        :func:`sparkline`).
    """
    glance = ""
    if len(counts) > 1:
        glance = (f'<div class="fk-glance"><p class="fk-actions-heading">Growth at a glance</p>'
                  f"{sparkline(counts)}{paragraphs(growth_glance(counts))}</div>")
    body = (title_block(title, subtitle) + stat_cards(headline_cards(head))
            + paragraphs(*headline_sentences(head, account), *notes) + action_list(actions)
            + glance)
    return HTML(f'<section class="fk-summary {_NO_MATH}">{body}</section>')
