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


def html_report(nb_path: str | os.PathLike, html_path: str | os.PathLike) -> Path:
    """Render an executed notebook as a self-contained HTML report: outputs only (no code, no
    prompts, no stderr, no cell tagged ``report-skip``), images embedded, no scripts.

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
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            headings = [ln.lstrip("#").strip() for ln in cell.source.splitlines()
                        if ln.startswith("#")]
            section = headings[-1] if headings else section
        if cell.cell_type == "code":
            # warnings and log lines are for the audit notebook, not for the client
            cell.outputs = [o for o in cell.outputs
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
            for o in cell.outputs:
                if "image/png" in o.get("data", {}):
                    o.setdefault("metadata", {})["fk_alt"] = f"Chart: {section}"
    exporter = HTMLExporter(
        extra_loaders=[DictLoader({"fk_report.html.j2": template_text("report.html.j2")})],
        template_file="fk_report.html.j2", exclude_input=True, exclude_input_prompt=True,
        exclude_output_prompt=True, embed_images=True)
    body, _ = exporter.from_notebook_node(
        nb, resources={"fk_css": template_text("report.css"), "fk_csp": CSP,
                       "metadata": {"name": Path(nb_path).stem}})
    html_path = Path(html_path)
    html_path.write_text(body, encoding="utf-8")
    return html_path

