#!/usr/bin/env bash
# Configures and builds LLS Exchange in build/ (Release with debug info, warnings as errors).
# Used by tests/run.sh and deploy/demo.sh; prints only the last lines of a failing build.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
log="$BUILD_DIR/build.log"
mkdir -p "$BUILD_DIR"
if ! { cmake -S . -B "$BUILD_DIR" -DLLS_WERROR=ON "$@" &&
       cmake --build "$BUILD_DIR" -j "$(nproc)"; } >"$log" 2>&1; then
  tail -n 60 "$log" >&2
  echo "build failed; full log: $log" >&2
  exit 1
fi
