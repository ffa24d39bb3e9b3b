#!/usr/bin/env bash
# Training speed in the lab next to the CLI's, and the game's frame rate while it trains, for
# docs/BENCHMARKS.md. The paper's regenerate settings on the lizard (72x72 grid), ITERS
# iterations (default 300) each: the CLI; the app with the lab on show; the app with the sandbox
# on show (the lizard growing in a 256x256 world at one step per frame) while the lab trains.
# Usage: tests/scripts/bench_lab.sh [binary]   (prints JSON lines)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(realpath "${1:-target/release/morphogen}")
iters=${ITERS:-300}
tmp=$(mktemp -d)
run() { if [ -n "${DISPLAY:-}" ]; then "$@"; else xvfb-run -a -s "-screen 0 1280x800x24" "$@"; fi; }
png=$(pwd)/assets/targets/lizard.png

t0=$(date +%s.%N)
"$bin" train "$png" --mode regenerate --iterations "$iters" --checkpoint-every 100 --out "$tmp/cli.creature" --backend cpu 2>/dev/null
t1=$(date +%s.%N)
echo "{\"what\":\"cli\",\"iterations\":$iters,\"secs\":$(echo "$t1 - $t0" | bc),\"it_per_s\":$(echo "scale=3; $iters / ($t1 - $t0)" | bc)}"

settings="LabSettings((name: Some(\"bench\"), iterations: Some($iters), checkpoint_every: Some(100)))"
cat > "$tmp/lab.ron" <<RON
Script(actions: [Scene(Lab), WaitFrames(60), Report("$tmp/idle.json"), Drop("$png"), $settings, Train,
  WaitIteration($(( iters / 3 ))), Report("$tmp/a.json"), WaitIteration($(( iters - 1 ))), Report("$tmp/b.json"), WaitTrained, Quit])
RON
run "$bin" play --data "$tmp/data1" --script "$tmp/lab.ron" >/dev/null 2>&1
echo "{\"what\":\"lab on show, idle\",\"report\":$(cat "$tmp/idle.json")}"
echo "{\"what\":\"lab on show, training\",\"from\":$(cat "$tmp/a.json"),\"to\":$(cat "$tmp/b.json")}"

cat > "$tmp/sandbox.ron" <<RON
Script(actions: [Select("lizard"), Seed(x: 128, y: 128), Speed(PerFrame(1.0)), WaitFrames(200), Report("$tmp/s0.json"),
  WaitFrames(200), Report("$tmp/s1.json"),
  Scene(Lab), Drop("$png"), $settings, Train, Scene(Sandbox),
  WaitIteration($(( iters / 3 ))), Report("$tmp/s2.json"), WaitIteration($(( iters - 1 ))), Report("$tmp/s3.json"), WaitTrained, Quit])
RON
run "$bin" play --data "$tmp/data2" --script "$tmp/sandbox.ron" >/dev/null 2>&1
echo "{\"what\":\"sandbox on show, no training\",\"from\":$(cat "$tmp/s0.json"),\"to\":$(cat "$tmp/s1.json")}"
echo "{\"what\":\"sandbox on show, training\",\"from\":$(cat "$tmp/s2.json"),\"to\":$(cat "$tmp/s3.json")}"
rm -rf "$tmp"
