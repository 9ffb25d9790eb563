# make run  — create .venv, install, migrate the SQLite default, load the demo city, serve.
# make test — install what tests need and run the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py load_demo
	DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Needs GNU gettext (apt-get install gettext); the compiled .mo files are committed so a fresh
# machine without gettext still has the translations.
messages: $(STAMP)
	DEBUG=true $(BIN)/python manage.py makemessages --locale sv --no-obsolete --ignore ".venv/*" --ignore "staticfiles/*"
	DEBUG=true $(BIN)/python manage.py compilemessages --locale sv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
