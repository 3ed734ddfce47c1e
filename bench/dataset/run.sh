#!/usr/bin/env bash
# Regenerates the evaluation dataset, runs `takedown eval` over it and scores the result.
#   bash bench/dataset/run.sh [OUT]     (default target/dataset; a few minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-target/dataset}"
python3 bench/dataset/make_dataset.py --out "$out"
# The dev profile builds takedown-matching and every dependency at opt-level 2.
cargo build --quiet --bin takedown
target/debug/takedown eval images --rights "$out/rights.csv" --queries "$out/queries" \
  --out "$out/predictions-images.csv"
target/debug/takedown eval titles --rights "$out/marks.csv" --titles "$out/titles.csv" \
  --out "$out/predictions-titles.csv"
python3 bench/dataset/score.py "$out" | tee "$out/scores.md"
