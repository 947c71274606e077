# The quick start: `make run` serves the app with demo data as its users see it, `make test` runs
# every test against a real PostgreSQL. Both install what they need first: the system packages
# (as root; otherwise they stop and print the apt-get line), the virtual environment, the catalogs;
# `make test` and `make bench` also Node's packages (npm ci: Lighthouse for the browser tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := node_modules/.installed

.PHONY: install messages run dev test bench makemessages clean system-run system-test node

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet ".[test]"
	touch $(INSTALLED)

install: $(INSTALLED)

# npm ci empties node_modules and installs exactly package-lock.json; again only when it changes.
$(NODE_INSTALLED): package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_INSTALLED)

node: $(NODE_INSTALLED)

messages: install
	$(BIN)/python scripts/compile_messages.py

system-run:
	scripts/system_packages.sh run

system-test:
	scripts/system_packages.sh test

run: system-run messages
	scripts/serve_demo.sh

# For developers: DEBUG on (Django's debug pages) and the server reloading on every change.
dev: system-run messages
	DEMO=1 $(BIN)/python manage.py migrate --no-input
	DEMO=1 $(BIN)/python manage.py seed_demo
	DEMO=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

test: system-test messages node
	scripts/check_style.sh
	scripts/with_postgres.sh scripts/run_tests.sh $(ARGS)

bench: system-test messages node
	scripts/with_postgres.sh $(BIN)/python -m scripts.loadtest $(ARGS)

makemessages: install
	$(BIN)/python manage.py makemessages --locale th --no-obsolete --ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'tests/*' --ignore 'scripts/*'
	$(BIN)/python scripts/compile_messages.py

clean:
	rm -rf $(VENV) staticfiles node_modules
