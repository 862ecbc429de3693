"""Shared fixtures: the real third-party data in ../shared/data, and the sample audience."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("FOLLOWER_KIT_SHARED_DATA", ROOT.parent / "shared" / "data"))


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data, or skip the test with the reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data {path} is absent (it lives in ../shared/data beside the clone; "
                    f"CI has it, a user's clone does not)")
    return path


def kill_mid_pull(argv: Sequence[str], *, checkpoints: Callable[[], list], rng: random.Random,
                  max_delay: float, env: dict | None = None) -> None:
    """Run a pull as a subprocess and kill -9 it at a random moment once its first checkpoint
    file exists (``checkpoints()`` lists them), as a crash or an impatient user would."""
    proc = subprocess.Popen(list(argv), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while not checkpoints() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(rng.uniform(0, max_delay))
    proc.send_signal(signal.SIGKILL)
    proc.wait()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return shared_path()


@pytest.fixture(scope="session")
def sample_audience():
    """The default sample audience (5,000 followers, 12 months, seed 7) with its two competitors,
    as `follower-kit sample` builds it, generated once."""
    from follower_kit.sources.sample import DEFAULT_COMPETITORS, generate

    return generate(competitors=DEFAULT_COMPETITORS)


def built_once(tmp_path_factory, name: str, build: Callable[[Path], object]) -> Path:
    """A folder that ``build(folder)`` fills once per test run and every test reads.

    Under pytest-xdist each worker has its own session, so a session fixture would build once
    per worker; the folder lives beside the workers' temp dirs instead and a file lock makes the
    first worker build it while the others wait and then read it.
    """
    from filelock import FileLock

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    folder = root / name
    done = root / f"{name}.built"  # beside the folder, so copies of it hold only what was built
    with FileLock(str(folder) + ".lock"):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a failed build left
            folder.mkdir()
            build(folder)
            done.touch()
    return folder


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory, sample_audience):
    """A store holding the default sample audience (read-only for tests: copy it to modify)."""
    from follower_kit import Store
    from follower_kit.ingest import write_sample

    return Store(built_once(tmp_path_factory, "shared-sample-store",
                            lambda folder: write_sample(Store(folder), sample_audience)))


@pytest.fixture(scope="session")
def archive_series_store(tmp_path_factory) -> Path:
    """The folder of a store holding the real archive series, imported once per run (read it,
    never write: tests that open it as a store take ``archive_store``, their own copy)."""
    from follower_kit import Store, ingest
    from follower_kit.sources import archive

    series = shared_path("x-archive", "larsbrinkhoff")

    def build(folder):
        for path in archive.archives_in(series):
            ingest.import_archive(Store(folder), path)

    return built_once(tmp_path_factory, "shared-archive-store", build)


@pytest.fixture
def archive_store(tmp_path, archive_series_store):
    """The real X archive series of @larsbrinkhoff (four exports, followers by id only) imported
    as it comes, in this test's own copy of a store imported once per run."""
    from follower_kit import Store

    shutil.copytree(archive_series_store, tmp_path / "archive-store")
    return Store(tmp_path / "archive-store")


# The files that take longest, slowest first (`pytest --durations=0`, summed by file). `make test`
# hands whole files to pytest-xdist's workers in collection order; starting with these keeps one
# worker from being left with a long file at the end while the other has finished.
RUN_FIRST = ("test_bot_kinds.py", "test_report.py", "test_bluesky.py", "test_packaging.py",
             "test_x_api.py", "test_topics.py", "test_fake_server.py", "test_report_insight.py",
             "test_hostile.py", "test_store.py", "test_notebooks.py")


def execute_notebook(*args, **kwargs):
    """``papermill.execute_notebook``, started once more when the kernel dies before its first
    reply: jupyter_client picks free ports and the kernel binds them a moment later, so two
    test workers starting kernels at once can pick the same port ("Address already in use";
    CI saw it once in about ten runs). That race is not what these tests test; any other error,
    and a second death, stand."""
    import papermill as pm

    try:
        return pm.execute_notebook(*args, **kwargs)
    except RuntimeError as exc:
        if "Kernel died before replying to kernel_info" not in str(exc):
            raise
        return pm.execute_notebook(*args, **kwargs)


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(RUN_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: files keep order


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
