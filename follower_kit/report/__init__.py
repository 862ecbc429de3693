"""Monthly client reports: papermill runs the report notebook, nbconvert makes HTML, Chromium a PDF.

One job a module: :mod:`.rendering` (one report), :mod:`.kernels` (kernels without credentials, the
warm kernel of a batch worker), :mod:`.templates` (package data: the notebook, the nbconvert
template, the CSS, jinja2 pages), :mod:`.pdf` (Chromium), :mod:`.batch` (a clients file, parallel
reports, ``index.html``), :mod:`.prose` (sentences), :mod:`.html` (safe tables and cards),
:mod:`.explore` (the analyst's table). The data it reports on comes from
:mod:`follower_kit.audience`.

One report::

    from follower_kit import report
    result = report.render("brightwave", month="2026-10", formats=("html", "pdf"))
    result.paths["html"]          # reports/brightwave/brightwave-2026-10.html

Many (an agency's clients, in parallel processes)::

    batch = report.render_batch(report.read_clients("clients.toml"), month="2026-10")
    batch.index                   # reports/index.html linking every report
    batch.failures                # the clients whose report failed, with the reason
"""

import sys
import types

from ..audience import (AudienceOptions, MonthData, check_month, check_tz, fit_sample,
                        last_full_month, load_month)
from ..audience import headline_numbers as month_headline
from ..audience import segment_documents as segment_followers
from ..errors import RenderError
from .batch import BatchResult, Client, read_clients, render_batch, write_index
from .pdf import find_chromium, pdf_from_html
from .rendering import (DEFAULT_OUT, FORMATS, RenderResult, notebook_parameters, output_paths,
                     render, report_parameters, result_json)
from .templates import CSP, SKIP_TAG, html_report, report_notebook

__all__ = [
    "AudienceOptions", "BatchResult", "CSP", "Client", "DEFAULT_OUT", "FORMATS", "MonthData",
    "RenderError", "RenderResult", "SKIP_TAG", "check_month", "check_tz", "find_chromium",
    "fit_sample", "html_report", "last_full_month", "load_month", "month_headline",
    "notebook_parameters", "output_paths", "pdf_from_html", "read_clients", "render",
    "render_batch", "report_notebook", "report_parameters", "result_json", "segment_followers",
    "write_index",
]


class _CallableModule(types.ModuleType):
    """``fk.report(...)`` renders a report while ``fk.report.render_batch`` & co. stay reachable:
    the public API names the package and its main verb alike, and a module cannot be called
    otherwise."""

    def __call__(self, *args, **kwargs) -> RenderResult:
        return render(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
