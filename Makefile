# make lab   : set up (.venv, pinned packages, helpers, data/) and open JupyterLab on notebooks/
# make test  : set up the same way and run every test (unit tests + every notebook under nbval)
# make sync  : after editing a #@save cell, copy it into its helpers module
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SHARED_DATA ?= ../shared/data/fashion-mnist

.PHONY: setup data lab test outputs sync bench clean

setup: $(VENV)/.installed data

$(VENV)/.installed: requirements.txt pyproject.toml tools/lab-overrides.json
	@# Every pinned package installs on Python 3.11 to 3.13 (tests/test_environment.py derives it).
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 11) <= v <= (3, 13) else "The pinned packages install on Python 3.11 to 3.13 only; $(PYTHON) is " + sys.version.split()[0] + ". Pick one, e.g. PYTHON=python3.12 make lab")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .  # its dependencies are the pins above
	@# No "get notified about Jupyter news?" pop-up over the notebook when Lab opens.
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp tools/lab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $@

# Fill data/fashion-mnist/ once: from the offline copy beside the project when it
# exists, else Keras' cache, else download the official files (SHA-256 checked).
data: $(VENV)/.installed
	@$(PY) -m helpers.support.get_data $(if $(wildcard $(SHARED_DATA)),--from $(SHARED_DATA),)

# Root (containers, CI) must opt in explicitly; nobody else needs the flag.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: setup
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=notebooks $(ROOT_FLAG)

# Every core: one pytest-xdist worker each; conftest.py keeps a notebook's cells together.
test: setup
	NOTEBOOK_PRESET=smoke $(PY) -m pytest -n auto $(PYTEST_ARGS)

# Re-run every notebook in the default preset and keep its outputs (for committing).
outputs: setup
	NOTEBOOK_PRESET=default $(PY) tools/run_notebooks.py notebooks/*.ipynb notebooks/solutions/*.ipynb

# Rewrite helpers' lesson modules from the notebooks' #@save cells (the tests check them).
sync: $(VENV)/.installed
	$(PY) tools/sync_saved_cells.py

bench: setup
	$(PY) tools/bench.py

clean:
	rm -rf $(VENV) models/smoke
