# nanosynth — set-up and main entry points. `make demo` and `make test` work on a fresh machine:
# they create .venv and install the pinned dependencies (constraints.txt) by themselves.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: install demo test test-fast lint-imports clean constraints

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3" "setuptools>=77" wheel
	# torch first, pinned: the CPU build (any other version pulls gigabytes of CUDA)
	$(BIN)/python -m pip install --quiet -c constraints.txt "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	HF_HUB_OFFLINE=1 $(BIN)/nanosynth demo

test: install lint-imports
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

lint-imports: install
	$(BIN)/lint-imports

constraints:
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^nanosynth' > constraints.txt

clean:
	rm -rf $(VENV) *.egg-info nanosynth.db nanosynth.db-* demo-out .pytest_cache
