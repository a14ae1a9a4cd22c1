# The two commands of the README: `make test` and `make demo`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: test demo demo-det install

$(PY):
	$(PYTHON) -m venv $(VENV)

install: $(PY)
	$(PY) tools/setup/install_deps.py

test: install
	$(PY) -m ruff check .
	$(PY) -m pytest -q

demo: install
	$(PY) tools/digits_demo.py

demo-det: install
	$(PY) tools/det_demo.py
