# Commands the README names. Everything installs itself into .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Where `make demo` loads: duckdb (embedded, default) or postgres.
WAREHOUSE ?= duckdb
PYTEST_ARGS ?=

.PHONY: setup demo test test-random test-full lint sandbox bench mutants clean

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

## test: the whole offline suite (unit, sandbox, Meltano end to end, Postgres) in a random
## order (pytest-randomly; the seed is printed, `make test SEED=N` replays it) on
## TEST_WORKERS pytest-xdist workers (`TEST_WORKERS=0`: one process)
TEST_WORKERS ?= 4
XDIST := $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadgroup)
test: setup
	$(BIN)/python -m pytest $(XDIST) $(if $(SEED),--randomly-seed=$(SEED)) $(PYTEST_ARGS)

## test-random: the same as `make test` (kept for old habits)
test-random: test

## test-full: also the long loops (kill points, full fault matrix)
test-full: setup
	RUN_SLOW=1 $(BIN)/python -m pytest $(XDIST) $(if $(SEED),--randomly-seed=$(SEED)) $(PYTEST_ARGS)

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

## mutants: a sampled mutation-testing run (mutmut) over tapkit/ and the four taps, then
## its report in docs/mutation.md. MUTANTS_PER_PACKAGE and MUTANTS_SEED choose the sample.
MUTANTS_PER_PACKAGE ?= 40
MUTANTS_SEED ?= 17
mutants: setup
	$(BIN)/python scripts/mutation.py run --per-package $(MUTANTS_PER_PACKAGE) --seed $(MUTANTS_SEED) || true
	$(BIN)/python scripts/mutation.py report

clean:
	rm -rf output/* .meltano/run .pytest_cache mutants
