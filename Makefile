# Two entry points, each working on a fresh machine with only python3:
#   make demo   set up .venv, show `typednn check` catching examples/miswired.py, then check
#               and train the digits spec (examples/digits.yaml)
#   make test   set up .venv, then run every check CI runs
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The stubs are installed as a copy (a -stubs package), so they key the stamp too.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt stubs/*/* | cksum | cut -d' ' -f1)
SHARED := ../shared/acceptance

.PHONY: install demo test lint typecheck pytest acceptance bench docs lock clean

$(STAMP):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# The mis-wired model's errors are the point of the first step: it passes only when
# `typednn check` exits 1 (errors found), not 0 (missed) nor 3 (a crash).
demo: install
	@echo "== 1. typednn check examples/miswired.py: mis-wired on purpose, so errors are expected"
	@$(BIN)/typednn check examples/miswired.py; code=$$?; \
	if [ $$code -eq 1 ]; then echo "== the mis-wired model is caught before anything runs (exit 1)"; \
	else echo "== expected exit 1 (errors found) from checking examples/miswired.py, got $$code" >&2; exit 1; fi
	@echo "== 2. models wired right: check, summary, train, evaluate"
	$(BIN)/typednn check examples/digits.yaml examples/cnn.py
	$(BIN)/typednn summary examples/digits.yaml
	$(BIN)/typednn train examples/digits.yaml --out runs/digits --overwrite
	$(BIN)/typednn evaluate examples/digits.yaml --model runs/digits/model

test: install lint typecheck pytest acceptance

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# tests/ is a run of its own: the tests import `examples.swiglu`, which a run given the
# folder `examples` would name `swiglu` (mypy refuses a file under two names).
typecheck: install
	$(BIN)/mypy typednn examples
	$(BIN)/mypy tests

# One worker per core (pytest-xdist; worksteal evens out the long tests). PYTEST_WORKERS=0
# runs in this process, e.g. to debug with pdb.
PYTEST_WORKERS ?= auto
pytest: install
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist worksteal

acceptance: install
	@if [ -d $(SHARED) ]; then \
		$(BIN)/python $(SHARED)/check_typecheck.py && $(BIN)/python $(SHARED)/check_specs.py; \
	else echo "no $(SHARED): skipped"; fi

bench: install
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev,bench]"
	$(BIN)/python bench/run.py

# The docs (docs/*.md, nav in mkdocs.yml) as a static site in site/, offline; --strict
# fails on a broken link or anchor.
docs: install
	$(BIN)/mkdocs build --strict

# Re-pin every dependency to what is installed now.
lock: install
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^typednn' > constraints.txt

clean:
	rm -rf $(VENV) build dist *.egg-info
