# The two commands a user needs: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BUNDLER := $(BIN)/bundler
# PostgreSQL for the second test run; CI and this kind of machine provide it on 127.0.0.1.
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/bundler
# Two workers: the suite runs on both cores (each worker has its own test database).
PYTEST_ARGS ?= -n 2
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install install-test run test lint typecheck pytest-sqlite pytest-postgres test-browser audit-deps test-faults clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate setup.cfg pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

static/vendor/utrecht.css: node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/@utrecht/component-library-css/dist/index.css $@

TRANSLATIONS := $(patsubst %.po,%.mo,$(wildcard bundler/translations/*/LC_MESSAGES/messages.po))
%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null

install: $(VENV)/.installed static/vendor/utrecht.css $(TRANSLATIONS)

install-test: install $(VENV)/.installed-test

run: install
	@mkdir -p instance
	$(BUNDLER) init-db
	@if [ ! -f instance/.demo-loaded ]; then \
	  $(BUNDLER) load-demo --if-empty >/dev/null && \
	  printf '# Written by `make run` for the local demo.\nMFA_REQUIRED = False\n' >> instance/config.py && \
	  touch instance/.demo-loaded; \
	fi
	@$(BUNDLER) demo-accounts
	$(BUNDLER) serve --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-test
	$(BIN)/mypy

pytest-sqlite: install-test
	$(BIN)/pytest $(PYTEST_ARGS)

pytest-postgres: install-test
	@if $(BIN)/python -c "import sys, psycopg; psycopg.connect('$(TEST_POSTGRES_URL)'.replace('+psycopg', '').rsplit('/', 1)[0] + '/postgres', connect_timeout=3).close()" 2>/dev/null; then \
	  TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/pytest $(PYTEST_ARGS); \
	elif [ -n "$$REQUIRE_POSTGRES" ]; then \
	  echo "PostgreSQL is required (REQUIRE_POSTGRES) but not reachable at $(TEST_POSTGRES_URL)"; exit 1; \
	else \
	  echo "SKIPPED: the PostgreSQL run of the suite (no server at $(TEST_POSTGRES_URL))"; \
	fi

# Known-vulnerable pinned versions (pip-audit); skipped with the reason printed when no
# vulnerability service answers from this machine.
audit-deps: install-test
	$(BIN)/pytest -q -m deps -rs tests/test_dependencies.py

# Bounded, loopback-only fault tests: a gunicorn worker killed mid-burst, a throwaway
# PostgreSQL cluster restarted under load, storage failing during a package build.
test-faults: install-test
	TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) $(BIN)/pytest -q -m faults -rs tests/faults

test: lint typecheck pytest-sqlite pytest-postgres audit-deps

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache .mypy_cache .ruff_cache
