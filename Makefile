# The README's commands. `make setup` installs everything (system packages too).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= ./demo-town
APT_PACKAGES := git tmux taskwarrior hyperfine

.PHONY: setup test demo bench lint clean

$(BIN)/gt: pyproject.toml
	@command -v git >/dev/null && command -v tmux >/dev/null || $(MAKE) system-packages
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/python -m compileall -q gastown
	@touch $@

setup: system-packages $(BIN)/gt

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  echo "installing:$$missing"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

test: $(BIN)/gt
	$(BIN)/pytest -q -n 2

demo: $(BIN)/gt
	$(BIN)/python -m gastown.demo $(DEMO_DIR)

bench: system-packages $(BIN)/gt
	$(BIN)/python -m compileall -q gastown
	$(BIN)/python bench/run.py

lint: $(BIN)/gt
	$(BIN)/ruff check gastown tests bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
