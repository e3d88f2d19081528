#!/usr/bin/env bash
# Builds everything with ASan + UBSan (gcc, -DLLS_SANITIZE=ON) in build-asan/ and runs the
# whole ctest suite there. Fails on a failing test or on any sanitizer report, including one
# from a program a test started and then only killed (reports are also written to files).
#
#   tests/sanitize.sh                 # what tests/run.sh runs
#   tests/sanitize.sh -R crash_test   # extra arguments go to ctest
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${SANITIZE_BUILD_DIR:-build-asan}

start=$(date +%s)
BUILD_DIR="$build_dir" deploy/build.sh -DLLS_SANITIZE=ON
echo "built in $(( $(date +%s) - start )) s"

reports="$PWD/$build_dir/sanitizer-reports"
rm -rf "$reports"
mkdir -p "$reports"
# detect_leaks: LeakSanitizer runs at every normal exit. abort_on_error: a report ends the
# process with SIGABRT, which every test notices. log_path adds the pid to the file name.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"

status=0
ctest --test-dir "$build_dir" --output-on-failure -j 2 --timeout 600 "$@" || status=$?
if compgen -G "$reports/*" >/dev/null; then
  echo "sanitizer reports (each file is one process):" >&2
  for f in "$reports"/*; do echo "--- $f" >&2; head -n 40 "$f" >&2; done
  status=1
fi
echo "sanitized suite: $( [ $status -eq 0 ] && echo ok || echo FAILED ) in $(( $(date +%s) - start )) s"
exit $status
