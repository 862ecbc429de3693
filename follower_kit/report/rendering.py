"""Render one monthly report: papermill runs the report notebook, nbconvert makes the HTML,
Chromium the PDF.

* the executed notebook is always kept next to the report for audit, also when a cell fails (then
  :class:`~follower_kit.errors.RenderError` names the cell and the partial notebook);
* the HTML is self-contained (images embedded, no code, no script at all: a Content-Security-Policy
  forbids scripts, so nothing from the data could run even if it slipped through escaping);
* the kernel runs without the X API credentials in its environment (it only reads the store), and
  every output is checked for known secrets before it is kept;
* the same inputs give the same HTML; the notebook differs only in execution timestamps.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import config
from ..audience import AudienceOptions, as_store, options as make_options, resolve_month
from ..errors import ConfigError, RenderError
from . import kernels
from .pdf import find_chromium, pdf_from_html
from .templates import html_report, page_css, report_notebook

log = logging.getLogger(__name__)

FORMATS = ("html", "pdf", "ipynb")
DEFAULT_OUT = Path("reports")


def report_parameters(account: str = "", *, out_dir: str = "", **options) -> dict:
    """The parameters the report notebook gets (never a secret): every
    :class:`~follower_kit.audience.AudienceOptions` field, checked, and where the rendered
    report's files go.

    Returns
    -------
    dict
        ``account``, ``month`` (``YYYY-MM``, "" for the default), ``store`` (absolute path, ""
        for the default), ``tz``, ``top_n``, ``client_name``, ``bot_threshold``,
        ``block_threshold``, ``segments``, and ``out_dir`` (the report's folder, where the CSV
        lists are written; "" in JupyterLab: the lists download from inside the notebook).
    """
    return {**make_options(account=account, **options).parameters(), "out_dir": str(out_dir)}


def notebook_parameters(notebook: str | os.PathLike | None = None) -> dict:
    """The parameters a notebook declares in its ``parameters`` cell (papermill's inspection);
    default the report notebook.

    Returns
    -------
    dict
        name -> papermill's description (``default``, ``inferred_type_name``, ``help``).
    """
    import papermill

    return papermill.inspect_notebook(str(notebook or report_notebook()))


@dataclass
class RenderResult:
    """What :func:`render` produced.

    Attributes
    ----------
    account, month : str
    paths : dict
        format -> Path (``ipynb`` always, ``html``/``pdf`` when asked).
    lists : list of Path
        The report's lists (new, lost, follow back, check out, talk to, block) as CSV files
        beside the report, linked from it.
    seconds : dict
        Stage timings: ``load`` (checks before the kernel), ``kernel`` (kernel start and papermill
        overhead), ``imports`` (the first code cell), ``analysis`` (the other cells), ``html``,
        ``pdf``, ``total``.
    """

    account: str
    month: str
    paths: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    lists: list = field(default_factory=list)


_ADDED_BY_PAPERMILL = {"injected-parameters", "papermill-error-cell-tag"}


def _failing_cell(nb_path: Path) -> tuple[int | None, str]:
    """(index in the template notebook, first source line) of the cell papermill marked as failed
    in a partial notebook. Cells papermill added (parameters, error banners) are not counted, so
    the index is the one to look up in the notebook you edit."""
    import nbformat

    try:
        nb = nbformat.read(nb_path, as_version=4)
    except (OSError, ValueError):
        return None, ""
    index = 0
    for cell in nb.cells:
        if _ADDED_BY_PAPERMILL & set(cell.get("metadata", {}).get("tags", [])):
            continue
        if cell.get("metadata", {}).get("papermill", {}).get("exception"):
            first = next((ln for ln in cell.source.splitlines()
                          if ln.strip() and not ln.startswith("#")), "")
            return index, first.strip()
        index += 1
    return None, ""


def _clean_notebook(nb_path: Path, template: Path, title: str, name: str = "") -> None:
    """Make the kept notebook portable and reproducible: no local paths in its metadata
    (``name``: the file name it is kept under, default its own)."""
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    pm = nb.metadata.get("papermill", {})
    pm["input_path"] = template.name
    pm["output_path"] = name or nb_path.name
    nb.metadata["title"] = title
    for cell in nb.cells:
        # papermill gives the cell it injects a random id; a fixed one keeps renders identical
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
    nbformat.write(nb, nb_path)


def _cell_seconds(nb_path: Path) -> tuple[float, float]:
    """(first code cell, all other code cells) durations recorded by papermill, in seconds."""
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"
            and "injected-parameters" not in c.metadata.get("tags", [])
            and "parameters" not in c.metadata.get("tags", [])]
    durations = [float(c.metadata.get("papermill", {}).get("duration") or 0.0) for c in code]
    return (durations[0] if durations else 0.0), sum(durations[1:])



def result_json(result: RenderResult) -> str:
    """A JSON line describing a render (paths and timings), for scripts."""
    return json.dumps({"account": result.account, "month": result.month,
                       "paths": {k: str(v) for k, v in result.paths.items()},
                       "seconds": {k: round(v, 3) for k, v in result.seconds.items()}})


def _check_no_secrets(paths: Iterable[Path]) -> None:
    secrets = config.known_secrets()
    if not secrets:
        return
    leaked = []
    for path in paths:  # every output is checked: the first leak must not stop the others' check
        data = path.read_bytes()
        if any(secret.encode() in data for secret in secrets):
            path.unlink()
            leaked.append(path.name)
    if leaked:
        raise RenderError(f"{', '.join(leaked)} contained a credential and "
                          f"{'were' if len(leaked) > 1 else 'was'} deleted; a notebook cell or "
                          "parameter must be printing the environment or a client")


def page_footer(store, username: str, month: str, client_name: str = "") -> str:
    """The printed report's footer: ``"Brightwave Studio · @brightwave · October 2026"`` (the
    client's name, else the account's display name, which is left out when it has none).

    Returns
    -------
    str
        Plain text (:func:`~follower_kit.report.templates.page_css` quotes it for CSS).
    """
    name = client_name
    if not name:
        accounts = store.accounts()
        row = accounts[accounts["username"].astype(str).str.lower() == username.lower()]
        name = "" if row.empty or pd.isna(row["name"].iloc[-1]) else str(row["name"].iloc[-1])
    when = f"{pd.Timestamp(month + '-01'):%B %Y}"
    return " \u00b7 ".join(part for part in (name, f"@{username}", when) if part)


def output_paths(out_dir: str | os.PathLike, username: str, month: str) -> dict:
    """Where one report goes: ``OUT/<account>/<account>-<YYYY-MM>.{ipynb,html,pdf}``."""
    base = Path(out_dir) / username
    stem = f"{username}-{month}"
    return {fmt: base / f"{stem}.{fmt}" for fmt in FORMATS}


#: What nbclient says of a kernel that died before its first reply (:func:`render` starts
#: another once).
KERNEL_DIED = "Kernel died before replying to kernel_info"


def render(account: str | AudienceOptions = "", *, formats: Sequence[str] = ("html",),
           out_dir: str | os.PathLike = DEFAULT_OUT, notebook: str | os.PathLike | None = None,
           kernel_name: str = "python3", timeout: float | None = 600, now=None,
           kernel_manager=None, paper: str | None = None, **options) -> RenderResult:
    """Render one monthly report.

    Parameters
    ----------
    account : str or AudienceOptions
        Handle or id of an account in the store, or the whole options object.
    formats : sequence of {"html", "pdf", "ipynb"}
        Outputs besides the executed notebook, which is always kept.
    out_dir : path
        Reports go to ``out_dir/<account>/<account>-<month>.<format>``.
    notebook : path, optional
        The notebook to execute (default the report notebook shipped in the package).
    timeout : float, optional
        Seconds a single cell may run.
    now : time, optional
        What "today" is when choosing the default month (the last full month with data).
    kernel_manager : jupyter_client kernel manager, optional
        Run on this kernel and leave it running (batch workers reuse one); default a fresh
        kernel, without credentials in its environment, shut down afterwards.
    paper : {"letter", "a4"}, optional
        The PDF's sheet (default Chromium's, Letter). Every page carries the client's name, the
        account, the month and "page N of M" (:func:`page_footer`).
    **options
        Any :class:`~follower_kit.audience.AudienceOptions` field (``month``, ``store``,
        ``tz``, ``top_n``, ``client_name``, ``bot_threshold``, ``block_threshold``,
        ``segments``, ``language``, ``topics``, ``keywords``); they become the notebook's
        parameters.

    Returns
    -------
    RenderResult

    Raises
    ------
    RenderError
        When a cell fails: names the cell and keeps the partial notebook.
    ConfigError
        Before any kernel starts, for an unknown account or a month without data.

    Examples
    --------
    >>> render("brightwave", month="2026-10", formats=("html", "pdf"))   # doctest: +SKIP
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    t0 = time.perf_counter()
    if isinstance(account, AudienceOptions):
        opts = make_options(account, **options)
    else:
        opts = make_options(account=account, **options)
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ConfigError(f"unknown report format(s) {unknown}; choose from {', '.join(FORMATS)}")
    notebook = Path(notebook) if notebook else report_notebook()
    if not notebook.is_file():
        raise ConfigError(f"report notebook {notebook} not found")
    st = as_store(opts.store or None)
    username, month = resolve_month(st, opts.account, opts.month or None, now=now)
    if paper is not None:
        page_css("", paper)  # a wrong sheet fails here, before any kernel starts
    if "pdf" in formats and not find_chromium():
        raise ConfigError("PDF needs Chromium (Debian: apt-get install chromium, or set "
                          "FOLLOWER_KIT_CHROMIUM); ask for --format html to skip the PDF")
    params = report_parameters(**opts.replace(account=username, month=month,
                                              store=str(st.path)).parameters(),
                               out_dir=str(output_paths(out_dir, username, month)["html"]
                                           .parent.resolve()))
    paths = output_paths(out_dir, username, month)
    paths["ipynb"].parent.mkdir(parents=True, exist_ok=True)
    # rendered under other names and moved into place at the end, so the report of an earlier
    # run stays whole until this one is (an interrupted or failed run no longer deletes it)
    staged = {fmt: p.with_name(f"{p.stem}.partial{p.suffix}") for fmt, p in paths.items()}
    for stale in staged.values():
        stale.unlink(missing_ok=True)
    lists_glob = f"{paths['html'].stem}-*.csv"
    lists_before = {p: p.stat().st_mtime_ns for p in paths["html"].parent.glob(lists_glob)}
    result = RenderResult(account=username, month=month)
    result.seconds["load"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    log.info("rendering @%s %s with %s", username, month, notebook.name)
    if kernel_manager is None:
        engine = {"kernel_manager_class": kernels.kernel_manager_class()}
    else:
        kernels.register_warm_engine()
        engine = {"engine_name": kernels.WARM_ENGINE, "km": kernel_manager}
    def execute():
        papermill.execute_notebook(
            str(notebook), str(staged["ipynb"]), parameters=params, kernel_name=kernel_name,
            progress_bar=False, log_output=False, request_save_on_cell_execute=True,
            execution_timeout=timeout, **engine)

    try:
        try:
            execute()
        except RuntimeError as exc:
            # a fresh kernel that dies before its first reply lost a race for its tcp ports
            # (jupyter_client picks free ports, the kernel binds them a moment later: two
            # batch workers starting kernels at once can pick the same one; kernels use unix
            # sockets where they can, kernels.ipc_prefix); start it again
            if kernel_manager is not None or KERNEL_DIED not in str(exc):
                raise
            log.warning("the kernel for @%s %s died before it answered (%s); starting another",
                        username, month, exc)
            execute()
    except PapermillExecutionError as exc:
        index, first = _failing_cell(staged["ipynb"])
        where = (f"cell {index} of {notebook.name} (In [{exc.exec_count}])" if index is not None
                 else f"cell In [{exc.exec_count}] of {notebook.name}")
        raise RenderError(
            f"report for @{username} {month} failed in {where} ({first!r}): {exc.ename}: "
            f"{config.redact(str(exc.evalue))}. The partial notebook is kept at {staged['ipynb']}",
            account=username, month=month, notebook=staged["ipynb"], cell_index=index) from None
    except Exception as exc:  # kernel died, timed out, could not start ...
        kept = staged["ipynb"] if staged["ipynb"].exists() else None
        raise RenderError(
            f"report for @{username} {month} failed: {type(exc).__name__}: "
            f"{config.redact(str(exc))}" + (f". The partial notebook is kept at {kept}" if kept
                                            else ""),
            account=username, month=month, notebook=kept) from exc
    papermill_seconds = time.perf_counter() - t1
    first_cell, rest = _cell_seconds(staged["ipynb"])
    result.seconds.update(kernel=max(papermill_seconds - first_cell - rest, 0.0),
                          imports=first_cell, analysis=rest)
    title = f"@{username}: follower report for {pd.Timestamp(month + '-01'):%B %Y}"
    _clean_notebook(staged["ipynb"], notebook, title, paths["ipynb"].name)
    result.paths["ipynb"] = staged["ipynb"]
    lists = sorted(paths["ipynb"].parent.glob(lists_glob))
    result.lists = [p for p in lists if lists_before.get(p) != p.stat().st_mtime_ns]
    if "html" in formats or "pdf" in formats:
        t2 = time.perf_counter()
        html_report(staged["ipynb"], staged["html"],
                    footer=page_footer(st, username, month, opts.client_name), paper=paper)
        result.seconds["html"] = time.perf_counter() - t2
        if "html" in formats:
            result.paths["html"] = staged["html"]
        if "pdf" in formats:
            t3 = time.perf_counter()
            pdf_from_html(staged["html"], staged["pdf"])
            result.seconds["pdf"] = time.perf_counter() - t3
            result.paths["pdf"] = staged["pdf"]
            if "html" not in formats:
                staged["html"].unlink()
    _check_no_secrets([*result.paths.values(), *result.lists])
    for fmt, path in paths.items():  # now the earlier run's files give way, all at once
        if fmt in result.paths:
            os.replace(result.paths[fmt], path)
            result.paths[fmt] = path
        else:
            path.unlink(missing_ok=True)
    for stale in set(lists) - set(result.lists):  # a list this month's report no longer has
        stale.unlink(missing_ok=True)
    result.seconds["total"] = time.perf_counter() - t0
    log.info("rendered @%s %s in %.1f s: %s", username, month, result.seconds["total"],
             ", ".join(str(p) for p in result.paths.values()))
    return result


