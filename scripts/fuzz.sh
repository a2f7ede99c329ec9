#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/, clang + ASan + UBSan) into
# build-fuzz/ and runs them, one after the other.
#   scripts/fuzz.sh [TARGET|all] [SECONDS]   (default: all, 600 s each)
# Targets: idx mnist_json config tuned run_store ledger memory_cli
# (fuzz/README.md says what each feeds). Each starts from its seed corpus
# fuzz/corpus/<target> plus what earlier runs found (build-fuzz/corpus/<target>,
# kept). A crash, hang, leak or sanitizer report stops that target, leaves
# the input in build-fuzz/artifacts/<target>/ and makes the script exit 1:
# copy the input to fuzz/regressions/<target>/ (ctest replays it), fix the
# reader. The log of each run is build-fuzz/logs/<target>.log.
# Installs clang and its fuzzer/sanitizer runtimes from Debian if missing.
# Environment: GALT_JOBS (build jobs, default all cores), and libFuzzer's
# own flags through GALT_FUZZ_FLAGS (e.g. "-jobs=2").
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:-all}
seconds=${2:-600}
all=(idx mnist_json config tuned run_store ledger memory_cli)
if [[ $target == all ]]; then
  targets=("${all[@]}")
elif [[ " ${all[*]} " == *" $target "* ]]; then
  targets=("$target")
else
  echo "fuzz: unknown target '$target' (known: all ${all[*]})" >&2
  exit 2
fi
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz: SECONDS must be a whole number >= 1, got '$seconds'" >&2
  exit 2
fi

# The project's own dependencies, then clang 14, libclang-rt-14-dev
# (libFuzzer, ASan, UBSan and LSan runtimes) and llvm-14 (llvm-symbolizer:
# file and line in the reports).
bash scripts/setup.sh --no-build
pkgs=(clang-14 libclang-rt-14-dev llvm-14)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "fuzz: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cmake -S fuzz -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
build_targets=()
for t in "${targets[@]}"; do build_targets+=("galt_fuzz_$t"); done
cmake --build build-fuzz -j"${GALT_JOBS:-$(nproc)}" --target "${build_targets[@]}"

# LibTorch is not instrumented: its allocations at load time are not leaks of
# ours, but libFuzzer checks leaks per input only, so none are suppressed.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-/usr/lib/llvm-14/bin/llvm-symbolizer}
failed=()
for t in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$t
  artifacts=build-fuzz/artifacts/$t
  log=build-fuzz/logs/$t.log
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  echo "fuzz: $t for ${seconds} s (log: $log)"
  start=$(date +%s)
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: 2 GB is a
  # memory blow-up (a reader must refuse a header announcing gigabytes).
  # shellcheck disable=SC2086
  if build-fuzz/galt_fuzz_$t -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" ${GALT_FUZZ_FLAGS:-} \
      "$corpus" "fuzz/corpus/$t" >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$t")
  fi
  end=$(date +%s)
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1 | grep -o '[0-9]*' || echo "?")
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n1 | grep -o '[0-9]*' || echo "?")
  echo "fuzz: $t $status: $((end - start)) s, $execs executions, cov $cov, ft $ft," \
       "corpus $(find "$corpus" -type f | wc -l) files"
done
if ((${#failed[@]})); then
  echo "fuzz: findings in ${failed[*]}: inputs in build-fuzz/artifacts/, details in build-fuzz/logs/" >&2
  exit 1
fi
