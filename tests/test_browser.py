"""The HTML report in a real browser: Debian's headless Chromium driven by playwright.

It must render with no console error, and nothing from the data may ever run: the sample's hostile
followers (``<script>``, ``<img onerror>``, ``$\\frac{}{}``, right-to-left overrides, a
10,000-character bio) show up as text. The same run takes the README screenshot when
``FOLLOWER_KIT_UPDATE_SCREENSHOT=1`` (docs/report.png); otherwise it goes to a temporary folder,
so normal test runs leave the tree clean.
"""

from __future__ import annotations

import os

import pytest

from _rendered import chromium, rendered_report
from conftest import ROOT

pytestmark = pytest.mark.browser

SCREENSHOT = ROOT / "docs" / "report.png"


# On a phone-width page: the words of table cells that a line break cut in two (a short word in
# Latin letters, which fits any column it is in), and the tables whose last column cannot be
# scrolled into view.
PHONE_JS = r"""() => {
  const cut = [];
  for (const td of document.querySelectorAll('table.fk-table td')) {
    const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.data.matchAll(/[@A-Za-z\u00C0-\u024F_]{2,14}/g)) {
        const r = document.createRange();
        r.setStart(node, m.index);
        r.setEnd(node, m.index + m[0].length);
        const tops = new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top)));
        if (tops.size > 1) cut.push(m[0]);
      }
    }
  }
  const unreachable = [];
  for (const table of document.querySelectorAll('table.fk-table')) {
    const box = table.parentElement;
    box.scrollLeft = box.scrollWidth;
    const last = table.querySelector('tr').lastElementChild.getBoundingClientRect();
    if (last.right > Math.min(box.getBoundingClientRect().right, window.innerWidth) + 1)
      unreachable.push(table.querySelector('caption')?.innerText || table.rows.length);
    box.scrollLeft = 0;
  }
  return {cut, unreachable, tables: document.querySelectorAll('table.fk-table').length,
          pageWidth: document.documentElement.scrollWidth};
}"""


@pytest.fixture(scope="module")
def page_report(tmp_path_factory, sample_store):
    """The rendered report opened in headless Chromium, with everything the page did recorded."""
    exe = chromium()
    if not exe:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium; .ci/run does it)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is a dev extra: pip install -e '.[dev]'")
    result = rendered_report(tmp_path_factory, sample_store)
    events = {"console": [], "pageerror": [], "dialog": [], "request": []}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1500})
            page.on("console", lambda m: events["console"].append((m.type, m.text)))
            page.on("pageerror", lambda e: events["pageerror"].append(str(e)))
            page.on("dialog", lambda d: (events["dialog"].append(d.message), d.dismiss()))
            page.on("request", lambda r: events["request"].append(r.url))
            page.goto(result.paths["html"].as_uri(), wait_until="load")
            state = page.evaluate("""() => ({
                title: document.title,
                pwned: typeof window.__pwned !== 'undefined',
                scripts: document.querySelectorAll('script').length,
                handlers: document.querySelectorAll('[onerror],[onload],[onclick]').length,
                images: Array.from(document.images).map(i => [i.naturalWidth, i.alt]),
                text: document.body.innerText,
                longestCell: Math.max(...Array.from(document.querySelectorAll('td'))
                                      .map(td => td.innerText.length)),
                bdi: document.querySelectorAll('table.fk-table td bdi').length,
                headings: Array.from(document.querySelectorAll('h2')).map(h => h.innerText),
                csvLinks: Array.from(document.querySelectorAll('a.fk-download'))
                               .map(a => a.getAttribute('href')),
            })""")
            shot = (SCREENSHOT if os.environ.get("FOLLOWER_KIT_UPDATE_SCREENSHOT") == "1"
                    else tmp_path_factory.mktemp("shot") / "report.png")
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot), clip={"x": 0, "y": 0, "width": 1100, "height": 1500})
            phone = browser.new_page(viewport={"width": 375, "height": 800})
            phone.goto(result.paths["html"].as_uri(), wait_until="load")
            state["phone"] = phone.evaluate(PHONE_JS)
        finally:
            browser.close()
    return {"result": result, "events": events, "state": state, "screenshot": shot}


def test_renders_without_console_errors_or_network(page_report):
    ev = page_report["events"]
    assert not [m for m in ev["console"] if m[0] in ("error", "warning")], ev["console"]
    assert not ev["pageerror"]
    # one self-contained file: the only request is the page itself (images are data: URLs)
    assert [u for u in ev["request"] if not u.startswith("data:")] == \
        [page_report["result"].paths["html"].as_uri()]


def test_no_script_from_the_data_ever_runs(page_report):
    s = page_report["state"]
    assert not page_report["events"]["dialog"], "an alert() from follower data ran"
    assert not s["pwned"]
    assert s["title"] == "@brightwave: follower report for October 2026"  # not 'pwned'
    assert s["scripts"] == 0 and s["handlers"] == 0


