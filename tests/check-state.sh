#!/bin/sh
# SPDX-License-Identifier: MIT
#
# tests/check-state.sh - check pcsim's end state of one scenario against
# its state golden, made on real XFS by `scripts/kernel-diff --regen-state`.
#
# Usage: check-state.sh PCSIM FILE.pcs
#
# As scripts/kernel-diff does: the scenario's lines, then `drop_caches` and
# `sync` (its TAIL_LINES), under
# mainline (--policy none); `pcsim run --extents-out` writes each file's
# size, extents and cached pages (sim/extents.h), which must equal
# FILE.state byte for byte.  Exit status: 0 if so, 1 if not (with a diff
# on stdout), 2 on a usage error or a run that failed.
set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 PCSIM FILE.pcs" >&2
	exit 2
fi
pcsim=$1
file=$2
golden=${file%.pcs}.state
[ -f "$golden" ] || { echo "$file: no state golden $golden" >&2; exit 2; }

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

{ cat -- "$file" && echo && echo drop_caches && echo sync; } >"$tmp/s.pcs" ||
	exit 2
if ! "$pcsim" run --policy none --extents-out "$tmp/raw" "$tmp/s.pcs" \
	>"$tmp/out" 2>"$tmp/err"; then
	echo "$file: pcsim run failed:" >&2
	cat "$tmp/err" >&2
	exit 2
fi
sed 1d "$tmp/raw" >"$tmp/state"	# the "== FILE" line
if ! cmp -s "$golden" "$tmp/state"; then
	echo "$file: end state differs from $golden (- kernel, + pcsim):"
	diff -u "$golden" "$tmp/state" | tail -n +3
	exit 1
fi
exit 0
