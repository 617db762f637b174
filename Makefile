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

## make bench: every benchmark (slow; prints ratios against baselines run alongside)
bench: $(VENV)/.stamp-dev
	$(BIN)/python bench/store_bench.py

neo4j-up:
	bash scripts/neo4j-up.sh

neo4j-down:
	bash scripts/neo4j-down.sh

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check modelctx tests bench
	$(BIN)/mypy modelctx

clean-venv:
	rm -rf $(VENV)
