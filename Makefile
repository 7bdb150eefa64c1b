# PRM: `make run` serves on the embedded SQLite database, `make test` runs the whole suite
# (SQLite and PostgreSQL), `make bench` measures. Everything installs itself on first use.
SHELL := /bin/bash
PY ?= python3
UV_VERSION := 0.13.8
UV := .uv/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(VENV)
# uv uses the machine's Python 3.11 (pyproject: requires-python) and never downloads one.
export UV_PYTHON_DOWNLOADS := never

.PHONY: run install install-dev db-upgrade test lint typecheck unit integration bench fuzz postgres sample clean

$(UV):
	$(PY) -m venv .uv
	.uv/bin/pip install --quiet uv==$(UV_VERSION)

# Bytecode is compiled at install (uv does not by default, and PYTHONDONTWRITEBYTECODE, where it
# is set, keeps Python from writing it): otherwise every `prm` process compiles its imports again,
# about 2.5 s of CPU at each start. compileall skips what is up to date.
install: $(UV)  ## runtime dependencies, exactly as locked in uv.lock
	$(UV) sync --frozen --no-dev --inexact --compile-bytecode
	@$(BIN)/python -m compileall -q -j 0 src > /dev/null

install-dev: $(UV)  ## runtime and development tools, as locked
	@echo "== installing PRM and its development tools into $(VENV) (locked: uv.lock)"
	@$(UV) sync --frozen --quiet --compile-bytecode
	@$(BIN)/python -m compileall -q -j 0 src tests benchmarks scripts > /dev/null

db-upgrade: install
	$(BIN)/prm db upgrade

run: install db-upgrade  ## serve on http://$${PRM_HOST:-127.0.0.1}:$${PRM_PORT:-8000}
	$(BIN)/prm serve

sample: db-upgrade  ## load the bundled Synthea sample
	$(BIN)/prm import synthea samples/synthea

lint: install-dev
	$(BIN)/ruff format --check src tests benchmarks scripts samples
	$(BIN)/ruff check src tests benchmarks scripts samples
	$(BIN)/lint-imports

typecheck: install-dev
	$(BIN)/mypy

postgres:  ## make sure the PostgreSQL the tests use answers
	@$(PY) scripts/ensure_postgres.py

test: install-dev postgres  ## linters, types and the whole suite (SQLite and PostgreSQL), side by side
	@$(BIN)/python scripts/run_tests.py

fuzz: install-dev postgres  ## the Schemathesis and hostile-input suites at length (PRM_FUZZ_EXAMPLES=300)
	PRM_FUZZ_EXAMPLES=$${PRM_FUZZ_EXAMPLES:-300} $(BIN)/pytest -s \
		tests/integration/test_fuzz_schema.py tests/integration/test_hostile_inputs.py

unit: install-dev
	$(BIN)/pytest tests/unit

bench: install-dev postgres  ## throughput and latency figures (see benchmarks/README.md); BENCH_ARGS=--quick
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf .uv $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
