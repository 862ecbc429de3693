# Two commands on a fresh clone: `make demo` and `make test`. Each sets up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STORE ?= $(CURDIR)/data/store
export FOLLOWER_KIT_STORE ?= $(STORE)

.PHONY: setup demo test lab bench clean

setup: $(STAMP)

# uv (also a dev extra) installs the ~150 packages in about 5 s where pip takes about 40 s
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/follower-kit demo

# The whole suite on every core: pytest-xdist gives each worker whole files (their module
# fixtures are built once), the slowest first (tests/conftest.py RUN_FIRST).
test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --dist loadfile --no-loadscope-reorder

lab: $(STAMP)
	$(BIN)/follower-kit demo --no-report
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root,)

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) data/store reports
