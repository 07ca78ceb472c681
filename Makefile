# Two commands do everything on a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
QA := $(VENV)/bin/qa
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: run install install-test test lint index ask eval clean-index

$(PY):
	$(PYTHON) -m venv $(VENV)

# torch first, pinned: here that is a local CPU wheel; the project's own range accepts it, so pip
# never pulls the multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e .
	touch $@

# The browser tests drive Debian's Chromium (Playwright's own browser download is not used).
$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test]'
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## Build (or incrementally update) the index from seeds/, then serve the chat on http://127.0.0.1:7860.
run: install
	$(QA) index
	$(QA) serve

## The terminal alternative to the chat.
ask: install
	$(QA) index
	$(QA) ask

index: install
	$(QA) index

lint: install-test
	$(VENV)/bin/ruff check qa ui tests bench
	$(VENV)/bin/mypy qa ui

## The whole suite: lint, types, unit, integration.
test: install-test
	$(VENV)/bin/ruff check qa ui tests bench
	$(VENV)/bin/mypy qa ui
	$(PY) -m pytest -q

eval: install
	$(QA) eval --corpus ../shared/benchmarks/squad-subset/articles --questions ../shared/benchmarks/squad-subset/questions.jsonl

clean-index:
	find embeddings -mindepth 1 ! -name README.md -exec rm -rf {} +
