# Rare-earth magnet exports — one entry point for every job.
# Only Python 3.11+ and make are assumed: the first target you run creates .venv
# and installs the project into it; later runs reuse it (reinstalling only when
# pyproject.toml changes).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ARGS   ?=

.DEFAULT_GOAL := help
.PHONY: help env reports test lab bench import execute-notebooks clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found %s); set PYTHON=..." % sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the project into $(VENV) (first run only; about a minute)..."
	@$(BIN)/python -m pip install --disable-pip-version-check -e '.[test]' > $(VENV)/install.log 2>&1 \
		|| { tail -n 30 $(VENV)/install.log >&2; echo "error: installing into $(VENV) failed (full log: $(VENV)/install.log)" >&2; exit 1; }
	@$(BIN)/python -m ipykernel install --prefix $(VENV) --name python3 --display-name "Python 3 (magnet-exports)" >/dev/null
	@touch $(STAMP)

env: $(STAMP) ## Create or update the project's environment (.venv)

reports: $(STAMP) ## Build every report of reports.yaml into reports/ (the main job; ARGS="--force" to rebuild all)
	$(BIN)/magnet-build $(ARGS)

test: $(STAMP) ## Run the whole test suite (unit, data, notebooks with nbval, build, browser)
	$(BIN)/python -m pytest $(ARGS)

lab: $(STAMP) ## Open JupyterLab on the project's environment (as a user, or as root in a container)
	$(BIN)/jupyter lab --notebook-dir=. $$(test "$$(id -u)" = 0 && echo --allow-root)

bench: $(STAMP) ## Benchmark the build against the naive papermill+nbconvert CLI route
	$(BIN)/python -m pipeline.bench $(ARGS)

import: $(STAMP) ## Add a data file: make import FILE=path/to/file.csv [ARGS="--format comtrade ..."]
	$(BIN)/magnet-import $(FILE) $(ARGS)

execute-notebooks: $(STAMP) ## Re-execute the committed notebooks in place (refreshes the outputs nbval checks)
	$(BIN)/python -m pipeline.refresh

clean: ## Remove the environment and build leftovers (keeps published reports)
	rm -rf $(VENV) .pytest_cache reports/.staging reports/.state
