# One command each: `make run` (set up, then run the bot), `make test` (set up, then run every test),
# `make bench` (set up with the benchmark extras, then run the benchmarks). Only Python 3.11+ is needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-test
BSTAMP := $(VENV)/.installed-bench

.PHONY: run chat test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("newsbot needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(BSTAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

run: $(STAMP)
	$(BIN)/newsbot run

chat: $(STAMP)
	$(BIN)/newsbot chat

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(BSTAMP)
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
