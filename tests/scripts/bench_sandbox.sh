#!/usr/bin/env bash
# Game frame rate and simulation speed for docs/BENCHMARKS.md: worlds of 256, 512 and 1024
# cells a side, 1 and 4 species (4 seeds each), 1, 4 and 16 steps per frame, in a real window
# (Xvfb when there is no display). Usage: tests/scripts/bench_sandbox.sh [binary] > results.jsonl
# SIZES, SPECIES and SPF (steps per frame) narrow the table, e.g. SIZES=512 SPECIES=1 SPF=16.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-target/release/morphogen}
shared=$(pwd)/assets/distill
tmp=$(mktemp -d)
run() { if [ -n "${DISPLAY:-}" ]; then "$@"; else xvfb-run -a -s "-screen 0 1280x800x24" "$@"; fi; }
for size in ${SIZES:-256 512 1024}; do
  for species in ${SPECIES:-1 4}; do
    for spf in ${SPF:-1 4 16}; do
      # Frames to warm up and to measure over: about 60 frames where frames are fast, down to 30
      # where one frame takes seconds (the counters average over half-second windows: fewer frames
      # than a window holds report nothing).
      work=$(( size * size / 65536 * species * spf ))
      frames=$(( 60 / work )); [ $frames -lt 30 ] && frames=30
      warm=$(( frames < 10 ? frames : 10 ))
      {
        echo "Script(actions: ["
        i=0
        for m in ex3_lizard ex3_butterfly ex3_smiley ex3_ladybug; do
          [ $i -ge $species ] && break
          echo "Import(\"$shared/$m.json\"),"
          for q in 1 3; do for r in 1 3; do
            echo "Seed(x: $(( size * q / 4 + i * 7 )), y: $(( size * r / 4 + i * 5 ))),"
          done; done
          i=$((i + 1))
        done
        echo "Speed(PerFrame($spf.0)), WaitFrames($warm), WaitFrames($frames), Report(\"$tmp/r.json\"), Quit])"
      } > "$tmp/s.ron"
      rm -f "$tmp/r.json"
      if run "$bin" play --size "$size" --data "$tmp/data" --script "$tmp/s.ron" >"$tmp/log" 2>&1; then
        cat "$tmp/r.json"; echo
      else
        # Say why (a world too large for the device, say) instead of a stale report.
        msg=$(grep -a "script stopped\|script failed" "$tmp/log" | tail -1 | sed 's/.*script/script/; s/"/\x27/g')
        echo "{\"world\":[$size,$size],\"species\":$species,\"speed\":\"$spf/frame\",\"error\":\"$msg\"}"
      fi
    done
  done
done
rm -rf "$tmp"
