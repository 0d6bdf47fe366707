# The README's commands. Everything builds on `make setup`, which makes .venv in the repo.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
QI := $(BIN)/qi

.PHONY: setup demo test ingest index lint bench clean

setup: $(VENV)/.installed

# torch is installed first and pinned: 2.13.0 is the CPU build on this machine's disk; a bare `torch`
# (pulled by sentence-transformers) would download a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[st,dev]'
	touch $@

ingest: setup
	$(QI) ingest corpora/tangshan-demo

index: ingest
	$(QI) index

demo: index
	$(QI) demo

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check engine api tests

bench: index
	$(QI) bench

clean:
	rm -rf $(VENV) indexes/current indexes/.build-* var
