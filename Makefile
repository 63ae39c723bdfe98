# CISC Impervious Surface plugin. `make test` and `make demo` install everything they need
# on a fresh Debian 12/13 or Ubuntu machine (QGIS from the distribution).
SHELL := /bin/bash
SYSTEM_PYTHON := /usr/bin/python3
VENV := .venv
PYTHON := $(VENV)/bin/python
PLUGIN_NAME := cisc_impervious
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := qgis python3-qgis qgis-providers python3-gdal gdal-bin python3-rasterio python3-numpy \
	python3-matplotlib python3-venv python3-pip xvfb xauth qttools5-dev-tools pyqt5-dev-tools zip fonts-wqy-microhei \
	poppler-utils
QT_ENV := QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=/tmp/runtime-$$(id -u)
PYTEST_ARGS ?=
MATRIX ?= bookworm trixie trixie-backports

.PHONY: help setup system-deps venv test test-matrix demo bench zip deploy lint translations clean

help:
	@echo "make test | test-matrix | demo | bench | zip | deploy | lint | translations | clean"

# -- set-up ------------------------------------------------------------------
system-deps: .system-deps.stamp
.system-deps.stamp:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages:$$missing"; \
		$(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi
	@touch $@

# The venv sees the distribution's QGIS, GDAL and numpy; numpy is pinned to the system's
# version so pip never "upgrades" it under the bindings built for it.
venv: $(VENV)/.stamp
$(VENV)/.stamp: .system-deps.stamp requirements-dev.txt
	$(SYSTEM_PYTHON) -m venv --system-site-packages $(VENV)
	$(SYSTEM_PYTHON) -c "import numpy; print('numpy==' + numpy.__version__)" > $(VENV)/constraints.txt
	$(PYTHON) -m pip install -q --disable-pip-version-check -c $(VENV)/constraints.txt -r requirements-dev.txt
	@touch $@

setup: venv translations

translations: .system-deps.stamp
	@for ts in resources/i18n/*.ts; do [ -e "$$ts" ] || continue; \
		lrelease -silent "$$ts" -qm "$${ts%.ts}.qm" || /usr/lib/qt5/bin/lrelease -silent "$$ts" -qm "$${ts%.ts}.qm"; done

# -- the two main commands ---------------------------------------------------
test: setup
	mkdir -p /tmp/runtime-$$(id -u) && chmod 700 /tmp/runtime-$$(id -u)
	$(QT_ENV) $(PYTHON) -m pytest tests $(PYTEST_ARGS)

# `make test` of HEAD in Debian chroots with other QGIS versions (root; see docs/compatibility.md).
test-matrix:
	bash tools/test_matrix.sh $(MATRIX)

demo: setup
	mkdir -p /tmp/runtime-$$(id -u) && chmod 700 /tmp/runtime-$$(id -u)
	$(QT_ENV) $(PYTHON) -m tools.demo --out demo

bench: setup
	$(PYTHON) -m pip install -q --disable-pip-version-check -c $(VENV)/constraints.txt -r requirements-bench.txt
	mkdir -p /tmp/runtime-$$(id -u) && chmod 700 /tmp/runtime-$$(id -u)
	$(QT_ENV) $(PYTHON) -m benchmarks.run_benchmarks --data benchmarks/data --out benchmarks/RESULTS.md

# -- packaging ---------------------------------------------------------------
# pb_tool stages the files listed in pb_tool.cfg in zip_build/stage and zips them without
# caches; tools/check_zip.py then refuses a zip with build tooling, tests or caches inside.
zip: setup
	rm -rf zip_build && mkdir -p zip_build/stage
	$(VENV)/bin/pb_tool zip --config_file pb_tool.cfg --quick --no-docs --plugin_path zip_build/stage
	mv $(PLUGIN_NAME).zip zip_build/
	$(PYTHON) -m tools.check_zip zip_build/$(PLUGIN_NAME).zip

# Into the user's default QGIS profile (what `make deploy` is for); restart QGIS or use
# Plugin Reloader afterwards.
deploy: setup
	$(VENV)/bin/pb_tool deploy --config_file pb_tool.cfg --no-confirm --no-docs

# The Qt 6 / QGIS 4 check runs QGIS's PyQt5 -> PyQt6 checker (kept outside the repository, see
# tools/qt6_check.py) with PyQt6 from PyPI in its own venv; `make test` never needs it.
LINT_VENV := .venv-lint
$(LINT_VENV)/.stamp: Makefile
	$(SYSTEM_PYTHON) -m venv $(LINT_VENV)
	$(LINT_VENV)/bin/python -m pip install -q --disable-pip-version-check PyQt6 tokenize-rt
	$(LINT_VENV)/bin/python -m pip install -q --disable-pip-version-check PyQt6-QScintilla \
		|| echo "PyQt6-QScintilla is not available: the enum map goes without Qsci"
	@touch $@

lint: venv $(LINT_VENV)/.stamp
	$(VENV)/bin/ruff check plugin tests benchmarks tools __init__.py
	$(VENV)/bin/bandit -q -r plugin __init__.py  # what plugins.qgis.org scans: the shipped code
	$(LINT_VENV)/bin/python tools/qt6_check.py --qgis3-incompatible-changes --qgis-python $(PYTHON)

clean:
	rm -rf $(VENV) $(LINT_VENV) zip_build build .pytest_cache .hypothesis .system-deps.stamp resources/i18n/*.qm
