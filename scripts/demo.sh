#!/usr/bin/env bash
# The demo command: install what the server needs at run time (Debian packages for PDF text,
# OCR and watermarks), build, create the demo congress in ./daihoi-data and serve it.
#   ./scripts/demo.sh [--listen ADDR] [--data DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --runtime
exec cargo run --release -- demo "$@"
