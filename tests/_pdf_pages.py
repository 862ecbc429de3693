"""Reading a printed report back, page by page: each page's text, its lines with their
positions (``pdftotext -bbox-layout``), the rows that hold ink (``pdftoppm``), and what is wrong
with the pages (a heading with nothing below it, a page left nearly empty).

Shared by the report's PDF tests; the tools come with poppler-utils.
"""

from __future__ import annotations

import html as html_lib
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from _rendered import chromium

FOOTER_BAND_PT = 14 / 25.4 * 72      # the bottom page margin of report.css' @page, in points
DPI = 36


def need_tools():
    if not chromium():
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    for tool in ("pdftotext", "pdftoppm"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (Debian: apt-get install poppler-utils)")


def page_texts(pdf: Path) -> list[str]:
    """Each page's text, laid out (pdftotext separates pages with a form feed)."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    return out.split("\f")[:-1]


def page_lines(pdf: Path) -> list[dict]:
    """Per page: its height (points) and its text lines as (text, top, bottom) in points."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    pages = []
    for page in re.finditer(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', xml, re.S):
        lines = []
        for line in re.finditer(r'<line xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" '
                                r'yMax="([\d.]+)">(.*?)</line>', page.group(2), re.S):
            words = re.findall(r"<word[^>]*>(.*?)</word>", line.group(3), re.S)
            lines.append((html_lib.unescape(" ".join(words)), float(line.group(1)),
                          float(line.group(2))))
        pages.append({"height": float(page.group(1)), "lines": lines})
    return pages


def inked_rows(pdf: Path, page: int, tmp: Path) -> np.ndarray:
    """Rows (in points from the top) of page ``page`` (1-based) that hold anything printed."""
    stem = tmp / f"p{page}"
    subprocess.run(["pdftoppm", "-gray", "-r", str(DPI), "-f", str(page), "-l", str(page),
                    "-singlefile", str(pdf), str(stem)], check=True, capture_output=True)
    raw = (tmp / f"p{page}.pgm").read_bytes()
    # binary PGM: "P5\n<w> <h>\n<max>\n" then one byte per pixel
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", raw)
    w, h = int(header.group(1)), int(header.group(2))
    pixels = np.frombuffer(raw[header.end():header.end() + w * h], dtype=np.uint8).reshape(h, w)
    return np.flatnonzero((pixels < 200).any(axis=1)) * 72.0 / DPI


def headings_of(html_text: str) -> list[str]:
    """The h2/h3 headings of an HTML page, as plain text (nbconvert's anchor links removed)."""
    found = re.findall(r"<h([23])[^>]*>(.*?)</h\1>", html_text, re.S)
    texts = [html_lib.unescape(re.sub(r"<a class=\"anchor-link\".*?</a>|<[^>]+>", "", t)).strip()
             for _, t in found]
    return [t for t in texts if t]


def page_problems(pdf: Path, headings: list[str], tmp: Path, *,
                  nearly_empty: float = 0.25) -> list[str]:
    """What is wrong with the printed pages: headings with nothing below them on their page,
    and pages (but the last) whose content ends in the top ``nearly_empty`` share."""
    problems = []
    wanted = {" ".join(h.split()) for h in headings}
    pages = page_lines(pdf)
    for number, page in enumerate(pages, start=1):
        bottom = page["height"] - FOOTER_BAND_PT
        ink = inked_rows(pdf, number, tmp)
        ink = ink[ink < bottom]
        for text, _top, line_bottom in page["lines"]:
            if " ".join(text.split()) in wanted and not (ink > line_bottom + 4).any():
                problems.append(f"page {number}: heading {text!r} is the last thing on it")
        if number < len(pages) and (not len(ink) or ink.max() < nearly_empty * bottom):
            problems.append(f"page {number}: nearly empty (content ends at "
                            f"{(ink.max() if len(ink) else 0) / bottom:.0%} of the page)")
    return problems
