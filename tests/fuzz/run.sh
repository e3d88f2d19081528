#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang, ASan + UBSan) in their own folder and runs each one for
# a short time on its seed corpus. Fails if any harness reports a crash, a leak, a sanitizer
# report, a timeout or a broken property. See docs/fuzzing.md.
#
#   tests/fuzz/run.sh                      # every harness, 20 s each (what CI runs)
#   tests/fuzz/run.sh --seconds 600 fuzz_ingest
#   tests/fuzz/run.sh --build-dir /tmp/bf --jobs 2
#
# Inputs the fuzzer finds are kept in BUILD_DIR/fuzz-corpus/<harness>/ (the seeds in
# tests/fuzz/corpus/ are never written to); a crashing input is saved in BUILD_DIR/fuzz-out/.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=20
build_dir=build-fuzz
jobs=$(nproc 2>/dev/null || echo 2)
only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --build-dir) build_dir="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) echo "fuzz: unknown option $1" >&2; exit 2 ;;
    *) only+=("$1"); shift ;;
  esac
done

# harness, seed folder (under tests/fuzz/corpus), -max_len
HARNESSES=(
  "fuzz_envelope envelope 4096"
  "fuzz_ingest ingest 8192"
  "fuzz_csv_import csv_import 4096"
  "fuzz_json_import json_import 4096"
  "fuzz_markdown_import markdown_import 4096"
  "fuzz_scrubber scrubber 2048"
  "fuzz_config config 2048"
)

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: clang++ not found (deploy/install-deps.sh installs clang and libclang-rt-14-dev)" >&2
  exit 1
fi

echo "== fuzz: build ($build_dir)"
build_start=$(date +%s)
CC=clang CXX=clang++ cmake -S . -B "$build_dir" -DLLS_FUZZ=ON -DLLS_BUILD_TESTS=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build_dir.configure.log" 2>&1 ||
  { cat "$build_dir.configure.log"; exit 1; }
rm -f "$build_dir.configure.log"
cmake --build "$build_dir" --target lls_fuzzers -j "$jobs" >/dev/null ||
  { echo "fuzz: build failed; rerun: cmake --build $build_dir --target lls_fuzzers" >&2; exit 1; }
echo "built in $(( $(date +%s) - build_start )) s"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
bin_dir="$build_dir/tests/fuzz"
out_dir="$build_dir/fuzz-out"
mkdir -p "$out_dir"

failed=0
results=()
for entry in "${HARNESSES[@]}"; do
  read -r name seeds max_len <<<"$entry"
  if [ ${#only[@]} -gt 0 ] && [[ ! " ${only[*]} " =~ " $name " ]]; then continue; fi
  corpus="$build_dir/fuzz-corpus/$name"
  log="$out_dir/$name.log"
  mkdir -p "$corpus"
  rm -f "$out_dir/$name-"*  # crash inputs of an earlier run of this harness
  echo "== fuzz: $name for ${seconds} s"
  status=0
  # New inputs go to the first folder (scratch); the seeds are only read.
  "$bin_dir/$name" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out_dir/$name-" \
    "$corpus" "tests/fuzz/corpus/$seeds" >"$log" 2>&1 || status=$?
  # A harness that dies while loading its seeds prints none of these: '?' in the summary.
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1) || true
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1) || true
  corp=$( (grep -a -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" || true) | tail -1 | sed 's/corp: //')
  if [ "$status" -eq 0 ] && ! grep -a -q -E 'runtime error:|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|property broken' "$log"; then
    result=ok
  else
    result="FAIL (exit $status; log $log)"
    failed=1
    echo "---- $name: last lines of $log"
    tail -n 40 "$log"
    ls "$out_dir/$name-"* 2>/dev/null | sed 's/^/saved input: /' || true
  fi
  results+=("$(printf '%-22s execs %-10s seconds %-5s corpus %-14s %s' \
    "$name" "${execs:-?}" "${secs:-?}" "${corp:-?}" "$result")")
done

echo "== fuzz: summary"
printf '%s\n' "${results[@]}"
exit "$failed"
