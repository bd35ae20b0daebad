#!/usr/bin/env bash
# The project's test command: ./scripts/test.sh
# Machine setup, formatting, lints, layering, every Rust test (SQLite and PostgreSQL),
# the release build, then the browser tests against the release binary.
# Exits non-zero on the first failing phase; prints each phase's time at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/daihoi-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# The PostgreSQL tests read DAIHOI_TEST_POSTGRES, default postgres://postgres@127.0.0.1:5432/test
# (the server scripts/ensure-postgres.sh makes sure of).
mkdir -p "$CARGO_TARGET_DIR" artifacts/screenshots

LOGS="$(mktemp -d)"
PHASES=()
CURRENT=""
START_ALL=$SECONDS

summary() {
  local rc=$?
  echo
  echo "== phase times"
  for p in "${PHASES[@]}"; do echo "  $p"; done
  if [ -n "$CURRENT" ]; then echo "  $CURRENT: FAILED"; fi
  echo "  total: $((SECONDS - START_ALL)) s"
  local passed=0 failed=0 n
  for n in $(grep -ho 'test result: [A-Za-z]*\. [0-9]* passed; [0-9]* failed' "$LOGS"/cargo-test.log 2>/dev/null | awk '{print $4 ":" $6}'); do
    passed=$((passed + ${n%%:*})); failed=$((failed + ${n##*:}))
  done
  if [ -f "$LOGS/browser.tap" ]; then
    passed=$((passed + $(awk '/^# pass /{print $3}' "$LOGS/browser.tap" | tail -n1 | grep . || echo 0)))
    failed=$((failed + $(awk '/^# fail /{print $3}' "$LOGS/browser.tap" | tail -n1 | grep . || echo 0)))
  fi
  rm -rf "$LOGS"
  if [ "$rc" -eq 0 ]; then echo "== all phases passed"; else echo "== FAILED (exit $rc)"; fi
  echo "tests: $passed passed, $failed failed"
  exit "$rc"
}
trap summary EXIT

# phase NAME COMMAND...: run one phase, timed.
phase() {
  local name="$1"; shift
  CURRENT="$name"
  echo
  echo "== $name"
  local t0=$SECONDS
  "$@"
  PHASES+=("$name: $((SECONDS - t0)) s")
  CURRENT=""
}

layering() {
  # The domain crate is pure: no web framework, no database driver, no async runtime.
  local deps bad
  deps="$(cargo tree -p daihoi-domain -e normal --prefix none --format '{p}')"
  bad="$(printf '%s\n' "$deps" | grep -E '^(axum|sqlx|tokio)[a-z_-]* v' | sort -u || true)"
  if [ -n "$bad" ]; then
    echo "layering: daihoi-domain depends on:" >&2
    printf '  %s\n' "$bad" >&2
    return 1
  fi
  echo "layering: daihoi-domain has no axum, sqlx or tokio in its dependencies"
}

cargo_test() {
  cargo test --workspace 2>&1 | tee "$LOGS/cargo-test.log"
}

browser_tests() {
  export DAIHOI_BIN="${DAIHOI_BIN:-$CARGO_TARGET_DIR/release/daihoi}"
  export DAIHOI_SCREENSHOTS="$ROOT/artifacts/screenshots"
  rm -f artifacts/screenshots/*.png
  node --test --test-concurrency=1 \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$LOGS/browser.tap" \
    tests/browser/*.test.mjs
  echo "screenshots in artifacts/screenshots/: $(cd artifacts/screenshots && ls *.png 2>/dev/null | tr '\n' ' ')"
}

phase "setup" ./scripts/setup.sh
phase "postgres" ./scripts/ensure-postgres.sh
# Scratch databases of earlier runs (the tests make one per test and leave it): drop them so
# they do not pile up on a machine that runs the suite again and again.
if command -v psql >/dev/null; then
  PGURL="${DAIHOI_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}"
  psql "$PGURL" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'daihoi\_%'" 2>/dev/null |
    while read -r db; do psql "$PGURL" -qc "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1 || true; done ||
    true
fi
phase "fmt" cargo fmt --all -- --check
phase "clippy" cargo clippy --workspace --all-targets -- -D warnings
phase "layering" layering
phase "cargo test" cargo_test
phase "release build" cargo build --release -p daihoi
phase "browser tests" browser_tests
