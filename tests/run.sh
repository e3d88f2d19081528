#!/usr/bin/env bash
# Installs what is missing (Debian packages), builds in build/, and runs every test: the unit
# tests of each component and the integration tests that start the real programs on loopback.
# Exit status is non-zero if anything fails; failing tests print their output.
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/install-deps.sh
echo "== build"
deploy/build.sh
echo "== test"
# Two jobs: the machine has two cores; every integration test uses its own ports and folders.
ctest --test-dir build --output-on-failure -j 2 --timeout 300
# The benchmarks at smoke scale (docs/performance.md): every scenario, LLS Exchange and
# Mosquitto, must run; the figures are printed, never asserted (a loaded CI machine is no place
# for timing). The JSON stays in build/bench-smoke.json.
echo "== bench (smoke)"
build/tools/lls bench --scale smoke --seconds 1 --json-out build/bench-smoke.json
# Fuzzing (docs/fuzzing.md): builds the libFuzzer harnesses with clang, ASan and UBSan in
# build-fuzz/ and runs each for 20 s on its seed corpus; a crash or sanitizer report fails.
echo "== fuzz"
tests/fuzz/run.sh --seconds 20
# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer (issue 7 item 7):
# every test binary and every program the integration tests start is the sanitized build in
# build-asan/. Reports go to files (printed at the end), so a report from a child process whose
# exit a test does not look at still fails the run. See docs/reliability.md "Sanitizers".
echo "== sanitizers (ASan + UBSan)"
tests/sanitize.sh
