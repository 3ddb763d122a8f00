#!/bin/sh
# tests/check-policy-list.sh PCSIM "DESIGN..." - `pcsim list-policies`
# prints NAME<TAB>design|mutant<TAB>description, and its designs are
# exactly the ones tests/CMakeLists.txt runs the corpus under.
set -eu
pcsim=$1
want=$2
"$pcsim" list-policies | awk -F'\t' '
	NF != 3 || ($2 != "design" && $2 != "mutant") || $3 == "" {
		print "bad line: " $0; bad = 1
	}
	END { exit bad }'
got=$("$pcsim" list-policies | awk -F'\t' '$2 == "design" { printf "%s ", $1 }')
[ "$got" = "$want " ] || {
	echo "designs listed: '$got'; tests run: '$want '" >&2
	exit 1
}
echo "list-policies: designs $got"
