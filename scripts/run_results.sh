#!/usr/bin/env bash
# Re-makes every table of docs/RESULTS.md under the results protocol
# (DESIGN §8.1; configs/standard, configs/safety):
#
#   1. tune-standard  galt bench tune on the four standard-track configs
#                     (validation split, selection seed 100, first two
#                     contexts, 6 points per method) -> configs/tuned/standard-*.toml
#   2. tune-safety    the same for the safety track (all five contexts; each
#                     method's own settings from step 1) -> configs/tuned/safety-*.toml
#   3. standard       galt bench continual, 10 seeds, test split, frozen settings
#                     -> docs/results/standard-*.json (.md, .html)
#   4. safety         likewise -> docs/results/safety-*.json
#   5. reference      the prototype-comparison tables (configs/reference-*.toml,
#                     their own 5 seeds; no tuning, no target)
#
#   scripts/run_results.sh [GALT_BINARY] [STAGE ...]   (default: every stage in order)
#
# Every (method, seed) run — grid points included — is kept in results/runs
# (run_store.h) and taken from there when the script runs again, so a killed
# run resumes and the work can span sessions; commit results/runs as it
# grows. A tuned file that exists is not re-tuned (delete it to re-tune). Two
# streams with one thread each (GALT_THREADS=1) use the 2 cores: each stage
# splits its methods in two halves, then one last call per config assembles
# the JSON from the stored runs. Cost, measured on this 2-core machine: see
# docs/RESULTS.md ("What it cost").
set -euo pipefail
cd "$(dirname "$0")/.."
galt=build/galt
if (($#)) && [[ -x $1 && ! -d $1 ]]; then
  galt=$1
  shift
fi
stages=("$@")
((${#stages[@]})) || stages=(tune-standard tune-safety standard safety reference)
runs=results/runs
mkdir -p "$runs" configs/tuned docs/results

standard=(classil-fashion classil-mnist taskil-fashion taskil-mnist)
safety=(classil-fashion classil-mnist)
# A config's methods with a tuning grid, and its benchmark methods.
grid_methods() { grep -oE '^\[tuning\.grid\.[a-z_]+\]' "$1" | sed -E 's/.*grid\.([a-z_]+)\]/\1/'; }
bench_methods() { grep -E '^methods = ' "$1" | grep -oE '"[a-z_]+"' | tr -d '"'; }
# Names (one per line on stdin) -> two comma-separated halves, alternating.
halves() {
  local a="" b="" i=0 m
  while read -r m; do
    if ((i++ % 2 == 0)); then a+="${a:+,}$m"; else b+="${b:+,}$m"; fi
  done
  printf '%s\n%s\n' "$a" "$b"
}

tune() {  # track config
  local cfg=configs/$1/$2.toml out=configs/tuned/$1-$2.toml
  if [[ -f $out ]]; then
    echo "== $out exists (delete it to re-tune)"
    return
  fi
  local -a h
  mapfile -t h < <(grid_methods "$cfg" | halves)
  echo "== $(date +%T) tune $cfg"
  GALT_THREADS=1 "$galt" bench tune --config "$cfg" --out "/tmp/galt-tune-a-$2.toml" --runs-dir "$runs" \
    --methods "${h[0]}" > /dev/null &
  local a=$!
  GALT_THREADS=1 "$galt" bench tune --config "$cfg" --out "/tmp/galt-tune-b-$2.toml" --runs-dir "$runs" \
    --methods "${h[1]}" > /dev/null &
  local b=$!
  local rc=0
  wait "$a" || rc=$?
  wait "$b" || rc=$?
  ((rc == 0))  # a failed stream stops the script (set -e)
  # Every point is stored now: this call only reads them and writes the file.
  "$galt" bench tune --config "$cfg" --out "$out" --runs-dir "$runs"
}

report() {  # track config
  local cfg=configs/$1/$2.toml json=docs/results/$1-$2.json
  local -a h
  mapfile -t h < <(bench_methods "$cfg" | halves)
  echo "== $(date +%T) $cfg"
  GALT_THREADS=1 "$galt" bench continual --config "$cfg" --runs-dir "$runs" --methods "${h[0]}" \
    --json "/tmp/galt-a-$1-$2.json" > /dev/null &
  local a=$!
  GALT_THREADS=1 "$galt" bench continual --config "$cfg" --runs-dir "$runs" --methods "${h[1]}" \
    --json "/tmp/galt-b-$1-$2.json" > /dev/null &
  local b=$!
  local rc=0
  wait "$a" || rc=$?
  wait "$b" || rc=$?
  ((rc == 0))  # a failed stream stops the script (set -e)
  "$galt" bench continual --config "$cfg" --runs-dir "$runs" --json "$json" | tail -n 4
}

for stage in "${stages[@]}"; do
  case $stage in
    tune-standard) for c in "${standard[@]}"; do tune standard "$c"; done ;;
    tune-safety) for c in "${safety[@]}"; do tune safety "$c"; done ;;
    standard) for c in "${standard[@]}"; do report standard "$c"; done ;;
    safety) for c in "${safety[@]}"; do report safety "$c"; done ;;
    reference)
      for c in reference-mnist reference-fashion reference-mnist-reduced; do
        echo "== $(date +%T) $c"
        GALT_THREADS=1 "$galt" bench continual --config "configs/$c.toml" --runs-dir "$runs" \
          --json "docs/results/$c.json" | tail -n 2
      done
      ;;
    *)
      echo "unknown stage '$stage' (tune-standard, tune-safety, standard, safety, reference)" >&2
      exit 2
      ;;
  esac
done
