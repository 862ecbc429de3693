"""Shared look and text safety for every plot module.

* :func:`safe_text` makes any follower-written text (names, bios, tweets, segment labels) safe to
  draw: matplotlib reads ``$...$`` as math and raises on bad math (``"$\\foo$"``), so dollar
  signs are escaped; control and bidi-override characters are dropped; long text is shortened.
  Every label a plot draws from data goes through it.
* :func:`apply_fonts` gives an Axes' texts that font list (call it last in a plot function).
* :func:`style` is a context manager (and :func:`rc` the plain dict) with the kit's defaults:
  light grid, no top/right spines, and a font list that falls back, glyph by glyph, to CJK and
  emoji fonts **when they are installed** (``fonts-noto-cjk``, ``fonts-noto-extra`` /
  ``Symbola`` on Debian). Without them text still draws, missing glyphs as boxes, and nothing is
  logged or raised.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import warnings

import matplotlib as mpl
from matplotlib import font_manager

from .. import text as _text

#: Colours used across the kit's plots.
COLORS = {
    "line": "#264653",
    "new": "#2a9d8f",
    "lost": "#e76f51",
    "burst": "#d62828",
    "muted": "#8d99ae",
}

BASE_FONT = "DejaVu Sans"
#: Tried in order; only installed ones are used. Matplotlib falls back per glyph along the list.
CJK_FONTS = ("Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans JP", "Source Han Sans",
             "WenQuanYi Zen Hei", "Droid Sans Fallback", "IPAGothic", "TakaoPGothic")
#: Monochrome outline emoji fonts. "Noto Color Emoji" is left out on purpose: it holds only
#: colour bitmaps at a fixed size, which matplotlib's FreeType renderer refuses to scale.
EMOJI_FONTS = ("Noto Emoji", "Symbola", "Segoe UI Emoji", "Segoe UI Symbol", "Twemoji Mozilla")
#: Other scripts follower names are often written in.
EXTRA_FONTS = ("Noto Sans", "Noto Sans Arabic", "Noto Sans Hebrew", "Noto Sans Devanagari",
               "Noto Sans Thai")

# Missing CJK or emoji fonts must not flood a notebook or a report with warnings: the glyph is
# drawn as a box and the README says which Debian packages add the fonts.
warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)



class _QuietFallbacks(logging.Filter):
    """Drop matplotlib's notices that a fallback font lacks a bold face (Symbola has none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Failed to find font weight" not in record.getMessage()


logging.getLogger("matplotlib.font_manager").addFilter(_QuietFallbacks())

def _add_new_system_fonts() -> None:
    """Register fonts installed after matplotlib built its font cache.

    Matplotlib caches the font list once per installation and does not notice fonts installed
    later (``apt-get install fonts-noto-cjk`` on a machine that already ran matplotlib), so the
    CJK and emoji fallbacks would be missed until the cache is deleted.
    """
    manager = font_manager.fontManager
    known = {f.fname for f in manager.ttflist}
    for path in font_manager.findSystemFonts():
        if path not in known:
            try:
                manager.addfont(path)
            except Exception:  # noqa: BLE001  a broken font file must not break plotting
                continue


@functools.lru_cache(maxsize=1)
def font_families() -> tuple[str, ...]:
    """The installed subset of the kit's font list, base font first."""
    wanted = (BASE_FONT, *CJK_FONTS, *EMOJI_FONTS, *EXTRA_FONTS)
    installed = {f.name for f in font_manager.fontManager.ttflist}
    if not installed & set(CJK_FONTS + EMOJI_FONTS):
        _add_new_system_fonts()
        installed = {f.name for f in font_manager.fontManager.ttflist}
    found = tuple(name for name in dict.fromkeys(wanted) if name in installed)
    return found or ("sans-serif",)


def rc() -> dict:
    """The kit's rcParams (pass to ``matplotlib.rc_context`` or ``plt.rcParams.update``)."""
    return {
        "font.family": list(font_families()),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "grid.linewidth": 0.6,
        "axes.titleweight": "bold",
        "axes.titlesize": "medium",
        "axes.labelsize": "small",
        "xtick.labelsize": "small",
        "ytick.labelsize": "small",
        "legend.fontsize": "small",
        "legend.frameon": False,
        "figure.dpi": 100,
        "savefig.bbox": "tight",
    }


@contextlib.contextmanager
def style():
    """Use the kit's defaults inside a ``with`` block; plot functions draw inside one."""
    with mpl.rc_context(rc()):
        yield


def apply_fonts(*axes) -> None:
    """Give every text of ``axes`` (title, axis labels, tick labels now and later, legend,
    annotations) the kit's font list.

    Call it at the end of a plot function. :func:`style` alone is not enough: the title of an
    existing Axes and tick labels made at draw time take the fonts in force when *they* are
    created, usually outside the ``with style()`` block, so CJK and emoji names would show as
    boxes even with the fonts installed.
    """
    families = list(font_families())
    for ax in axes:
        if ax is None:
            continue
        texts = [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        texts += [getattr(ax, name) for name in ("_left_title", "_right_title")
                  if hasattr(ax, name)]
        legend = ax.get_legend()
        if legend is not None:
            texts += [*legend.get_texts(), legend.get_title()]
        for t in texts:
            t.set_fontfamily(families)
        ax.tick_params(axis="both", which="both", labelfontfamily=families)


def safe_text(text, max_len: int | None = 80) -> str:
    """Follower-written text made safe for a matplotlib label (:func:`follower_kit.text.mathtext`).

    Parameters
    ----------
    text : object
        Anything; ``None`` and NaN give an empty string.
    max_len : int or None
        Longer text is cut to this many characters, ending in an ellipsis.

    Returns
    -------
    str
        Control and bidi characters removed, Unicode normalised (NFC), whitespace runs
        collapsed, and ``$`` escaped as ``\\$`` unless math parsing is switched off
        (``rcParams["text.parse_math"]``), so it is drawn literally.
    """
    return _text.mathtext(text, max_len,
                          escape_dollars=bool(mpl.rcParams.get("text.parse_math", True)))


__all__ = ["COLORS", "apply_fonts", "font_families", "rc", "safe_text", "style"]
