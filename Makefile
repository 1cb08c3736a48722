# Two commands for a newcomer: `make run` and `make test`. Everything else is here too.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run up down test test-containers faults bench lint contracts clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install        ## embedded stack + every service + demo data; Ctrl-C stops all
	$(VENV)/bin/telework run

up: install         ## NATS and Temporal only
	$(VENV)/bin/telework stack up

down:               ## stop what `make up` / `make run` started
	$(VENV)/bin/telework stack down

TEST_WORKERS ?= 2

# Two runs: everything but the fault suite on TEST_WORKERS processes (a file stays on one, so
# its Temporal test server and fixtures are made once), then the fault suite alone, one test at
# a time: each brings up a whole process stack and loads it, and a neighbour competing for the
# same two cores would turn its outages into timeouts the test did not inject.
# The fault suite runs even when the first run failed (both verdicts are worth reading); an
# interrupted run (pytest's exit status 2: Ctrl-C) stops there.
test: install       ## the whole suite against real NATS, PostgreSQL, SQLite and Temporal
	@status=0; \
	$(PY) -m pytest -m "not fault" -n $(TEST_WORKERS) --dist loadfile --durations=10 || status=$$?; \
	if [ $$status -eq 2 ]; then exit 2; fi; \
	$(PY) -m pytest -m fault -p no:xdist --durations=10 || status=$$?; \
	exit $$status

test-containers: install  ## the story on PostgreSQL, a NATS cluster and Temporal in containers (needs Docker)
	TELEWORK_CONTAINERS=1 $(PY) -m pytest -m containers tests/containers -p no:randomly

faults: install     ## the fault suite alone (also part of make test)
	$(PY) -m pytest -m fault tests/faults

bench: install      ## benchmarks; each prints one JSON line with its ratio to a baseline
	$(PY) -m pytest tests/bench -s -q -o addopts="" -p no:randomly

lint: install
	$(VENV)/bin/ruff check contracts services workflows infra tests
	$(VENV)/bin/mypy contracts services workflows infra

contracts: install  ## regenerate contracts/schemas, docs/events.md, docs/requirements.md and the README settings table
	$(VENV)/bin/telework contracts export
	$(PY) -m infra.requirements
	$(PY) -m infra.settings_table

clean:
	rm -rf .data test-output
