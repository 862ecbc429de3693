"""The printed report page by page: every page carries the client footer and its page number,
the first page is the executive summary, no section heading is stranded at a page bottom and no
page is left nearly empty.

The pages are read back from the PDF Chromium printed: ``pdftotext -bbox-layout`` gives each text
line's position, ``pdftoppm`` the page as an image, whose inked rows show where charts and text
end. A heading is stranded when nothing is printed below it on its page; a page is nearly empty
when its content stops in the top quarter (the last page may be short). The checker is shown to
fail on pages built to be wrong, so a pass on the demo means something.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from _pdf_pages import headings_of, need_tools, page_problems, page_texts
from _rendered import rendered_report

pytestmark = pytest.mark.browser


def _print(tmp: Path, body: str) -> Path:
    """A small page printed with the report's own style sheet and page footer."""
    from follower_kit.report import pdf_from_html
    from follower_kit.report.templates import page_css, template_text

    page = tmp / "page.html"
    page.write_text(f"<html><head><style>{template_text('report.css')}"
                    f"{page_css('Test client · @test · October 2026')}</style></head>"
                    f'<body class="jp-Notebook">{body}</body></html>', encoding="utf-8")
    return pdf_from_html(page, tmp / "page.pdf")


FILLER = '<div style="height: 205mm; border-left: 2px solid #888">chart</div>'


def test_the_checker_finds_a_heading_forced_to_a_page_bottom(tmp_path):
    need_tools()
    broken = _print(tmp_path, f'{FILLER}<h2>Stranded heading</h2>'
                              '<p style="break-before: page">What it introduces.</p>'
                              "<p>More text.</p>")
    problems = page_problems(broken, ["Stranded heading"], tmp_path)
    assert problems == ["page 1: heading 'Stranded heading' is the last thing on it"]
    # the report's style sheet keeps a heading with what follows when nothing forces a break
    kept = _print(tmp_path, f'{FILLER}<h2>Kept heading</h2>'
                            '<div style="height: 60mm; break-inside: avoid">A chart.</div>')
    assert page_problems(kept, ["Kept heading"], tmp_path) == []
    assert len(page_texts(kept)) == 2 and "Kept heading" in page_texts(kept)[1]


def test_the_checker_finds_a_nearly_empty_page(tmp_path):
    need_tools()
    pdf = _print(tmp_path, '<p>One lonely paragraph.</p><p style="break-before: page">Next.</p>')
    problems = page_problems(pdf, [], tmp_path)
    assert len(problems) == 1 and problems[0].startswith("page 1: nearly empty (content ends at")
    # the last page may be short
    assert page_problems(_print(tmp_path, "<p>One short page.</p>"), [], tmp_path) == []


def test_the_footer_quotes_a_name_safely():
    from follower_kit.report.templates import css_string, page_css

    quoted = css_string('Ann "x" </style><script>\\')
    assert "</style>" not in quoted and '"' not in quoted[1:-1] and "\\" not in \
        quoted.replace("\\00", "")
    assert 'counter(page) " of " counter(pages)' in page_css("x")
    assert "size: A4" in page_css("x", "a4")


@pytest.fixture(scope="module")
def demo_pdf(tmp_path_factory, sample_store):
    need_tools()
    result = rendered_report(tmp_path_factory, sample_store)
    if "pdf" not in result.paths:
        pytest.skip("the shared render has no PDF (Chromium missing when it ran)")
    return result


def test_every_demo_page_has_the_client_footer_and_its_number(demo_pdf):
    texts = page_texts(demo_pdf.paths["pdf"])
    assert len(texts) >= 5
    for n, text in enumerate(texts, start=1):
        flat = " ".join(text.split())
        assert f"page {n} of {len(texts)}" in flat, f"page {n} lacks its number"
        assert "@brightwave · October 2026 — page" in flat, f"page {n} lacks the client footer"


def test_the_demo_opens_with_a_one_page_summary(demo_pdf):
    first, second = (" ".join(t.split()) for t in page_texts(demo_pdf.paths["pdf"])[:2])
    for part in ("followers in October 2026", "new followers", "This month's actions",
                 "Review and block", "following back with @", "Reply first to @", "Growth at a glance",
                 "Over 12 snapshots"):
        assert part in first, part
    # everything else starts on page 2
    assert "Growth" in second and "Who the new followers are" not in first
    assert "Bots and fake followers" not in first


def test_the_demo_pdf_has_no_stranded_heading_and_no_nearly_empty_page(demo_pdf,
                                                                        tmp_path):
    headings = headings_of(demo_pdf.paths["html"].read_text(encoding="utf-8"))
    assert {"Growth", "Audience segments", "Bots and fake followers"} <= set(headings)
    assert page_problems(demo_pdf.paths["pdf"], headings, tmp_path) == []


