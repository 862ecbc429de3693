"""pyproject.toml and environment.yml list the same dependencies; the layout is what we promise."""

from __future__ import annotations

import re
import tomllib

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
