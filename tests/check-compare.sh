#!/bin/sh
# tests/check-compare.sh PCSIM EXPECTED ARGS... - `pcsim compare ARGS`
# prints exactly EXPECTED (a checked-in golden: deterministic numbers only,
# no timings) and exits 0, or 1 if a run stopped (a mutant's violation: the
# golden's status column says so).  Then the usage errors of `pcsim workload` and
# `pcsim compare`: an unknown workload, parameter, value, policy, metric or
# sweep, a plot that cannot be drawn, is exit status 2 with a message on
# stderr and nothing run.
set -eu
pcsim=$1
want=$2
shift 2
tmp=${TMPDIR:-/tmp}/check-compare.$$
trap 'rm -f "$tmp"' EXIT
st=0
"$pcsim" compare "$@" >"$tmp" || st=$?
diff -u "$want" "$tmp"
if [ "$st" -gt 1 ] || { [ "$st" = 1 ] && ! grep -q ',violation,' "$tmp"; }
then
	echo "pcsim compare $*: exit $st" >&2
	exit 1
fi

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
bad workload container-layers --param threads=65
bad workload image-versions --param build=3
bad workload
bad compare no-such-workload
bad compare --policies none,no-such-policy srctree
bad compare --format xml srctree
bad compare srctree --param rewrite-pct=101
bad compare srctree --sweep nope=1,2
bad compare srctree --sweep files=1,,0
bad compare srctree --sweep files=3,3
bad compare srctree --sweep files
bad compare srctree --sweep files=1,2 --sweep files=3
bad compare srctree --sweep files=1,2 --param files=3
bad compare srctree --sweep min-kib=1,32
bad compare srctree --plot x.svg
bad compare srctree --sweep files=1,2 --sweep max-kib=2,4 --plot x.svg
bad compare srctree --sweep files=1,2 --plot /no/such/dir/x.svg
bad compare srctree --sweep files=1,2 --plot x.svg --metric nope
bad compare srctree --sweep files=1,2 --plot x.svg --metric policy
bad compare srctree --metric peak_pages
bad compare srctree --plot ''
command -v gnuplot >/dev/null 2>&1 ||
	bad compare srctree --sweep files=1,2 --plot x.png
"$pcsim" workload --list | grep -q '^container-layers	'
"$pcsim" workload --list | grep -q '^image-versions	'
echo "compare: $want matches"
