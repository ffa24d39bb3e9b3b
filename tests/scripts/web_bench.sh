#!/usr/bin/env bash
# The browser build's figures for docs/BENCHMARKS.md, with the desktop's beside them in the same
# sitting: frames per second at 256x256 with one and four species (tests/scripts/web/fps.ron) at
# each viewport in VIEWPORTS, the time from opening the page to a living creature, the site's
# compressed size, and the lab's iterations per second (tests/scripts/web/lab_bench.ron) in the
# page's worker and in the desktop game. Needs what tests/engine/web.rs needs (chromium, node,
# tests/web's npm packages, python3) and a release build of the desktop game.
# Usage: tests/scripts/web_bench.sh [SITE_DIR] (default target/web-site, built when missing).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
site=${1:-target/web-site}
[ -f "$site/morphogen_bg.wasm" ] || bash tests/scripts/web_build.sh "$site" >&2
bin=${BIN:-target/release/morphogen}
tmp=$(mktemp -d)
trap 'kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
ln -s "$(cd "$site" && pwd)" "$tmp/site"
ln -s "$root/tests/scripts/web" "$tmp/scripts"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 "$port" -d "$tmp" >/dev/null 2>&1 &
server=$!
sleep 1
url="http://127.0.0.1:$port/site/index.html"
drive() { node tests/web/drive.mjs "$@"; }
field() { python3 -c "import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

echo "{\"site_wasm_gzip_bytes\": $(gzip -9c "$site/morphogen_bg.wasm" | wc -c), \"site_bytes\": $(du -sb "$site" | cut -f1)}"
for i in 1 2 3; do
  drive open "$url" "$tmp/first-$i" >/dev/null
  echo "{\"page\": \"first\", \"run\": $i, \"ms_to_creature\": $(field "$tmp/first-$i/first.json" 'd["ms_to_creature"]')}"
done
for vp in ${VIEWPORTS:-1280x822 960x617 640x411}; do
  MORPHOGEN_VIEWPORT=$vp drive scripts "$url" "$tmp/fps-$vp" /scripts/fps.ron >/dev/null
  for n in 1 4; do
    echo "{\"page\": \"fps\", \"viewport\": \"$vp\", \"species\": $n, \"fps\": $(field "$tmp/fps-$vp/fps-$n.json" 'd["fps"]'), \"step_ms\": $(field "$tmp/fps-$vp/fps-$n.json" 'd["step_ms"]')}"
  done
done
drive scripts "$url" "$tmp/lab" /scripts/lab_bench.ron >/dev/null
# The desktop game, the same script with its reports in the temporary folder.
sed "s#/reports/#$tmp/desktop-#g" tests/scripts/web/lab_bench.ron > "$tmp/lab_desktop.ron"
run() { if [ -n "${DISPLAY:-}" ]; then "$@"; else xvfb-run -a -s "-screen 0 1280x800x24" "$@"; fi; }
run "$bin" play --data "$tmp/data" --script "$tmp/lab_desktop.ron" >"$tmp/desktop.log" 2>&1
# Iterations per second of training time between the two reports (the first 20 hold the start).
rate() {
  python3 -c "import json, sys; a, b = (json.load(open(p))['training'] for p in sys.argv[1:]); print(round((b['iteration'] - a['iteration']) / (b['train_secs'] - a['train_secs']), 2))" "$1" "$2"
}
echo "{\"lab\": \"page\", \"it_per_s\": $(rate "$tmp/lab/lab-20.json" "$tmp/lab/lab-120.json")}"
echo "{\"lab\": \"desktop\", \"it_per_s\": $(rate "$tmp/desktop-lab-20.json" "$tmp/desktop-lab-120.json")}"
