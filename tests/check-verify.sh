#!/bin/sh
# tests/check-verify.sh PCSIM - the incremental checker misses nothing the
# full sweep sees (model/checkq.c, docs/MODEL.md "Invariant checking").
#
# `--check verify` runs both after every step and reports a violation that
# only the sweep found as "check-incomplete" (a mutation point that does
# not note what it touched).  Here:
#  1. fuzzing every design under verify finds nothing;
#  2. fuzzing every mutant under verify finds the invariant that
#     `pcsim list-policies` says catches it, never check-incomplete, and
#  3. in the same run as under a full sweep after every step (`--check
#     auto`, the scenarios being small) and under the fuzzer's default
#     (incremental): the cheaper checking loses no find.
set -eu
pcsim=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fz() { "$pcsim" fuzz --threads 3 --ops 10 --seed 11 --no-shrink --out "$tmp" "$@"; }

"$pcsim" list-policies >"$tmp/policies"
for d in $(awk '$2 == "design" { print $1 }' "$tmp/policies"); do
	fz --policy "$d" --check verify --runs 150 >"$tmp/out" 2>&1 ||
		{ cat "$tmp/out"; echo "verify: $d: a violation" >&2; exit 1; }
done
for m in $(awk '$2 == "mutant" { print $1 }' "$tmp/policies"); do
	want=$(sed -n "s/^$m	mutant	.*(caught: \([a-z-]*\))\$/\1/p" "$tmp/policies")
	runs=
	for mode in verify auto incremental; do
		st=0
		fz --policy "$m" --check "$mode" --runs 3000 >"$tmp/out" 2>&1 ||
			st=$?
		inv=$(sed -n 's/^violation: \([^ ]*\) in .*/\1/p' "$tmp/out" | head -1)
		n=$(sed -n 's/^fuzz: \([0-9]*\) runs .*/\1/p' "$tmp/out")
		[ "$st" = 1 ] && [ "$inv" = "$want" ] || {
			cat "$tmp/out"
			echo "$m under --check $mode: exit $st, '$inv', want '$want'" >&2
			exit 1
		}
		[ -z "$runs" ] || [ "$n" = "$runs" ] || {
			echo "$m: found after $n runs under $mode, $runs under verify" >&2
			exit 1
		}
		runs=$n
	done
done
echo "verify: designs clean, every mutant caught by the incremental checks"
