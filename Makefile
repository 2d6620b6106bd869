# FastAPI Patterns — the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint typecheck format check index bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)  ## create .venv with the KB and its development tools

run: install  ## serve the knowledge base on http://127.0.0.1:8000
	KB_CACHE_DIR=$${KB_CACHE_DIR:-.cache} $(BIN)/kb serve

test: install lint typecheck  ## lint, type-check, then run the whole test suite
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install  ## mypy --strict over kb/ (configured in pyproject.toml)
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install  ## check every entry and run its try blocks
	$(BIN)/kb check

index: install
	$(BIN)/kb index

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache test-output

# --- The database entries on PostgreSQL ---------------------------------------------------
# The examples whose .env declares DATABASE_URL, as paths that kb check takes.
DATABASE_EXAMPLES = $(shell grep -l '^DATABASE_URL=' examples/*.env examples/*/.env | sed -e 's|/\.env$$||' -e 's|\.env$$|.py|')
DEPLOY_STAMP := $(VENV)/.deploy-stamp

$(DEPLOY_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,deploy]'
	@touch $(DEPLOY_STAMP)

.PHONY: check-postgres
check-postgres: $(DEPLOY_STAMP)  ## kb check and the postgres tests of the database entries, on a throwaway PostgreSQL
	$(BIN)/python deploy/postgres.py -- sh -c '$(BIN)/kb check $(DATABASE_EXAMPLES) && $(BIN)/python -m pytest -m postgres'
# --- end of the PostgreSQL section ---------------------------------------------------------
