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
# One line is not a finding: LeakSanitizer's "Unable to get registers from thread N." It is
# printed when a thread ends, or the program is killed, while the exit-time leak check stops the
# world (e.g. a test's Process going out of scope just after SIGTERM). LSan then skips the gone
# thread, or counts its whole stack as reachable, and carries on: anything it does find is a
# further line in the same file. Newer LLVM prints it only at verbosity=1. A file holding only
# such lines, or none (a program killed just as it opened the file), is listed but does not fail
# the run; any other line does.
benign='^==[0-9]+==Unable to get registers from thread [0-9]+\.$'
if compgen -G "$reports/*" >/dev/null; then
  for f in "$reports"/*; do
    if grep -qvE "$benign" "$f"; then
      if [ -z "${printed:-}" ]; then echo "sanitizer reports (each file is one process):" >&2; printed=1; fi
      echo "--- $f" >&2; head -n 40 "$f" >&2
      status=1
    else
      echo "not a finding (a thread ended during the leak check): $f: $(head -n 1 "$f" | grep . || echo "(empty: killed before it wrote)")" >&2
    fi
  done
fi
echo "sanitized suite: $( [ $status -eq 0 ] && echo ok || echo FAILED ) in $(( $(date +%s) - start )) s"
exit $status
