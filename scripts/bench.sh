#!/usr/bin/env bash
# Benchmarks (not tests): ./scripts/bench.sh
#   - durable events per second through the engine: SQLite, PostgreSQL, and no store (the
#     engine's own ceiling), at 1, 16, 64 and 256 concurrent writers, plus raw
#     Store::append of batches of 1, 100 and 1000;
#   - durable votes per second through App::cast_vote (secret and named polls, 10,000
#     voters, 1/16/64/256 concurrent voters): SQLite and PostgreSQL;
#   - live: presidium action -> notice (and re-read of /fragments/live) at 1,000 and
#     10,000 connected clients;
#   - live close-poll: 1,600 delegates vote through the API, the presidium closes the
#     poll -> notice and re-read of /fragments/hall (the result) at 1,600 and 10,000
#     connected clients.
# Builds release, runs everything with bounded durations (each command under `timeout`),
# keeps the JSON results in artifacts/bench/ and rewrites the results section of
# BENCHMARKS.md. All traffic goes to 127.0.0.1 only.
#
# Environment:
#   DAIHOI_TEST_POSTGRES  PostgreSQL admin URL (default postgres://postgres@127.0.0.1:5432/test);
#                         a scratch database is created and dropped.
#   BENCH_QUIET_WAIT      seconds to wait for the machine to go quiet (1-minute load
#                         average < 1) before each benchmark; default 120, 0 to skip.
#   BENCH_QUIET_TOTAL     at most this many seconds of such waiting over the whole script
#                         (default: no limit), so that a busy machine cannot stretch a
#                         full run indefinitely.
#   BENCH_SECONDS         seconds per writer level of the events benchmark (default 6).
#   BENCH_ACTIONS         presidium actions per live run (default 20).
#   BENCH_CLOSES          polls opened, voted and closed per close-poll run (default 5).
#   BENCH_VOTERS          voters of the votes benchmark (default 10000).
#   BENCH_ONLY            groups to run, of "events votes live close docs" (default all); the
#                         report is made from whatever JSON results are in artifacts/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

export DAIHOI_TEST_POSTGRES="${DAIHOI_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}"
export RUST_BACKTRACE=0
QUIET_WAIT="${BENCH_QUIET_WAIT:-120}"
QUIET_LEFT="${BENCH_QUIET_TOTAL:-999999}"
SECONDS_PER_LEVEL="${BENCH_SECONDS:-6}"
ACTIONS="${BENCH_ACTIONS:-20}"
CLOSES="${BENCH_CLOSES:-5}"
VOTERS="${BENCH_VOTERS:-10000}"
ONLY=" ${BENCH_ONLY:-events votes live close docs} "
OUT="$ROOT/artifacts/bench"
mkdir -p "$OUT"
want() { [[ "$ONLY" == *" $1 "* ]]; }
want events && rm -f "$OUT"/events-*.json
want votes && rm -f "$OUT"/votes-*.json
want live && rm -f "$OUT"/live-0*.json "$OUT"/live-1*.json
want close && rm -f "$OUT"/live-close-*.json

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
  while [ "$waited" -lt "$QUIET_WAIT" ] && [ "$QUIET_LEFT" -gt 0 ]; do
    load="$(cut -d' ' -f1 /proc/loadavg)"
    if awk -v l="$load" 'BEGIN { exit !(l < 1.0) }'; then return 0; fi
    [ "$waited" -eq 0 ] && echo "bench: load average $load, waiting up to ${QUIET_WAIT}s for the machine to go quiet"
    sleep 5
    waited=$((waited + 5))
    QUIET_LEFT=$((QUIET_LEFT - 5))
  done
  echo "bench: load average still $(cut -d' ' -f1 /proc/loadavg) after ${waited}s; running anyway"
}

run() {
  local limit="$1"; shift
  quiet
  echo
  echo "== $*"
  timeout --kill-after=10 "$limit" "$BIN" "$@"
}

if want events; then
run 300 events --backend sqlite --seconds "$SECONDS_PER_LEVEL" --json "$OUT/events-sqlite.json"
run 300 events --backend postgres --seconds "$SECONDS_PER_LEVEL" --json "$OUT/events-postgres.json"
run 120 events --backend null --seconds 3 --json "$OUT/events-null.json"
fi

# One fresh store and congress per (poll mode, concurrency); each run checks that the
# closed poll counts exactly the ballots sent and that the chain is intact.
if want votes; then
run 600 votes --backend sqlite --voters "$VOTERS" --json "$OUT/votes-sqlite.json"
run 900 votes --backend postgres --voters "$VOTERS" --json "$OUT/votes-postgres.json"
fi

# Closing a poll: per close, 1,600 delegates first vote through the API (untimed), then
# the time from the presidium's close to the result (re-read of /fragments/hall) on every
# connected phone.
if want close; then
run 600 live --scenario close-poll --voters 1600 --clients 1600 --actions "$CLOSES" --json "$OUT/live-close-01600.json"
run 1200 live --scenario close-poll --voters 1600 --clients 10000 --actions "$CLOSES" --json "$OUT/live-close-10000.json"
# The same without compressing the re-read (the hall fragment with a result chart is
# over the server's 1,400-byte no-compression threshold): what brotli costs at 10,000.
run 1200 live --scenario close-poll --voters 1600 --clients 10000 --actions "$CLOSES" --accept-encoding "" --json "$OUT/live-close-10000-identity.json"
fi

# HTTP/2 (h2c): one connection per client, as phones have over HTTPS. HTTP/1.1: two
# (event stream + re-reads), as a browser over plain HTTP.
if want live; then
run 300 live --clients 1000 --actions "$ACTIONS" --json "$OUT/live-01000-h2.json"
run 300 live --clients 1000 --actions "$ACTIONS" --http1 --json "$OUT/live-01000-h1.json"
run 600 live --clients 10000 --actions "$ACTIONS" --json "$OUT/live-10000-h2.json"
run 600 live --clients 10000 --actions "$ACTIONS" --accept-encoding "" --json "$OUT/live-10000-h2-identity.json"
run 600 live --clients 10000 --actions "$ACTIONS" --no-reread --json "$OUT/live-10000-h2-notice.json"
# 10,000 clients over HTTP/1.1 with re-reads need 20,000 sockets in the server process,
# more than the open-file limit here allows: notice only.
run 600 live --clients 10000 --actions "$ACTIONS" --no-reread --http1 --json "$OUT/live-10000-h1-notice.json"
fi

# Documents: the search index at 10,000 and 100,000 generated pages (build, size, query
# latency with snippets) and ingest from upload to searchable (text PDF, OCR). Their figures
# are copied by hand into the "Documents" section of BENCHMARKS.md (outside the generated
# block).
if want docs; then
run 1800 docs-search --json "$OUT/docs-search.json"
run 900 docs-ingest --json "$OUT/docs-ingest.json"
fi

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
