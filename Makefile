# The two commands: `make run` serves the demo, `make test` runs the suite. Both set up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test setup lint bench browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the dependency list changes, so a second `make run` starts in seconds.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/qinglian demo

test: setup
	$(BIN)/qinglian migrate --verbosity 0
	$(BIN)/ruff check src tests bench
	$(BIN)/qinglian makemigrations --check --dry-run --verbosity 1
	$(BIN)/pytest -n 2 -q

browser: setup
	$(BIN)/pytest -m browser -q -p no:xdist

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

bench: setup
	$(BIN)/python -m bench.pages

clean:
	rm -rf $(VENV) data
