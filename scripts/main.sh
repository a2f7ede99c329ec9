#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh) and runs the main job: the GALT demo
# and a small continual-learning benchmark (GALT beside replay, Lagrangian GDA
# and fine-tuning on Split-Fashion-MNIST, configs/demo.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build/galt demo
mkdir -p build/reports
build/galt bench continual --config configs/demo.toml --json build/reports/demo.json
