#!/usr/bin/env bash
# Issue 19's promise, end to end with the real binary from a temporary folder:
# `veiviser init ny-side && cd ny-side && veiviser serve` shows a working site with no other
# step. Every starter site is made, checked and built; the default one is served and fetched.
# Usage: scripts/init-smoke.sh [path/to/veiviser]   (default: target/release/veiviser)
set -euo pipefail
bin=$(realpath "${1:-target/release/veiviser}")
tmp=$(mktemp -d)
pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cd "$tmp"

for template in enkel kunnskapsbase; do
  "$bin" init "$template-side" --template "$template" 2>/dev/null
  ( cd "$template-side" && "$bin" build && "$bin" check --locked )
  test -f "$template-side/public/index.html"
done

# The default starter, exactly as the issue says: init, cd, serve.
"$bin" init ny-side 2>/dev/null
cd ny-side
"$bin" serve --port 0 2>serve.log &
pid=$!
url=""
for _ in $(seq 100); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' serve.log | head -1 || true)
  [[ -n "$url" ]] && break
  sleep 0.1
done
[[ -n "$url" ]] || { cat serve.log; echo "serve printed no URL" >&2; exit 1; }
# Fetch the whole body first: `grep -q` on a pipe would end curl early.
has() {
  local body
  body=$(curl -fsS "$1")
  grep -q -- "$2" <<<"$body" || { echo "$1 does not contain $2" >&2; exit 1; }
}
has "$url" "<h1[^>]*>Tjenesteveiviser</h1>"
has "${url}tjenester/byggesoknad/" "Søknad om byggetillatelse"
has "${url}tjenester/B1/" 'http-equiv="refresh"'
has "${url}endringer.xml" '<feed xmlns="http://www.w3.org/2005/Atom"'
has "${url}pages.json" '"version": 1'
echo "init smoke: enkel and kunnskapsbase build and check; ny-side serves at $url"