def test_hostile_followers_are_shown_as_text(page_report):
    text = page_report["state"]["text"]
    assert "<script>alert('pwned')</script>" in text
    assert "<img src=x onerror=alert(1)>" in text
    assert r"Math $\frac{a}{b}$ fan" in text
    assert "\u202eevil name\u202c" in text or "evil name" in text
    assert "絵文字と漢字" in text
    # the 10,000-character bio is cut; every cell stays short, its text isolated for bidi
    assert "A very long bio." in text and page_report["state"]["longestCell"] < 400
    assert page_report["state"]["bdi"] > 50


def test_charts_load_and_have_alt_text(page_report):
    images = page_report["state"]["images"]
    assert len(images) >= 3
    assert all(width > 0 for width, _ in images)
    assert {"Chart: Growth", "Chart: Bots and fake followers",
            "Chart: When the audience is active"} <= {alt for _, alt in images}


INSIGHT_SECTIONS = ("Where they are", "What languages they post in",
                    "What they read and talk about", "Competitors")


def test_audience_insight_sections_show_with_charts_and_working_csv_links(page_report):
    """The four audience-insight sections are headings on the page, each with a loaded chart,
    and each CSV link points at a file beside the report."""
    from urllib.parse import unquote

    s = page_report["state"]
    headings = s["headings"]
    for section in INSIGHT_SECTIONS:
        assert section in headings, section
    loaded = {alt for width, alt in s["images"] if width > 0}
    assert {f"Chart: {section}" for section in INSIGHT_SECTIONS} <= loaded
    folder = page_report["result"].paths["html"].parent
    links = [unquote(h) for h in s["csvLinks"]]
    for name in ("countries", "languages", "domains", "mentions", "hashtags", "competitors",
                 "shared-followers"):
        assert f"brightwave-2026-10-{name}.csv" in links, name
    assert all((folder / h).is_file() for h in links), links


def test_screenshot_is_taken(page_report):
    from PIL import Image

    with Image.open(page_report["screenshot"]) as img:
        assert img.size == (1100, 1500)
        # not a blank page: the report's cards, chart and text make many distinct colours
        assert len(img.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 100


def test_tables_on_a_phone_scroll_sideways_and_keep_words_whole(page_report):
    """At 375 px, nbconvert's clipped output box cut off the columns past the screen's edge and
    "overflow-wrap: anywhere" squeezed the rest to a few letters: "Maria/na/Santo/s", a bio one
    syllable a line. A table now scrolls in its own box, its words whole."""
    phone = page_report["state"]["phone"]
    assert phone["tables"] >= 8
    assert phone["pageWidth"] == 375          # the page itself never scrolls sideways
    assert phone["unreachable"] == []
    assert phone["cut"] == []


def test_batch_index_wraps_a_long_failure_within_the_page(tmp_path):
    """A failure naming a long path made the batch's index.html scroll sideways at 1200 px (its
    Time column off screen). The status now wraps, inside the path too, and the numbers stay
    right-aligned on one line."""
    from follower_kit.report.batch import write_index

    exe = chromium()
    if not exe:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium; .ci/run does it)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is a dev extra: pip install -e '.[dev]'")
    path = ("/srv/agency/follower-kit/data/store/snapshots/account=tidepool_labs/month=2026-10/"
            "followers-part-0000000000000000.parquet")
    rows = [{"account": "northwind_brew", "name": "Northwind Coffee", "month": "2026-10",
             "ok": True, "paths": {"html": str(tmp_path / "northwind_brew" / "n.html")},
             "error": "", "seconds": 12.3,
             "headline": {"followers": 12345, "new": 456, "lost": 123, "net": 333,
                          "growth_rate": 0.027, "period": None}},
            {"account": "tidepool_labs", "name": "Tidepool Labs", "month": "2026-10",
             "ok": False, "paths": {}, "seconds": 3.1,
             "error": f"report for @tidepool_labs 2026-10 failed in cell 7: FileNotFoundError: "
                      f"[Errno 2] No such file or directory: '{path}'"}]
    index = write_index(rows, tmp_path)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(index.as_uri(), wait_until="load")
            got = page.evaluate("""() => ({
                pageWidth: document.documentElement.scrollWidth,
                numRights: Array.from(document.querySelectorAll('tr')).map(tr =>
                    Array.from(tr.querySelectorAll('.num')).map(
                        c => Math.round(c.getBoundingClientRect().right))),
                numLines: Array.from(document.querySelectorAll('td.num')).map(
                    c => c.getClientRects().length === 1 && c.innerText.indexOf('\\n') < 0),
            })""")
        finally:
            browser.close()
    assert got["pageWidth"] <= 1200, got
    head, *body = got["numRights"]
    assert all(r == head for r in body), got   # each number column lines up with its heading
    assert all(got["numLines"]), got
