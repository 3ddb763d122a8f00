#!/bin/sh
# tests/check-coverage-steps.sh SRCDIR - every step name the model gives
# task->step_name is in the coverage table of model/coverage.c, so that no
# step is counted under "(other)" (model/coverage.h).
set -eu
src="$1"
# String literals on `step_name =` lines and on the continuation line of a
# conditional expression that spans two lines.
names=$(awk '/step_name = / { print; if ($0 !~ /;/) { getline; print } }' \
	"$src"/model/*.c "$src"/model/policy/*.c |
	grep -o '"[^"]*"' | sort -u)
missing=0
for n in $names; do
	if ! grep -q "^	$n,\$" "$src/model/coverage.c"; then
		echo "coverage table lacks step $n (model/coverage.c)"
		missing=1
	fi
done
count=$(echo "$names" | wc -l)
[ "$count" -gt 40 ] || { echo "only $count step names found"; exit 1; }
[ $missing = 0 ] && echo "coverage table: all $count step names present"
exit $missing
