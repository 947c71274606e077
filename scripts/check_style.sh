#!/usr/bin/env bash
# The tools that keep the style, run by `make test` before the tests (and so by CI):
# ruff formats and lints, import-linter keeps the layers, mypy checks the typed parts
# (their settings: pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
echo "style: ruff format --check, ruff check, lint-imports (the layers), mypy (the typed parts)"
$bin/ruff format --check --quiet .
$bin/ruff check --quiet .
# import-linter prints a banner first; on a broken contract, show what broke it.
layers=$($bin/lint-imports --no-cache 2>&1) || { echo "$layers" | sed -n '/Broken contracts/,$p'; exit 1; }
$bin/mypy --no-error-summary
