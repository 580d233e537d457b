# rxtwin: two commands for a fresh machine.
#   make demo   create .venv, install rxtwin, run the bundled demo
#   make test   install the dev extra and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= rxtwin-demo

.PHONY: demo test venv install install-dev lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

demo: install
	$(BIN)/rxtwin demo --out $(OUT)

test: install-dev
	$(BIN)/python -m pytest -q

lint: install-dev
	$(BIN)/ruff check src tests benchmarks

bench: install
	for b in benchmarks/*.py; do $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) $(OUT) build *.egg-info src/*.egg-info .pytest_cache
