#!/usr/bin/env bash
# The figures of docs/BENCHMARKS.md on a machine with a hardware GPU and many cores, in one
# sitting: `morphogen bench` on the GPU (our WGSL kernels) and on every CPU core, and the PyTorch
# model (tests/bench/torch_nca.py) on CUDA and on the CPU right after. JSON lines into OUT.
# Usage: tests/scripts/bench_gpu.sh [BIN] [OUT] [PARTS]
# PARTS (default "gpu cpu grade"): which parts to run, so that a lent machine's short calls can
# take them one at a time (each part's output is appended to OUT):
#   gpu    the GPU figures, each kernel's share, PyTorch on CUDA (a few minutes)
#   cpu    every core, and half as many trainings side by side; PyTorch on the CPU (a few minutes)
#   grade  the lizard trained on the GPU until it meets the zoo's bar (GRADE_SECONDS, 420)
set -uo pipefail
bin=${1:-target/release/morphogen}
out=${2:-bench-gpu.jsonl}
parts=${3:-gpu cpu grade}
here=$(cd "$(dirname "$0")/../.." && pwd)
py=${PYTHON:-python3}
note() { echo "{\"note\": \"$*\"}" | tee -a "$out"; }
has() { [[ " $parts " == *" $1 "* ]]; }
note "$(nvidia-smi -L 2>/dev/null | head -1) / $(nproc) cores / $(date -u +%FT%TZ) / parts: $parts"
if has gpu; then
  # The kernels tuned on this GPU from nothing (`kernels::tune`): its choices are the "tuned" lines
  # and the cache, kept beside OUT (tune.ron); every figure names the variants it ran.
  export XDG_DATA_HOME=${XDG_DATA_HOME:-$(dirname "$out")/bench-data}
  MORPHOGEN_TUNE=redo "$bin" bench --backend gpu --json --sizes 72,256,1024,2048 --seconds 2 --world-species 1,4 \
    --level-sides 256,1024 --train-iters 20 --creatures 16 2>&1 \
    | sed -n 's/^morphogen: \(tuned .*\)/{"note": "\1"}/p; t; /^{/p' | tee -a "$out"
  # The same without tuning (4 lanes, the products' H200 blocks): what the tuning gained here.
  note "MORPHOGEN_TUNE=off"
  MORPHOGEN_TUNE=off "$bin" bench --backend gpu --json --sizes 1024 --seconds 2 --world-species 1 \
    --level-sides --train-iters 10 --creatures 16 2>&1 | grep '^{' | tee -a "$out"
  # Where the GPU's time goes: each kernel timed on its own (slower than the run above; the
  # shares are the figure).
  "$bin" bench --backend gpu --json --kernel-times --sizes 1024 --seconds 1 --world-species 1 \
    --level-sides 1024 --train-iters 3 --creatures 16 2>&1 | grep '^{' | tee -a "$out"
  # How far one creature is from filling the GPU: 4 creatures in one batch, beside 1 and 16 above
  # (summed rates that grow with the creatures mean a single one leaves the GPU idle).
  note "4 creatures in one batch"
  "$bin" bench --backend gpu --json --sizes --world-species --level-sides --train-iters 10 --creatures 4 2>&1 \
    | grep '^{' | tee -a "$out"
  "$py" "$here/tests/bench/torch_nca.py" --device cuda --sizes 72,256,1024,2048 --seconds 2 --train \
    --train-iters 10 --creatures 16 | tee -a "$out"
fi
if has cpu; then
  # On many cores, also half as many real trainings side by side as cores (two threads each): how
  # the zoo trains there (`zoo train --group K`), against one training on every core.
  "$bin" bench --backend cpu --json --sizes 72,256 --seconds 2 --world-species 1 --train-iters 5 \
    --creatures $(( $(nproc) / 2 )) 2>&1 | grep '^{' | tee -a "$out"
  # One real training on fewer threads: where adding cores stops paying (a batch of 8 grids).
  for t in 2 8; do
    note "real training on $t threads"
    RAYON_NUM_THREADS=$t "$bin" bench --backend cpu --json --sizes --world-species --level-sides --train-iters 5 2>&1 \
      | grep '^{' | tee -a "$out"
  done
  "$py" "$here/tests/bench/torch_nca.py" --device cpu --sizes 72,256 --seconds 2 --train --train-iters 2 \
    | tee -a "$out"
fi
if has grade; then
  # The lizard trained on the GPU until it meets the zoo's bar.
  timeout "${GRADE_SECONDS:-420}" "$bin" bench --backend gpu --json --time-to-grade 2>&1 | grep '^{' | tee -a "$out"
fi
