# Two commands do everything on a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
QA := $(VENV)/bin/qa
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: run install install-test install-bench test stress lint index ask eval eval-news eval-news-html eval-conversations eval-short eval-sloppy eval-long eval-formats eval-cjk cv bench clean-index

$(PY):
	$(PYTHON) -m venv $(VENV)

# Each install is tried twice, the second time without pip's cache: now and then a wheel arrives
# damaged ("THESE PACKAGES DO NOT MATCH THE HASHES", seen once for gradio in a clean clone) and the
# next download is whole.
PIP_INSTALL = $(PY) -m pip install --quiet

# torch first, pinned: here that is a local CPU wheel; the project's own range accepts it, so pip
# never pulls the multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP_INSTALL) torch==2.13.0 || $(PIP_INSTALL) --no-cache-dir torch==2.13.0
	$(PIP_INSTALL) -e . || $(PIP_INSTALL) --no-cache-dir -e .
	touch $@

# The test extras (pytest, ruff, mypy, Playwright; the Ray extra so that the tests of `qa index --ray`
# run on a real local cluster): all `make lint` needs. The browser tests also drive Debian's Chromium
# (Playwright's own browser download is not used), which needs root or sudo once.
$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PIP_INSTALL) -e '.[test,ray]' || $(PIP_INSTALL) --no-cache-dir -e '.[test,ray]'
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed-dev
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)
	touch $@

# The benchmark's peers (LangChain's FAISS store, txtai) are optional extras, installed only for `make bench`
# (with Ray, for its Ray build row).
$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed
	$(PIP_INSTALL) -e '.[bench,ray]' || $(PIP_INSTALL) --no-cache-dir -e '.[bench,ray]'
	touch $@

# An editable install leaves qa's own modules uncompiled, and where PYTHONDONTWRITEBYTECODE is set
# (containers, this machine) Python then compiles them again at every start: ~40 ms of a 0.13 s
# no-op `qa index`. compileall writes the bytecode once and after each change (it skips what is up to
# date, ~50 ms); Python still checks each file against its source, so stale bytecode is never run.
COMPILE = $(PY) -m compileall -q qa ui >/dev/null || true  # a read-only checkout still runs, uncompiled

install: $(VENV)/.installed
	@$(COMPILE)
install-test: $(VENV)/.installed-test
install-bench: $(VENV)/.installed-bench
	@$(COMPILE)

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

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check qa ui tests bench
	$(VENV)/bin/mypy qa ui

## The whole suite: lint, types, unit, integration, UI, and the reliability cases in their short form.
## Two pytest-xdist workers, each test file on one of them (a file's fixtures, such as its Ray
## cluster or its live server, start once): 616 s instead of 828 s on a clean clone, two cores.
TEST_WORKERS ?= 2
test: install-test lint
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

## The reliability cases of tests/reliability, long: 100 SIGKILLs of a rebuild, 10 rebuilds under 50
## concurrent chats, question latency during a rebuild at 10k passages, 300 random hostile questions
## (about 30 min on 2 cores; `make test` runs them short).
stress: install-test
	QA_STRESS=1 $(PY) -m pytest -q --timeout 10800 tests/reliability

## qa eval on the SQuAD subset (broken down by article) and on the news set of bench/ (seeds/ and the
## news pages' article bodies; five folds by article). `make cv` chooses the constants by cross-validation.
eval: install
	$(QA) eval --corpus ../shared/benchmarks/squad-subset/articles \
	    --questions ../shared/benchmarks/squad-subset/questions.jsonl --folds articles
	$(MAKE) --no-print-directory eval-news
	$(MAKE) --no-print-directory eval-conversations
	$(MAKE) --no-print-directory eval-short
	$(MAKE) --no-print-directory eval-sloppy
	$(MAKE) --no-print-directory eval-long
	$(MAKE) --no-print-directory eval-formats
	$(MAKE) --no-print-directory eval-cjk

eval-news: install
	$(PY) bench/news_corpus.py >/dev/null
	$(QA) eval --corpus seeds=seeds --corpus news-pages=embeddings/news-bodies \
	    --questions bench/news-questions.jsonl --folds 5

## the same news questions over the saved HTML pages themselves (article extraction included)
eval-news-html: install
	$(PY) bench/news_corpus.py --pages html >/dev/null
	$(QA) eval --corpus seeds=seeds --corpus news-pages=embeddings/news-html \
	    --questions embeddings/news-html-questions.jsonl --folds 5

