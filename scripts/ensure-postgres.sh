#!/usr/bin/env bash
# Make sure PostgreSQL answers on 127.0.0.1:5432 with role postgres (trust) and database
# `test`, for the PostgreSQL half of the storage contract suite. Starts an existing
# cluster, or installs and creates one. Fails loudly: a backend is never skipped.
set -euo pipefail

HOST=127.0.0.1
PORT=5432
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

ready() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h "$HOST" -p "$PORT"; }

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else $SUDO -u postgres "$@"; fi
}

wait_ready() {
  for _ in $(seq 1 30); do
    if ready; then return 0; fi
    sleep 1
  done
  return 1
}

# Role postgres, trust on 127.0.0.1, database test: what the tests expect.
ensure_db() {
  if ! psql -h "$HOST" -p "$PORT" -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; then
    echo "ensure-postgres: server answers but role postgres cannot connect over TCP without a password" >&2
    echo "ensure-postgres: set 'host all all 127.0.0.1/32 trust' in pg_hba.conf" >&2
    return 1
  fi
  if [ "$(psql -h "$HOST" -p "$PORT" -U postgres -d postgres -tAc "select 1 from pg_database where datname = 'test'")" != "1" ]; then
    echo "ensure-postgres: creating database test"
    psql -h "$HOST" -p "$PORT" -U postgres -d postgres -qc 'create database test' >/dev/null
  fi
}

if ready; then
  ensure_db
  echo "ensure-postgres: PostgreSQL ready on $HOST:$PORT"
  exit 0
fi

if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
  echo "ensure-postgres: installing postgresql"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq postgresql
fi

ver="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)"
if [ -z "$ver" ]; then
  ver="$(ls /usr/lib/postgresql | sort -V | tail -n1)"
  echo "ensure-postgres: creating cluster $ver/main"
  $SUDO pg_createcluster "$ver" main -p "$PORT"
fi
conf="/etc/postgresql/$ver/main"

# Trust local TCP connections (a test-only server), before the server starts.
hba="$conf/pg_hba.conf"
if ! $SUDO grep -Eq '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
  echo "ensure-postgres: trusting 127.0.0.1 in $hba"
  tmp="$(mktemp)"
  { echo "host all all 127.0.0.1/32 trust"; echo "host all all ::1/128 trust"; $SUDO cat "$hba"; } >"$tmp"
  $SUDO cp "$tmp" "$hba"
  rm -f "$tmp"
  $SUDO chown postgres:postgres "$hba" 2>/dev/null || true
  if ready; then $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main reload || true; fi
fi

status=0
$SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main status >/dev/null 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  echo "ensure-postgres: starting cluster $ver/main"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
fi

if ! wait_ready; then
  echo "ensure-postgres: PostgreSQL does not answer on $HOST:$PORT after starting cluster $ver/main." >&2
  echo "ensure-postgres: see /var/log/postgresql/postgresql-$ver-main.log" >&2
  exit 1
fi

# A fresh cluster has role postgres; make sure it can log in over TCP (trust).
as_postgres psql -p "$PORT" -d postgres -qc "alter role postgres with login" >/dev/null 2>&1 || true
ensure_db
echo "ensure-postgres: PostgreSQL ready on $HOST:$PORT"
