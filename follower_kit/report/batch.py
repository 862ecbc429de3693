"""An agency's batch: a clients file, every client's report in parallel processes, an index.

The batch file has a ``[defaults]`` table and one ``[[client]]`` table per account; its keys are
the :class:`~follower_kit.audience.AudienceOptions` names plus ``formats``. Options given to
:func:`read_clients` as ``overrides`` (the command line's) apply to every client.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import config
from ..audience import AudienceOptions, check_month, headline_numbers
from ..errors import ConfigError, FollowerKitError, RenderError, SourceError
from . import kernels
from .rendering import DEFAULT_OUT, FORMATS, KERNEL_DIED, render
from .templates import render_page

log = logging.getLogger(__name__)

# "name" is the batch file's short spelling of client_name (kept: it reads naturally in a file
# of clients); "sample" is read by `follower-kit sample --batch`-style tooling and ignored here.
_ALIASES = {"name": "client_name"}
# Client-profile keys that are not report options yet: checked with the profile (config.
# client_profile), then left to the readers that use them.
_PROFILE_ONLY = set(config.PROFILE_KEYS) - set(AudienceOptions.names()) - set(_ALIASES)
_CLIENT_KEYS = set(AudienceOptions.names()) | {"formats", "sample"} | set(_ALIASES) | _PROFILE_ONLY


@dataclass(frozen=True)
class Client:
    """One client of a batch: the options of its report and the formats to render.

    The options' fields read as attributes too (``client.account``, ``client.store``, ...).
    """

    options: AudienceOptions
    formats: tuple = ("html",)

    def __getattr__(self, name):
        if name in AudienceOptions.names():
            return getattr(self.options, name)
        raise AttributeError(name)

    @property
    def name(self) -> str:
        return self.options.client_name


def read_clients(path: str | os.PathLike, overrides: Mapping | None = None) -> list[Client]:
    """Read a batch file: a ``[defaults]`` table and one ``[[client]]`` table per account.

    Example::

        [defaults]
        store = "data/store"     # relative paths are relative to this file
        tz = "Europe/Berlin"
        formats = ["html", "pdf"]

        [[client]]
        account = "brightwave"
        name = "Brightwave Studio"     # or client_name
        top_n = 5

    Parameters
    ----------
    overrides : mapping, optional
        Option names (and ``formats``) that apply to every client, over the file's values.

    Returns
    -------
    list of Client
        Every option is checked here, so a bad threshold or time zone stops the batch before it
        starts, naming the client.
    """
    path = Path(path)
    clients: list = []
    seen: dict = {}  # (account, month) -> client number
    for where, merged in config.read_batch_file(path):
        unknown = sorted(set(merged) - _CLIENT_KEYS)
        if unknown:
            raise SourceError(f"{where} has unknown key(s) {unknown}; allowed: "
                              f"{', '.join(sorted(_CLIENT_KEYS))}", path=path)
        if not merged.get("account"):
            raise SourceError(f"{where} has no account = \"handle\"", path=path)
        try:  # the profile's keys (language, topics, keywords, competitors) checked as one
            config.client_profile(merged, where=where)
        except ConfigError as exc:
            raise SourceError(str(exc), path=path) from None
        merged = {_ALIASES.get(k, k): v for k, v in merged.items()
                  if k != "sample" and k not in _PROFILE_ONLY}
        store = merged.get("store", "")
        if not isinstance(store, str):
            raise SourceError(f"{where}: store must be a folder path in quotes, got {store!r}",
                              path=path)
        if store and not Path(store).expanduser().is_absolute():
            merged["store"] = str((path.parent / store).resolve())
        merged.update({k: v for k, v in (overrides or {}).items() if v is not None})
        formats = merged.pop("formats", ["html"])
        formats = (formats,) if isinstance(formats, str) else tuple(formats)
        bad = sorted(set(formats) - set(FORMATS))
        if bad:
            raise SourceError(f"{where}: unknown format(s) {bad}; choose from "
                              f"{', '.join(FORMATS)}", path=path)
        try:
            options = AudienceOptions(**merged)
        except (ConfigError, TypeError) as exc:
            raise SourceError(f"{where}: {exc}", path=path) from None
        # the same account of one store twice: pulled twice, its reports overwriting each other
        # (one account in two stores is two clients: render_batch checks their report files)
        key = (options.store or "", options.account.lower(), options.month)
        if key in seen:
            raise SourceError(f"{where} repeats @{options.account} of client #{seen[key]}"
                              f"{' for ' + options.month if options.month else ''}: their "
                              "reports would overwrite each other; list each account once",
                              path=path)
        seen[key] = len(clients) + 1
        clients.append(Client(options=options, formats=formats))
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
                   reuse_kernel: bool = True, notebook: str | None = None) -> dict:
    """Render one client's report in a worker process; never raises (the batch goes on)."""
    start = time.perf_counter()
    row = {"account": client.account, "name": client.name, "month": month or client.month,
           "ok": False, "paths": {}, "error": "", "seconds": 0.0}
    try:
        options = client.options.replace(month=month) if month else client.options

        def render_once():
            return render(options, formats=client.formats, out_dir=out_dir, now=now,
                          notebook=notebook,
                          kernel_manager=kernels.worker_kernel() if reuse_kernel else None)

        result = (_once_more_if_the_kernel_died(render_once, client) if reuse_kernel
                  else render_once())
        row.update(ok=True, month=result.month, account=result.account,
                   paths={k: str(v) for k, v in result.paths.items()})
        h = headline_numbers(client.store or None, client.account, result.month)
        row["headline"] = index_headline(h)
    except Exception as exc:  # one client's failure must not stop the batch
        if reuse_kernel:
            kernels.drop_worker_kernel()  # whatever the failure left, the next client starts clean
        row["error"] = config.redact(f"{type(exc).__name__}: {exc}" if not isinstance(
            exc, FollowerKitError) else str(exc))
        notebook_path = getattr(exc, "notebook", None)
        if notebook_path:
            row["paths"] = {"ipynb": str(notebook_path)}
    row["seconds"] = time.perf_counter() - start
    return row


