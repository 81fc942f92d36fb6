# accord: `make build` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help setup build test test-slow bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: $(STAMP) ## Create .venv and install accord with its test extras (pip only)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

build: $(STAMP) ## Build DOCX, PDF and HTML of every statement into build/
	$(BIN)/accord build

test: $(STAMP) ## Run the whole test suite (slow fault-injection trials excluded)
	$(BIN)/python -m pytest -q

test-slow: $(STAMP) ## Run only the slow tests
	$(BIN)/python -m pytest -q -m slow

bench: $(STAMP) ## Run every benchmark in benchmarks/ and print every figure; fail at the end if a target is missed
	@failed=""; for bench in benchmarks/bench_*.py; do echo "== $$bench"; \
		$(BIN)/python $$bench || failed="$$failed $$bench"; done; \
	if [ -n "$$failed" ]; then echo "== targets missed in:$$failed"; exit 1; fi; echo "== every target met"

clean: ## Remove build outputs and caches (keeps .venv)
	rm -rf build dist site .pytest_cache .hypothesis
