# The two commands: `make run` (set up and serve on embedded defaults) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# Links in messages and pages point at this server unless PUBLIC_BASE_URL says otherwise.
PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
export PUBLIC_BASE_URL

.PHONY: run test install install-test translations migrate seed lint bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'

translations: install
	$(BIN)/pybabel compile -d locales

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo

run: translations seed
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install-test translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .

bench: install
	$(BIN)/python bench/bench_core.py

clean:
	rm -rf $(VENV) instance .pytest_cache