def index_headline(h: Mapping) -> dict:
    """The numbers of :func:`~follower_kit.audience.headline_numbers` the index shows, and the
    stretch the new and lost cover: ``period`` is None in a monthly series, else ``"since the
    October 2022 snapshot"`` (archives exported months apart), as the report's cards say."""
    from .prose import period

    out = {k: h[k] for k in ("followers", "new", "lost", "net", "growth_rate")}
    stretch = period(h)
    out["period"] = None if stretch == "this month" else stretch
    return out


def _kernel_died(exc: RenderError) -> bool:
    """Whether a report failed because its kernel died before its first reply."""
    cause = exc.__cause__
    return isinstance(cause, RuntimeError) and KERNEL_DIED in str(cause)


def _once_more_if_the_kernel_died(render_once: Callable, client: Client):
    """Render on the worker's kernel; if that kernel died before its first reply, on a new one.

    Over tcp (where unix sockets are unavailable, :func:`~follower_kit.report.kernels.ipc_prefix`)
    two workers starting kernels at once can pick the same free port (jupyter_client picks it,
    the kernel binds it a moment later), and the kernel that loses dies before it answers.
    :func:`~follower_kit.report.rendering.render` starts its own kernels again once; a worker's
    kernel is this module's, so the worker drops it and starts another, once. Any other error,
    or a second death, fails the client.
    """
    try:
        return render_once()
    except RenderError as exc:
        if not _kernel_died(exc):
            raise
        log.warning("the worker's kernel for @%s died before it answered (%s); starting "
                    "another", client.account, exc)
    kernels.drop_worker_kernel()
    try:
        return render_once()
    except RenderError as again:
        if not _kernel_died(again):
            raise
        raise RenderError(f"{again} (a second kernel died the same way; run this client "
                          "again)", account=again.account, month=again.month,
                          notebook=again.notebook) from again


def _exit_with_parent(parent: int, poll: float = 0.5) -> None:
    """A worker's initializer: when the batch process is gone (killed by a cron timeout or
    ``kill``), shut this worker's kernel down and exit, instead of rendering the queued clients
    nobody will index and then waiting forever beside an idle kernel."""
    import threading

    def watch():
        while os.getppid() == parent:
            time.sleep(poll)
        try:
            kernels.drop_worker_kernel()
        finally:
            os._exit(1)

    threading.Thread(target=watch, name="follower-kit-parent-watch", daemon=True).start()


