# Two commands on a fresh machine (README): `make demo` runs the main job, `make test` the tests.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export MINGJING_HOME ?= $(CURDIR)/mingjing-home

.PHONY: demo test test-postgres lint typecheck bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

## demo: build the environment, generate and import a demo county, start the worker and the web server
demo: $(STAMP)
	$(BIN)/mingjing demo up

## test: lint, type-check and run the whole suite (SQLite)
test: $(STAMP) lint typecheck
	$(BIN)/pytest

## test-postgres: the suite again on PostgreSQL (DATABASE_URL, default: local server, trust auth),
## less the slow generator test and the Spark parity suite, which never touch the database
test-postgres: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} $(BIN)/pytest -m "not slow and not spark"

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy mingjing engine

bench: $(STAMP)
	$(BIN)/python bench/import_bench.py

clean:
	rm -rf $(VENV) build *.egg-info
