#!/usr/bin/env bash
# Do two veiviser binaries build the same site? Builds SITE with each into a temporary folder and
# compares the sha1 of every output file (the proof issue 16 and 17 ask for when a change must
# leave the output byte-identical).
#
#   scripts/same-output.sh OLD_BIN NEW_BIN [SITE]     # SITE defaults to the repository
#
# Exits 0 when every file is identical, 1 with the differing and missing paths listed otherwise.
# Both builds get the same --base-url and a copy of SITE's urls.lock, so neither changes SITE.
set -euo pipefail
old="$(realpath "$1")"; new="$(realpath "$2")"
site="$(realpath "${3:-$(dirname "${BASH_SOURCE[0]}")/..}")"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
manifest() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha1sum); }
for v in old new; do
  bin=$old; [[ $v == new ]] && bin=$new
  # A private copy of the site: a build may write urls.lock, and the two must start alike.
  mkdir -p "$work/$v"
  (cd "$site" && tar --exclude=./public --exclude=./target --exclude=./.git --exclude=./tests --exclude=node_modules -cf - .) | tar -xf - -C "$work/$v"
  "$bin" build --root "$work/$v" --out "$work/$v-out" >/dev/null 2>"$work/$v.log" \
    || { echo "$v build failed:" >&2; cat "$work/$v.log" >&2; exit 2; }
  manifest "$work/$v-out" > "$work/$v.sha1"
done
if cmp -s "$work/old.sha1" "$work/new.sha1"; then
  echo "identical: $(wc -l < "$work/new.sha1") files"
else
  diff <(awk '{print $2, $1}' "$work/old.sha1") <(awk '{print $2, $1}' "$work/new.sha1") | grep '^[<>]' | head -50 || true
  echo "DIFFERENT: $( (diff "$work/old.sha1" "$work/new.sha1" || true) | grep -c "^>" ) files differ or are new"
  exit 1
fi
