# `make run`: set everything up and run the whole system with demo data.
# `make test`: set everything up and run the test suite (what CI runs).
# Both are idempotent: stamps in .make/ skip work that is already done.
VENV    := .venv
BIN     := $(VENV)/bin
STAMPS  := .make

.PHONY: run test setup lint bench clean

run: setup
	$(BIN)/hotline up --demo

test: setup lint
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .

setup: $(STAMPS)/system $(STAMPS)/venv

$(STAMPS)/system: scripts/system-packages.txt scripts/install-system-packages.sh
	scripts/install-system-packages.sh
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/venv: pyproject.toml $(STAMPS)/system
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@mkdir -p $(STAMPS) && touch $@

bench: setup
	$(BIN)/python benchmarks/intake.py

clean:
	rm -rf $(VENV) $(STAMPS)
