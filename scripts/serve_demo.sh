#!/usr/bin/env bash
# `make run`: the app as its users see it, with the demo network. DEBUG off (the app's own Thai
# 403/404/500 pages, never Django's debug page), static files through WhiteNoise, gunicorn on
# 127.0.0.1, the embedded SQLite file (db.sqlite3, or DATABASE_URL), and DEMO on for the demo
# logins (the settings refuse DEMO with PostgreSQL or a public host name).
# PORT (default 8000) and WORKERS (default 3) may be set; the tests serve it on another port.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG=0 DEMO=1
python=.venv/bin/python
$python manage.py migrate --no-input
$python manage.py collectstatic --no-input --verbosity 0
$python manage.py seed_demo
echo "Serving on http://127.0.0.1:${PORT:-8000}/ (Ctrl+C stops it)"
exec .venv/bin/gunicorn config.wsgi \
  --bind "127.0.0.1:${PORT:-8000}" --workers "${WORKERS:-3}" --timeout 60 --no-control-socket \
  --access-logfile - --access-logformat '%(t)s "%(r)s" %(s)s %(M)sms'
