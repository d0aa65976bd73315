# Two entry points, both doing their own set-up (see scripts/setup.sh):
#   make demo   builds every document of the sample promotion into outputs/
#   make test   runs the linters and the whole test suite
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint bench clean

setup:
	@scripts/setup.sh

demo: setup
	$(BIN)/copar check inputs/
	$(BIN)/copar build inputs/ -o outputs/

lint: setup
	$(BIN)/ruff check pipeline tests tools

test: lint
	$(BIN)/pytest -q

bench: setup
	$(BIN)/python tools/bench.py

clean:
	rm -rf outputs/* .pytest_cache .ruff_cache