def test_the_demo_printed_on_a4_keeps_its_pages_right(demo_pdf, tmp_path):
    """The same report on A4 (`--paper a4`): the sheet is A4, the summary still fills page 1
    alone, every page has its footer, and no heading is stranded."""
    from follower_kit.report import pdf_from_html
    from follower_kit.report.templates import html_report

    html = html_report(demo_pdf.paths["ipynb"], tmp_path / "a4.html",
                       footer="Brightwave · @brightwave · October 2026", paper="a4")
    pdf = pdf_from_html(html, tmp_path / "a4.pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "(A4)" in info
    texts = page_texts(pdf)
    assert "Growth at a glance" in texts[0] and "Who the new followers are" not in texts[0]
    for n, text in enumerate(texts, start=1):
        assert f"@brightwave · October 2026 — page {n} of {len(texts)}" in " ".join(text.split())
    headings = headings_of(html.read_text(encoding="utf-8"))
    assert page_problems(pdf, headings, tmp_path) == []


def test_every_handle_in_a_table_prints_whole_on_one_line(demo_pdf):
    """Table cells may break anywhere (a 10,000-character bio must fit), which printed
    "@mariana" above "santos" in the demo's narrow handle column: a handle stays one word."""
    import re

    html = demo_pdf.paths["html"].read_text(encoding="utf-8")
    handles = set(re.findall(r'<td class="[^"]*"><bdi><a href="[^"]+">(@[^<]+)</a>', html))
    assert len(handles) > 20
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(demo_pdf.paths["pdf"]), "-"],
                         capture_output=True, text=True, check=True).stdout
    words = {w.rstrip(".,:;)") for w in re.findall(r"<word[^>]*>(@[^<]+)</word>", xml)}
    cut = {w for w in words - handles if any(h.startswith(w) for h in handles)}
    assert not cut, sorted(cut)


def test_a_long_table_starts_on_the_page_its_section_starts(demo_pdf, tmp_path):
    """nbconvert prints each output as one unsplittable box, so the new followers' table
    jumped whole to page 3 and left page 2 with the growth chart alone, 42% of it used (the
    archive report's mutuals likewise, 34%): a table now flows on, its header repeated."""
    headings = headings_of(demo_pdf.paths["html"].read_text(encoding="utf-8"))
    assert page_problems(demo_pdf.paths["pdf"], headings, tmp_path, nearly_empty=0.45) == []


def test_a_table_caption_prints_on_one_line(demo_pdf):
    """A caption was as narrow as its table: "Followers you do not follow back (top" above
    "10 of 4,674)"; one that fits the page's width now prints on one line."""
    import html as html_lib
    import re

    from _pdf_pages import page_lines

    html = demo_pdf.paths["html"].read_text(encoding="utf-8")
    captions = [html_lib.unescape(c) for c in re.findall(r"<caption>([^<]+)</caption>", html)]
    short = [c for c in captions if len(c) <= 80]
    assert any("(top 10 of 4,674)" in c for c in short)
    printed = {" ".join(text.split()) for page in page_lines(demo_pdf.paths["pdf"])
               for text, _top, _bottom in page["lines"]}
    assert [c for c in short if " ".join(c.split()) not in printed] == []



def _spaced_tables(spacers, *, caption: bool = False) -> str:
    """One report table of ten 20 mm rows (handles ``@c{case}r{row}``) after each spacer (mm),
    each on a new page: the tables cross every page position as the spacers grow. With
    ``caption``, each table has a caption and its header reads ``Head{case}``."""
    cases = []
    for case, spacer in enumerate(spacers):
        rows = "".join(f'<tr><td class="fk-handle"><bdi>@c{case}r{row}</bdi></td>'
                       f'<td class="fk-text"><div style="height: 20mm">why</div></td></tr>'
                       for row in range(10))
        head = (f"<caption>Table {case}</caption><thead><tr><th>Head{case}</th>" if caption
                else "<thead><tr><th>Handle</th>")
        cases.append(f'<div style="break-before: page; height: {spacer}mm">spacer</div>'
                     '<div class="jp-OutputArea-child"><div class="jp-OutputArea-output '
                     f'jp-RenderedHTMLCommon"><table class="fk-table">{head}<th>Why</th></tr>'
                     f"</thead><tbody>{rows}</tbody></table></div></div>")
    return "".join(cases)


def test_no_table_row_is_left_alone_on_a_page(tmp_path):
    """A table split over two pages keeps two rows or more on each side: the demo's talk-to
    list printed its tenth row alone under the repeated header atop the last page. Tables of
    ten 20 mm rows, each after a spacer 5 mm taller than the last, cross every split point."""
    import re

    need_tools()
    pages = page_texts(_print(tmp_path, _spaced_tables(range(40, 215, 5))))
    alone = []
    for number, text in enumerate(pages, start=1):
        per_case = {}
        for case in re.findall(r"@c(\d+)r\d+", text):
            per_case[case] = per_case.get(case, 0) + 1
        alone += [(number, case) for case, n in per_case.items() if n == 1]
    assert len(pages) > 40 and alone == [], alone


def test_no_table_header_is_left_alone_at_a_page_bottom(tmp_path):
    """A table's caption and header print on the page of its first rows: the Bluesky sample's
    block-list header stood alone at a page bottom, its rows on the next page. Tables of ten
    20 mm rows after a spacer 4 mm taller each time put the header at every page position."""
    import re

    need_tools()
    pages = page_texts(_print(tmp_path, _spaced_tables(range(150, 262, 4), caption=True)))
    alone = [(number, case) for number, text in enumerate(pages, start=1)
             for case in re.findall(r"Head(\d+)", text) if f"@c{case}r" not in text]
    assert len(pages) > 40 and alone == [], alone
