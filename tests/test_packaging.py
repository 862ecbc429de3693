"""pyproject.toml and environment.yml list the same dependencies; the layout is what we promise."""

from __future__ import annotations

import re
import tomllib

import pytest

from conftest import ROOT

# conda-forge names that differ from PyPI's
CONDA_NAMES = {"duckdb": "python-duckdb", "matplotlib": "matplotlib-base"}


def _pypi() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + project["optional-dependencies"]["dev"]
    out = {}
    for req in reqs:
        name, spec = re.match(r"([A-Za-z0-9_.-]+)\s*(.*)", req).groups()
        out[CONDA_NAMES.get(name.lower(), name.lower())] = spec.replace(" ", "")
    return out


def _conda() -> dict[str, str]:
    out = {}
    text = (ROOT / "environment.yml").read_text()
    for line in text.split("dependencies:", 1)[1].splitlines():
        m = re.match(r"\s*-\s+([A-Za-z0-9_.-]+)\s*([<>=!~][^#]*)?\s*(#.*)?$", line)
        if m and m.group(1) not in ("python", "pip"):
            out[m.group(1).lower()] = (m.group(2) or "").replace(" ", "")
    return out


def test_environment_yml_matches_pyproject():
    assert _conda() == _pypi()


def test_python_version_agrees():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11"
    assert "python>=3.11" in (ROOT / "environment.yml").read_text()


def test_layout_and_two_commands():
    for path in ("follower_kit", "notebooks", "data", "tests", "benchmarks", "environment.yml",
                 "pyproject.toml", "Makefile", "README.md", ".ci/run"):
        assert (ROOT / path).exists(), path
    readme = (ROOT / "README.md").read_text()
    first_screen = "\n".join(readme.splitlines()[:30])
    assert "make demo" in first_screen and "make test" in first_screen
    assert "make test" in (ROOT / ".ci/run").read_text()
    makefile = (ROOT / "Makefile").read_text()
    for target in ("demo:", "test:", "lab:", "bench:"):
        assert target in makefile
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()


@pytest.mark.slow
def test_the_wheel_installed_elsewhere_runs_the_demo(tmp_path):
    """`python -m build` gives a wheel that, installed in a fresh venv outside the checkout,
    runs `follower-kit demo` and renders the report: the notebook and the templates travel as
    package data. The venv holds only the wheel and what its metadata asks for, from the
    package index, which also proves the wheel declares every dependency it needs.

    uv (a dev extra) makes the venv and installs: about 5 s for the ~150 dependencies, where pip
    takes about 40 s on 2 cores; what is installed, and so what is proved, is the same."""
    import os
    import subprocess
    import sys

    from uv import find_uv_bin

    from follower_kit.report import find_chromium

    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True, text=True, timeout=600)
    wheel = next(dist.glob("follower_kit-*.whl"))
    venv = tmp_path / "venv"
    uv = find_uv_bin()
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
                   check=True, capture_output=True, text=True, timeout=300)
    # --no-compile: byte-compiling ~150 dependencies is most of an install's time, and Python
    # compiles what the demo imports anyway
    subprocess.run([uv, "pip", "install", "--quiet", "--no-compile", "--python",
                    str(venv / "bin" / "python"), str(wheel)],
                   check=True, capture_output=True, text=True, timeout=1200)
    env = {k: v for k, v in os.environ.items()
           if k not in ("FOLLOWER_KIT_STORE", "PYTHONPATH", "VIRTUAL_ENV")}
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import follower_kit; print(follower_kit.__file__)"],
                           cwd=tmp_path, env=env, check=True, capture_output=True, text=True)
    assert where.stdout.startswith(str(venv)), where.stdout
    demo = subprocess.run([str(venv / "bin" / "follower-kit"), "demo", "--store", "store",
                           "--out", "reports"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=600)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    # the demo builds the sample and renders its latest month, and says where
    html = tmp_path / "reports" / "brightwave" / "brightwave-2026-10.html"
    assert html.as_uri() in demo.stdout and (tmp_path / "store").is_dir()
    assert html.with_suffix(".ipynb").exists()
    assert html.with_suffix(".pdf").exists() == bool(find_chromium())
    page = html.read_text(encoding="utf-8")
    assert "Brightwave" in page and "Bots and fake followers" in page and "<script" not in page
    # the shipped model and its card travel in the wheel: the block list's evidence is stated
    assert "On public labeled accounts, about half of them bots," in page