## short questions built around a rare name ("What did Eveleth write?") and 20 that no article answers
eval-short: install
	$(PY) bench/news_corpus.py >/dev/null
	$(QA) eval --corpus seeds=seeds --corpus news-pages=embeddings/news-bodies \
	    --questions bench/short-questions.jsonl

## questions typed as people type them (misspelt, lower case, numbers and spellings of their own, terse), then as written properly
eval-sloppy: install
	$(PY) bench/news_corpus.py >/dev/null
	$(QA) eval --corpus seeds=seeds --corpus news-pages=embeddings/news-bodies \
	    --questions bench/sloppy-questions.jsonl
	$(QA) eval --corpus seeds=seeds --corpus news-pages=embeddings/news-bodies \
	    --questions bench/sloppy-clean-questions.jsonl

## questions pasted with a paragraph of the reader's own words around them (why they ask, what a friend said)
eval-long: install
	$(PY) bench/news_corpus.py >/dev/null
	$(QA) eval --corpus seeds=seeds --corpus news-pages=embeddings/news-bodies \
	    --questions bench/long-questions.jsonl

## ten kinds of article a reader saves (live blog, interview, press release, match report with a table, PDF, ...)
eval-formats: install
	$(QA) eval --corpus formats=bench/formats --questions bench/formats-questions.jsonl

## Chinese, Japanese and Korean: 12 made-up news articles (bench/cjk) and 57 questions in their languages
eval-cjk: install
	$(QA) eval --corpus cjk=bench/cjk --questions bench/cjk-questions.jsonl

## follow-up questions: each turn of bench/conversations.jsonl (and of the held-out set) with its conversation and alone
eval-conversations: install
	$(PY) bench/news_corpus.py >/dev/null
	$(QA) eval --corpus seeds=seeds --corpus news-pages=embeddings/news-bodies \
	    --conversations bench/conversations.jsonl
	@echo "held out (no constant fitted on it; follow-up rules judged on it since stop 35): bench/conversations-held-out.jsonl"
	$(QA) eval --corpus seeds=seeds --corpus news-pages=embeddings/news-bodies \
	    --conversations bench/conversations-held-out.jsonl
	@echo "a user's conversations (stop 37; written before any answer was seen): bench/conversations-user.jsonl"
	$(QA) eval --corpus seeds=seeds --corpus news-pages=embeddings/news-bodies \
	    --conversations bench/conversations-user.jsonl
	@echo "long chats that change subject and come back (stop 38; written before any answer was seen): bench/conversations-long.jsonl"
	$(QA) eval --corpus seeds=seeds --corpus news-pages=embeddings/news-bodies \
	    --conversations bench/conversations-long.jsonl
	@echo "held out, fresh (stop 47; written blind over 11 pages no other set uses and the seeds; judged nothing): bench/conversations-fresh.jsonl"
	$(QA) eval --corpus seeds=seeds --corpus news-pages=embeddings/news-bodies \
	    --conversations bench/conversations-fresh.jsonl

CV_GRID ?= default
cv: install
	$(PY) bench/cv.py --grid $(CV_GRID)

## qa side by side with raw sentence-transformers + FAISS and with peers, in one run (~20 min on 2 cores);
## prints the table of ratios and writes it to bench/results/bench.json. BENCH_ARGS="--quick" for a smoke run,
## BENCH_ARGS="--scales 1000,10000,100000" to add the 100k corpus (over an hour). Then the Ray build's
## overhead against the local build (bench/ray_build.py, ~4 min) and the query fan-out over 4 shards
## against one index (bench/ray_query.py, ~2 min).
BENCH_ARGS ?=
BENCH_BUILD_PASSAGES ?= 1000000
bench: install install-bench
	$(PY) bench/run.py $(BENCH_ARGS)
	$(PY) bench/ray_build.py --synthetic 1500000 --reps 1
	$(PY) bench/ray_query.py --synthetic 1500000
	@# The 1M-passage local build, its time and peak RSS (~40 min; the model's forward pass stood in
	@# for, its cost estimated: bench/scale_build.py). BENCH_BUILD_PASSAGES=0 leaves it out.
	@if [ "$(BENCH_BUILD_PASSAGES)" != "0" ]; then $(PY) bench/scale_build.py --passages $(BENCH_BUILD_PASSAGES) --stand-in; fi

clean-index:
	find embeddings -mindepth 1 ! -name README.md -exec rm -rf {} +
