# The README's commands. Each target creates .venv and installs once: the stamp
# files make a second run skip pip entirely unless pyproject.toml changed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP_FLAGS ?= --disable-pip-version-check

.PHONY: demo test bench neo4j-up neo4j-down lint clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_FLAGS) --upgrade pip setuptools wheel

$(VENV)/.stamp-all: pyproject.toml | $(BIN)/python
	$(BIN)/pip install $(PIP_FLAGS) -e '.[all]'
	touch $@

$(VENV)/.stamp-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install $(PIP_FLAGS) -e '.[dev]'
	touch $@

## make demo: build the demo world into the default store and serve it
demo: $(VENV)/.stamp-all
	$(BIN)/modelctx demo

## make test: the whole test suite (Neo4j tests run when MODELCTX_TEST_NEO4J_URI is set)
test: $(VENV)/.stamp-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make bench: every benchmark at its default size (slow; each prints ratios against a baseline run alongside)
BENCHES := store_bench ingest_bench interop_bench search_quality search_bench api_bench lifecycle_bench audit_bench crash_bench
bench: $(VENV)/.stamp-dev
	set -e; for b in $(BENCHES); do echo "== bench/$$b.py"; $(BIN)/python bench/$$b.py; done

neo4j-up:
	bash scripts/neo4j-up.sh

neo4j-down:
	bash scripts/neo4j-down.sh

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check modelctx tests bench
	$(BIN)/mypy modelctx

clean-venv:
	rm -rf $(VENV)
