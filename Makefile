# Cermin — the two commands of the quick start are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1
FLASK := $(BIN)/flask --app portal

.PHONY: run test nightly serve install install-test axe translations messages migrate bench screenshots clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate setup.cfg pyproject.toml
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[postgres,redis]"
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[test,postgres,redis]"
	@touch $@

install: $(VENV)/.installed translations

install-test: $(VENV)/.installed-test translations axe

## axe-core for the browser suite's phone crawl, at the version pinned in tests/browser/package-lock.json.
axe:
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error

## Compile the translation catalogs (translations/*/LC_MESSAGES/messages.po -> .mo).
translations: $(VENV)/.installed
	@$(BIN)/pybabel compile -d translations

## Extract marked strings and update the catalogs after changing UI text.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _l -k lazy_gettext --no-location --sort-output \
		--project=Cermin --copyright-holder="Cermin" -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

## Create or upgrade the database to the newest schema.
migrate: $(VENV)/.installed
	$(FLASK) db upgrade

## The address `make run` gives links, QR codes and mail (CERMIN_BASE_URL, unless already set):
## the one it serves on; none for a wildcard HOST, so pages follow the address they are opened at.
RUN_BASE_URL := $(if $(filter 0.0.0.0 ::,$(HOST)),,http://$(HOST):$(PORT))

## Quick start: install, migrate, seed the demo on first run, serve on http://127.0.0.1:5000 with
## the mail worker beside the web server (both stop with Ctrl+C).
run: install migrate
	@$(FLASK) seed-demo
	@echo ""
	@echo "Cermin berjalan di http://$(HOST):$(PORT)  (Ctrl+C untuk berhenti)"
	@echo "Email keluar dikirim oleh mail-worker; catatannya (dan isinya, tanpa MAIL_SERVER) di instance/mail-worker.log"
	@mkdir -p instance; export CERMIN_BASE_URL="$${CERMIN_BASE_URL-$(RUN_BASE_URL)}"; \
	$(FLASK) mail-worker >> instance/mail-worker.log 2>&1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

## Production-style server: gunicorn against DATABASE_URL.
serve: install migrate
	$(BIN)/gunicorn -c gunicorn.conf.py "portal:create_app()"

## The whole suite: SQLite (with the browser suite) and, at the same time on the other core,
## PostgreSQL (its output follows the SQLite run's; either failing fails the target).
test: install-test
	@rm -f .test-postgres.log .test-browser.log; \
	$(BIN)/python -m pytest --db postgres tests/portal > .test-postgres.log 2>&1 & postgres_pid=$$!; \
	$(BIN)/python -m pytest tests/browser > .test-browser.log 2>&1 & browser_pid=$$!; \
	$(BIN)/python -m pytest --ignore=tests/browser; sqlite=$$?; \
	wait $$browser_pid; browser=$$?; \
	wait $$postgres_pid; postgres=$$?; \
	echo ""; echo "=== Browser: pytest tests/browser ==="; cat .test-browser.log; \
	echo ""; echo "=== PostgreSQL: pytest --db postgres tests/portal ==="; cat .test-postgres.log; \
	echo ""; echo "make test: SQLite exit $$sqlite, browser exit $$browser, PostgreSQL exit $$postgres"; \
	[ $$sqlite -eq 0 ] && [ $$browser -eq 0 ] && [ $$postgres -eq 0 ]

## The long run, by hand or at night: hypothesis's nightly profile (ten times the examples, random)
## and the full date sweep (every moment in WIB, WITA and WIT, a year of demo), on SQLite with the
## browser suite, then on PostgreSQL.
nightly: install-test
	HYPOTHESIS_PROFILE=nightly $(BIN)/python -m pytest -m ""
	HYPOTHESIS_PROFILE=nightly $(BIN)/python -m pytest -m "" --db postgres tests/portal

## Screenshots for the role guides (docs/screenshots/, linked from docs/guide-*.md): the demo served
## on loopback, each role's home and main pages at 360 px and 1280 px, in headless Chromium.
## Not part of `make test`.
screenshots: install-test
	$(BIN)/python scripts/screenshots.py

bench: install-test
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
