#!/usr/bin/env bash
# What the suite needs beyond Python: Debian's Chromium for the browser tests (Playwright cannot
# download its own here) and GNU gettext for the catalog test. Installed when we are root.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v xgettext >/dev/null || missing+=(gettext)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "Missing for the tests: ${missing[*]}. Install them (Debian: sudo apt-get install ${missing[*]})." >&2
  exit 1
fi
