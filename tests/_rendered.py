"""One render of the sample's monthly report per test run, shared by the report, notebook and
browser tests (a render costs a kernel and the whole analysis; doing it once keeps the suite fast;
under pytest-xdist the workers share it through conftest.built_once).

The render runs with a fake bearer token in the environment, so every test that reads its outputs
also checks that no secret leaks into them.
"""

from __future__ import annotations

import os
import pickle

from conftest import built_once

# Shaped like a real app-only bearer token, assembled here so no tracked file holds one whole.
FAKE_TOKEN = "A" * 21 + "FakeBearerTokenForTests0123456789abcdefXYZ%3Dfollowerkit"
MONTH = "2026-10"
TZ = "America/New_York"
COMPETITORS = ("datadock", "chartwell")  # the sample's competitors (sources.sample)

_cache: dict = {}


def _render(out, sample_store) -> None:
    from follower_kit import report

    formats = ("html", "pdf") if report.find_chromium() else ("html",)
    before = os.environ.get("X_BEARER_TOKEN")
    os.environ["X_BEARER_TOKEN"] = FAKE_TOKEN
    try:
        result = report.render("brightwave", month=MONTH, store=sample_store.path,
                               formats=formats, out_dir=out, tz=TZ, competitors=COMPETITORS)
    finally:
        if before is None:
            os.environ.pop("X_BEARER_TOKEN", None)
        else:
            os.environ["X_BEARER_TOKEN"] = before
    (out / "result.pickle").write_bytes(pickle.dumps(result))


def rendered_report(tmp_path_factory, sample_store):
    """(RenderResult, Chromium used) for the sample account's 2026-10 report, rendered once."""
    key = str(sample_store.path)
    if key not in _cache:
        out = built_once(tmp_path_factory, "shared-report",
                         lambda folder: _render(folder, sample_store))
        _cache[key] = pickle.loads((out / "result.pickle").read_bytes())
    return _cache[key]


def _render_archive(out, series_store) -> None:
    import shutil

    from follower_kit import report

    # its own copy of the store: the render must not touch the one other tests copy from
    shutil.copytree(series_store, out / "store")
    formats = ("html", "pdf") if report.find_chromium() else ("html",)
    result = report.render("larsbrinkhoff", month="2023-08", store=out / "store",
                           out_dir=out / "out", formats=formats, competitors=["nosuch_rival"])
    (out / "result.pickle").write_bytes(pickle.dumps(result))


def rendered_archive_report(tmp_path_factory, series_store):
    """RenderResult of the real archive series' last month (2023-08; followers by id only, no
    profiles), with a competitor that is not in the store, rendered once per test run."""
    if "archive" not in _cache:
        out = built_once(tmp_path_factory, "shared-archive-report",
                         lambda folder: _render_archive(folder, series_store))
        _cache["archive"] = pickle.loads((out / "result.pickle").read_bytes())
    return _cache["archive"]


def chromium() -> str | None:
    from follower_kit import report

    return report.find_chromium()
