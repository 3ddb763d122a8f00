#!/bin/sh
# SPDX-License-Identifier: MIT
#
# tests/check-bad.sh - check that pcsim rejects one bad scenario file
# exactly as the file says it should.
#
# Usage: check-bad.sh PCSIM FILE
#
# The first line of FILE is "# expect-error: LINE:COL: message".  Then
# `PCSIM run FILE` must exit with status 2, print nothing on stdout, and
# print exactly one line on stderr: "FILE:LINE:COL: message", with FILE
# spelled as it was given here.  Exit status: 0 if so, 1 if not (with the
# differences on stderr), 2 on a usage error.
set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 PCSIM FILE" >&2
	exit 2
fi
pcsim=$1
file=$2

first=$(head -n 1 -- "$file") || exit 2
case $first in
'# expect-error: '*)
	expect="$file:${first#'# expect-error: '}"
	;;
*)
	echo "$file: first line is not '# expect-error: LINE:COL: message'" >&2
	exit 2
	;;
esac

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

"$pcsim" run "$file" >"$tmp/out" 2>"$tmp/err"
status=$?
printf '%s\n' "$expect" >"$tmp/expect"

fail=0
if [ "$status" -ne 2 ]; then
	echo "$file: exit status $status, expected 2" >&2
	fail=1
fi
if [ -s "$tmp/out" ]; then
	echo "$file: unexpected output on stdout:" >&2
	cat "$tmp/out" >&2
	fail=1
fi
if ! cmp -s "$tmp/expect" "$tmp/err"; then
	echo "$file: stderr is not as expected (- expected, + got):" >&2
	diff -u "$tmp/expect" "$tmp/err" | tail -n +3 >&2
	fail=1
fi
exit $fail
