#!/usr/bin/env bash
# Benchmark of the deep-link guarantees on a generated site: what the urls.lock check (inside the
# `graph` stage) and the output link check (`verify` stage) cost at N pages.
#
#   cargo build --release && scripts/bench-links.sh [PAGES=10000] [RUNS=3]
#
# Each page has a code (so it gets short code URLs), 5 headings and 5 links with anchors to other
# pages. The first build creates urls.lock; the timed runs check the site against it (`--locked`).
# With TMPDIR=/dev/shm the site and its output live in memory, so a slow disk does not drown the
# figures of the stages measured here. Prints the stage timings of each run and the size of the lock. Note the load (`uptime`): the
# machine is shared, so compare figures from one run of this script only.
set -euo pipefail
cd "$(dirname "$0")/.."
pages=${1:-10000}
runs=${2:-3}
bin=${VEIVISER_BIN:-target/release/veiviser}
site=$(mktemp -d)
trap 'rm -rf "$site"' EXIT

mkdir -p "$site/content/takster" "$site/themes"
cp -r themes/default "$site/themes/"
cat > "$site/veiviser.yaml" <<'EOF'
title: Benk
base_url: https://bench.example.no
kinds:
  takst:
    label: Takst
    plural: Takster
    section: takster
    code_field: kode
    fields:
      kode: { type: string, label: Kode, required: true, unique: true }
EOF
printf -- '---\ntitle: Benk\n---\nForside.\n' > "$site/content/_index.md"
for ((i = 0; i < pages; i++)); do
  a=$(((i * 7 + 1) % pages)); b=$(((i * 13 + 5) % pages)); c=$(((i + 1) % pages))
  {
    printf -- '---\ntitle: Side %d\nsummary: Side nummer %d.\nkode: K%d\n---\nInnledning.\n' "$i" "$i" "$i"
    for h in 1 2 3 4 5; do
      printf '\n## Avsnitt %d om side %d\n\nTekst med lenke til [side %d](p%d.md#avsnitt-%d-om-side-%d).\n' \
        "$h" "$i" "$a" "$a" "$h" "$a"
    done
    printf '\nSe også [[takst-p%d]] og [%d](p%d.md).\n' "$b" "$c" "$c"
  } > "$site/content/takster/p$i.md"
done

echo "load: $(uptime)"
"$bin" build --root "$site" --out "$site/public" >/dev/null 2>&1
echo "pages: $pages, urls.lock: $(grep -c '^/' "$site/urls.lock") entries, $(wc -c < "$site/urls.lock") bytes"
for ((r = 1; r <= runs; r++)); do
  echo "run $r: build --locked --timings"
  "$bin" build --root "$site" --out "$site/public" --locked --timings 2>&1 | sed 's/^/  /'
done
