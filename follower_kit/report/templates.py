"""The report's look: package data found through :mod:`importlib.resources` (so an installed
wheel has them), a jinja2 environment with autoescape for our own pages, and the nbconvert
template that turns an executed notebook into the client's HTML.
"""

from __future__ import annotations

import functools
import os
from importlib import resources
from pathlib import Path

SKIP_TAG = "report-skip"  # cells for the analyst (notes, checks) that stay out of the report

# No script of any kind may run in a report: the policy blocks them, and the template drops the
# require.js, MathJax, mermaid and widget loaders the lab template would fetch from a CDN.
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
       "base-uri 'none'; form-action 'none'")


def resource(name: str):
    """A file shipped in ``follower_kit/report/`` (a Traversable: ``.read_text()``, ``.open()``)."""
    return resources.files(__package__).joinpath(name)


def template_text(name: str) -> str:
    """The text of ``templates/<name>``."""
    return resource("templates").joinpath(name).read_text(encoding="utf-8")


def report_notebook() -> Path:
    """The monthly report notebook shipped with the package, as a file path papermill can read.

    An installed package is a directory on disk (a wheel unpacks), so ``as_file`` hands back the
    file itself, not a temporary copy.
    """
    with resources.as_file(resource("monthly_report.ipynb")) as path:
        return Path(path)


@functools.lru_cache(maxsize=1)
def environment():
    """A jinja2 environment over the package's templates, autoescaping every ``.j2`` page:
    strangers' text in a value can never become markup."""
    from jinja2 import DictLoader, Environment, select_autoescape

    names = [t.name for t in resource("templates").iterdir() if t.name.endswith(".j2")]
    return Environment(loader=DictLoader({n: template_text(n) for n in names}),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def block(name: str):
    """A macro of ``templates/blocks.html.j2`` (``table``, ``cards``, ``title``)."""
    return getattr(environment().get_template("blocks.html.j2").module, name)


def render_page(name: str, **values) -> str:
    """Render ``templates/<name>`` with ``values`` (autoescaped)."""
    return environment().get_template(name).render(csp=CSP, **values)


PAPERS = {"letter": "letter", "a4": "A4"}


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: every character but letters, digits and spaces written
    as a CSS escape (six hex digits and the space that ends it), so no quote, backslash or
    ``</style>`` in a name can end the string or the style sheet."""
    return '"' + "".join(c if c.isascii() and (c.isalnum() or c == " ") else f"\\{ord(c):06x} "
                         for c in str(text)) + '"'


def page_css(footer: str = "", paper: str | None = None) -> str:
    """The printed page: its size, its margins and a footer on every page reading ``footer —
    page N of M`` (CSS page-margin boxes; Chromium prints them from version 131).

    Parameters
    ----------
    footer : str
        Plain text (the client, the account and the month); "" prints the page numbers only.
    paper : {"letter", "a4"}, optional
        The sheet; default Chromium's (Letter).

    Returns
    -------
    str
        An ``@page`` rule.
    """
    size = ""
    if paper:
        if paper.lower() not in PAPERS:
            from ..errors import ConfigError

            raise ConfigError(f"paper must be one of {', '.join(PAPERS)}, not {paper!r}")
        size = f"size: {PAPERS[paper.lower()]}; "
    lead = (css_string(footer + " \u2014 ") + " ") if footer else ""
    return ("@page { " + size + "margin: 12mm 12mm 14mm 12mm; @bottom-center { content: " + lead
            + '"page " counter(page) " of " counter(pages); font: 9px sans-serif; '
            "color: #666; } }")


def html_report(nb_path: str | os.PathLike, html_path: str | os.PathLike, *,
                footer: str = "", paper: str | None = None) -> Path:
    """Render an executed notebook as a self-contained HTML report: outputs only (no code, no
    prompts, no stderr, no cell tagged ``report-skip``), images embedded, no scripts; printed,
    every page carries ``footer`` and its page number (:func:`page_css`).

    Returns
    -------
    Path
        ``html_path``.
    """
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    nb = nbformat.read(nb_path, as_version=4)
    nb.cells = [c for c in nb.cells if SKIP_TAG not in c.get("metadata", {}).get("tags", [])]
    section = "Chart"

    def last_heading(markdown: str, section: str) -> str:
        headings = [ln.lstrip("#").strip() for ln in markdown.splitlines() if ln.startswith("#")]
        return headings[-1] if headings else section

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            section = last_heading(cell.source, section)
        if cell.cell_type == "code":
            # warnings and log lines are for the audit notebook, not for the client
            cell.outputs = [o for o in cell.outputs
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
            for o in cell.outputs:
                # a section shown only sometimes has its heading as a Markdown output
                section = last_heading(o.get("data", {}).get("text/markdown", ""), section)
                if "image/png" in o.get("data", {}):
                    o.setdefault("metadata", {})["fk_alt"] = f"Chart: {section}"
    exporter = HTMLExporter(
        extra_loaders=[DictLoader({"fk_report.html.j2": template_text("report.html.j2")})],
        template_file="fk_report.html.j2", exclude_input=True, exclude_input_prompt=True,
        exclude_output_prompt=True, embed_images=True)
    body, _ = exporter.from_notebook_node(
        nb, resources={"fk_css": template_text("report.css") + page_css(footer, paper), "fk_csp": CSP,
                       "metadata": {"name": Path(nb_path).stem}})
    html_path = Path(html_path)
    html_path.write_text(body, encoding="utf-8")
    return html_path

