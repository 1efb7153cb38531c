# SalesCore. `make run` serves the demo company; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 3

.PHONY: help setup run serve test test-unit test-browser test-postgres lint format messages \
        worker beat check-deploy browser-deps clean gettext pdf-deps bench

help:
	@echo "make run           set up, migrate, load the demo company, serve http://$(HOST):$(PORT)"
	@echo "make test          set up and run lint, migration/translation checks and the whole suite"
	@echo "make test-postgres the suite on PostgreSQL (DATABASE_URL, default a fresh local database)"
	@echo "make test-browser  the Playwright tests in Chromium (make browser-deps installs it)"
	@echo "make messages      refresh the zh-hans and en catalogues after changing strings"
	@echo "make worker        a Celery worker (needs REDIS_URL)"
	@echo "make bench         benchmarks on PostgreSQL and SQLite (SIZE=S|M|L, DB=pg|sqlite|both, BASE=run.json)"

# pip prints a warning per package for find-links folders some machines configure; hide only those.
PIP_QUIET := 2>&1 | { grep -v "^WARNING: Location 'file:" || true; }

$(PY):
	$(PYTHON) -m venv $(VENV)
	set -o pipefail; $(PY) -m pip install --quiet --upgrade pip $(PIP_QUIET)

$(VENV)/.installed: requirements.txt | $(PY)
	set -o pipefail; $(PY) -m pip install --quiet -r requirements.txt $(PIP_QUIET)
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# gettext provides msgfmt for compilemessages; Debian images may lack it.
gettext:
	@command -v msgfmt >/dev/null || { echo "Installing gettext (msgfmt)..."; \
	  (apt-get update -qq && apt-get install -y -qq gettext >/dev/null) || \
	  { echo "msgfmt is missing: install the gettext package"; exit 1; }; }

# Quote PDFs (WeasyPrint) need Pango and a CJK font; Debian images may lack both.
pdf-deps:
	@{ ldconfig -p | grep -q libpangoft2-1.0 && fc-list :lang=zh | grep -q .; } || { \
	  echo "Installing Pango and the Noto CJK fonts for quote PDFs..."; \
	  (apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fontconfig \
	     fonts-noto-cjk >/dev/null) || \
	  { echo "Quote PDFs need Pango and a CJK font: install libpango-1.0-0 and fonts-noto-cjk"; exit 1; }; }

setup: $(VENV)/.installed node_modules/.installed gettext pdf-deps
	@mkdir -p var
	$(PY) scripts/vendor_assets.py
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v 0
	$(MANAGE) collectstatic --noinput -v 0

run: setup
	$(MANAGE) migrate --noinput -v 0
	$(MANAGE) load_demo
	@echo ""
	@echo "SalesCore is serving http://$(HOST):$(PORT)  (Ctrl+C stops it)"
	$(VENV)/bin/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers $(WORKERS) --access-logfile - --log-level warning

serve: setup
	$(VENV)/bin/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers $(WORKERS) --access-logfile -

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: setup lint
	$(MANAGE) makemigrations --check --dry-run -v 1
	$(PY) scripts/check_catalogues.py
	$(PY) -m pytest $(PYTEST_ARGS)

test-unit: setup
	$(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

test-browser: setup browser-deps
	$(PY) -m pytest -m browser $(PYTEST_ARGS)

PG_URL ?= postgres://postgres@127.0.0.1:5432/salescore_ci
test-postgres: setup
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(PY) -m pytest --create-db $(PYTEST_ARGS)

# Benchmarks (docs/performance.md), never part of make test: generate a company of SIZE (S, M, L)
# unless the database holds one, serve it with gunicorn and measure pages, API, floors, import and
# export. BASE=var/bench/<earlier>.json compares; IMPORT_ROWS=100000 imports the issue's full file;
# BENCH_ARGS passes more options to bench/run.py (e.g. --repeat 30 --duration 3).
SIZE ?= M
DB ?= both
bench: setup
	$(PY) bench/orchestrate.py --size $(SIZE) --db $(DB) $(if $(BASE),--base $(BASE)) \
	  $(if $(IMPORT_ROWS),--import-rows $(IMPORT_ROWS)) $(BENCH_ARGS)

browser-deps:
	@command -v /usr/bin/chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

messages: $(VENV)/.installed
	$(MANAGE) makemessages -l zh_Hans -l en --ignore=.venv --ignore=node_modules --ignore=var --no-obsolete
	$(PY) scripts/check_catalogues.py --fill-en

worker: setup
	$(VENV)/bin/celery -A config worker --loglevel=info

beat: setup
	$(VENV)/bin/celery -A config beat --loglevel=info

check-deploy: setup
	HTTPS=1 SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	  ALLOWED_HOSTS=sales.example.com $(MANAGE) check --deploy --fail-level WARNING

clean:
	rm -rf var/static
