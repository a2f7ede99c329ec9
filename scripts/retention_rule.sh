#!/usr/bin/env bash
# The retention-rule experiment (the results issue §5): GALT's retention
# (memory) edges under four rules, on the VALIDATION split, selection seeds
# 100 and 101 (never reported), at 300 and 2000 iterations per task, on
# class-incremental Split-Fashion-MNIST and Split-MNIST (standard track).
# Each (rule, length, dataset, seed) run is kept in results/runs and taken
# from there when the script is run again (resumable). Two streams with one
# thread each use the 2 cores.
#
#   scripts/retention_rule.sh [GALT_BINARY]     ≈ 45 min on 2 idle cores
set -euo pipefail
cd "$(dirname "$0")/.."
galt=${1:-build/galt}
declare -A rules=(
  [ceiling1]="--option galt.memory_rho_max=1"
  [ceiling10]="--option galt.memory_rho_max=10"
  [ceiling100]="--option galt.memory_rho_max=100"
  [ramp100]="--option galt.memory_rho_max=100 --option galt.memory_rho_ramp=1"
)
mkdir -p results/retention results/runs
run() {  # dataset iterations
  for rule in ceiling1 ceiling100 ramp100 ceiling10; do
    # shellcheck disable=SC2086
    GALT_THREADS=1 "$galt" bench continual --config "configs/standard/classil-$1.toml" \
      --methods galt --seeds 100,101 --iterations "$2" --evaluate-on validation \
      --runs-dir results/runs --json "results/retention/$1-$2-$rule.json" ${rules[$rule]} \
      | grep -E "^\| galt|runs:" | sed "s/^/$1 $2 $rule: /"
  done
}
(run fashion 300; run fashion 2000) &
(run mnist 300; run mnist 2000) &
wait
