#!/usr/bin/env bash
# Re-runs the benchmarks behind docs/RESULTS.md and writes docs/results/.
#
#   scripts/run_results.sh            the committed tables, exactly as run:
#                                     two streams side by side, one thread
#                                     each (GALT_THREADS=1), ≈ 2.5 h on 2 cores
#   scripts/run_results.sh CONFIG ... only these configs (same settings)
#
# Settings per config (the configs' own seeds 0–4):
#   classil-fashion, classil-mnist   2000 it/task (the protocol's), every
#                                    method but galt_local (time)
#   reference-mnist, reference-fashion, reference-mnist-reduced
#                                    the configs' own iterations, every method
#   taskil-fashion, taskil-mnist     300 it/task (reduced), every method
set -euo pipefail
cd "$(dirname "$0")/.."
m8=galt,adamw,soft_penalty,ewc,si,agem,replay,lagrangian_gda
declare -A spec=(
  [classil-fashion]="::$m8"
  [classil-mnist]="::$m8"
  [reference-mnist]="::"
  [reference-fashion]="::"
  [reference-mnist-reduced]="::"
  [taskil-fashion]=":300:"
  [taskil-mnist]=":300:"
)
stream_a=(classil-fashion reference-mnist taskil-fashion reference-mnist-reduced)
stream_b=(classil-mnist reference-fashion taskil-mnist)

run_one() {
  local cfg=$1 iters methods
  IFS=: read -r _ iters methods <<< "${spec[$cfg]:?unknown config $cfg}"
  local args=(--config "configs/$cfg.toml" --json "docs/results/$cfg.json")
  [[ -n $iters ]] && args+=(--iterations "$iters")
  [[ -n $methods ]] && args+=(--methods "$methods")
  echo "== $(date +%T) $cfg"
  GALT_THREADS=1 build/galt bench continual "${args[@]}"
}

mkdir -p docs/results
if (($#)); then
  for cfg in "$@"; do run_one "$cfg"; done
  exit 0
fi
(for cfg in "${stream_a[@]}"; do run_one "$cfg"; done) &
a=$!
(for cfg in "${stream_b[@]}"; do run_one "$cfg"; done) &
b=$!
wait "$a"
wait "$b"
