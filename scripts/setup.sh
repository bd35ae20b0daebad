#!/usr/bin/env bash
# Machine setup for the test suite, idempotent: installs only what is missing.
#   - Debian packages: chromium (browser tests), fonts-noto-core (Vietnamese glyphs in
#     screenshots and PDFs), poppler-utils (pdftoppm/pdftotext for badge PDFs)
#   - npm packages of tests/browser (exact versions from package-lock.json)
# PostgreSQL is handled by scripts/ensure-postgres.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup: not root and no sudo; cannot install packages" >&2
  fi
fi
export DEBIAN_FRONTEND=noninteractive

missing=()
for pkg in chromium fonts-noto-core poppler-utils; do
  if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed'; then
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}"
else
  echo "setup: Debian packages present (chromium, fonts-noto-core, poppler-utils)"
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing nodejs and npm"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq nodejs npm
fi

# npm ci only when node_modules does not match the lock file.
lock=tests/browser/package-lock.json
stamp=tests/browser/node_modules/.daihoi-lock.sha256
want="$(sha256sum "$lock" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d tests/browser/node_modules/playwright-core ]; then
  echo "setup: tests/browser node_modules up to date"
else
  echo "setup: npm ci in tests/browser"
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
fi
