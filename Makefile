# seccoop: the two commands are `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
STAMP  := $(VENV)/.installed
# The PostgreSQL server the load benchmark builds its scratch database on.
BENCH_PG ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: run test lint bench install messages openapi clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

## make run: install, migrate, load the Framework and the demo, print the sign-ins, serve on :8000
run: $(STAMP)
	SECCOOP_DEBUG=1 $(BIN)/seccoop migrate --verbosity 0
	SECCOOP_DEBUG=1 $(BIN)/seccoop load-framework
	SECCOOP_DEBUG=1 $(BIN)/seccoop demo
	SECCOOP_DEBUG=1 $(BIN)/seccoop demo-signins
	SECCOOP_DEBUG=1 $(BIN)/seccoop serve --host $(HOST) --port $(PORT)

## make test: lint, then every test (SQLite by default; DATABASE_URL selects PostgreSQL)
test: $(STAMP) lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	SECCOOP_DEBUG=1 $(BIN)/seccoop makemigrations --check --dry-run
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/bench_api.py
	$(BIN)/python bench/bench_needs_import.py
	$(BIN)/python bench/bench_smaa.py
	$(BIN)/python bench/bench_monitoring.py
	$(BIN)/python bench/bench_meetings.py
	$(BIN)/python bench/bench_coverage.py
	DATABASE_URL=$(BENCH_PG) $(BIN)/python bench/bench_load.py

## regenerate the translation catalogues and the committed OpenAPI document
messages: $(STAMP)
	cd src/seccoop && SECCOOP_DEBUG=1 ../../$(BIN)/seccoop makemessages -l es -l fr -l nl -l en --no-obsolete
	cd src/seccoop && SECCOOP_DEBUG=1 ../../$(BIN)/seccoop compilemessages

openapi: $(STAMP)
	SECCOOP_DEBUG=1 $(BIN)/seccoop export-openapi --out docs/api/openapi.json

clean:
	rm -rf $(VENV) var
