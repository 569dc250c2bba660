# Mot Cua — see README.md. Two entry points: `make run` and `make test`.
PYTHON ?= $(shell test -x /root/.pyenv/versions/3.13.0/bin/python && echo /root/.pyenv/versions/3.13.0/bin/python || (command -v python3.13 || command -v python3))
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/motcua

.PHONY: run test install test-sqlite test-postgres lint bench browser-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/motcua migrate --noinput
	$(BIN)/motcua demo
	$(BIN)/motcua runserver 127.0.0.1:$(PORT)

browser-deps:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

lint: install
	$(BIN)/ruff check motcua tests bench
	$(BIN)/ruff format --check motcua tests bench

test-sqlite: install browser-deps
	env -u DATABASE_URL $(BIN)/pytest -q

test-postgres: install
	DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q -m "not browser"

test: lint test-sqlite test-postgres

bench: install
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) db.sqlite3*
