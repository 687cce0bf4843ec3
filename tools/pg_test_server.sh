#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for the head-office tests (Debian binaries, loopback only).
#   bash tools/pg_test_server.sh start   -> prints: export MEMBERDESK_TEST_PG_DSN=...
#   bash tools/pg_test_server.sh stop
# The cluster lives in a temp dir under /tmp; its location is kept in /tmp/memberdesk-pg-test.state.
set -euo pipefail
STATE=${MEMBERDESK_PG_STATE:-/tmp/memberdesk-pg-test.state}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$BIN" ] || { echo "PostgreSQL binaries not found under /usr/lib/postgresql" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 - <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

case "${1:-}" in
  start)
    if [ -f "$STATE" ]; then
      . "$STATE"
      if as_pg "$BIN/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; then
        echo "export MEMBERDESK_TEST_PG_DSN=postgresql://memberdesk@127.0.0.1:$PGPORT/memberdesk_test"; exit 0
      fi
    fi
    PGDIR=$(mktemp -d /tmp/memberdesk-pg.XXXXXX)
    PGPORT=$(free_port)
    if [ "$(id -u)" = "0" ]; then chown postgres "$PGDIR"; fi
    as_pg "$BIN/initdb" -D "$PGDIR/data" -U memberdesk -A trust -E UTF8 --no-locale >"$PGDIR/initdb.log" 2>&1
    as_pg "$BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDIR -c fsync=off -c max_connections=200" start >/dev/null
    as_pg "$BIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U memberdesk memberdesk_test
    printf 'PGDIR=%q\nPGPORT=%q\n' "$PGDIR" "$PGPORT" >"$STATE"
    echo "export MEMBERDESK_TEST_PG_DSN=postgresql://memberdesk@127.0.0.1:$PGPORT/memberdesk_test"
    ;;
  stop)
    [ -f "$STATE" ] || exit 0
    . "$STATE"
    as_pg "$BIN/pg_ctl" -D "$PGDIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PGDIR" "$STATE"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
