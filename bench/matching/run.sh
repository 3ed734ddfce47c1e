#!/usr/bin/env bash
# Regenerates the held-out image-matching evaluation and its report:
#   bash bench/matching/run.sh [OUT]        (default target/heldout; ~10 min on 2 cores)
# Builds the set (make_heldout.py), runs `takedown eval images` twice — `before`: without
# the specificity check (--no-specificity), `after`: as shipped — and scores both
# (score.py) into OUT/scores.md. REPORT.md is that file plus the commentary.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-target/heldout}"
python3 bench/matching/make_heldout.py --out "$out"
# The dev profile builds takedown-matching and every dependency at opt-level 2.
cargo build --quiet --bin takedown
bin="${CARGO_TARGET_DIR:-target}/debug/takedown"
"$bin" eval images --rights "$out/rights.csv" --queries "$out/queries" \
  --out "$out/pred-before.csv" --no-specificity
"$bin" eval images --rights "$out/rights.csv" --queries "$out/queries" \
  --out "$out/pred-after.csv"
python3 bench/matching/score.py "$out" before="$out/pred-before.csv" \
  after="$out/pred-after.csv" | tee "$out/scores.md"
