#!/usr/bin/env bash
# The strips of pictures of docs/ZOO.md: each creature of the zoo grown, then wounded and regrown
# (a disc, the right half, the centre square), and the paper's ex3 model of each emoji beside it.
# Usage: tests/scripts/zoo_strips.sh [binary]   (writes docs/zoo/*.png)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-target/release/morphogen}
refs=()
for m in assets/distill/ex3_*.json; do refs+=(--reference "$m"); done
"$bin" zoo strips --out docs/zoo "${refs[@]}"
