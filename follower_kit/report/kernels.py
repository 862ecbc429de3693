"""Kernels for the report: started without credentials, and a warm kernel per batch worker.

papermill's public API starts and stops a kernel per notebook. A batch worker instead keeps one
kernel and resets it between clients, which halves a small report's time (the kernel start and
the imports are about half of it). papermill has no public hook for "run on this kernel and
leave it running", so :func:`register_warm_engine` registers an engine through
``papermill.engines.papermill_engines`` and checks ``_engines``, its private registry, to
register only once. ``tests/test_report_package.py`` fails loudly if papermill changes either.
"""

from __future__ import annotations

import logging
import os
import subprocess

from .. import config
from ..errors import RenderError

log = logging.getLogger(__name__)


def ipc_prefix() -> str | None:
    """A new path for a kernel's unix sockets, or None where they are unavailable (tcp then).

    jupyter_client's tcp ports are free when it picks them and taken a moment later, when the
    kernel binds them: two batch workers starting kernels at once can pick the same one, and
    one kernel dies. Unix sockets named after a new random path in the temporary folder cannot
    clash (jupyter_client's own ipc default, ``kernel-ipc`` in the working directory, can).
    """
    import sys
    import tempfile
    import uuid

    import zmq

    if sys.platform == "win32" or not zmq.has("ipc"):
        return None
    prefix = os.path.join(tempfile.gettempdir(), f"follower-kit-{uuid.uuid4().hex[:12]}-ipc")
    return prefix if len(prefix) < 96 else None  # a socket path is at most 104-108 bytes


def kernel_manager_class():
    """An AsyncKernelManager that starts the kernel without credentials in its environment.

    It talks to the kernel over unix sockets of its own (:func:`ipc_prefix`) where it can, else
    over tcp on free local ports, as jupyter_client does by default.
    """
    from jupyter_client.manager import AsyncKernelManager

    class KernelWithoutSecrets(AsyncKernelManager):
        def __init__(self, **kw):
            super().__init__(**kw)
            prefix = ipc_prefix() if "transport" not in kw and "ip" not in kw else None
            if prefix:
                self.transport, self.ip = "ipc", prefix

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


def register_warm_engine() -> None:
    """A papermill engine that runs a notebook on a kernel it is given and leaves it running.

    Batch workers keep one kernel each: the next client's report skips the kernel start and the
    imports (about half of a small report's time). The kernel is reset between reports
    (:func:`reset_kernel`), so no variable carries over and execution counts start at 1.
    """
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    # Private: papermill's registry has no public "is it registered?". The engine is registered
    # once per process; tests/test_report_package.py checks the attribute is still a dict.
    if WARM_ENGINE in papermill_engines._engines:
        return

    class WarmKernelEngine(NBClientEngine):
        # Mirrors NBClientEngine.execute_managed_notebook (papermill 2.6) except that it takes
        # the kernel manager ``km`` it is given and never shuts its kernel down.
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


def reset_kernel(km) -> None:
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


def worker_kernel():
    """This process's reusable kernel manager (started by the first report that uses it)."""
    import multiprocessing.util

    state = _WORKER_KERNEL
    if state.get("km") is not None and state["uses"] >= WORKER_KERNEL_REPORTS:
        drop_worker_kernel()
    if state.get("km") is None:
        state["km"] = kernel_manager_class()(kernel_name="python3")
        state["uses"] = 0
        if not state.get("finalizer"):
            state["finalizer"] = multiprocessing.util.Finalize(None, drop_worker_kernel,
                                                               exitpriority=10)
    elif state["km"].has_kernel:
        try:
            _alive_or_raise(state["km"])
            reset_kernel(state["km"])
        except Exception as exc:  # dead or deaf since the last report: a new one, not a failure
            log.warning("the worker's kernel did not answer after its last report (%s); "
                        "starting another", exc)
            drop_worker_kernel()
            return worker_kernel()
    state["uses"] += 1
    return state["km"]


def _alive_or_raise(km) -> None:
    """Raise at once if ``km``'s kernel process is gone (a reset would wait a minute for it)."""
    from jupyter_core.utils import run_sync

    if not run_sync(km.is_alive)():
        raise RuntimeError("its process is gone")


def drop_worker_kernel() -> None:
    from jupyter_core.utils import run_sync

    km = _WORKER_KERNEL.pop("km", None)
    if km is not None and km.has_kernel:
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # already dead: nothing to shut down
            log.debug("worker kernel was already gone", exc_info=True)

