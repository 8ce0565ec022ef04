# The README's commands. `make setup` installs everything (system packages too).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= ./demo-town
APT_PACKAGES := git tmux taskwarrior hyperfine
# Real agent clients, pinned, installed into this checkout (never globally); the
# runtime presets find them through `{clients}` (gastown.agents.runtimes.clients_bin).
CLIENTS := .clients
CLIENT_PACKAGES := @anthropic-ai/claude-code@2.1.197 @openai/codex@0.171.0 @google/gemini-cli@0.61.0 \
  opencode-ai@1.18.33

.PHONY: setup clients test demo bench lint clean

$(BIN)/gt: pyproject.toml
	@command -v git >/dev/null && command -v tmux >/dev/null || $(MAKE) system-packages
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/python -m compileall -q gastown
	@touch $@

setup: system-packages $(BIN)/gt clients

# The stamp holds the package list: a changed pin reinstalls, an unchanged one is skipped.
clients:
	@if [ "$$(cat $(CLIENTS)/installed 2>/dev/null)" != "$(CLIENT_PACKAGES)" ]; then \
	  command -v npm >/dev/null || $(MAKE) APT_PACKAGES="nodejs npm" system-packages; \
	  command -v npm >/dev/null || { echo "npm is missing: the real-client tests need it"; exit 1; }; \
	  echo "installing into $(CLIENTS):" $(CLIENT_PACKAGES); \
	  npm install --prefix $(CLIENTS) --no-audit --no-fund --loglevel=error $(CLIENT_PACKAGES) \
	    && echo "$(CLIENT_PACKAGES)" > $(CLIENTS)/installed; \
	fi

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  echo "installing:$$missing"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

test: $(BIN)/gt clients
	$(BIN)/pytest -q -n 2

# RUNTIME=claude or codex: the Mayor and the polecats are real clients (scripted model).
RUNTIME ?= shell
demo: $(BIN)/gt $(if $(filter-out shell,$(RUNTIME)),clients)
	$(BIN)/python -m gastown.demo --runtime $(RUNTIME) $(DEMO_DIR)

bench: system-packages $(BIN)/gt clients
	$(BIN)/python -m compileall -q gastown
	$(BIN)/python bench/run.py

lint: $(BIN)/gt
	$(BIN)/ruff check gastown tests bench

clean:
	rm -rf $(VENV) $(CLIENTS) build *.egg-info .pytest_cache .hypothesis
