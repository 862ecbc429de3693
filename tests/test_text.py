"""Strangers' text through the one text module: HTML, terminal, CSV and matplotlib, one table."""

from __future__ import annotations

import unicodedata

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from click.testing import CliRunner

from follower_kit import Store, text
from follower_kit.cli import main
from follower_kit.plots import _style
from follower_kit import report_text

# (hostile string, what a reader must see of it: a substring every target keeps)
HOSTILE = [
    ("<script>alert(1)</script>", "script"),
    ('<img src=x onerror="alert(1)">', "onerror"),
    ("\u202eevil name\u202c", "evil name"),             # right-to-left override
    ("\u2067<script>\u2069 isolate", "isolate"),         # right-to-left isolate
    ("\u200fRLM\u200e and \u061cALM", "RLM"),
    ("\x1b[2J\x1b[Hcleared", "cleared"),                # ANSI: clear the screen
    ("\x1b]0;pwned title\x07name", "name"),              # OSC: retitle the terminal
    ("\x9b31mred", "red"),                               # 8-bit CSI
    ("bell\x07 back\x08space\x00nul\x7fdel", "bell"),
    ("line\nbreak\r\ncarriage\ttab", "break"),
    (r"$\frac{a}{b}$ fan", "fan"),
    ("`code` **bold**", "code"),
    ("=HYPERLINK(\"https://evil.example\",\"x\")", "HYPERLINK"),
    ("\uff1dSUM(1+1)", "SUM"),                           # full-width equals
    ("  =cmd|' /C calc'!A0", "cmd"),                     # leading spaces
    ("\u3000+1 555 0100", "555"),                        # ideographic space
    ("\ufe66 small equals", "small"),
    ("@SUM(1)", "SUM"),
    ("a\u200db 👨\u200d👩\u200d👧 東京 ñ", "東京"),         # joiners are kept
    ("x" * 10_000, "xxx"),
]
IDS = [repr(h)[:30] for h, _ in HOSTILE]
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def _controls(s: str) -> list[str]:
    return [c for c in s if unicodedata.category(c) == "Cc" or c in BIDI]


@pytest.mark.parametrize("hostile,kept", HOSTILE, ids=IDS)
def test_html(hostile, kept):
    out = text.html(hostile)
    assert not set("<>\"'$`") & set(out.replace("&#", "").replace("&lt;", "").replace(
        "&gt;", "").replace("&quot;", "").replace("&amp;", "")) - {"#"}
    assert not _controls(out)
    assert kept in out
    assert len(out) <= text.MAX_CELL_CHARS * 6
    assert report_text.escape(hostile) == out  # the old name is a thin re-export


@pytest.mark.parametrize("hostile,kept", HOSTILE, ids=IDS)
def test_terminal(hostile, kept):
    out = text.terminal(hostile)
    assert "\x1b" not in out and "\x9b" not in out and not _controls(out)
    assert "[2J" not in out and "pwned title" not in out and "31m" not in out
    assert kept in out and "\n" not in out


@pytest.mark.parametrize("hostile,kept", HOSTILE, ids=IDS)
def test_csv(hostile, kept):
    out = text.csv_cell(hostile)
    head = unicodedata.normalize("NFKC", out.lstrip(" \t\r\n\u00a0\u3000")[:1])
    assert out.startswith("'") or head not in "=+-@" or not head
    assert kept in out
    frame = report_text.spreadsheet_safe(pd.DataFrame({"name": [hostile], "n": [1]}))
    assert frame["name"].iloc[0] == out and frame["n"].iloc[0] == 1


@pytest.mark.parametrize("hostile,kept", HOSTILE, ids=IDS)
def test_mathtext(hostile, kept):
    out = text.mathtext(hostile)
    assert not _controls(out) and kept in out
    assert out.count("$") == out.count(r"\$")
    assert _style.safe_text(hostile) == out
    fig, ax = plt.subplots()
    ax.set_title(out)
    fig.canvas.draw()  # bad math would raise here


def test_every_target_shows_the_same_visible_text():
    name = "\u202eevil\u202c \x1b[1mname\x1b[0m"
    assert text.terminal(name) == "evil name"
    assert text.html(name) == "evil [1mname[0m"  # no terminal here: only the ESC goes
    assert text.mathtext(name) == "evil [1mname[0m"


def test_csv_leaves_numbers_and_plain_text_alone():
    assert text.csv_cell("Ana - a gardener") == "Ana - a gardener"
    assert text.csv_cell(-3) == -3 and text.csv_cell(None) is None and text.csv_cell("") == ""
    assert text.csv_cell("-5") == "'-5"  # text that a spreadsheet would compute


def test_changes_prints_no_escape_sequence(tmp_path):
    """`follower-kit changes` on a follower whose bio holds ESC[2J prints no escape sequence."""
    store = Store(tmp_path / "store")
    account = {"id": "1", "username": "owner"}
    users = pd.DataFrame({"id": ["11", "12"], "username": ["calm", "evil\x1b[31m"],
                          "name": ["Calm", "\u202eevil"],
                          "description": ["gardener", "\x1b[2J\x1b[Hwiped your screen\x07"]})
    store.commit_snapshot(account=account, snapshot_at="2024-01-01", source="api",
                          followers=pd.DataFrame({"follower_id": ["11"]}), users=users[:1])
    store.commit_snapshot(account=account, snapshot_at="2024-02-01", source="api",
                          followers=pd.DataFrame({"follower_id": ["12", "11"]}), users=users)
    out = CliRunner().invoke(main, ["changes", "owner", "--store", str(store.path)])
    assert out.exit_code == 0, out.output
    assert "wiped your screen" in out.output and "@evil" in out.output
    assert "\x1b" not in out.output and "\x07" not in out.output and "[2J" not in out.output
