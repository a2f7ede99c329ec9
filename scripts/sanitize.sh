#!/usr/bin/env bash
# Builds the fast test suites (ctest label "fast": every module's GoogleTest
# suite but cli and dist, which need the galt executable and other
# processes) with AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer
# (g++, -DGALT_SANITIZE=ON) into build-asan/, and runs them. Clean means no
# sanitizer report: any report fails its test.
#   scripts/sanitize.sh [ctest arguments...]   e.g. -R TraceLedger
# LibTorch, OpenBLAS, SQLite and the other system libraries are not
# instrumented: errors inside them are not seen, and only our own code's
# accesses are checked. Environment: GALT_JOBS (build and test jobs, default
# all cores).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --no-build
jobs=${GALT_JOBS:-$(nproc)}

# -O1 -g1: a third faster to compile than -O3, line numbers in the reports.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -g1" \
  -DGALT_SANITIZE=ON -DGALT_PYTHON=OFF -DGALT_WERROR=ON >/dev/null
suites=(graph data memory report models solve train bench)
cmake --build build-asan -j"$jobs" --target "${suites[@]/#/galt_test_}"

# halt_on_error: a UBSan report fails the test (by default UBSan prints and
# goes on). detect_leaks: LeakSanitizer, on by default with ASan on x86-64,
# spelt out. No suppressions: container-overflow reports (false ones when an
# uninstrumented library resizes a vector) cannot occur with g++, whose
# libstdc++ annotates vectors only under _GLIBCXX_SANITIZE_VECTOR (unset).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
start=$(date +%s)
status=0
ctest --test-dir build-asan -L fast --output-on-failure -j"$jobs" --timeout 1800 "$@" || status=$?
echo "sanitize: fast suites under ASan + LSan + UBSan: $(($(date +%s) - start)) s, exit $status"
exit "$status"
