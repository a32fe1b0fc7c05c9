# Tandem: `make run` serves the demo, `make test` runs the whole suite. Every install step lives here.
SHELL := /bin/bash
.DEFAULT_GOAL := run
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv
UV := .tools/bin/uv
PY := .venv/bin/python
BOOTSTRAP_PYTHON ?= python3
POSTGRES_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: run install system-packages browser messages test test-sqlite test-postgres lint format bench model makemessages clean

$(UV):
	$(BOOTSTRAP_PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==0.13.8

# Debian packages: gettext compiles the translations; WeasyPrint renders report PDFs with Pango, HarfBuzz's
# font subsetting and the DejaVu fonts (Cyrillic included); Chromium runs the browser tests.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
system-packages:
	@command -v msgfmt >/dev/null || { apt-get update -qq && apt-get install -y -qq gettext; }
	@[ "$$(dpkg-query -W -f='$${Status}\n' $(PDF_PACKAGES) 2>/dev/null | grep -c 'install ok installed')" = $(words $(PDF_PACKAGES)) ] \
		|| { apt-get update -qq && apt-get install -y -qq $(PDF_PACKAGES); }

browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu-core; }

install: $(UV) system-packages
	$(UV) sync --frozen --quiet --compile-bytecode  # .pyc files now: processes start in a second, not three
	$(MAKE) --no-print-directory messages

messages:
	@cd tandem && ../$(PY) ../manage.py compilemessages --verbosity 0

run: install
	$(PY) manage.py demo
	exec $(PY) manage.py serve

test: install browser
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite:
	$(PY) -m pytest $(PYTEST_ARGS)

# The same suite on PostgreSQL; skipped with the reason when no server answers (CI requires one).
test-postgres:
	@if $(PY) -c "import psycopg,sys; psycopg.connect('$(POSTGRES_TEST_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		DATABASE_URL=$(POSTGRES_TEST_URL) $(PY) -m pytest -m "not browser" $(PYTEST_ARGS); \
	elif [ -n "$$TANDEM_REQUIRE_SERVICES" ]; then \
		echo "PostgreSQL is required (TANDEM_REQUIRE_SERVICES) but $(POSTGRES_TEST_URL) does not answer"; exit 1; \
	else \
		echo "SKIPPED the PostgreSQL run: no server answers at $(POSTGRES_TEST_URL)"; \
	fi

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format:
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

# Retrain the shipped moderation model from the team's labelled data (needs ../shared/datasets; ~70 s).
model: install
	$(PY) -m tandem.moderation.training --data ../shared/datasets --out tandem/moderation/model

makemessages:
	cd tandem && ../$(PY) ../manage.py makemessages -l ru --no-obsolete --add-location file

# Each benchmark prints one JSON line of figures per configuration it measures.
bench: install
	$(PY) bench/publish.py
	$(PY) bench/publish.py --posts 10000 --databases sqlite --label sustained --timeout 300
	$(PY) bench/webhook.py
	$(PY) bench/moderation_speed.py
	$(PY) bench/moderation.py
	$(PY) bench/analytics.py

clean:
	rm -rf .venv .tools data
