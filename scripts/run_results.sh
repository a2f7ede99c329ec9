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
#   classil-*-galt-rho100            galt alone with stiff retention edges
#                                    (--option galt.memory_rho_max=100), 2000 it
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
  [classil-fashion-galt-rho100]="classil-fashion::galt:galt.memory_rho_max=100"
  [classil-mnist-galt-rho100]="classil-mnist::galt:galt.memory_rho_max=100"
)
stream_a=(classil-fashion reference-mnist taskil-fashion reference-mnist-reduced classil-fashion-galt-rho100)
stream_b=(classil-mnist reference-fashion taskil-mnist classil-mnist-galt-rho100)

run_one() {
  local name=$1 base iters methods option
  IFS=: read -r base iters methods option <<< "${spec[$name]:?unknown config $name}"
  local args=(--config "configs/${base:-$name}.toml" --json "docs/results/$name.json")
  [[ -n $iters ]] && args+=(--iterations "$iters")
  [[ -n $methods ]] && args+=(--methods "$methods")
  [[ -n $option ]] && args+=(--option "$option")
  echo "== $(date +%T) $name"
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
