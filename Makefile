# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
# The virtual environment is rebuilt only when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Tests never open a real window and never touch the user's own runs.
TEST_ENV := QT_QPA_PLATFORM=offscreen KERAS_BACKEND=tensorflow TF_CPP_MIN_LOG_LEVEL=2

.PHONY: run test test-all bench bench-peers lint format clean package translations

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "CNN Studio needs Python 3.11 or newer; found " + sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/cnnstudio

# Two workers on two cores; models are built without weights wherever only shapes are checked,
# so no worker passes 4 GB (tests/conftest.py fails the run if one does and prints each peak).
# Tests marked slow (full-size numeric checks against keras.applications) run in test-all.
PYTEST := $(TEST_ENV) $(BIN)/python -m pytest -n 2 --dist loadgroup --durations=20

test: $(STAMP) lint
	$(PYTEST) -m "not slow" $(PYTEST_ARGS)

test-all: $(STAMP) lint
	$(PYTEST) $(PYTEST_ARGS)

# The frozen app (packaging/): PyInstaller into dist/, then the frozen app's self-test, then
# (Linux) the .tar.gz. About 13 minutes on this project's 2-core machine (build 8, self-test 1,
# archive 4); .ci/run runs it after `make test`. PyInstaller comes from the `package` extra.
PACKAGE_STAMP := $(VENV)/.installed-package
$(PACKAGE_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,package]'
	touch $(PACKAGE_STAMP)

package: $(PACKAGE_STAMP)
	nice -n 10 $(BIN)/python packaging/build.py $(PACKAGE_ARGS)

bench: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m benchmarks

# The engine side by side with PyTorch (eager, torch.compile), plain Keras on TensorFlow and on
# JAX, torchvision's ResNet-18, and pytorch-grad-cam (PyPI: grad-cam) on torchvision's ResNet-50
# (benchmarks/peers/). Not CI: its own venv with the project plus PyTorch (CPU is enough; pip's
# default wheel is a CUDA build of about 5.5 GB), JAX and grad-cam.
PEERS       := .venv-peers
PEERS_STAMP := $(PEERS)/.installed

$(PEERS_STAMP): pyproject.toml
	test -x $(PEERS)/bin/python || $(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/python -m pip install --quiet --upgrade pip
	$(PEERS)/bin/python -m pip install --quiet -e . torch==2.14.1 torchvision==0.29.1 jax grad-cam
	touch $(PEERS_STAMP)

bench-peers: $(PEERS_STAMP)
	TF_CPP_MIN_LOG_LEVEL=2 $(PEERS)/bin/python -m benchmarks.peers $(PEERS_ARGS)

# The one catalog of user-visible text (cnnstudio/i18n, gettext): extract every _() of the
# package into the template, merge it into each language's .po, compile the .mo files that ship.
# Babel (a dev dependency) does the extracting and compiling; at run time gettext reads the .mo.
CATALOG := cnnstudio/i18n
LANGUAGES := zh_CN
translations: $(STAMP)
	$(BIN)/pybabel -q extract --no-location --sort-output --project=cnnstudio \
		--copyright-holder="CNN Studio" --msgid-bugs-address="" -F babel.cfg \
		-o $(CATALOG)/cnnstudio.pot cnnstudio
	for lang in $(LANGUAGES); do \
		test -f $(CATALOG)/locale/$$lang/LC_MESSAGES/cnnstudio.po || \
			$(BIN)/pybabel -q init -D cnnstudio -i $(CATALOG)/cnnstudio.pot -d $(CATALOG)/locale -l $$lang; \
		$(BIN)/pybabel -q update --no-fuzzy-matching --ignore-obsolete -D cnnstudio \
			-i $(CATALOG)/cnnstudio.pot -d $(CATALOG)/locale -l $$lang; \
	done
	$(BIN)/pybabel -q compile --statistics -D cnnstudio -d $(CATALOG)/locale

# The import contracts (pyproject.toml, [tool.importlinter]) keep the arrows one way.
lint: $(STAMP)
	$(BIN)/ruff check cnnstudio tests packaging benchmarks
	$(BIN)/ruff format --check cnnstudio tests packaging benchmarks
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff check --fix cnnstudio tests packaging benchmarks
	$(BIN)/ruff format cnnstudio tests packaging benchmarks

clean:
	rm -rf $(VENV) $(PEERS) build dist *.egg-info .pytest_cache .ruff_cache
