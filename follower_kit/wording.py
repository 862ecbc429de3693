"""Counts in words, for every message the kit writes: ``plural(1, "snapshot")`` is
``"1 snapshot"``, never ``"1 snapshot(s)"``.

A leaf module (no package imports), so sources, the store and the CLI can word their messages
like the report does without reaching into the report's modules. ``report_text`` re-exports both.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["number", "plural"]


def number(n) -> str:
    """``1234`` -> ``"1,234"`` (missing -> ``"n/a"``)."""
    if n is None or (not isinstance(n, str) and pd.isna(n)):
        return "n/a"
    return f"{int(n):,}"


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """``plural(1, "follower")`` -> ``"1 follower"``; ``plural(3, "follower")`` -> ``"3 followers"``."""
    word = singular if int(n) == 1 else (plural_form or singular + "s")
    return f"{number(n)} {word}"
