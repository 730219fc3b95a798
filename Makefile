# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
# The virtual environment is rebuilt only when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Tests never open a real window and never touch the user's own runs.
TEST_ENV := QT_QPA_PLATFORM=offscreen KERAS_BACKEND=tensorflow TF_CPP_MIN_LOG_LEVEL=2

.PHONY: run test bench lint format clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "CNN Studio needs Python 3.11 or newer; found " + sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/cnnstudio

# The model zoo's tests build every network at full size (ResNet-152, DenseNet-201 ...) and a
# process running them peaks at 12 GB resident: two such workers filled a 24 GB machine and the
# kernel killed one. So the zoo runs in this one process (-n 0), then the rest on two workers.
test: $(STAMP) lint
ifeq ($(strip $(PYTEST_ARGS)),)
	$(TEST_ENV) $(BIN)/python -m pytest -n 0 tests/models
	$(TEST_ENV) $(BIN)/python -m pytest -n 2 --dist loadgroup --ignore=tests/models
else
	$(TEST_ENV) $(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)
endif

bench: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check cnnstudio tests packaging benchmarks
	$(BIN)/ruff format --check cnnstudio tests packaging benchmarks

format: $(STAMP)
	$(BIN)/ruff check --fix cnnstudio tests packaging benchmarks
	$(BIN)/ruff format cnnstudio tests packaging benchmarks

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
