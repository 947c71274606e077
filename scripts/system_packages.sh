#!/usr/bin/env bash
# The Debian/Ubuntu packages the app needs beyond Python, checked before anything else runs:
#   run   what `make run` needs: venv for Debian's python3, and Pango, with which WeasyPrint lays
#         out the Thai PDFs;
#   test  that, and what `make test` and `make bench` need: a PostgreSQL server to throw away,
#         Debian's Chromium for the browser tests (Playwright and Lighthouse cannot download their
#         own here), Node.js and npm for Lighthouse (npm ci), Liberation Sans (the fallback font
#         the font test measures; apt brings no recommended package here), poppler-utils
#         (pdftotext, pdftoppm) to read and render the PDFs, GNU gettext for the catalog test.
# As root, the missing ones are installed. Otherwise it stops at once with the one line to run.
set -euo pipefail

need=${1:?usage: scripts/system_packages.sh run|test}
missing=()

# grep reads to the end (no -q): with pipefail, -q quitting early would SIGPIPE ldconfig and
# report a library that is there as missing, now and then.
have_library() { ldconfig -p 2>/dev/null | grep "$1" >/dev/null; }
have_command() { command -v "$1" >/dev/null 2>&1; }

# Debian's own python3 makes virtual environments only with python3-venv.
[ -x .venv/bin/python ] || "${PYTHON:-python3}" -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
have_library libpango-1.0.so.0 || missing+=(libpango-1.0-0)
have_library libpangoft2-1.0.so.0 || missing+=(libpangoft2-1.0-0)

if [ "$need" = test ]; then
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || have_command pg_ctl || missing+=(postgresql)
  [ -x "${CHROMIUM:-/usr/bin/chromium}" ] || missing+=(chromium)
  have_command node || missing+=(nodejs)
  have_command npm || missing+=(npm)
  [ -e /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ] || missing+=(fonts-liberation)
  have_command pdftotext && have_command pdftoppm || missing+=(poppler-utils)
  have_command xgettext && have_command msgfmt || missing+=(gettext)
fi

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && have_command apt-get; then
  echo "Installing the system packages $need needs: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi

echo "make $need needs these system packages first. Run this once, then make $need again:" >&2
echo >&2
echo "    sudo apt-get install -y ${missing[*]}" >&2
echo >&2
exit 1
