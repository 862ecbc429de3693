"""The one place that makes strangers' text safe: HTML, the terminal, CSV and matplotlib.

Followers write their own names, bios, locations and tweets, and any of it may be hostile: markup
(``<script>``), bidi controls that make a cell read backwards (U+202E turns "evil name" into
"eman live"), ANSI escape sequences that clear or retitle the analyst's terminal, spreadsheet
formulas (``=HYPERLINK(...)``, also written with a full-width ``＝`` or after a space) and
matplotlib mathtext (``$\\foo$`` raises). Every place the kit shows such text calls one of:

* :func:`html` for a report or notebook cell,
* :func:`terminal` for a line the CLI prints,
* :func:`csv_cell` / :func:`csv_frame` for a CSV a spreadsheet may open,
* :func:`mathtext` for a matplotlib label.

All four drop the same invisible characters (:data:`INVISIBLE`: control characters and bidi
embeddings, overrides, isolates and marks), so a name reads as written everywhere. Zero-width
joiners stay: emoji sequences and Persian words need them. These functions are pure.
"""

from __future__ import annotations

import html as _html
import math
import re
import unicodedata

import pandas as pd

#: Characters shown nowhere: C0 and C1 controls (tab and newline are handled per target), DEL,
#: bidi marks, embeddings, overrides and isolates, the byte-order mark and the interlinear
#: annotation characters. Right-to-left names need none of them: the Unicode bidi algorithm
#: orders their letters by itself.
INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b-\u001f\u007f-\u009f"
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\ufeff\ufff9-\ufffb]"
)
#: ANSI/VT escape sequences: CSI (``ESC [`` ... final byte, or the 8-bit CSI U+009B), OSC
#: (``ESC ]`` ... BEL or ST, which retitles a terminal or writes a hyperlink), other two-byte
#: escapes. Removed whole, so no parameter bytes such as ``[2J`` are left behind.
ANSI = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[P^_X][^\x1b\x9c]*(?:\x1b\\|\x9c)?"
    r"|\x1b[@-Z\\-_]"
)
#: First characters a spreadsheet runs as a formula (CSV injection), after NFKC folds the
#: full-width and small forms (``＝ ＋ － ＠ ﹦``) to these.
FORMULA_START = ("=", "+", "-", "@")
#: Leading characters a spreadsheet skips before it looks for a formula.
_LEADING = " \t\r\n\u00a0\u3000"

#: Report cells are cut to this many characters (a 10,000-character bio must not swallow a page).
MAX_CELL_CHARS = 160


def _missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, (str, list, tuple)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _as_text(value) -> str:
    if _missing(value):
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _cut(text: str, max_chars: int | None) -> str:
    if max_chars is not None and len(text) > max_chars:
        return text[: max(max_chars - 1, 0)].rstrip() + "\u2026"
    return text


def visible(value) -> str:
    """``value`` as text with :data:`INVISIBLE` characters removed (``None``/NaN give ``""``;
    a list gives its items joined by commas); tabs, newlines and carriage returns become spaces.

    Returns
    -------
    str
    """
    text = _as_text(value).replace("\t", " ").replace("\n", " ").replace("\r", " ")
    return INVISIBLE.sub("", text)


def html(value, max_chars: int | None = MAX_CELL_CHARS) -> str:
    """A stranger's text made safe to place inside HTML: shown as text, never run or typeset.

    Parameters
    ----------
    value : object
        Anything; ``None`` and NaN give ``""``, a list its items joined by commas.
    max_chars : int or None
        Longer text is cut to this many characters, ending in an ellipsis.

    Returns
    -------
    str
        Invisible characters (controls, bidi controls) removed, so a cell reads as written;
        ``& < > " '`` escaped; ``$``, backquote and backslash as entities, so MathJax and
        Markdown renderers leave them alone.
    """
    text = _cut(visible(value), max_chars)
    return (_html.escape(text, quote=True).replace("$", "&#36;").replace("`", "&#96;")
            .replace("\\", "&#92;"))


def terminal(value, max_chars: int | None = None) -> str:
    """A stranger's text made safe to print on one terminal line.

    Parameters
    ----------
    value : object
        Anything; ``None`` and NaN give ``""``.
    max_chars : int or None
        Longer text is cut, ending in an ellipsis.

    Returns
    -------
    str
        ANSI escape sequences removed whole (``\\x1b[2J`` leaves nothing), every other control
        and bidi control removed, whitespace runs (newlines too) collapsed to one space.
    """
    text = ANSI.sub("", _as_text(value))
    text = " ".join(visible(text).split())
    return _cut(text, max_chars)


def csv_cell(value):
    """One value made safe for a CSV a spreadsheet will open: text a spreadsheet would run as
    a formula gets a leading apostrophe; anything else is returned unchanged.

    A formula is caught when the first character after leading spaces, tabs and line breaks
    (also no-break and ideographic spaces) is ``= + - @`` in any width (``＝``, ``﹦``, ``＋``
    ... fold to them under NFKC), or when the text starts with a tab or carriage return.

    Returns
    -------
    object
        ``value``, or ``"'" + value`` for formula-like text.
    """
    if not isinstance(value, str) or not value:
        return value
    if value[0] in "\t\r":
        return "'" + value
    head = value.lstrip(_LEADING)[:1]
    if head and unicodedata.normalize("NFKC", head)[:1] in FORMULA_START:
        return "'" + value
    return value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells went through :func:`csv_cell`: every CSV the kit
    writes passes through it.

    Returns
    -------
    DataFrame
        The same columns and rows; numbers and dates unchanged.
    """
    safe = frame.copy()
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(csv_cell)
    return safe


def mathtext(value, max_len: int | None = 80, *, escape_dollars: bool = True) -> str:
    """A stranger's text made safe for a matplotlib label.

    Parameters
    ----------
    value : object
        Anything; ``None`` and NaN give ``""``.
    max_len : int or None
        Longer text is cut to this many characters, ending in an ellipsis.
    escape_dollars : bool
        Escape ``$`` as ``\\$`` (matplotlib reads ``$...$`` as math and raises on bad math);
        pass False when ``rcParams["text.parse_math"]`` is off.

    Returns
    -------
    str
        Unicode normalised (NFC), invisible characters removed, whitespace runs collapsed,
        cut, ``$`` escaped.
    """
    text = unicodedata.normalize("NFC", _as_text(value))
    text = _cut(" ".join(visible(text).split()), max_len)
    return text.replace("$", r"\$") if escape_dollars else text


__all__ = ["ANSI", "FORMULA_START", "INVISIBLE", "MAX_CELL_CHARS",
           "csv_cell", "csv_frame", "html", "mathtext", "terminal", "visible"]
