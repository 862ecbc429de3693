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

