#!/usr/bin/env bash
# The retention-rule experiment (the results issue §5): GALT's retention
# (memory) edges under four rules, on the VALIDATION split, selection seeds
# 100 and 101 (never reported), at 300 and 2000 iterations per task, on
# class-incremental Split-Fashion-MNIST and Split-MNIST (standard track).
# Each (rule, length, dataset, seed) run is kept in results/explore-runs and taken
# from there when the script is run again (resumable). Two streams with one
# thread each use the 2 cores.
#
#   scripts/retention_rule.sh [GALT_BINARY]     ≈ 1.5 h on 2 cores (measured, shared machine)
set -euo pipefail
cd "$(dirname "$0")/.."
galt=${1:-build/galt}
# The standard configs without their tuned file (these runs come before the
# tuning they decide).
cfgdir=$(mktemp -d)
trap 'rm -rf "$cfgdir"' EXIT
for d in fashion mnist; do
  grep -v '^tuned = ' "configs/standard/classil-$d.toml" > "$cfgdir/classil-$d.toml"
done
declare -A rules=(
  [ceiling1]="--option galt.memory_rho_max=1"
  [ceiling10]="--option galt.memory_rho_max=10"
  [ceiling100]="--option galt.memory_rho_max=100"
  [ramp100]="--option galt.memory_rho_max=100 --option galt.memory_rho_ramp=1"
  [rehearse128]="--option galt.memory_rho_max=1 --option galt.rehearsal_batch=128"
  [rehearse128-ceiling100]="--option galt.memory_rho_max=100 --option galt.rehearsal_batch=128"
  [rehearse128-ceiling10]="--option galt.memory_rho_max=10 --option galt.rehearsal_batch=128"
)
mkdir -p results/retention results/explore-runs
run() {  # dataset iterations rules...
  local ds=$1 it=$2
  shift 2
  for rule in "$@"; do
    # shellcheck disable=SC2086
    GALT_THREADS=1 "$galt" bench continual --config "$cfgdir/classil-$ds.toml" \
      --methods galt --seeds 100,101 --iterations "$it" --evaluate-on validation \
      --runs-dir results/explore-runs --json "results/retention/$ds-$it-$rule.json" ${rules[$rule]} \
      | grep -E "^\| galt|runs:" | sed "s/^/$ds $it $rule: /"
  done
}
all=(ceiling1 ceiling100 ramp100 rehearse128 ceiling10 rehearse128-ceiling100 rehearse128-ceiling10)
(run fashion 300 "${all[@]}"; run fashion 2000 "${all[@]}") &
(run mnist 300 "${all[@]}"; run mnist 2000 "${all[@]}") &
wait
