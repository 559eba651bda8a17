# Two commands do all the set-up on a fresh Debian machine: `make demo` and `make test`.
# Both install what is missing and are safe to run twice.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_OUT ?= demo-output

.PHONY: all setup system-packages lint test demo bench clean

all: test

system-packages:
	@sh scripts/ensure-system-packages.sh

$(STAMP): pyproject.toml dev/pyproject.toml | system-packages
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]' -e ./dev
	$(PY) -m kiosk.ui.translations build
	@touch $(STAMP)

setup: system-packages $(STAMP)

# Style, import contracts (docs/architecture.md) and types, before the tests.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

test: lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

demo: setup
	$(PY) -m kiosk demo $(if $(DISPLAY)$(WAYLAND_DISPLAY),,--headless) --out $(DEMO_OUT)

bench: setup
	$(PY) -m bench.card
	$(PY) -m bench.relay
	$(PY) -m bench.federation
	$(PY) -m bench.signatures
	$(PY) -m bench.render
	$(PY) -m bench.verify
	$(PY) -m bench.session
	$(PY) -m bench.payment
	QT_QPA_PLATFORM=offscreen $(PY) -m bench.ui

clean:
	rm -rf $(VENV) $(DEMO_OUT) build *.egg-info
