#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the lead's-store tests and print the URL that
# RXLOG_TEST_PG_URL takes. Installs Debian's postgresql if it is missing (as root or via
# sudo), runs the server as the 'postgres' user on 127.0.0.1 and a private socket folder,
# and leaves it running: `scripts/pg-test-server.sh stop DIR` stops it.
#   url=$(bash scripts/pg-test-server.sh start /tmp/rxlog-pg)
set -euo pipefail
action=${1:-start}
dir=${2:-/tmp/rxlog-pg}
port=${RXLOG_PG_PORT:-55432}

if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
# cd / first: the postgres user may not be allowed into the caller's folder.
as_pg() { (cd / && if [ "$(id -un)" = postgres ]; then "$@"; else $SUDO runuser -u postgres -- "$@"; fi); }

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ "$action" = stop ]; then
  [ -n "$bindir" ] && [ -d "$dir/data" ] && as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast stop >/dev/null || true
  exit 0
fi

if [ -z "$bindir" ]; then
  echo "pg-test-server: installing Debian's postgresql" >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >&2
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

if [ -d "$dir/data" ]; then
  as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
fi
$SUDO rm -rf "$dir"
$SUDO mkdir -p "$dir"
$SUDO chown postgres: "$dir"
as_pg "$bindir/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
# A port another server holds is skipped (a developer's own test server, say).
for try in 0 1 2 3 4 5 6 7 8 9; do
  if as_pg "$bindir/pg_ctl" -D "$dir/data" -w -l "$dir/log" \
    -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null; then
    break
  fi
  if [ "$try" = 9 ]; then
    echo "pg-test-server: could not start PostgreSQL; its log:" >&2
    cat "$dir/log" >&2
    exit 1
  fi
  port=$((port + 1))
done
as_pg "$bindir/psql" -h "$dir" -p "$port" -U postgres -qc "create database rxlog_central" >/dev/null
echo "postgresql+psycopg://postgres@127.0.0.1:$port/rxlog_central"
