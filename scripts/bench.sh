#!/usr/bin/env bash
# Benchmarks (not tests): ./scripts/bench.sh
#   - durable events per second through the engine: SQLite, PostgreSQL, and no store (the
#     engine's own ceiling), at 1, 16, 64 and 256 concurrent writers, plus raw
#     Store::append of batches of 1, 100 and 1000;
#   - live: presidium action -> notice (and re-read of /fragments/live) at 1,000 and
#     10,000 connected clients.
# Builds release, runs everything with bounded durations (each command under `timeout`),
# keeps the JSON results in artifacts/bench/ and rewrites the results section of
# BENCHMARKS.md. All traffic goes to 127.0.0.1 only.
#
# Environment:
#   DAIHOI_TEST_POSTGRES  PostgreSQL admin URL (default postgres://postgres@127.0.0.1:5432/test);
#                         a scratch database is created and dropped.
#   BENCH_QUIET_WAIT      seconds to wait for the machine to go quiet (1-minute load
#                         average < 1) before each benchmark; default 120, 0 to skip.
#   BENCH_SECONDS         seconds per writer level of the events benchmark (default 6).
#   BENCH_ACTIONS         presidium actions per live run (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

export DAIHOI_TEST_POSTGRES="${DAIHOI_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}"
export RUST_BACKTRACE=0
QUIET_WAIT="${BENCH_QUIET_WAIT:-120}"
SECONDS_PER_LEVEL="${BENCH_SECONDS:-6}"
ACTIONS="${BENCH_ACTIONS:-20}"
OUT="$ROOT/artifacts/bench"
mkdir -p "$OUT"
rm -f "$OUT"/events-*.json "$OUT"/live-*.json

echo "== build (release)"
cargo build --release -p daihoi-bench
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/daihoi-bench"
[ -x "$BIN" ] || { echo "bench: $BIN not found" >&2; exit 1; }

if [ -x scripts/ensure-postgres.sh ]; then
  ./scripts/ensure-postgres.sh
fi

# Wait (bounded) until the 1-minute load average drops below 1, so that builds or tests
# of other people on the machine disturb the figures less. Whatever the load, the
# results record the CPU other processes used during each run.
quiet() {
  local waited=0 load
  while [ "$waited" -lt "$QUIET_WAIT" ]; do
    load="$(cut -d' ' -f1 /proc/loadavg)"
    if awk -v l="$load" 'BEGIN { exit !(l < 1.0) }'; then return 0; fi
    [ "$waited" -eq 0 ] && echo "bench: load average $load, waiting up to ${QUIET_WAIT}s for the machine to go quiet"
    sleep 5
    waited=$((waited + 5))
  done
  echo "bench: load average still $(cut -d' ' -f1 /proc/loadavg) after ${QUIET_WAIT}s; running anyway"
}

run() {
  local limit="$1"; shift
  quiet
  echo
  echo "== $*"
  timeout --kill-after=10 "$limit" "$BIN" "$@"
}

run 300 events --backend sqlite --seconds "$SECONDS_PER_LEVEL" --json "$OUT/events-sqlite.json"
run 300 events --backend postgres --seconds "$SECONDS_PER_LEVEL" --json "$OUT/events-postgres.json"
run 120 events --backend null --seconds 3 --json "$OUT/events-null.json"

# HTTP/2 (h2c): one connection per client, as phones have over HTTPS. HTTP/1.1: two
# (event stream + re-reads), as a browser over plain HTTP.
run 300 live --clients 1000 --actions "$ACTIONS" --json "$OUT/live-01000-h2.json"
run 300 live --clients 1000 --actions "$ACTIONS" --http1 --json "$OUT/live-01000-h1.json"
run 600 live --clients 10000 --actions "$ACTIONS" --json "$OUT/live-10000-h2.json"
run 600 live --clients 10000 --actions "$ACTIONS" --accept-encoding "" --json "$OUT/live-10000-h2-identity.json"
run 600 live --clients 10000 --actions "$ACTIONS" --no-reread --json "$OUT/live-10000-h2-notice.json"
# 10,000 clients over HTTP/1.1 with re-reads need 20,000 sockets in the server process,
# more than the open-file limit here allows: notice only.
run 600 live --clients 10000 --actions "$ACTIONS" --no-reread --http1 --json "$OUT/live-10000-h1-notice.json"

echo
echo "== report -> BENCHMARKS.md"
COMMIT="$(git rev-parse --short HEAD)"
if ! git diff --quiet HEAD -- crates Cargo.toml Cargo.lock 2>/dev/null; then
  COMMIT="$COMMIT (with uncommitted changes in the work tree)"
fi
"$BIN" report --results "$OUT" --out BENCHMARKS.md \
  --commit "$COMMIT" \
  --date "$(date -u '+%Y-%m-%d %H:%M UTC')" \
  --rustc "$(rustc -V)" \
  --command "./scripts/bench.sh" > /dev/null
echo "bench: results in $OUT, BENCHMARKS.md rewritten"
