# The two commands: `make run` serves the demo, `make test` runs the suite. Both set up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Lint what exists: a fresh clone may not have every folder yet.
LINT   := $(wildcard src tests bench conftest.py)

.PHONY: run test setup setup-bench lint bench bench-scale browser scale audit-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the dependency list changes, so a second `make run` starts in seconds.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

# The benchmarks and the scale tests also need the load tools (aiohttp, locust, duckdb).
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	touch $(BENCH_STAMP)

setup-bench: $(BENCH_STAMP)

# The demo turns off two-factor enforcement unless the caller sets QINGLIAN_2FA_REQUIRED, so that
# every demo login reaches its home page without an authenticator app.
run: setup
	QINGLIAN_2FA_REQUIRED=$${QINGLIAN_2FA_REQUIRED:-0} $(BIN)/qinglian demo

test: setup
	$(BIN)/qinglian migrate --verbosity 0
	$(BIN)/ruff check $(LINT)
	$(BIN)/qinglian makemigrations --check --dry-run --verbosity 1
	$(BIN)/pytest -n 2 -q

# Real-Chromium journeys; needs Debian's chromium (apt-get install chromium), never a downloaded browser.
browser: setup
	@test -x /usr/bin/chromium || { echo "browser tests need /usr/bin/chromium: apt-get install chromium" >&2; exit 1; }
	$(BIN)/pytest -m browser -q -p no:xdist

# Servers, workers, faults and load at a reduced size, on PostgreSQL (DATABASE_URL, else the local
# server at 127.0.0.1:5432 as postgres) with Redis at REDIS_URL (else 127.0.0.1:6379).
scale: setup-bench
	$(BIN)/pytest -m scale -q -p no:xdist

# Known-vulnerable versions among the installed packages fail the run (pip-audit and safety's list).
audit-deps: setup-bench
	bash .ci/audit-deps

lint: setup
	$(BIN)/ruff check $(LINT)
	$(BIN)/ruff format --check $(LINT)

bench: setup-bench
	$(BIN)/python -m bench.pages
	$(BIN)/python -m bench.evaluation_scoring
	$(BIN)/python -m bench.evaluation_inputs

# Every module at province scale on PostgreSQL: seeds BENCH_DATABASE_URL once (when the database does not exist
# yet: ~300,000 organisations, 1,000,000 members and their records), then writes data/bench-scale.json.
BENCH_DB    ?= qinglian_bench
BENCH_SCALE ?= province
BENCH_ENV   := DATABASE_URL=postgres://$${PGUSER:-postgres}@$${PGHOST:-127.0.0.1}:$${PGPORT:-5432}/$(BENCH_DB) \
               QINGLIAN_DATA_DIR=data/bench
bench-scale: setup-bench
	if createdb -h $${PGHOST:-127.0.0.1} -U $${PGUSER:-postgres} $(BENCH_DB) 2>/dev/null; then \
	  $(BENCH_ENV) $(BIN)/python -m bench.seed --scale $(BENCH_SCALE) --data-dir data/bench; fi
	$(BENCH_ENV) $(BIN)/python -m bench.scale --data-dir data/bench --out data/bench-scale.json

clean:
	rm -rf $(VENV) .venv-audit data
