# The two commands of the README: `make run` (the app with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
HOST ?= 127.0.0.1:8000

.PHONY: install run serve worker confirmations test lint format mutate chromium screenshots bench bench-static bench-profile chaos fuzz

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev,prod]"
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

# The web server, with the task worker, the confirmations job and the stranded-texts sweep
# beside it (stopped with it).
run: install
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py seed_demo
	trap 'kill 0' INT TERM EXIT; \
	DEBUG=true $(BIN)/python manage.py db_worker --queue-name '*' & \
	DEBUG=true $(BIN)/python manage.py send_confirmations --every 300 & \
	DEBUG=true $(BIN)/python manage.py requeue_texts --every 300 & \
	DEBUG=true $(BIN)/python manage.py expire_points --every 3600 & \
	DEBUG=true $(BIN)/python manage.py send_points_reminders --every 3600 & \
	DEBUG=true $(BIN)/python manage.py sum_ledger_months --every 3600 & \
	DEBUG=true $(BIN)/python manage.py runserver $(HOST)

# Next to the web server: the task worker sends queued texts (R39)...
worker: install
	DEBUG=true $(BIN)/python manage.py db_worker --queue-name '*'

# ...and this texts the due appointment confirmations every 5 minutes (R38), and gives a
# new task to any queued text whose task was lost (R39).
confirmations: install
	trap 'kill 0' INT TERM EXIT; \
	DEBUG=true $(BIN)/python manage.py requeue_texts --every 300 & \
	DEBUG=true $(BIN)/python manage.py send_confirmations --every 300

# The browser tests (tests/browser, marker `browser`) drive Debian's Chromium through
# Playwright; it is installed from apt when missing (never Playwright's own download).
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

chromium: $(CHROMIUM)

test: install $(CHROMIUM)
	$(BIN)/pytest -n auto

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Mutation testing (issues #12, #17, #18): mutmut mutates the pure rule modules ([tool.mutmut]
# in pyproject.toml) and runs their fast unit tests (tests/rules, no database) against each
# mutant; fails on any mutant they let through that docs/decisions.md does not list as
# equivalent. Always from scratch: mutmut resumes from mutants/ otherwise.
mutate: install
	rm -rf mutants
	mkdir mutants
	$(BIN)/mutmut run > mutants/run.log 2>&1 || { tr '\r' '\n' < mutants/run.log | tail -n 40; exit 1; }
	tr '\r' '\n' < mutants/run.log | grep -a 'mutations/second' || true
	$(BIN)/python .ci/mutate_check.py

# README screenshots (docs/screenshots/*.png) from the demo data in a fresh database.
SCREENSHOTS_DB := /tmp/salon-screenshots.sqlite3
screenshots: install $(CHROMIUM)
	rm -f $(SCREENSHOTS_DB) $(SCREENSHOTS_DB)-wal $(SCREENSHOTS_DB)-shm
	rm -rf /tmp/salon-screenshots-media
	DEBUG=true DATABASE_URL=sqlite:///$(SCREENSHOTS_DB) MEDIA_ROOT=/tmp/salon-screenshots-media $(BIN)/python manage.py migrate --noinput -v 0
	DEBUG=true DATABASE_URL=sqlite:///$(SCREENSHOTS_DB) MEDIA_ROOT=/tmp/salon-screenshots-media $(BIN)/python manage.py seed_demo
	DEBUG=true DATABASE_URL=sqlite:///$(SCREENSHOTS_DB) MEDIA_ROOT=/tmp/salon-screenshots-media $(BIN)/python manage.py screenshots --port 8011

# Performance suite (not part of `make test`): data set in PostgreSQL (cached), ratios
# against baselines of the same run, JSON in bench/results/, table in docs/performance.md.
BENCH_STAMP := $(VENV)/.bench-$(shell sha1sum pyproject.toml | cut -c1-12)
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e ".[dev,prod,bench]"
	rm -f $(VENV)/.bench-*
	touch $@

# The bench serves the admin as production does: hashed static files need collectstatic.
bench-static: $(BENCH_STAMP)
	DJANGO_SETTINGS_MODULE=bench.settings $(BIN)/python manage.py collectstatic --noinput -v 0

bench: bench-static
	$(BIN)/python -m bench.run

bench-profile: bench-static
	$(BIN)/python -m bench.profile

# Fault injection (issue #16, not part of `make test`): gunicorn on a fresh PostgreSQL
# database (CHAOS_DATABASE_URL, loopback only), racing keyed requests while workers are
# SIGKILLed and database sessions severed; then the ledger and claim invariants. Exits 1 on
# any violation or unexpected 5xx. CHAOS_SECONDS=600 for the long run (docs/reliability.md).
CHAOS_SECONDS ?= 60
chaos: install
	$(BIN)/python chaos/run.py --seconds $(CHAOS_SECONDS)

# The long schemathesis run (issue #15, not part of `make test`): the demo data in a fresh
# PostgreSQL database (salon_fuzz, or FUZZ_DATABASE_URL), runserver on 127.0.0.1, every
# phase (examples, coverage, fuzzing, stateful through the links) as Manager, Front desk and
# a client-app user whose ledger has a redemption and an adjustment, FUZZ_SECONDS each.
# Exits 1 on any failing check or a role answered 2xx where SPEC §10 forbids it; figures
# in docs/reliability.md.
FUZZ_SECONDS ?= 300
fuzz: install
	$(BIN)/python fuzz/run.py --seconds $(FUZZ_SECONDS)
