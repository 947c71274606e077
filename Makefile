# The quick start: `make run` serves the app with demo data, `make test` runs every test against a
# real PostgreSQL. Both create the virtual environment and install what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install messages run test bench makemessages clean

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet ".[test]"
	touch $(INSTALLED)

install: $(INSTALLED)

messages: install
	$(BIN)/python scripts/compile_messages.py

run: messages
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: messages
	scripts/ensure_test_tools.sh
	scripts/with_postgres.sh scripts/run_tests.sh $(ARGS)

bench: messages
	scripts/with_postgres.sh $(BIN)/python scripts/bench.py $(ARGS)

makemessages: install
	$(BIN)/python manage.py makemessages --locale th --no-obsolete --ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'tests/*' --ignore 'scripts/*'
	$(BIN)/python scripts/compile_messages.py

clean:
	rm -rf $(VENV) staticfiles
