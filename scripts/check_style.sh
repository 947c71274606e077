#!/usr/bin/env bash
# The tools that keep the style, run by `make test` before the tests (and so by CI):
# ruff formats and lints (pyproject.toml [tool.ruff]).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
echo "style: ruff format --check, ruff check"
$bin/ruff format --check --quiet .
$bin/ruff check --quiet .
