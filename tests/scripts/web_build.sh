#!/usr/bin/env bash
# The game for a web browser, as a static site in DIR: index.html, worker.js (the lab's training),
# morphogen.js (wasm-bindgen's glue) and morphogen_bg.wasm. Any static file server serves it:
#   tests/scripts/web_build.sh site && python3 -m http.server -d site 8080
# Needs the wasm32 target and wasm-bindgen-cli at the version Cargo.lock pins (both installed here
# when missing). WASM_OPT=path/to/wasm-opt runs binaryen's optimiser over the module; measured
# (2026-12-07, 2 cores) it took 15 minutes and left the gzipped module larger (12.49 MB against
# 12.28), so it is off by default.
set -euo pipefail
out=${1:?usage: tests/scripts/web_build.sh DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
# The glue must be made by the same wasm-bindgen as the crate the module was built with.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
if [ "$have" != "$want" ]; then
  cargo install wasm-bindgen-cli --version "$want"
fi

# The browser's build shares nothing with the desktop's: its own target folder.
cargo build --locked --release --target wasm32-unknown-unknown --target-dir target/web
wasm=target/web/wasm32-unknown-unknown/release/morphogen.wasm

mkdir -p "$out"
# Without the function names (a third of the module): panics still say where, from their messages.
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
  --out-dir "$out" --out-name morphogen "$wasm"
opt=${WASM_OPT:-}
if [ -n "$opt" ]; then
  # Size, not speed: -Os keeps the host kernels' SIMD loops and strips what is never called.
  "$opt" -Os --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types -o "$out/morphogen_bg.wasm.opt" "$out/morphogen_bg.wasm"
  mv "$out/morphogen_bg.wasm.opt" "$out/morphogen_bg.wasm"
fi
cp web/index.html web/worker.js "$out/"
echo "site in $out: $(du -sh "$out" | cut -f1), $(gzip -9c "$out/morphogen_bg.wasm" | wc -c) bytes of wasm gzipped"
