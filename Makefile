# Commands the README names. Everything installs itself into .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Where `make demo` loads: duckdb (embedded, default) or postgres.
WAREHOUSE ?= duckdb
PYTEST_ARGS ?=

.PHONY: setup demo test test-full lint sandbox bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev,orchestrator]"
	touch $@

setup: $(BIN)/.installed

## demo: sandbox APIs -> the four taps -> Meltano -> warehouse, then what landed
demo: setup
	$(BIN)/python scripts/demo.py --warehouse $(WAREHOUSE)

## test: the whole offline suite (unit, sandbox, Meltano end to end, Postgres)
test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## test-full: also the long loops (kill points, full fault matrix)
test-full: setup
	RUN_SLOW=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## sandbox: the four simulators on ports 8701-8704 (Ctrl-C to stop); the taps reach them
## only with `meltano --environment sandbox ...` (the default environment is dev)
sandbox: setup
	$(BIN)/python -m sandbox all --port 8701

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf output/* .meltano/run .pytest_cache
