#!/usr/bin/env bash
# pytest exits 5 when it collects no test: that is a failure of the suite, say so plainly.
set -uo pipefail
cd "$(dirname "$0")/.."
DJANGO_ALLOW_ASYNC_UNSAFE=true .venv/bin/python -m pytest "$@"
status=$?
if [ "$status" = 5 ]; then
  echo "pytest collected no tests: the suite is missing." >&2
  exit 1
fi
exit "$status"
