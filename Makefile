# Two commands are a contract: `make demo` and `make test` work on a fresh machine with nothing installed by hand.
SHELL := /bin/bash
PYTHON ?= python3
UV_HOME := .uv
UV := $(UV_HOME)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: install test demo dev lint bench clean

$(UV):
	$(PYTHON) -m venv $(UV_HOME)
	$(UV_HOME)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	UV_PYTHON=$(PYTHON) $(UV) sync --frozen --quiet
	touch $@

install: $(VENV)/.synced

test: install
	$(PY) -m pytest -q

demo: install
	$(PY) -m linky_pipeline.local.demo

dev: install
	$(PY) -m linky_pipeline.local.devserver

lint: install
	$(VENV)/bin/ruff check .

bench: install
	$(PY) benchmarks/pipeline_runs.py

clean:
	-$(PY) -m linky_pipeline.local db stop
	rm -rf .linky $(VENV) $(UV_HOME)
