#!/bin/sh
# tests/check-compare.sh PCSIM EXPECTED ARGS... - `pcsim compare ARGS`
# prints exactly EXPECTED (a checked-in golden: deterministic numbers only,
# no timings) and exits 0.  Then the usage errors of `pcsim workload` and
# `pcsim compare`: an unknown workload, parameter, value or policy is
# exit status 2 with a message on stderr.
set -eu
pcsim=$1
want=$2
shift 2
tmp=${TMPDIR:-/tmp}/check-compare.$$
trap 'rm -f "$tmp"' EXIT
"$pcsim" compare "$@" >"$tmp"
diff -u "$want" "$tmp"

bad() {
	st=0
	"$pcsim" "$@" >/dev/null 2>"$tmp" || st=$?
	if [ "$st" -ne 2 ] || [ ! -s "$tmp" ]; then
		echo "pcsim $*: exit $st, want 2 and a message" >&2
		exit 1
	fi
}
bad workload no-such-workload
bad workload srctree --param nope=1
bad workload srctree --param files=abc
bad workload srctree --param files=0
bad workload srctree --param min-kib=8 --param max-kib=4
bad workload container-layers --param zipf-s=1.2345
bad workload
bad compare no-such-workload
bad compare --policies none,no-such-policy srctree
bad compare --format xml srctree
bad compare srctree --param rewrite-pct=101
"$pcsim" workload --list | grep -q '^container-layers	'
echo "compare: $want matches"
