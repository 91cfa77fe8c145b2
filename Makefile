# Ścieżka: `make run` serves the demo, `make test` runs every test (SQLite, then PostgreSQL).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app wsgi
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# `make run PORT=5050` serves on another port.
PORT ?= 5000

.PHONY: run reset-demo test test-fast test-sqlite test-postgres install translations messages migrate seed lint lock audit-deps bench loadtest clean screenshots indicators

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d translations -D messages

migrate: install
	$(BIN)/alembic upgrade head

seed: migrate
	$(FLASK) demo seed

# The indicator base: TERYT units and boundaries, the definitions, the GUS BDL values, the
# system's peer groups
# (docs/operations.md). Idempotent; about 20 s on SQLite, most of it the 416,370 values.
indicators: migrate
	$(FLASK) units load
	$(FLASK) indicators define
	$(FLASK) indicators import data/bdl/bdl_gminy_2010-2019_long_compact.csv
	$(FLASK) groups standard

run: seed indicators
	@echo ""
	@echo "Ścieżka: http://127.0.0.1:$(PORT)/login  (np. coordinator@demo.sciezka.pl / demo)"
	@echo ""
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Erase the database (every row, also what you did in the demo), migrate it and seed the demo
# again: `flask --app wsgi demo reset` (refused with APP_ENV=production).
# Drops every table (the indicator base too), migrates, seeds the demo, reloads the indicators.
reset-demo: install
	$(FLASK) demo reset --yes
	$(MAKE) --no-print-directory indicators

# The two halves run side by side, each as three pytest processes (TEST_SHARD in
# tests/conftest.py: the seeded demo's and the browser tests, modules test_a… to test_l…, the
# rest), six at once: each often waits on its database, workers or Chromium. They share nothing
# but the Redis on 6379, where every test has its own queue and key prefix; each part's output
# is printed whole when it ends. `make test-sqlite` or `make test-postgres` runs one half in
# one process.
# (Static pattern rules: make looks for no implicit rule for a .PHONY target.)
SHARDS := demo a-l m-z
SQLITE_PARTS := $(SHARDS:%=test-sqlite-%)
POSTGRES_PARTS := $(SHARDS:%=test-postgres-%)
.PHONY: $(SQLITE_PARTS) $(POSTGRES_PARTS)
test: install
	$(MAKE) --no-print-directory -j6 --output-sync=target $(SQLITE_PARTS) $(POSTGRES_PARTS)

$(SQLITE_PARTS): test-sqlite-%: install
	env -u TEST_DATABASE_URL TEST_SHARD=$* $(BIN)/pytest -q

$(POSTGRES_PARTS): test-postgres-%: install
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_SHARD=$* $(BIN)/pytest -q

test-sqlite: install
	env -u TEST_DATABASE_URL $(BIN)/pytest -q

# The fast loop while working: SQLite, without the tests marked slow (browsers, worker
# processes, the backup drill, form fuzzing, the full authz walk, the seeded demo).
test-fast: install
	env -u TEST_DATABASE_URL $(BIN)/pytest -q -m "not slow"

test-postgres: install
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest -q

# The user guide's screenshots (docs/screenshots/<role>-<lang>.png), taken by Chromium.
screenshots: install
	SCREENSHOTS=1 env -u TEST_DATABASE_URL $(BIN)/pytest -q -p no:randomly tests/test_browser_screenshots.py

# ruff; the import contracts of .importlinter (which way imports run, no cycles); and bandit
# on the application code: any finding of medium or high severity fails (settings and the
# justified skips in pyproject.toml [tool.bandit]).
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/bandit -q -c pyproject.toml -r workflow states forms worker config.py wsgi.py -ll

# The resolved dependencies of .venv, pinned; what `make audit-deps` checks. Refresh after
# changing pyproject.toml's dependencies (and `make install`).
lock: install
	{ echo "# The resolved dependencies of .venv (make lock), audited by pip-audit (make audit-deps)."; \
	  $(BIN)/pip freeze --exclude-editable; } > requirements.lock

# pip-audit on requirements.lock. Exit 1: a known vulnerability; exit 3: no vulnerability
# database reachable (nothing audited; .ci/audit_deps.py says which and why).
audit-deps: install
	$(BIN)/python .ci/audit_deps.py requirements.lock

# Every benchmark of bench/ (bench/README.md); scaled_demo.py is the 540-town builder they use.
bench: install
	for script in bench/*.py; do case $$script in bench/scaled_demo.py|bench/locustfile.py|bench/loadtest.py) ;; \
	  *) $(BIN)/python $$script || exit 1;; esac; done

# The load test (bench/loadtest.py, Locust): the demo's people on their pages through gunicorn
# -w 2 on a free port of 127.0.0.1, 50 of them for 60 s, at 54 and 540 towns, on SQLite and then
# PostgreSQL; prints requests/s, p50/p95 per page and the failures (exit 1 if any). ~15 min.
loadtest: install
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python bench/loadtest.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# After changing strings: refresh the template and both catalogs, then translate the new
# entries in translations/en (tests/test_translations.py fails until every one is done).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
