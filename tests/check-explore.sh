#!/bin/sh
# SPDX-License-Identifier: MIT
#
# tests/check-explore.sh - explore one scenario exhaustively.
#
# Usage: check-explore.sh PCSIM STATUS FILE
#
# Runs `PCSIM explore --preemptions 2 FILE` (docs/EXPLORE.md) and checks
# that it exits with STATUS (0: no schedule breaks an invariant, 1: one
# does) and that it ran every schedule within the bound: its last line
# ends "(exhausted)".  Exit status: 0 if so, 1 if not (with the report on
# stderr), 2 on a usage error.
set -u

if [ $# -ne 3 ]; then
	echo "usage: $0 PCSIM STATUS FILE" >&2
	exit 2
fi
pcsim=$1
want=$2
file=$3

tmp=$(mktemp) || exit 2
trap 'rm -f "$tmp"' EXIT

"$pcsim" explore --preemptions 2 "$file" >"$tmp" 2>&1
status=$?
fail=0
if [ "$status" -ne "$want" ]; then
	echo "$file: exit status $status, expected $want" >&2
	fail=1
fi
case $(tail -n 1 "$tmp") in
'explore: '*'(exhausted)') ;;
*)
	echo "$file: the exploration did not exhaust its schedules" >&2
	fail=1
	;;
esac
if [ "$fail" -ne 0 ]; then
	cat "$tmp" >&2
fi
exit $fail
