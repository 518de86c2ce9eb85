# Beschikbaarheidswijzer — two commands for a fresh machine:
#   make demo   venv + install, SQLite database with reference and demo data, scheduler + web server
#               on http://127.0.0.1:5000 (prints the demo logins)
#   make test   installs everything the suite needs (incl. PostgreSQL and Chromium from Debian
#               packages when missing) and runs it on SQLite, on PostgreSQL, and in the browser
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
FLASK  := $(BIN)/flask --app wsgi
DEMO_PROVIDERS ?= 300
PYTEST_ARGS ?=
LINT_PATHS := wijzer providers importers tests benchmarks migrations scripts wsgi.py
# pytest exits 5 when nothing was collected. With a narrowing PYTEST_ARGS (e.g. PYTEST_ARGS=tests/unit)
# a step may legitimately select nothing; without it an empty step is an error and fails the build.
ALLOW_EMPTY = || { rc=$$?; [ $$rc -eq 5 ] && [ -n "$(strip $(PYTEST_ARGS))" ] && echo "(no tests selected by PYTEST_ARGS)"; }

.PHONY: install demo serve test test-sqlite test-postgres test-e2e lint bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { scripts/ensure-python.sh $(PYTHON) && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(FLASK) setup
	$(FLASK) demo seed --providers $(DEMO_PROVIDERS) --seed 1 --if-empty
	@scripts/serve-demo.sh

test: install
	@$(MAKE) --no-print-directory lint
	@scripts/ensure-system-packages.sh
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres
	@$(MAKE) --no-print-directory test-e2e

test-sqlite: install
	@echo "== pytest on SQLite"
	$(BIN)/pytest -q -m "not e2e" $(PYTEST_ARGS) $(ALLOW_EMPTY)

test-postgres: install
	@echo "== pytest on PostgreSQL"
	@export WIJZER_TEST_DATABASE_URL="$$(scripts/ensure-postgres.sh)" && \
	  $(BIN)/pytest -q -m "not e2e" $(PYTEST_ARGS) $(ALLOW_EMPTY)

test-e2e: install
	@echo "== end-to-end tests in Chromium"
	$(BIN)/pytest -q -m e2e $(PYTEST_ARGS) $(ALLOW_EMPTY)

lint: install
	@echo "== lint"
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy

bench: install
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) instance .pytest_cache test-artifacts benchmarks/out