def render_batch(clients: Sequence[Client], *, month: str | None = None,
                 out_dir: str | os.PathLike = DEFAULT_OUT, workers: int = 2,
                 progress: Callable[[dict], None] | None = None, now=None,
                 reuse_kernel: bool = True, notebook: str | os.PathLike | None = None
                 ) -> BatchResult:
    """Render many clients' reports in parallel processes and write an ``index.html``.

    Parameters
    ----------
    clients : sequence of Client
        See :func:`read_clients`.
    month : str, optional
        ``YYYY-MM`` for every client; default each client's own ``month``, else its last full
        month with data.
    workers : int
        Parallel processes (each runs one kernel at a time).
    progress : callable, optional
        Called with each client's result dict as it finishes (the CLI advances a bar).
    reuse_kernel : bool
        Each worker keeps one kernel for its reports, reset between clients (no variable or
        figure carries over; a failed report gets the next client a fresh kernel). False starts
        a kernel per report.
    notebook : path, optional
        The notebook to execute (default the report notebook).

    Returns
    -------
    BatchResult
        One failure does not stop the others; ``failures`` lists them.
    """
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    if month:
        check_month(month)
    seen: dict = {}   # both would write OUT/<account>/<account>-<month>.*, the last one wins
    for i, c in enumerate(clients, start=1):
        key = (c.options.account.lower(), month or c.options.month)
        if key in seen:
            raise ConfigError(f"clients #{seen[key]} and #{i} both render @{c.options.account}"
                              f"{' for ' + key[1] if key[1] else ''} (from different stores): "
                              "their reports would overwrite each other; render them into "
                              "different output folders")
        seen[key] = i
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: list = [None] * len(clients)
    with ProcessPoolExecutor(max_workers=max(1, int(workers)),
                             mp_context=mp.get_context("spawn"),
                             initializer=_exit_with_parent, initargs=(os.getpid(),)) as pool:
        futures = {pool.submit(_render_client, c, month, str(out_dir), now, reuse_kernel,
                               str(notebook) if notebook else None): i
                   for i, c in enumerate(clients)}
        for future in as_completed(futures):
            i = futures[future]
            try:
                row = future.result()
            except Exception as exc:  # the worker process itself died
                c = clients[i]
                row = {"account": c.account, "name": c.name, "month": month or c.month,
                       "ok": False, "paths": {},
                       "error": f"worker crashed: {type(exc).__name__}: {exc}", "seconds": 0.0}
            rows[i] = row
            if progress:
                progress(row)
    index = write_index(rows, out_dir)
    return BatchResult(results=rows, index=index)


def _number(h: Mapping, key: str, fmt: str = "{:,}") -> str:
    return fmt.format(h[key]) if h.get(key) is not None else "\u2013"


def write_index(rows: Sequence[dict], out_dir: str | os.PathLike) -> Path:
    """``index.html`` in ``out_dir``: one line per client with links to its report files (relative,
    so the folder can be zipped and sent) or the reason it failed.

    Returns
    -------
    Path
    """
    from markupsafe import Markup

    from .html import escape

    out_dir = Path(out_dir)
    view = []
    for r in rows:
        h = r.get("headline") or {}
        links = [(fmt.upper(), os.path.relpath(r["paths"][fmt], out_dir).replace(os.sep, "/"))
                 for fmt in ("html", "pdf", "ipynb") if r["paths"].get(fmt)]
        net = _number(h, "net", "{:+,}") + (f" ({h['growth_rate']:+.1%})"
                                             if h.get("growth_rate") is not None else "")
        view.append({
            # strangers' text goes through the one escaping of the report (HTML, math, control
            # characters) and is marked safe so autoescape does not escape it twice
            "client": Markup(escape(r["name"] or r["account"], None)),
            "account": Markup(escape(r["account"], None)), "month": r["month"],
            "period": h.get("period"),
            "followers": _number(h, "followers"), "net": net, "new": _number(h, "new"),
            "lost": _number(h, "lost"), "links": links, "ok": r["ok"],
            "error": Markup(escape(r["error"], 600)), "seconds": f"{r['seconds']:.1f} s"})
    failed = sum(not r["ok"] for r in rows)
    summary = f"{len(rows) - failed} of {len(rows)} reports rendered" + (
        f", {failed} failed" if failed else "")
    path = out_dir / "index.html"
    path.write_text(render_page("index.html.j2", rows=view, summary=summary), encoding="utf-8")
    return path
