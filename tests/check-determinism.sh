#!/bin/sh
# tests/check-determinism.sh PCSIM SEEDS FILE... - the same scenario, seed
# and schedule strategy give a byte-identical JSON Lines trace and output,
# run after run.  Every FILE is run under random and pct schedules for
# seeds 1..SEEDS, twice each.
set -eu
pcsim=$1
seeds=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
for f in "$@"; do
	for strategy in random pct; do
		seed=1
		while [ "$seed" -le "$seeds" ]; do
			for i in 1 2; do
				"$pcsim" run --schedule "$strategy" --seed "$seed" \
					--trace-out "$tmp/t$i" --trace-format jsonl \
					"$f" >"$tmp/o$i" 2>&1 || true
			done
			if ! cmp -s "$tmp/t1" "$tmp/t2" || ! cmp -s "$tmp/o1" "$tmp/o2"; then
				echo "NOT DETERMINISTIC: $f --schedule $strategy --seed $seed" >&2
				exit 1
			fi
			n=$((n + 1))
			seed=$((seed + 1))
		done
	done
done
echo "determinism: $n runs, each twice, identical"
