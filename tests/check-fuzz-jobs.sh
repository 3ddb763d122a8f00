#!/bin/sh
# tests/check-fuzz-jobs.sh PCSIM - `pcsim fuzz --jobs K` (sim/fuzzjobs.c):
#  1. --jobs 2 --runs 40 --seed 3 runs exactly seeds 3..42, and its runs
#     and schedules are those of the two single campaigns it is made of
#     (--seed 3 --runs 20 and --seed 23 --runs 20);
#  2. a mutant found by one worker stops the campaign with exit 1 and a
#     reproducer that `pcsim run` replays to the same invariant;
#  3. --jobs 0 is a usage error (exit 2).
set -eu
pcsim=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

field() {	# the number before WORD on the summary line
	sed -n "s/^fuzz: \([0-9]*\) runs (\([0-9]*\) schedules).*/\1 \2/p" "$1"
}

"$pcsim" fuzz --jobs 2 --runs 40 --seed 3 --out "$tmp" >"$tmp/jobs"
grep -q ' seeds 3\.\.42, ' "$tmp/jobs" || { cat "$tmp/jobs"; exit 1; }
"$pcsim" fuzz --runs 20 --seed 3 --out "$tmp" >"$tmp/a"
"$pcsim" fuzz --runs 20 --seed 23 --out "$tmp" >"$tmp/b"
set -- $(field "$tmp/a") $(field "$tmp/b")
want="$(($1 + $3)) $(($2 + $4))"
got=$(field "$tmp/jobs")
[ "$got" = "$want" ] || { echo "jobs: $got, single campaigns: $want" >&2; exit 1; }

st=0
"$pcsim" fuzz --policy share-clean-nocow --jobs 2 --runs 2000 --seed 1 \
	--out "$tmp" >"$tmp/mut" || st=$?
[ "$st" = 1 ] || { cat "$tmp/mut"; echo "mutant: exit $st" >&2; exit 1; }
repro=$(sed -n 's/^violation: \([^ ]*\) in \([^ ]*\) .*/\2/p' "$tmp/mut" | head -1)
inv=$(sed -n 's/^violation: \([^ ]*\) in .*/\1/p' "$tmp/mut" | head -1)
[ -f "$repro" ] || { cat "$tmp/mut"; exit 1; }
st=0
"$pcsim" run "$repro" >"$tmp/replay" 2>/dev/null || st=$?
[ "$st" = 1 ] && grep -q "^VIOLATION: $inv:" "$tmp/replay" ||
	{ echo "$repro does not replay $inv" >&2; exit 1; }

st=0
"$pcsim" fuzz --jobs 0 --runs 1 >/dev/null 2>&1 || st=$?
[ "$st" = 2 ] || { echo "--jobs 0: exit $st" >&2; exit 1; }
echo "fuzz --jobs: seeds split, counts add up, a find stops it and replays"
