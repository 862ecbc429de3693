"""Monthly client reports: papermill runs a notebook, nbconvert makes HTML, Chromium makes a PDF.

One report::

    from follower_kit import report
    result = report.render("brightwave", month="2026-10", formats=("html", "pdf"))
    result.paths["html"]          # reports/brightwave/brightwave-2026-10.html

Many (an agency's clients, in parallel processes)::

    batch = report.render_batch(report.read_clients("clients.toml"), month="2026-10")
    batch.index                   # reports/index.html linking every report
    batch.failures                # the clients whose report failed, with the reason

The notebook (``notebooks/monthly_report.ipynb``) does the analysis by calling the package; this
module only loads a month of data for it (:func:`load_month`), executes it, and renders the result:

* the executed notebook is always kept next to the report for audit, also when a cell fails (then
  :class:`RenderError` names the cell and the partial notebook);
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
import shutil
import subprocess
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from . import config
from .errors import ConfigError, FollowerKitError, SourceError
from .store import Store

log = logging.getLogger(__name__)

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
REPORT_NOTEBOOK = NOTEBOOKS / "monthly_report.ipynb"
FORMATS = ("html", "pdf", "ipynb")
DEFAULT_OUT = Path("reports")
SKIP_TAG = "report-skip"  # cells for the analyst (notes, checks) that stay out of the report
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-extensions", "--disable-default-apps", "--mute-audio",
                  "--no-pdf-header-footer", "--hide-scrollbars")


class RenderError(FollowerKitError):
    """A report could not be rendered.

    Attributes
    ----------
    account, month : str
    notebook : Path or None
        The executed (partial) notebook, kept for inspection.
    cell_index : int or None
        Index (0-based) of the failing cell in the notebook that was executed (the template, not
        counting the cells papermill adds), when a cell failed.
    """

    def __init__(self, message: str, *, account: str = "", month: str = "",
                 notebook: Path | None = None, cell_index: int | None = None):
        super().__init__(message)
        self.account = account
        self.month = month
        self.notebook = notebook
        self.cell_index = cell_index


# ------------------------------------------------------------------------------------ the data
@dataclass
class MonthData:
    """One account's data for one report month, as the report notebook uses it.

    Attributes
    ----------
    account : dict
        ``id``, ``username``, ``name`` of the followed account.
    month : str
        ``YYYY-MM``.
    snapshot_at : Timestamp
        The last snapshot in the month: the report's figures are as of then (an archive exported
        mid-month, or a report of the month so far, is not the month's end).
    previous_snapshot_at : Timestamp or None
        The last snapshot before the month (None in the first month on record).
    snapshots : DataFrame
        :meth:`Store.snapshots` up to ``snapshot_at``.
    edges : DataFrame
        Canonical followers frame of every snapshot up to ``snapshot_at``.
    followers : DataFrame
        :meth:`Store.followers` at ``snapshot_at`` (profiles, ``position``, ``snapshot_at``).
    previous_followers : DataFrame
        The same at ``previous_snapshot_at`` (empty in the first month).
    tweets : DataFrame
        Stored tweets of the followers at ``snapshot_at`` created up to the end of the month.
    following : DataFrame or None
        The account's own following list (table ``following``), when stored.
    unavailable : DataFrame
        Followers X reported deleted or suspended (:meth:`Store.unavailable`: ``id``,
        ``reason``, ``observed_at``).
    """

    account: dict
    month: str
    snapshot_at: pd.Timestamp
    previous_snapshot_at: pd.Timestamp | None
    snapshots: pd.DataFrame
    edges: pd.DataFrame
    followers: pd.DataFrame
    previous_followers: pd.DataFrame
    tweets: pd.DataFrame
    following: pd.DataFrame | None = None
    unavailable: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["id", "reason", "observed_at"]))

    @property
    def first_month(self) -> bool:
        """True when no snapshot precedes the month: nobody can be told apart as new or lost."""
        return self.previous_snapshot_at is None

    @property
    def new_followers(self) -> pd.DataFrame:
        """Followers at ``snapshot_at`` who were not at ``previous_snapshot_at`` (none in the
        first month on record: without an earlier list, nobody is known to be new);
        ``followers`` columns, newest first."""
        if self.first_month:
            return self.followers.iloc[0:0]
        return self.followers[~self.followers["id"].isin(self.previous_followers["id"])]

    @property
    def lost_followers(self) -> pd.DataFrame:
        """Followers at ``previous_snapshot_at`` who no longer follow; ``followers`` columns."""
        return self.previous_followers[~self.previous_followers["id"].isin(self.followers["id"])]

    @property
    def month_start(self) -> pd.Timestamp:
        return pd.Timestamp(self.month + "-01", tz="UTC")

    @property
    def month_end(self) -> pd.Timestamp:
        return self.month_start + pd.offsets.MonthBegin(1)


def _month_key(times: pd.Series) -> pd.Series:
    return pd.to_datetime(times, utc=True).dt.strftime("%Y-%m")


def check_month(month: str) -> str:
    """Validate a ``YYYY-MM`` month and return it."""
    try:
        ts = pd.Timestamp(f"{month}-01")
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"month must look like 2026-10 (YYYY-MM), not {month!r}") from exc
    if ts.strftime("%Y-%m") != month:
        raise ConfigError(f"month must look like 2026-10 (YYYY-MM), not {month!r}")
    return month


def check_tz(tz: str) -> str:
    """Validate an IANA time zone name (``Europe/Berlin``) and return it."""
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"unknown time zone {tz!r}: use an IANA name such as 'UTC', "
                          "'Europe/Berlin' or 'America/New_York'") from exc
    return tz


def last_full_month(snapshot_times: Iterable, now=None) -> str:
    """The latest month that has ended (before ``now``, default today) and has a snapshot.

    When every snapshot falls in the current month, that month is used (a report on the data so
    far beats no report).
    """
    times = pd.to_datetime(pd.Series(list(snapshot_times)), utc=True)
    if times.empty:
        raise ConfigError("there are no snapshots to report on")
    now = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    current = (now.tz_convert("UTC") if now.tzinfo else now).strftime("%Y-%m")
    months = sorted(set(_month_key(times)))
    full = [m for m in months if m < current]
    return full[-1] if full else months[-1]


def load_month(store: Store | str | os.PathLike | None, account: str, month: str | None = None,
               *, now=None) -> MonthData:
    """Everything the monthly report needs about ``account`` in ``month`` (default: the last full
    month with data), read from the store.

    Returns
    -------
    MonthData
    """
    store = store if isinstance(store, Store) else Store(store or None)
    account_id = store.resolve(account)
    snaps = store.snapshots(account_id)
    if snaps.empty:
        raise ConfigError(f"account {account!r} has no snapshots in {store.path}")
    month = check_month(month) if month else last_full_month(snaps["snapshot_at"], now)
    keys = _month_key(snaps["snapshot_at"])
    in_month = snaps[keys == month]
    if in_month.empty:
        raise ConfigError(f"@{snaps['username'].iloc[-1]} has no snapshot in {month}; months with "
                          f"data: {', '.join(sorted(set(keys)))}")
    at = in_month["snapshot_at"].iloc[-1]
    earlier = snaps[keys < month]
    previous_at = earlier["snapshot_at"].iloc[-1] if len(earlier) else None
    upto = snaps[snaps["snapshot_at"] <= at].reset_index(drop=True)
    edges = store.follower_edges(account_id, snapshots=list(upto["snapshot_at"]))
    followers = store.followers(account_id, at)
    previous = (store.followers(account_id, previous_at) if previous_at is not None
                else followers.iloc[0:0])
    end = pd.Timestamp(month + "-01", tz="UTC") + pd.offsets.MonthBegin(1)
    tweets = store.tweets(account_id, authors=followers["id"])
    tweets = tweets[tweets["created_at"] < end].reset_index(drop=True)
    last = snaps.iloc[-1]
    name = store.accounts().set_index("account_id").loc[account_id, "name"]
    return MonthData(
        account={"id": account_id, "username": str(last["username"]),
                 "name": None if pd.isna(name) else str(name)},
        month=month, snapshot_at=at, previous_snapshot_at=previous_at, snapshots=upto,
        edges=edges, followers=followers, previous_followers=previous, tweets=tweets,
        following=store.read_table("following", account_id),
        unavailable=store.unavailable(account_id))


def month_headline(store: Store | str | os.PathLike | None, account: str, month: str) -> dict:
    """The month's headline numbers (:func:`~follower_kit.report_text.headline`: followers, new,
    lost, net, growth_rate ...) straight from the store, without rendering: for the batch index.
    """
    from . import report_text as rt
    from .analysis import growth

    store = store if isinstance(store, Store) else Store(store or None)
    account_id = store.resolve(account)
    monthly = growth.monthly_growth(store.follower_edges(account_id),
                                    snapshots=store.snapshots(account_id)["snapshot_at"])
    return rt.headline(monthly, month)


FIT_SAMPLE = 20_000


def fit_sample(frame: pd.DataFrame, n: int = FIT_SAMPLE, *, seed: int = 0) -> pd.DataFrame:
    """At most ``n`` rows of ``frame``, a seeded random sample when it is larger (in the original
    order), for fitting a model that is then applied to every row.

    A topic model learns its segments as well from 20,000 followers as from 100,000, at a
    fifth of the cost; every follower is still assigned and counted, so no number in the report
    is an estimate from the sample.

    Returns
    -------
    DataFrame
        ``frame`` itself when it has at most ``n`` rows, else ``n`` of its rows.
    """
    if len(frame) <= n:
        return frame
    return frame.sample(n=n, random_state=seed).sort_index()


# ------------------------------------------------------------------------------- parameters
def segment_followers(documents: pd.DataFrame, n_segments: int | str = "auto", *,
                      seed: int = 0) -> pd.DataFrame:
    """Every follower's topic segment: segments learned on :func:`fit_sample` of ``documents``,
    then assigned to all of them (:meth:`TopicSegmenter.assign` columns).

    With too little text to learn from (fewer documents with a bio or posts than three per
    segment, as when followers were imported from an X archive without profiles) everyone is
    ``(unassigned)``: the report says so instead of failing.
    """
    from .analysis import topics

    k = 8 if n_segments == "auto" else int(n_segments)
    with_text = int((documents["text"].astype("str").fillna("").str.strip() != "").sum())
    if with_text < 3 * max(k, 3):
        n = len(documents)
        log.info("segments: %d of %d followers have text, too few to learn from", with_text, n)
        return pd.DataFrame({
            "follower_id": documents["follower_id"].astype("str").to_numpy(),
            "segment": np.full(n, -1, dtype="int64"),
            "label": pd.Series(["(unassigned)"] * n, dtype="str"),
            "membership": np.zeros(n), "explained": np.zeros(n), "x": np.zeros(n),
            "y": np.zeros(n)})
    model = topics.TopicSegmenter(n_segments, random_state=seed).fit(
        fit_sample(documents, seed=seed))
    return model.assign(documents)


def report_parameters(account: str, *, month: str = "", store: str | os.PathLike | None = None,
                      top_n: int = 10, tz: str = "UTC", client_name: str = "",
                      bot_threshold: float = 0.5, block_threshold: float = 0.85,
                      segments: int = 8) -> dict:
    """The parameters the CLI passes to ``monthly_report.ipynb`` (never a secret).

    Returns
    -------
    dict
        ``account``, ``month`` (``YYYY-MM``, "" for the default), ``store`` (absolute path, "" for
        the default), ``top_n``, ``tz``, ``client_name``, ``bot_threshold`` (counted as a likely
        bot from this score), ``block_threshold`` (on the block list from this score: higher, since
        a block list wrongly naming a real person costs more than a share), ``segments`` (number
        of audience segments, 0 to choose it by stability).
    """
    if not 0.0 < float(bot_threshold) < 1.0:
        raise ConfigError(f"bot_threshold must be between 0 and 1, not {bot_threshold!r}")
    if not float(bot_threshold) <= float(block_threshold) < 1.0:
        raise ConfigError(f"block_threshold must be between bot_threshold ({bot_threshold!r}) and "
                          f"1, not {block_threshold!r}")
    if int(segments) < 0 or int(segments) == 1:
        raise ConfigError(f"segments must be 0 (automatic) or at least 2, not {segments!r}")
    return {
        "account": str(account).removeprefix("@"),
        "month": month or "",
        "store": str(Path(store).expanduser().resolve()) if store else "",
        "top_n": int(top_n),
        "tz": check_tz(tz),
        "client_name": client_name or "",
        "bot_threshold": float(bot_threshold),
        "block_threshold": float(block_threshold),
        "segments": int(segments),
    }


def notebook_parameters(notebook: str | os.PathLike = REPORT_NOTEBOOK) -> dict:
    """The parameters a notebook declares in its ``parameters`` cell (papermill's inspection).

    Returns
    -------
    dict
        name -> papermill's description (``default``, ``inferred_type_name``, ``help``).
    """
    import papermill

    return papermill.inspect_notebook(str(notebook))


# ------------------------------------------------------------------------------- the kernel
def _kernel_manager_class():
    """An AsyncKernelManager that starts the kernel without credentials in its environment."""
    from jupyter_client.manager import AsyncKernelManager

    class KernelWithoutSecrets(AsyncKernelManager):
        async def start_kernel(self, **kw):
            env = dict(kw.pop("env", None) or os.environ)
            for name in config.SECRET_ENVS:
                env.pop(name, None)
            kw["env"] = env
            if not log.isEnabledFor(logging.DEBUG):
                # the kernel's own chatter (transport warnings); cell output travels over ZMQ
                kw.setdefault("stderr", subprocess.DEVNULL)
            return await super().start_kernel(**kw)

    return KernelWithoutSecrets


WARM_ENGINE = "follower-kit-warm"


def _register_warm_engine() -> None:
    """A papermill engine that runs a notebook on a kernel it is given and leaves it running.

    Batch workers keep one kernel each: the next client's report skips the kernel start and the
    imports (about half of a small report's time). The kernel is reset between reports
    (:func:`_reset_kernel`), so no variable carries over and execution counts start at 1.
    """
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    if WARM_ENGINE in papermill_engines._engines:
        return

    class WarmKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False,
                                     stdout_file=None, stderr_file=None, start_timeout=60,
                                     execution_timeout=None, km=None, **kwargs):
            client = PapermillNotebookClient(
                nb_man, km=km, timeout=execution_timeout, startup_timeout=start_timeout,
                kernel_name=kernel_name, log=logging.getLogger("papermill"),
                log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file)
            try:
                return client.execute()
            finally:
                if client.kc is not None:  # the client is per report; the kernel stays
                    client.kc.stop_channels()

    papermill_engines.register(WARM_ENGINE, WarmKernelEngine)


def _reset_kernel(km) -> None:
    """Forget everything a previous report left in a kernel: variables, figures, history."""
    from jupyter_client import BlockingKernelClient

    client = BlockingKernelClient()
    client.load_connection_info(km.get_connection_info())
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        reply = client.execute_interactive(
            "import matplotlib.pyplot as _plt; _plt.close('all'); del _plt\n"
            "get_ipython().reset(new_session=True)", store_history=False, timeout=60,
            output_hook=lambda msg: None)
    finally:
        client.stop_channels()
    if reply["content"]["status"] != "ok":
        raise RenderError(f"could not reset the worker's kernel: {reply['content']}")


_WORKER_KERNEL: dict = {}
WORKER_KERNEL_REPORTS = 25  # a fresh kernel after this many reports bounds any slow growth


def _worker_kernel():
    """This process's reusable kernel manager (started by the first report that uses it)."""
    import multiprocessing.util

    state = _WORKER_KERNEL
    if state.get("km") is not None and state["uses"] >= WORKER_KERNEL_REPORTS:
        _drop_worker_kernel()
    if state.get("km") is None:
        state["km"] = _kernel_manager_class()(kernel_name="python3")
        state["uses"] = 0
        if not state.get("finalizer"):
            state["finalizer"] = multiprocessing.util.Finalize(None, _drop_worker_kernel,
                                                               exitpriority=10)
    elif state["km"].has_kernel:
        _reset_kernel(state["km"])
    state["uses"] += 1
    return state["km"]


def _drop_worker_kernel() -> None:
    from jupyter_core.utils import run_sync

    km = _WORKER_KERNEL.pop("km", None)
    if km is not None and km.has_kernel:
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # already dead: nothing to shut down
            log.debug("worker kernel was already gone", exc_info=True)


# --------------------------------------------------------------------------------- rendering
@dataclass
class RenderResult:
    """What :func:`render` produced.

    Attributes
    ----------
    account, month : str
    paths : dict
        format -> Path (``ipynb`` always, ``html``/``pdf`` when asked).
    seconds : dict
        Stage timings: ``load`` (checks before the kernel), ``kernel`` (kernel start and papermill
        overhead), ``imports`` (the first code cell), ``analysis`` (the other cells), ``html``,
        ``pdf``, ``total``.
    """

    account: str
    month: str
    paths: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)


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


def _clean_notebook(nb_path: Path, template: Path, title: str) -> None:
    """Make the kept notebook portable and reproducible: no local paths in its metadata."""
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    pm = nb.metadata.get("papermill", {})
    pm["input_path"] = template.name
    pm["output_path"] = nb_path.name
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


REPORT_CSS = """
body.jp-Notebook { max-width: 1040px; margin: 0 auto; padding: 24px 32px; }
.jp-Cell { padding: 0; }
.jp-OutputArea-output img { max-width: 100%; height: auto; }
.fk-title h1 { margin: 0 0 4px 0; font-size: 28px; }
.fk-title .fk-subtitle { color: #555; margin: 0 0 12px 0; }
.fk-prose { font-size: 15px; line-height: 1.5; max-width: 860px; }
.fk-cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0 16px 0; }
.fk-card { border: 1px solid #d8dde3; border-radius: 8px; padding: 10px 16px; min-width: 150px; }
.fk-card-value { font-size: 24px; font-weight: 600; }
.fk-card-label { color: #555; font-size: 13px; }
.fk-card-note { color: #777; font-size: 12px; }
table.fk-table { border-collapse: collapse; font-size: 13px; margin: 8px 0 16px 0;
                 table-layout: auto; max-width: 100%; }
table.fk-table caption { caption-side: top; text-align: left; color: #555; padding: 4px 0; }
.jp-RenderedHTMLCommon table.fk-table th { text-align: left; border-bottom: 2px solid #c8cdd3;
                                           padding: 4px 8px; }
.jp-RenderedHTMLCommon table.fk-table td { text-align: left; border-bottom: 1px solid #e5e8eb;
  padding: 4px 8px; vertical-align: top; unicode-bidi: isolate; overflow-wrap: anywhere;
  max-width: 420px; }
.jp-RenderedHTMLCommon table.fk-table td.fk-num { text-align: right; white-space: nowrap; }
.fk-empty { color: #777; font-style: italic; }
@media print { body.jp-Notebook { padding: 0; } .jp-Cell { break-inside: avoid; } }
"""

# No script of any kind may run in a report: the policy blocks them, and the template drops the
# require.js, MathJax, mermaid and widget loaders the lab template would fetch from a CDN.
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
       "base-uri 'none'; form-action 'none'")
