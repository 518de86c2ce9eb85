#!/usr/bin/env bash
# Starts a private PostgreSQL cluster for the tests (own data directory and port, so it never touches
# a packaged or production cluster) and prints its SQLAlchemy URL. Idempotent: reuses a running one.
#   WIJZER_PG_DIR   data directory   (default /tmp/wijzer-test-pg)
#   WIJZER_PG_PORT  port             (default 54329)
#   WIJZER_PG_DB    test database    (default wijzer_test)
set -euo pipefail
PGDIR="${WIJZER_PG_DIR:-/tmp/wijzer-test-pg}"
PORT="${WIJZER_PG_PORT:-54329}"
DB="${WIJZER_PG_DB:-wijzer_test}"
BINDIR="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -x "$BINDIR/initdb" ] || { echo "PostgreSQL is not installed (run scripts/ensure-system-packages.sh)" >&2; exit 1; }

# The server refuses to run as root: run it as the 'postgres' user when we are root.
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql postgres
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi

if ! as_pg "$BINDIR/pg_ctl" -D "$PGDIR" status >/dev/null 2>&1; then
  if [ ! -s "$PGDIR/PG_VERSION" ]; then
    mkdir -p "$PGDIR"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$PGDIR"
    as_pg "$BINDIR/initdb" -D "$PGDIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_pg "$BINDIR/pg_ctl" -D "$PGDIR" -l "$PGDIR/server.log" -w -t 60 \
    -o "-p $PORT -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
fi
psql_pg() { as_pg "$BINDIR/psql" -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
[ "$(psql_pg -c "SELECT 1 FROM pg_database WHERE datname='$DB'")" = "1" ] || psql_pg -c "CREATE DATABASE $DB" >/dev/null
echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/$DB"
