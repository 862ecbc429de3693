"""Shared fixtures: the real third-party data in ../shared/data, and the sample audience."""

from __future__ import annotations

import os
import random
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


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory, sample_audience):
    """A store holding the default sample audience (read-only for tests: copy it to modify)."""
    from follower_kit import Store
    from follower_kit.ingest import write_sample

    store = Store(tmp_path_factory.mktemp("sample-store"))
    write_sample(store, sample_audience)
    return store


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
