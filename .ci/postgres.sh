# PostgreSQL for the test suite: installed from Debian packages when missing, a throw-away cluster listening on
# 127.0.0.1 only (trust auth on loopback, data in a temp dir), removed afterwards.
PG_PORT="${PG_PORT:-55432}"

start_postgres() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
  fi
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  PG_DATA="$(mktemp -d /tmp/nanosynth-pg.XXXXXX)"
  local runas=()
  if [ "$(id -u)" = "0" ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$PG_DATA"
    runas=(runuser -u postgres --)
  fi
  "${runas[@]}" "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres >/dev/null
  "${runas[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DATA -c max_connections=200 -c fsync=off" start >/dev/null
  export NANOSYNTH_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:${PG_PORT}/postgres"
  export PG_BIN PG_DATA
  echo "PostgreSQL running on 127.0.0.1:${PG_PORT}"
}

stop_postgres() {
  if [ -n "${PG_DATA:-}" ] && [ -d "$PG_DATA" ]; then
    local runas=()
    [ "$(id -u)" = "0" ] && runas=(runuser -u postgres --)
    "${runas[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DATA"
  fi
}