_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}
<meta http-equiv="Content-Security-Policy" content="{{ resources.fk_csp }}">
{%- endblock html_head_js -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block extra_css %}<style type="text/css">{{ resources.fk_css }}</style>{% endblock extra_css %}
{% block data_png scoped %}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}" alt="{{ output.metadata.get('fk_alt', 'Chart') | escape_html }}">
</div>
{% endblock data_png %}
"""


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
    exporter = HTMLExporter(extra_loaders=[DictLoader({"fk_report.html.j2": _TEMPLATE})],
                            template_file="fk_report.html.j2", exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True,
                            embed_images=True)
    body, _ = exporter.from_notebook_node(
        nb, resources={"fk_css": REPORT_CSS, "fk_csp": CSP,
                       "metadata": {"name": Path(nb_path).stem}})
    html_path = Path(html_path)
    html_path.write_text(body, encoding="utf-8")
    return html_path


def find_chromium() -> str | None:
    """Path of a headless-capable Chromium (``$FOLLOWER_KIT_CHROMIUM`` first), or None."""
    explicit = os.environ.get("FOLLOWER_KIT_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else shutil.which(explicit)
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def pdf_from_html(html_path: str | os.PathLike, pdf_path: str | os.PathLike, *,
                  chromium: str | None = None, timeout: float = 120) -> Path:
    """Print an HTML file to PDF with headless Chromium (no network, a throwaway profile).

    Returns
    -------
    Path
        ``pdf_path``.
    """
    chromium = chromium or find_chromium()
    if not chromium:
        raise ConfigError("PDF needs Chromium: install it (Debian: apt-get install chromium) or set "
                          "FOLLOWER_KIT_CHROMIUM to its path; or ask for --format html")
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path).resolve()
    with tempfile.TemporaryDirectory(prefix="fk-chromium-") as profile:
        cmd = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
               f"--print-to-pdf={pdf_path}", html_path.as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  env={k: v for k, v in os.environ.items()
                                       if k not in config.SECRET_ENVS})
        except subprocess.TimeoutExpired as exc:
            raise RenderError(f"Chromium did not print {html_path} within {timeout:.0f} s") from exc
    if proc.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        raise RenderError(f"Chromium could not print {html_path} to PDF (exit {proc.returncode}):"
                          f"\n{tail}")
    return pdf_path


def _check_no_secrets(paths: Iterable[Path]) -> None:
    secrets = config.known_secrets()
    if not secrets:
        return
    for path in paths:
        data = path.read_bytes()
        for secret in secrets:
            if secret.encode() in data:
                path.unlink()
                raise RenderError(f"{path.name} contained a credential and was deleted; a "
                                  "notebook cell must be printing the environment or a client")


def output_paths(out_dir: str | os.PathLike, username: str, month: str) -> dict:
    """Where one report goes: ``OUT/<account>/<account>-<YYYY-MM>.{ipynb,html,pdf}``."""
    base = Path(out_dir) / username
    stem = f"{username}-{month}"
    return {fmt: base / f"{stem}.{fmt}" for fmt in FORMATS}


def render(account: str, *, month: str | None = None, store: str | os.PathLike | None = None,
           formats: Sequence[str] = ("html",), out_dir: str | os.PathLike = DEFAULT_OUT,
           top_n: int = 10, tz: str = "UTC", client_name: str = "", bot_threshold: float = 0.5,
           block_threshold: float = 0.85, segments: int = 8,
           notebook: str | os.PathLike = REPORT_NOTEBOOK,
           kernel_name: str = "python3", timeout: float | None = 600, now=None,
           kernel_manager=None) -> RenderResult:
    """Render one monthly report.

    Parameters
    ----------
    account : str
        Handle or id of an account in the store.
    month : str, optional
        ``YYYY-MM``; default the last full month that has data.
    store : path, optional
        Store directory (default ``$FOLLOWER_KIT_STORE`` or ``data/store``).
    formats : sequence of {"html", "pdf", "ipynb"}
        Outputs besides the executed notebook, which is always kept.
    out_dir : path
        Reports go to ``out_dir/<account>/<account>-<month>.<format>``.
    top_n, tz, client_name, bot_threshold, block_threshold, segments
        Notebook parameters (see :func:`report_parameters`).
    notebook : path
        The notebook to execute (default ``notebooks/monthly_report.ipynb``).
    timeout : float, optional
        Seconds a single cell may run.
    kernel_manager : jupyter_client kernel manager, optional
        Run on this kernel and leave it running (batch workers reuse one); default a fresh
        kernel, without credentials in its environment, shut down afterwards.

    Returns
    -------
    RenderResult

    Raises
    ------
    RenderError
        When a cell fails: names the cell and keeps the partial notebook.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    t0 = time.perf_counter()
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ConfigError(f"unknown report format(s) {unknown}; choose from {', '.join(FORMATS)}")
    notebook = Path(notebook)
    if not notebook.is_file():
        raise ConfigError(f"report notebook {notebook} not found (it ships in notebooks/ of the "
                          "follower-kit source tree)")
    st = Store(store or None)
    account_id = st.resolve(account)
    snaps = st.snapshots(account_id)
    username = str(snaps["username"].iloc[-1])
    month = check_month(month) if month else last_full_month(snaps["snapshot_at"], now)
    if not (_month_key(snaps["snapshot_at"]) == month).any():
        raise ConfigError(f"@{username} has no snapshot in {month}; months with data: "
                          f"{', '.join(sorted(set(_month_key(snaps['snapshot_at']))))}")
    if "pdf" in formats and not find_chromium():
        raise ConfigError("PDF needs Chromium (Debian: apt-get install chromium, or set "
                          "FOLLOWER_KIT_CHROMIUM); ask for --format html to skip the PDF")
    params = report_parameters(username, month=month, store=st.path, top_n=top_n, tz=tz,
                               client_name=client_name, bot_threshold=bot_threshold,
                               block_threshold=block_threshold, segments=segments)
    paths = output_paths(out_dir, username, month)
    paths["ipynb"].parent.mkdir(parents=True, exist_ok=True)
    for stale in paths.values():
        stale.unlink(missing_ok=True)
    result = RenderResult(account=username, month=month)
    result.seconds["load"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    log.info("rendering @%s %s with %s", username, month, notebook.name)
    if kernel_manager is None:
        engine = {"kernel_manager_class": _kernel_manager_class()}
    else:
        _register_warm_engine()
        engine = {"engine_name": WARM_ENGINE, "km": kernel_manager}
    try:
        papermill.execute_notebook(
            str(notebook), str(paths["ipynb"]), parameters=params, kernel_name=kernel_name,
            progress_bar=False, log_output=False, request_save_on_cell_execute=True,
            execution_timeout=timeout, **engine)
    except PapermillExecutionError as exc:
        index, first = _failing_cell(paths["ipynb"])
        where = (f"cell {index} of {notebook.name} (In [{exc.exec_count}])" if index is not None
                 else f"cell In [{exc.exec_count}] of {notebook.name}")
        raise RenderError(
            f"report for @{username} {month} failed in {where} ({first!r}): {exc.ename}: "
            f"{config.redact(str(exc.evalue))}. The partial notebook is kept at {paths['ipynb']}",
            account=username, month=month, notebook=paths["ipynb"], cell_index=index) from None
    except Exception as exc:  # kernel died, timed out, could not start ...
        kept = paths["ipynb"] if paths["ipynb"].exists() else None
        raise RenderError(
            f"report for @{username} {month} failed: {type(exc).__name__}: "
            f"{config.redact(str(exc))}" + (f". The partial notebook is kept at {kept}" if kept
                                            else ""),
            account=username, month=month, notebook=kept) from exc
    papermill_seconds = time.perf_counter() - t1
    first_cell, rest = _cell_seconds(paths["ipynb"])
    result.seconds.update(kernel=max(papermill_seconds - first_cell - rest, 0.0),
                          imports=first_cell, analysis=rest)
    title = f"@{username}: follower report for {pd.Timestamp(month + '-01'):%B %Y}"
    _clean_notebook(paths["ipynb"], notebook, title)
    result.paths["ipynb"] = paths["ipynb"]
    if "html" in formats or "pdf" in formats:
        t2 = time.perf_counter()
        html_report(paths["ipynb"], paths["html"])
        result.seconds["html"] = time.perf_counter() - t2
        if "html" in formats:
            result.paths["html"] = paths["html"]
        if "pdf" in formats:
            t3 = time.perf_counter()
            pdf_from_html(paths["html"], paths["pdf"])
            result.seconds["pdf"] = time.perf_counter() - t3
            result.paths["pdf"] = paths["pdf"]
            if "html" not in formats:
                paths["html"].unlink()
    _check_no_secrets(result.paths.values())
    result.seconds["total"] = time.perf_counter() - t0
    log.info("rendered @%s %s in %.1f s: %s", username, month, result.seconds["total"],
             ", ".join(str(p) for p in result.paths.values()))
    return result


# ------------------------------------------------------------------------------------- batch
@dataclass
class Client:
    """One client of a batch: an account and how to render its report."""

    account: str
    name: str = ""
    store: str = ""
    tz: str = "UTC"
    top_n: int = 10
    formats: tuple = ("html",)
    bot_threshold: float = 0.5
    block_threshold: float = 0.85
    segments: int = 8


_CLIENT_KEYS = {"account", "name", "store", "tz", "top_n", "formats", "bot_threshold",
                "block_threshold", "segments", "sample"}


def read_clients(path: str | os.PathLike) -> list[Client]:
    """Read a batch file: a ``[defaults]`` table and one ``[[client]]`` table per account.

    Example::

        [defaults]
        store = "data/store"     # relative paths are relative to this file
        tz = "Europe/Berlin"
        formats = ["html", "pdf"]

        [[client]]
        account = "brightwave"
        name = "Brightwave Studio"

    Returns
    -------
    list of Client
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourceError(f"cannot read the clients file {path}: {exc}", path=path) from exc
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        raise SourceError(f"{path}: not valid TOML: {exc}", path=path, line=line) from exc
    defaults = data.get("defaults", {})
    entries = data.get("client", [])
    if not isinstance(entries, list) or not entries:
        raise SourceError(f"{path}: no [[client]] tables (each needs account = \"handle\")",
                          path=path)
    clients = []
    for i, entry in enumerate(entries, start=1):
        merged = {**defaults, **entry}
        where = f"{path}: client #{i}"
        unknown = sorted(set(merged) - _CLIENT_KEYS)
        if unknown:
            raise SourceError(f"{where} has unknown key(s) {unknown}; allowed: "
                              f"{', '.join(sorted(_CLIENT_KEYS))}", path=path)
        if not merged.get("account"):
            raise SourceError(f"{where} has no account = \"handle\"", path=path)
        store = merged.get("store", "")
        if store and not Path(store).expanduser().is_absolute():
            store = str((path.parent / store).resolve())
        formats = merged.get("formats", ["html"])
        formats = (formats,) if isinstance(formats, str) else tuple(formats)
        bad = sorted(set(formats) - set(FORMATS))
        if bad:
            raise SourceError(f"{where}: unknown format(s) {bad}; choose from "
                              f"{', '.join(FORMATS)}", path=path)
        tz = str(merged.get("tz", "UTC"))
        try:
            check_tz(tz)
        except ConfigError as exc:
            raise SourceError(f"{where}: {exc}", path=path) from None
        client = Client(account=str(merged["account"]).removeprefix("@"),
                        name=str(merged.get("name", "")), store=store, tz=tz,
                        top_n=int(merged.get("top_n", 10)), formats=formats,
                        bot_threshold=float(merged.get("bot_threshold", 0.5)),
                        block_threshold=float(merged.get("block_threshold", 0.85)),
                        segments=int(merged.get("segments", 8)))
        try:  # the thresholds and segments are checked here, not in the middle of the batch
            report_parameters(client.account, bot_threshold=client.bot_threshold,
                              block_threshold=client.block_threshold, segments=client.segments)
        except ConfigError as exc:
            raise SourceError(f"{where}: {exc}", path=path) from None
        clients.append(client)
    return clients


@dataclass
class BatchResult:
    """What :func:`render_batch` produced.

    Attributes
    ----------
    results : list of dict
        One per client, in file order: ``account``, ``name``, ``month``, ``ok``, ``paths``
        (format -> path), ``error`` (message or ""), ``seconds``, and for rendered reports
        ``headline`` (``followers``, ``new``, ``lost``, ``net``, ``growth_rate``; None where
        unknown, e.g. the first month on record).
    index : Path
        ``index.html`` linking every report.
    """

    results: list
    index: Path

    @property
    def failures(self) -> list:
        return [r for r in self.results if not r["ok"]]


def _render_client(client: Client, month: str | None, out_dir: str, now=None,
                   reuse_kernel: bool = True) -> dict:
    """Render one client's report in a worker process; never raises (the batch goes on)."""
    start = time.perf_counter()
    row = {"account": client.account, "name": client.name, "month": month or "", "ok": False,
           "paths": {}, "error": "", "seconds": 0.0}
    try:
        result = render(client.account, month=month, store=client.store or None,
                        formats=client.formats, out_dir=out_dir, top_n=client.top_n,
                        tz=client.tz, client_name=client.name,
                        bot_threshold=client.bot_threshold,
                        block_threshold=client.block_threshold, segments=client.segments, now=now,
                        kernel_manager=_worker_kernel() if reuse_kernel else None)
        row.update(ok=True, month=result.month, account=result.account,
                   paths={k: str(v) for k, v in result.paths.items()})
        h = month_headline(client.store or None, client.account, result.month)
        row["headline"] = {k: h[k] for k in ("followers", "new", "lost", "net", "growth_rate")}
    except Exception as exc:  # one client's failure must not stop the batch
        if reuse_kernel:
            _drop_worker_kernel()  # whatever state the failure left, the next client starts clean
        row["error"] = config.redact(f"{type(exc).__name__}: {exc}" if not isinstance(
            exc, FollowerKitError) else str(exc))
        notebook = getattr(exc, "notebook", None)
        if notebook:
            row["paths"] = {"ipynb": str(notebook)}
    row["seconds"] = time.perf_counter() - start
    return row


def render_batch(clients: Sequence[Client], *, month: str | None = None,
                 out_dir: str | os.PathLike = DEFAULT_OUT, workers: int = 2,
                 progress: Callable[[dict], None] | None = None, now=None,
                 reuse_kernel: bool = True) -> BatchResult:
    """Render many clients' reports in parallel processes and write an ``index.html``.

    Parameters
    ----------
    clients : sequence of Client
        See :func:`read_clients`.
    month : str, optional
        ``YYYY-MM`` for every client; default each client's last full month with data.
    workers : int
        Parallel processes (each runs one kernel at a time).
    progress : callable, optional
        Called with each client's result dict as it finishes (the CLI advances a bar).
    reuse_kernel : bool
        Each worker keeps one kernel for its reports, reset between clients (no variable or
        figure carries over; a failed report gets the next client a fresh kernel). False starts
        a kernel per report.

    Returns
    -------
    BatchResult
        One failure does not stop the others; ``failures`` lists them.
    """
    from concurrent.futures import ProcessPoolExecutor, as_completed
    import multiprocessing as mp

    if month:
        check_month(month)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: list = [None] * len(clients)
    with ProcessPoolExecutor(max_workers=max(1, int(workers)),
                             mp_context=mp.get_context("spawn")) as pool:
        futures = {pool.submit(_render_client, c, month, str(out_dir), now, reuse_kernel): i
                   for i, c in enumerate(clients)}
        for future in as_completed(futures):
            i = futures[future]
            try:
                row = future.result()
            except Exception as exc:  # the worker process itself died
                c = clients[i]
                row = {"account": c.account, "name": c.name, "month": month or "", "ok": False,
                       "paths": {}, "error": f"worker crashed: {type(exc).__name__}: {exc}",
                       "seconds": 0.0}
            rows[i] = row
            if progress:
                progress(row)
    index = write_index(rows, out_dir)
    return BatchResult(results=rows, index=index)


def write_index(rows: Sequence[dict], out_dir: str | os.PathLike) -> Path:
    """``index.html`` in ``out_dir``: one line per client with links to its report files (relative,
    so the folder can be zipped and sent) or the reason it failed.

    Returns
    -------
    Path
    """
    from .report_text import escape

    out_dir = Path(out_dir)
    lines = []
    for r in rows:
        links = []
        for fmt in ("html", "pdf", "ipynb"):
            p = r["paths"].get(fmt)
            if p:
                rel = os.path.relpath(p, out_dir).replace(os.sep, "/")
                links.append(f'<a href="{escape(rel, None)}">{fmt.upper()}</a>')
        status = "ok" if r["ok"] else f'<span class="fail">failed: {escape(r["error"], 600)}</span>'
        h = r.get("headline") or {}

        def num(key, fmt="{:,}"):
            return fmt.format(h[key]) if h.get(key) is not None else "\u2013"
        net = num("net", "{:+,}") + (f" ({h['growth_rate']:+.1%})"
                                      if h.get("growth_rate") is not None else "")
        lines.append(f"<tr><td><bdi>{escape(r['name'] or r['account'], None)}</bdi></td>"
                     f"<td>@{escape(r['account'], None)}</td><td>{escape(r['month'], None)}</td>"
                     f"<td class=\"num\">{num('followers')}</td>"
                     f"<td class=\"num\">{escape(net, None)}</td>"
                     f"<td class=\"num\">{num('new')}</td><td class=\"num\">{num('lost')}</td>"
                     f"<td>{' · '.join(links)}</td><td>{status}</td>"
                     f"<td class=\"num\">{r['seconds']:.1f} s</td></tr>")
    failed = sum(not r["ok"] for r in rows)
    summary = f"{len(rows) - failed} of {len(rows)} reports rendered" + (
        f", {failed} failed" if failed else "")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>Follower reports</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1200px; margin: 2em auto; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 6px 8px; text-align: left; vertical-align: top; }}
td.num {{ text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }}
.fail {{ color: #a00; }}
td:nth-child(3), td:nth-child(8) {{ white-space: nowrap; }}
th.num {{ text-align: right; }}
</style></head><body>
<h1>Follower reports</h1>
<p>{escape(summary, None)}.</p>
<table><thead><tr><th>Client</th><th>Account</th><th>Month</th><th class="num">Followers</th>
<th class="num">Net growth</th><th class="num">New</th><th class="num">Lost</th><th>Report</th>
<th>Status</th><th class="num">Time</th></tr></thead><tbody>
{chr(10).join(lines)}
</tbody></table></body></html>
"""
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def result_json(result: RenderResult) -> str:
    """A JSON line describing a render (paths and timings), for scripts."""
    return json.dumps({"account": result.account, "month": result.month,
                       "paths": {k: str(v) for k, v in result.paths.items()},
                       "seconds": {k: round(v, 3) for k, v in result.seconds.items()}})
