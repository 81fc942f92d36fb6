# accord: `make build` and `make test` are all a fresh machine needs.
PYTHON ?= python3
# pytest-xdist workers for `make test`: one per core (`make test WORKERS=0` runs in one process). Each test
# file runs in one worker, so a module-scoped fixture (a build, a released repository) is made once; the
# files start slowest first (tests/conftest.py orders them by their time in the last run).
WORKERS ?= auto
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help setup build test test-slow lint bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: $(STAMP) ## Create .venv and install accord with its test and lint extras (pip only)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,lint]'
	@touch $(STAMP)

build: $(STAMP) ## Build DOCX, PDF and HTML of every statement into build/
	$(BIN)/accord build

# Tests run with Python's bytecode cache on even where PYTHONDONTWRITEBYTECODE is set: without it every
# worker compiles accord and pytest rewrites the asserts of ~110 modules again (4.2 s of CPU a process
# instead of 1.8 s), and so does each `accord` process the fault and concurrency tests start.
test: $(STAMP) ## Run the whole test suite on every core (slow fault-injection trials excluded)
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -n $(WORKERS) --dist loadfile --no-loadscope-reorder

lint: $(STAMP) ## ruff on the code and tests, mypy on the library
	$(BIN)/ruff check tooling tests
	$(BIN)/mypy

test-slow: $(STAMP) ## Run only the slow tests
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -m slow

bench: $(STAMP) ## Run every benchmark in benchmarks/ and print every figure; fail at the end if a target is missed
	@failed=""; for bench in benchmarks/bench_*.py; do echo "== $$bench"; \
		$(BIN)/python $$bench || failed="$$failed $$bench"; done; \
	if [ -n "$$failed" ]; then echo "== targets missed in:$$failed"; exit 1; fi; echo "== every target met"

clean: ## Remove build outputs and caches (keeps .venv)
	rm -rf build dist site .pytest_cache .hypothesis .ruff_cache .mypy_cache
