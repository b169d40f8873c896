# Two commands are a contract: `make demo` and `make test` work on a fresh machine with nothing installed by hand.
SHELL := /bin/bash
PYTHON ?= python3
UV_HOME := .uv
UV := $(UV_HOME)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: install test test-fast demo dev lint bench clean

$(UV):
	$(PYTHON) -m venv $(UV_HOME)
	$(UV_HOME)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	UV_PYTHON=$(PYTHON) $(UV) sync --frozen --quiet
	touch $@

install: $(VENV)/.synced

test: install
	$(PY) -m pytest -q

# The quick loop: pure functions only, no database, no server (`make test` still runs everything).
test-fast: install
	$(PY) -m pytest -q -m "not postgres and not http"

demo: install
	$(PY) -m linky_pipeline.local.demo

dev: install
	$(PY) -m linky_pipeline.local.devserver

# Style, formatting, types and the layer contracts (docs/architecture.md).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: install
	$(PY) benchmarks/pipeline_runs.py

clean:
	-$(PY) -m linky_pipeline.local db stop
	rm -rf .linky $(VENV) $(UV_HOME)
