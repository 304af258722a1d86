# make lab   : set up (.venv, pinned packages, helpers, data/) and open JupyterLab on notebooks/
# make test  : set up the same way and run every test (unit tests + every notebook under nbval)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SHARED_DATA ?= ../shared/data/fashion-mnist
DATA_FILES := train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz

.PHONY: setup data lab test outputs bench clean

setup: $(VENV)/.installed data

$(VENV)/.installed: requirements.txt pyproject.toml tools/lab-overrides.json
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 10) <= v <= (3, 13) else "TensorFlow 2.21 has wheels for Python 3.10 to 3.13 only; $(PYTHON) is " + sys.version.split()[0] + ". Pick one, e.g. PYTHON=python3.12 make lab")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	@# No "get notified about Jupyter news?" pop-up over the notebook when Lab opens.
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp tools/lab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $@

# Copy the offline dataset when it sits beside the project; otherwise helpers
# falls back to Keras' cache and download.
data:
	@mkdir -p data/fashion-mnist
	@if [ -d "$(SHARED_DATA)" ]; then \
	  for f in $(DATA_FILES); do \
	    cmp -s "$(SHARED_DATA)/$$f" "data/fashion-mnist/$$f" || cp "$(SHARED_DATA)/$$f" data/fashion-mnist/; \
	  done; echo "data/fashion-mnist/ is filled from $(SHARED_DATA)"; \
	else echo "No $(SHARED_DATA): the notebooks will use Keras' cache or download Fashion-MNIST"; fi

# Root (containers, CI) must opt in explicitly; nobody else needs the flag.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: setup
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=notebooks $(ROOT_FLAG)

test: setup
	NOTEBOOK_PRESET=smoke $(PY) -m pytest

# Re-run every notebook in the default preset and keep its outputs (for committing).
outputs: setup
	NOTEBOOK_PRESET=default $(PY) tools/run_notebooks.py notebooks/*.ipynb notebooks/solutions/*.ipynb

bench: setup
	$(PY) tools/bench.py

clean:
	rm -rf $(VENV) models/smoke
