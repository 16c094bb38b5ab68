# Two set-up commands matter: `make run` and `make test`. Both install into .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 0

.PHONY: run test test-unit lint bench install clean selfcheck browser postgresql dist setup debian-packages

# The installer: uv, pinned here and put into the venv by the venv's own pip, resolves and installs the pins of
# pyproject.toml several times faster than pip (a fresh install: ~30 s instead of ~115 s on this 2-core machine).
# pip stays in the venv (the wheel test installs with it) at the version ensurepip brings: no upgrade needed.
UV_PIN := uv==0.13.8

# The stamp depends on pyproject.toml, so a second call does not reinstall unless the pins changed.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check '$(UV_PIN)'
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# The HTML report's browser test needs Debian's chromium: installed here when missing and possible,
# otherwise that one test is skipped with the reason.
browser:
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	  { apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && \
	    apt-get install -y -q chromium >/dev/null 2>&1; }; }; } || \
	  echo "chromium could not be installed: the browser test of the HTML report will be skipped"

# The results store's tests start a throwaway PostgreSQL 15 cluster (Debian's package): installed here when
# missing and possible, otherwise those tests run on SQLite only and say why the rest were skipped.
postgresql:
	@test -x /usr/lib/postgresql/15/bin/initdb || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	  { apt-get install -y -q postgresql >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && \
	    apt-get install -y -q postgresql >/dev/null 2>&1; }; }; } || \
	  echo "PostgreSQL 15 could not be installed: the store's PostgreSQL tests will be skipped"

# On a fresh machine the venv and the Debian packages are fetched at once (a minute each, mostly waiting on the
# network); the two apt-get installs go one after the other, as apt holds one lock.
setup:
	@$(MAKE) --no-print-directory -j2 $(STAMP) debian-packages

debian-packages:
	@$(MAKE) --no-print-directory browser postgresql

# The tests start many Python processes (runs, servers, suites); where the environment turns byte-code
# caching off (PYTHONDONTWRITEBYTECODE), each would compile and assertion-rewrite the same modules again.
test: setup
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n 2 --dist loadgroup --no-loadscope-reorder

# The quick loop: no server, no process started (tests/unit) and the doctests; well under a minute. Short tests
# only, so worksteal's big shares beat handing them out one by one (no module-wide fixture to keep together).
test-unit: $(STAMP)
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n 2 --dist worksteal tests/unit src/upscale_conformance

lint: $(STAMP)
	$(BIN)/ruff check src tests suites conftest.py

run: $(STAMP)
	$(BIN)/upscale-conformance run --target local

# The whole fault catalog against the suite (minutes); `make test` runs its --quick subset.
selfcheck: $(STAMP)
	$(BIN)/upscale-conformance selfcheck

# The wheel and the sdist, with the standard build front end (an isolated build with the pinned hatchling).
# The wheel carries contracts/, suites/ and fixtures/ inside the package (see pyproject.toml).
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist .

bench: $(STAMP)
	$(BIN)/python -m upscale_conformance.tools.bench

clean:
	rm -rf $(VENV) reports/[0-9]* reports/latest dist build
