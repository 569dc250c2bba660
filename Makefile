# Mot Cua — see README.md. Two entry points: `make run` and `make test`.
PYTHON ?= $(shell test -x /root/.pyenv/versions/3.13.0/bin/python && echo /root/.pyenv/versions/3.13.0/bin/python || (command -v python3.13 || command -v python3))
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/motcua

.PHONY: run serve test install test-sqlite test-postgres lint bench browser-deps clean

# pip -qq: errors only (this machine's global pip config names index folders that may be missing, and every
# install would otherwise print a "Location ... is ignored" warning per package).
PIP := $(BIN)/pip --disable-pip-version-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -qq --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml
	@echo "Installing dependencies into $(VENV) ..."
	$(PIP) install -qq -r requirements.lock
	PYTHONWARNINGS=ignore $(PIP) install -qq --no-deps -e .
	touch $@

install: $(VENV)/.installed

# Serves on 127.0.0.1:$(PORT); migrate and demo are idempotent, so a second `make run` adds nothing.
run: install
	$(BIN)/motcua migrate --noinput -v 1
	PORT=$(PORT) $(BIN)/motcua demo
	PORT=$(PORT) $(BIN)/motcua runserver 127.0.0.1:$(PORT)

# Production serving (ADR 0004): granian, WSGI, WORKERS processes of one thread each (default 2 x cores), DEBUG
# off. Needs SECRET_KEY, ALLOWED_HOSTS, MEDIA_ROOT (production's own folder, not the checkout's media/ that `make run`
# uses) and DATABASE_URL in the environment (README: Serving in production).
WORKERS ?= $(shell echo $$(( 2 * $$(nproc) )))
serve: install
	DEBUG=0 $(BIN)/motcua migrate --noinput -v 1
	DEBUG=0 $(BIN)/motcua collectstatic --noinput -v 0
	DEBUG=0 $(BIN)/granian --interface wsgi --workers $(WORKERS) --blocking-threads 1 --no-ws \
		--host 127.0.0.1 --port $(PORT) --respawn-failed-workers motcua.wsgi:application

# chromium for the browser tests; poppler-utils (pdftotext, pdfinfo) so the PDF tests read the PDF bytes and their tags themselves
# (without it they fall back to WeasyPrint's laid-out text of the same HTML).
browser-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: install
	$(BIN)/ruff check motcua tests bench
	$(BIN)/ruff format --check motcua tests bench

test-sqlite: install browser-deps
	env -u DATABASE_URL $(BIN)/pytest -q

test-postgres: install
	DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q -m "not browser"

# The two databases' runs side by side, one per core (each is one Python process); each run's output is printed
# whole when it ends (--output-sync). On this machine kind's slowest hosts the two in a row took 22 minutes.
test: lint
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

bench: install
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) db.sqlite3*
