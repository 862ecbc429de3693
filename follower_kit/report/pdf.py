"""PDF from the report's HTML with headless Chromium: no network features, a throwaway profile,
and no credentials in its environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .. import config
from ..errors import ConfigError, RenderError

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-extensions", "--disable-default-apps", "--mute-audio",
                  "--no-pdf-header-footer", "--hide-scrollbars")


# The Chromium processes printing in this process now: a batch worker told to stop kills them
# (kill_running), so none writes its PDF after the worker deleted the report's partial files.
_RUNNING: set = set()


def kill_running() -> None:
    """Kill every Chromium this process is printing with (:func:`pdf_from_html`)."""
    for proc in list(_RUNNING):
        _kill(proc)


def _kill(proc) -> None:
    """Kill a Chromium and its helper processes (its process group, which it leads)."""
    import signal

    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except OSError:  # already gone
        pass


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
        # its own process group, so that its helpers go with it when it is killed
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={k: v for k, v in os.environ.items()
                                     if k not in config.SECRET_ENVS}, start_new_session=True)
        _RUNNING.add(proc)
        try:
            _, stderr = proc.communicate(timeout=timeout)
        except BaseException as exc:  # the timeout, Ctrl-C, a stopping batch worker
            _kill(proc)
            proc.communicate()
            if isinstance(exc, subprocess.TimeoutExpired):
                raise RenderError(f"Chromium did not print {html_path} within {timeout:.0f} s"
                                  ) from exc
            raise
        finally:
            _RUNNING.discard(proc)
    if proc.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        tail = "\n".join(stderr.strip().splitlines()[-5:])
        raise RenderError(f"Chromium could not print {html_path} to PDF (exit {proc.returncode}):"
                          f"\n{tail}")
    return pdf_path

