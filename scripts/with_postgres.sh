#!/usr/bin/env bash
# Run a command against a real PostgreSQL server: the one in DATABASE_URL when it names one,
# otherwise a throw-away cluster started here from the machine's PostgreSQL binaries and removed
# afterwards. As root, PostgreSQL's tools must run as the `postgres` user.
set -euo pipefail

case "${DATABASE_URL:-}" in
  postgres://*|postgresql://*) exec "$@" ;;
esac

pg_bin=""
for dir in /usr/lib/postgresql/*/bin; do
  [ -x "$dir/pg_ctl" ] && pg_bin="$dir"
done
if [ -z "$pg_bin" ] && command -v pg_ctl >/dev/null; then
  pg_bin=$(dirname "$(command -v pg_ctl)")
fi
if [ -z "$pg_bin" ]; then
  echo "No PostgreSQL server found. Install it (Debian: apt-get install postgresql) or set DATABASE_URL." >&2
  exit 1
fi

work=$(mktemp -d /tmp/songkhla-pg.XXXXXX)
chmod 755 "$work"
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$work"
  as_pg=(runuser -u postgres --)
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cleanup() {
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

"${as_pg[@]}" "$pg_bin/initdb" -D "$work/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$work/initdb.log" 2>&1 \
  || { cat "$work/initdb.log" >&2; exit 1; }
# Durability is pointless for a throw-away cluster; speed is not.
pg_options="-h 127.0.0.1 -p $port -k $work -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=${PG_MAX_CONNECTIONS:-100}"
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/data" -l "$work/server.log" -w -o "$pg_options" \
  start >/dev/null || { cat "$work/server.log" >&2; exit 1; }

export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
# What it takes to stop and start this cluster again (`make bench` restarts it to test recovery):
# pg_ctl -D "$PG_WORK/data" -l "$PG_WORK/server.log" -o "$PG_OPTIONS" start, as the postgres user when root.
export PG_BIN="$pg_bin" PG_WORK="$work" PG_OPTIONS="$pg_options"
"$@"
