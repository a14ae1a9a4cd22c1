# The two commands of the README: `make test` and `make demo`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: test demo demo-det install

$(PY):
	$(PYTHON) -m venv $(VENV)

install: $(PY)
	$(PY) tools/setup/install_deps.py

# One pytest worker per core; a module's tests stay on one worker, so that
# its shared fixtures are made once.
test: install
	$(PY) -m ruff check .
	$(PY) -m pytest -q -n auto --dist loadscope

demo: install
	$(PY) tools/digits_demo.py

demo-det: install
	$(PY) tools/det_demo.py
