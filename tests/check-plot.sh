#!/bin/sh
# tests/check-plot.sh PCSIM ARGS... - `pcsim compare ARGS --plot FILE.svg`
# writes a well-formed SVG document (xmllint --noout), the same bytes on a
# second run, with one legend entry per group of designs and the title the
# sweep implies.  Exit 77 (skipped) without xmllint (scripts/bootstrap
# installs it: libxml2-utils).
set -eu
pcsim=$1
shift
command -v xmllint >/dev/null 2>&1 || { echo "SKIP: no xmllint"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/check-plot.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$pcsim" compare "$@" --format csv --plot "$dir/a.svg" >"$dir/a.csv"
"$pcsim" compare "$@" --format csv --plot "$dir/b.svg" >"$dir/b.csv"
xmllint --noout "$dir/a.svg"
cmp "$dir/a.svg" "$dir/b.svg"
cmp "$dir/a.csv" "$dir/b.csv"
grep -q '<polyline ' "$dir/a.svg"
grep -Eq '>none(</text>|, )' "$dir/a.svg"
echo "plot: well-formed, deterministic ($(wc -c <"$dir/a.svg") bytes)"
