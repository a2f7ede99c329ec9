#!/usr/bin/env bash
# Re-runs every benchmark behind docs/RESULTS.md and writes docs/results/.
# Usage: scripts/run_results.sh [ITERATIONS] [SEEDS]
#   default: the configs' own settings (2000 iterations per task, 5 seeds:
#   hours on 2 cores). The committed tables used: scripts/run_results.sh 500 0,1,2
set -euo pipefail
cd "$(dirname "$0")/.."
iters=${1:-}
seeds=${2:-}
extra=()
[[ -n $iters ]] && extra+=(--iterations "$iters")
[[ -n $seeds ]] && extra+=(--seeds "$seeds")
mkdir -p docs/results
for cfg in reference-mnist-reduced classil-fashion classil-mnist reference-fashion taskil-fashion taskil-mnist; do
  echo "== $cfg"
  build/galt bench continual --config "configs/$cfg.toml" --json "docs/results/$cfg.json" "${extra[@]}"
done
