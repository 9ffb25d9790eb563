# make run  — create .venv, install, migrate the SQLite default, load the demo city, serve.
# make test — install what tests need and run the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint messages clean bench load

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py load_demo
	DEBUG=true $(BIN)/python manage.py send_reminders --in-app-only
	DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:8000

# On every core (pytest-xdist, -n auto): two workers halve the wall time here. The default
# --dist load hands each worker its tests in collection order, so the browser tests, collected
# last, still run after every other test in their worker (see tests/browser/conftest.py).
# The single sign-on tests' provider packages are installed first: two workers would otherwise
# both run its `npm ci` into the same folder.
test: $(STAMP)
	if command -v npm >/dev/null && [ -f tests/sso/provider/package-lock.json ] \
	  && [ ! -d tests/sso/provider/node_modules/oidc-provider ]; then \
	  npm ci --no-audit --no-fund --prefix tests/sso/provider; fi
	$(BIN)/python -m pytest -n auto

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Needs GNU gettext (apt-get install gettext); the compiled .mo files are committed so a fresh
# machine without gettext still has the translations.
messages: $(STAMP)
	DEBUG=true $(BIN)/python manage.py makemessages --locale sv --locale fi --no-obsolete --ignore ".venv/*" --ignore "staticfiles/*"
	DEBUG=true $(BIN)/python manage.py compilemessages --locale sv --locale fi --ignore ".venv/*"

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

# make bench — the benchmark of issues #7 and #17 (bench/run.py) on SQLite at N = 100 and 10,000,
# then on PostgreSQL when DATABASE_URL is set at N = 100, 10,000 and 100,000, then the load test
# there; each run on a database of its own (portfolio_bench_<pid>_<time>, dropped at the end);
# then the import at its documented limits (bench/imports.py: reading files;
# bench/import_apply.py: upload, preview and apply through the views, on SQLite and PostgreSQL);
# and the prioritisation's maths alone (bench/solver.py: the solver, with links, the frontier).
# Writes docs/BENCHMARKS.md. Never part of make test. Takes about half an hour on two cores.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet "locust>=2.30,<3" "pyinstrument>=5,<6"
	env -u DATABASE_URL $(BIN)/python -m bench.run || true
	if [ -n "$$DATABASE_URL" ]; then $(BIN)/python -m bench.run --database "$$DATABASE_URL" \
	  --sizes 100,10000,100000 || true; fi
	if [ -n "$$DATABASE_URL" ]; then $(MAKE) --no-print-directory load; fi
	$(BIN)/python bench/solver.py || true
	$(BIN)/python -m bench.imports || true
	env -u DATABASE_URL $(BIN)/python -m bench.import_apply || true
	if [ -n "$$DATABASE_URL" ]; then $(BIN)/python -m bench.import_apply || true; fi

# make load — 20 logged-in users for 60 s against gunicorn on PostgreSQL (needs DATABASE_URL), the
# department heads among them posting a measurement every 10 s; errors, p95 and worker memory.
load: $(STAMP)
	$(BIN)/python -m pip install --quiet "locust>=2.30,<3"
	$(BIN)/python -m bench.load
