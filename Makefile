# Ścieżka: `make run` serves the demo, `make test` runs every test (SQLite, then PostgreSQL).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app wsgi
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test test-sqlite test-postgres install translations migrate seed lint bench clean

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

run: seed
	@echo ""
	@echo "Ścieżka: http://127.0.0.1:5000/login  (np. coordinator@demo.sciezka.pl / demo)"
	@echo ""
	$(FLASK) run --host 127.0.0.1 --port 5000

test: test-sqlite test-postgres

test-sqlite: install
	env -u TEST_DATABASE_URL $(BIN)/pytest -q

test-postgres: install
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python bench/queries.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
