# FastAPI Patterns — the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Throwaway venvs of check-lowest and check-runtime, made afresh on every run.
LOWEST := .venv-lowest
RUNTIME := .venv-runtime
# The unit tests of the server's parts: with kb check, they prove kb/'s floors.
LOWEST_TESTS := tests/web tests/search tests/middleware tests/sandbox tests/consoles tests/dev \
	tests/test_app.py tests/cli tests/test_settings.py tests/test_knowledge.py
# uv (from the dev extra) installs from PyPI only, and never downloads a Python of its own.
export UV_PYTHON_DOWNLOADS := never

.PHONY: install run test lint typecheck format check check-lowest check-runtime index bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)  ## create .venv with the KB and its development tools

run: install  ## serve the knowledge base on http://127.0.0.1:8000
	$(BIN)/kb serve

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

# Every runtime dependency at the oldest version pyproject.toml allows (uv's lowest-direct:
# direct requirements at their floors, what they pull in at the newest that fits), plus the
# test extra at its floors. The dev tools are left out: they never reach a reader.
# DeprecationWarnings are not errors here: an old release may warn about a newer release of
# its own dependency (uvicorn 0.30 about websockets), and the main suite, on the newest
# versions, keeps them errors for our own code.
check-lowest: install  ## kb check and the server's tests with every dependency at its floor
	rm -rf $(LOWEST)
	$(BIN)/uv venv --quiet --python $(PYTHON) $(LOWEST)
	$(BIN)/uv pip install --python $(LOWEST)/bin/python --resolution lowest-direct -e '.[test]'
	$(LOWEST)/bin/kb check
	$(LOWEST)/bin/python -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning $(LOWEST_TESTS)

# The newest runtime dependencies alone, as deploy/ installs them (`.[deploy]`): catches a
# requirement that only a dev tool brings in (Playwright brings greenlet, which the async
# examples need and SQLAlchemy 2.1 installs only with its [asyncio] extra).
check-runtime: install  ## kb check without the dev extra, on the newest runtime dependencies
	rm -rf $(RUNTIME)
	$(BIN)/uv venv --quiet --python $(PYTHON) $(RUNTIME)
	$(BIN)/uv pip install --quiet --python $(RUNTIME)/bin/python -e '.[deploy]'
	$(RUNTIME)/bin/kb check

index: install
	$(BIN)/kb index

clean:
	rm -rf $(VENV) $(LOWEST) $(RUNTIME) .pytest_cache .ruff_cache .mypy_cache test-output

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
