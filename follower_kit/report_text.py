"""Words and tables for the monthly report (a re-export: the code lives in
:mod:`follower_kit.report.html` (safe HTML, tables, the CSV formula guard),
:mod:`follower_kit.report.prose` (sentences) and :mod:`follower_kit.report.explore` (the
analyst's table)). ``from follower_kit import report_text as rt`` keeps working.
"""

from __future__ import annotations

from .report.explore import *  # noqa: F401,F403
from .report.explore import __all__ as _explore
from .report.html import *  # noqa: F401,F403
from .report.html import MAX_CELL_CHARS, escape, spreadsheet_safe  # noqa: F401
from .report.html import __all__ as _html
from .report.prose import *  # noqa: F401,F403
from .report.prose import UNASSIGNED  # noqa: F401
from .report.prose import __all__ as _prose

__all__ = sorted({*_explore, *_html, *_prose})
