"""One render of the sample's monthly report per test session, shared by the report, notebook and
browser tests (a render costs a kernel and the whole analysis; doing it once keeps the suite fast).

The render runs with a fake bearer token in the environment, so every test that reads its outputs
also checks that no secret leaks into them.
"""

from __future__ import annotations

import os

# Shaped like a real app-only bearer token, assembled here so no tracked file holds one whole.
FAKE_TOKEN = "A" * 21 + "FakeBearerTokenForTests0123456789abcdefXYZ%3Dfollowerkit"
MONTH = "2026-10"
TZ = "America/New_York"
COMPETITORS = ("datadock", "chartwell")  # the sample's competitors (sources.sample)

_cache: dict = {}


def rendered_report(tmp_path_factory, sample_store):
    """(RenderResult, Chromium used) for the sample account's 2026-10 report, rendered once."""
    from follower_kit import report

    key = str(sample_store.path)
    if key not in _cache:
        out = tmp_path_factory.mktemp("report")
        formats = ("html", "pdf") if report.find_chromium() else ("html",)
        before = os.environ.get("X_BEARER_TOKEN")
        os.environ["X_BEARER_TOKEN"] = FAKE_TOKEN
        try:
            result = report.render("brightwave", month=MONTH, store=sample_store.path,
                                   formats=formats, out_dir=out, tz=TZ,
                                   competitors=COMPETITORS)
        finally:
            if before is None:
                os.environ.pop("X_BEARER_TOKEN", None)
            else:
                os.environ["X_BEARER_TOKEN"] = before
        _cache[key] = result
    return _cache[key]


def chromium() -> str | None:
    from follower_kit import report

    return report.find_chromium()
