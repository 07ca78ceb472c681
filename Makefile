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

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## Build (or incrementally update) the index from seeds/, then start the main job.
run: install
	$(QA) index
	$(QA) ask

index: install
	$(QA) index

lint: install-test
	$(VENV)/bin/ruff check qa tests bench
	$(VENV)/bin/mypy qa

## The whole suite: lint, types, unit, integration.
test: install-test
	$(VENV)/bin/ruff check qa tests bench
	$(VENV)/bin/mypy qa
	$(PY) -m pytest -q

eval: install
	$(QA) eval --corpus ../shared/benchmarks/squad-subset/articles --questions ../shared/benchmarks/squad-subset/questions.jsonl

clean-index:
	find embeddings -mindepth 1 ! -name README.md -exec rm -rf {} +
