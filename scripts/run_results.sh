#!/usr/bin/env bash
# Re-runs the benchmarks behind docs/RESULTS.md and writes docs/results/.
# Usage: scripts/run_results.sh [ITERATIONS] [SEEDS] [METHODS] [CONFIGS...]
#   empty ITERATIONS/SEEDS/METHODS: the configs' own settings (2000 iterations
#   per task, 5 seeds, every method: hours on 2 cores).
#   The committed tables used:
#     scripts/run_results.sh 500 0,1,2 "" reference-mnist-reduced
#     scripts/run_results.sh 300 0,1,2 galt,adamw,soft_penalty,ewc,si,agem,replay,lagrangian_gda classil-fashion classil-mnist
set -euo pipefail
cd "$(dirname "$0")/.."
iters=${1:-}
seeds=${2:-}
methods=${3:-}
shift $(( $# < 3 ? $# : 3 ))
configs=("$@")
((${#configs[@]})) || configs=(reference-mnist-reduced classil-fashion classil-mnist reference-fashion taskil-fashion taskil-mnist)
extra=()
[[ -n $iters ]] && extra+=(--iterations "$iters")
[[ -n $seeds ]] && extra+=(--seeds "$seeds")
[[ -n $methods ]] && extra+=(--methods "$methods")
mkdir -p docs/results
for cfg in "${configs[@]}"; do
  echo "== $cfg"
  build/galt bench continual --config "configs/$cfg.toml" --json "docs/results/$cfg.json" "${extra[@]}"
done
