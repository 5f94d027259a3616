# ABM Hub — a newcomer needs two commands: `make run` and `make test`.
#
#   make run     create .venv, install, migrate, load demo data, serve http://127.0.0.1:8000
#   make test    the whole pytest suite (fails when no test ran)
#   make lint    ruff check + ruff format --check
#   make check   lint + migrations are up to date + the OpenAPI schema validates
#   make fuzz    schemathesis over the whole API as admin, marketer and sales rep (CI runs it)
#   make format  rewrite files with ruff
#
# With nothing configured the hub runs embedded (SQLite file, Celery tasks in-process).
# Set DATABASE_URL and REDIS_URL (environment or .env) and `make run` uses PostgreSQL and
# starts a real Celery worker and beat beside the web server (see `manage.py runhub`).

PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_ACCOUNTS ?= 200
DEMO_SEED ?= 42

# `make run` is for development: DEBUG defaults to true here, and only here.
RUN_ENV := DEBUG=$${DEBUG:-true}
# Management commands used by checks need settings that import without production secrets.
CHECK_ENV := DEBUG=true

.PHONY: install run test lint format check check-migrations openapi fuzz clean

# A local checkout gets a .env with DEBUG=true, so `.venv/bin/python manage.py …` works
# without production secrets; an existing .env is never touched (production copies
# .env.example, where DEBUG=false).
# The SECRET_KEY is random per checkout (nothing is built in); an older .env without one
# gets one appended.
.env:
	@printf '# Local development, written by make (every setting: .env.example).\nDEBUG=true\n' > .env
	@echo "wrote .env (DEBUG=true) for local development"

.PHONY: secret-key
secret-key: | .env
	@grep -q '^SECRET_KEY=.' .env || { \
		printf 'SECRET_KEY=%s\n' "$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" >> .env; \
		echo "wrote a random SECRET_KEY into .env"; }

# Reinstall only when pyproject.toml changed (or the virtualenv is new).
$(STAMP): pyproject.toml | secret-key
	@test -x $(PYTHON) || $(PY) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# RUN_HOST/RUN_PORT: SITE_URL (links in mail, the seed's sign-in line) follows the address
# served on unless SITE_URL is set (environment or .env).
run: $(STAMP)
	$(RUN_ENV) RUN_HOST=$(HOST) RUN_PORT=$(PORT) $(PYTHON) manage.py migrate --noinput
	$(RUN_ENV) RUN_HOST=$(HOST) RUN_PORT=$(PORT) $(PYTHON) manage.py seed_demo --accounts $(DEMO_ACCOUNTS) --seed $(DEMO_SEED) --if-empty
	$(RUN_ENV) RUN_HOST=$(HOST) RUN_PORT=$(PORT) exec $(PYTHON) manage.py runhub --host $(HOST) --port $(PORT)

# pytest exits 5 when it collected nothing; make treats any non-zero exit as failure.
test: $(STAMP)
	$(PYTHON) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check-migrations: $(STAMP)
	$(CHECK_ENV) $(PYTHON) manage.py makemigrations --check --dry-run

openapi: $(STAMP)
	@mkdir -p var
	$(CHECK_ENV) $(PYTHON) manage.py spectacular --validate --fail-on-warn --file var/openapi.yaml

check: lint check-migrations openapi

# The API fuzz (tests/test_api_fuzz.py): schemathesis over every operation as admin,
# marketer and sales rep, against a server it starts on 127.0.0.1 over a fresh demo
# database (FUZZ_DATABASE_URL, e.g. postgres://…/abm_fuzz; default a SQLite file).
# Reports in var/fuzz/. `make test` skips it; CI runs it as its own step.
fuzz: $(STAMP)
	ABM_FUZZ=1 $(PYTHON) -m pytest tests/test_api_fuzz.py -p no:cacheprovider -v -s

clean:
	rm -rf $(VENV) staticfiles var .pytest_cache .ruff_cache
