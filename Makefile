# Two commands do all the set-up on a fresh machine with Python 3.11+: `make run`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint messages bench-seed clean prod-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=25.1"

# Reinstall only when the pins change.
$(VENV)/.run-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.test-installed: requirements.txt pyproject.toml $(VENV)/.run-installed
	$(BIN)/pip install -q --group test
	touch $@

run: $(VENV)/.run-installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.test-installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Refresh the translation catalogues after changing user-facing strings (needs GNU gettext).
messages: $(VENV)/.run-installed
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=tests --ignore=staticfiles
	$(BIN)/python manage.py compilemessages --ignore=.venv

# The production pieces of deploy/ together on this machine (nginx from the distribution,
# gunicorn, Celery worker and beat, PostgreSQL and Redis) and a real flow through them.
prod-check: $(VENV)/.test-installed
	bash deploy/prod-check

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
