# Rare-earth magnet exports — one entry point for every job.
# Only Python 3.11 or 3.12 and make are assumed: the first target you run creates .venv
# and installs into it exactly the versions locked in requirements/lock-py3XX.txt
# (with hashes); later runs reuse it. A changed lock rebuilds .venv from scratch; a
# changed pyproject.toml only reinstalls the project itself.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCKED := $(VENV)/.locked
TOOLS  := $(VENV)/tools
ARGS   ?=
FILE   ?=
# What a user gives (ARGS, FILE) reaches the commands as arguments, never a shell: exported unexpanded
# (make's $(value)) and appended by tools/run.py (FILE as one argument, ARGS split like shell words
# with shlex, nothing run or expanded).
export MAGNET_ARGS = $(value ARGS)
export MAGNET_FILE = $(value FILE)
unexport ARGS FILE   # (make would expand them to put them in the environment)
RUN    = $(BIN)/python -m tools.run
PIP    := --disable-pip-version-check --no-input
# The interpreter's version picks the lock (that of .venv once it exists).
PYVER  := $(shell { test -x $(BIN)/python && $(BIN)/python -V || $(PYTHON) -V; } 2>&1 | sed -n 's/^Python \([0-9]*\)\.\([0-9]*\).*/\1\2/p')
LOCK   := requirements/lock-py$(PYVER).txt

.DEFAULT_GOAL := help
.PHONY: help env reports test test-fast lab bench import execute-notebooks lock lock-upgrade audit clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# A new lock rebuilds .venv from scratch (with the interpreter it had), so that nothing the
# lock no longer lists stays installed.
$(LOCKED): $(LOCK)
	@test -f $(LOCK) || { echo "error: no lock for this Python ($(LOCK)); there are: $$(ls requirements/lock-py*.txt | tr '\n' ' ')- set PYTHON=python3.11 or python3.12 (make clean first to switch)" >&2; exit 1; }
	@base=$$(test -x $(BIN)/python && $(BIN)/python -c 'import sys; print(sys._base_executable)' || echo $(PYTHON)); \
		$$base -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found %s); set PYTHON=..." % sys.version.split()[0])' \
		&& rm -rf $(VENV) && $$base -m venv $(VENV)
	@echo "Installing the locked environment ($(LOCK)) into $(VENV) (about a minute)..."
	@$(BIN)/python -m pip install $(PIP) --require-hashes --no-deps -r $(LOCK) > $(VENV)/install.log 2>&1 \
		|| { tail -n 30 $(VENV)/install.log >&2; echo "error: installing into $(VENV) failed (full log: $(VENV)/install.log)" >&2; exit 1; }
	@touch $(LOCKED)

$(STAMP): $(LOCKED) pyproject.toml
	@$(BIN)/python -m pip install $(PIP) --no-deps --no-build-isolation -e . >> $(VENV)/install.log 2>&1 \
		|| { tail -n 30 $(VENV)/install.log >&2; echo "error: installing the project into $(VENV) failed (full log: $(VENV)/install.log)" >&2; exit 1; }
	@$(BIN)/python -m ipykernel install --prefix $(VENV) --name python3 --display-name "Python 3 (magnet-exports)" >/dev/null
	@touch $(STAMP)

# uv and pip-audit, locked in requirements/tools.txt, in their own environment so that
# they never change the project's.
$(TOOLS)/.installed: requirements/tools.txt
	@test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	@$(TOOLS)/bin/python -m pip install $(PIP) --require-hashes --no-deps -r requirements/tools.txt > $(TOOLS)/install.log 2>&1 \
		|| { tail -n 30 $(TOOLS)/install.log >&2; echo "error: installing the tools failed (full log: $(TOOLS)/install.log)" >&2; exit 1; }
	@touch $@

env: $(STAMP) ## Create or update the project's environment (.venv)

reports: $(STAMP) ## Build every report of reports.yaml into reports/ (the main job; ARGS="--force" to rebuild all)
	$(RUN) --split MAGNET_ARGS -- $(BIN)/magnet-build

# Parallel workers (pytest-xdist); builds that many tests read are made once and shared (tests/conftest.py).
TEST_WORKERS ?= auto

test: $(STAMP) ## Run the whole test suite in parallel (unit, data, notebooks with nbval, build, browser)
	$(RUN) --split MAGNET_ARGS -- $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

test-fast: $(STAMP) ## Run the unit tests only (no build, no notebook, no browser): the edit loop
	$(RUN) --split MAGNET_ARGS -- $(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not slow and not browser"

lab: $(STAMP) ## Open JupyterLab on the project's environment (as a user, or as root in a container)
	$(BIN)/jupyter lab --notebook-dir=. $$(test "$$(id -u)" = 0 && echo --allow-root)

bench: $(STAMP) ## Benchmark the build against the naive papermill+nbconvert CLI route
	$(RUN) --split MAGNET_ARGS -- $(BIN)/python -m tools.bench

import: $(STAMP) ## Add a data file: make import FILE=path/to/file.csv [ARGS="--format comtrade ..."]
	@test -n "$$MAGNET_FILE" || { echo "error: make import needs FILE=path/to/file.csv" >&2; exit 1; }
	$(RUN) --one MAGNET_FILE --split MAGNET_ARGS -- $(BIN)/magnet-import

execute-notebooks: $(STAMP) ## Re-execute the committed notebooks in place (refreshes the outputs nbval checks)
	$(BIN)/python -m pipeline.build.refresh

lock: $(TOOLS)/.installed ## Re-resolve the locks and environment.yml from pyproject.toml (keeps current pins; ARGS="--upgrade-package NAME")
	$(TOOLS)/bin/python -m tools.run --split MAGNET_ARGS -- $(TOOLS)/bin/python -m tools.lock compile

lock-upgrade: $(TOOLS)/.installed ## Move every locked package to its newest release pyproject.toml allows (see docs/upgrading.md)
	$(TOOLS)/bin/python -m tools.lock compile --upgrade

audit: $(TOOLS)/.installed ## Check the locks for known vulnerabilities (pip-audit; fails on one with a fixed release)
	$(TOOLS)/bin/python -m tools.lock audit

clean: ## Remove the environment and build leftovers (keeps published reports)
	rm -rf $(VENV) .pytest_cache reports/.staging reports/releases/.new-*
