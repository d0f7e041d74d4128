# sitereg — two commands: `make run` (set up, load the demo, serve) and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
SITEREG := $(BIN)/sitereg
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help setup db run test lint serve clean-db fuzz

help:
	@echo "make run   — install, start PostgreSQL+PostGIS, migrate, load demo data, serve on :8000"
	@echo "make test  — install, then lint and the whole test suite against a real PostGIS"
	@echo "make fuzz  — schemathesis over both OpenAPI documents, its own server and database (~3 min)"

$(STAMP): pyproject.toml requirements.lock scripts/install-system-deps.sh package.json package-lock.json scripts/vendor-assets.sh
	bash scripts/install-system-deps.sh
	bash scripts/vendor-assets.sh  # npm ci into node_modules/ (git-ignored), then static/vendor/
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

db: setup
	@if [ -z "$$DATABASE_URL" ]; then $(SITEREG) db start; fi
	$(SITEREG) db upgrade

run: db
	$(SITEREG) load-demo
	$(SITEREG) serve

serve: setup
	$(SITEREG) serve

lint: setup
	$(BIN)/ruff check app spatial devcluster tests migrations scripts $(wildcard bench)
	$(BIN)/lint-imports
	$(BIN)/mypy app spatial devcluster

test: setup lint
	$(BIN)/pytest

# Every phase and check of schemathesis over /openapi.json and /ogc/api (scripts/fuzz.py,
# allow-list in scripts/fuzz.toml): a fixed seed and number of cases, about 3 minutes.
fuzz: setup
	$(BIN)/python scripts/fuzz.py

clean-db: setup
	$(SITEREG) db reset --yes
