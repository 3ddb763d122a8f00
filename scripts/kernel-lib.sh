# SPDX-License-Identifier: MIT
#
# scripts/kernel-lib.sh - run pcsim scenario files (.pcs) on the REAL
# kernel: the part that scripts/kernel-golden and scripts/kernel-diff
# share.  Sourced, never run.
#
# What it provides: a loop-mounted scratch filesystem made fresh for each
# scenario (mkfs_fs, mount_fs, remount_fs, unmount_fs, cleanup and
# set_traps, which always unmount, detach the loop device and remove the
# work directory), the up-front check that loop mounts work here
# (precheck: exit 77 with the reason if not; it also takes the lock that
# keeps two such runs from overlapping), the scenario lexer that
# splits words as sim/lex.h does (split_words, read_lines), header
# directives (prescan), and run_scenario FILE FS OUT, which runs every
# line with the mount point as cwd, stdout and stderr merged through
# fstests' _filter_xfs_io (docs/KERNEL-GOLDENS.md says how each verb runs).
#
# The sourcing script sets PROG (its name, used in messages and in the
# work directory's name) and may set, before sourcing:
#   IMG_SIZE          size of the sparse image (512M)
#   CMD_TIMEOUT       seconds a command may take (120)
#   BEFORE_SCENARIO   a function run_scenario calls before the first line
#   AFTER_SCENARIO    a function run_scenario calls after the last line
#   KEEP_WORK         non-empty: keep the work directory (not the image)
# and then calls set_traps and precheck.  run_scenario sets CUR_FS (xfs or
# btrfs) and BLOCKSIZE for the hooks; MNT is the mount point.

: "${IMG_SIZE:=512M}"
: "${CMD_TIMEOUT:=120}"
: "${BEFORE_SCENARIO:=}"
: "${AFTER_SCENARIO:=}"
: "${KEEP_WORK:=}"

# fstests common/filter _filter_xfs_io, verbatim.
FILTER_XFS_IO="s/[0-9/.]* [GMKiBbytes]*, [0-9]* ops\; [0-9/:. sec]* ([infa0-9/.-]* [EPGMKiBbytes]*\/sec and [infa0-9/.-]* ops\/sec)/XXX Bytes, X ops\; XX:XX:XX.X (XXX YYY\/sec and XXX ops\/sec)/"

die() { echo "$PROG: $*" >&2; exit 2; }
skip_all() { echo "$PROG: SKIP: $*"; exit 77; }

# ---------------------------------------------------------------- cleanup --

WORK=""
MNT=""
IMG=""
MOUNTED=0

unmount_fs() {
	[ "$MOUNTED" = 1 ] || return 0
	cd / || true
	local i
	for i in 1 2 3 4 5; do
		umount "$MNT" 2>/dev/null && break
		sleep 0.2
	done
	if mountpoint -q "$MNT" 2>/dev/null; then
		umount -l "$MNT" 2>/dev/null
	fi
	MOUNTED=0
	detach_loops
}

detach_loops() {
	[ -n "$IMG" ] || return 0
	local dev
	for dev in $(losetup -j "$IMG" -O NAME -n 2>/dev/null); do
		losetup -d "$dev" 2>/dev/null
	done
}

cleanup() {
	unmount_fs
	detach_loops
	if [ -n "$WORK" ] && [ -n "$KEEP_WORK" ]; then
		rm -f "$IMG"
		echo "$PROG: kept $WORK" >&2
	elif [ -n "$WORK" ]; then
		rm -rf "$WORK"
	fi
	WORK=""
}

on_signal() {
	echo "$PROG: interrupted" >&2
	cleanup
	exit 130
}

# Every script of this family cleans up on exit and on signals.
set_traps() {
	trap cleanup EXIT
	trap on_signal INT TERM HUP
}

# --------------------------------------------------------------- filesys --

# mkfs_fs FS BLOCKSIZE: make a fresh image.  Return non-zero on failure.
mkfs_fs() {
	rm -f "$IMG"
	truncate -s "$IMG_SIZE" "$IMG" || return 1
	case $1 in
	xfs)	mkfs.xfs -f -q -m reflink=1 -b size="$2" "$IMG" >/dev/null 2>&1 ;;
	btrfs)	mkfs.btrfs -f -q --sectorsize "$2" "$IMG" >/dev/null 2>&1 ;;
	esac
}

mount_fs() {
	mount -o loop "$IMG" "$MNT" 2>/dev/null || return 1
	MOUNTED=1
	cd "$MNT" || return 1
}

# A filesystem that fails to come back is a harness error: message on stderr.
remount_fs() {
	unmount_fs
	if ! mount_fs; then
		echo "$PROG: cannot mount again after $1" >&2
		return 1
	fi
}

# Lazily probed: does FS implement the shutdown ioctl (XFS_IOC_GOINGDOWN)?
declare -A SHUTDOWN_OK=()
probe_shutdown() {
	local fs=$1 bs=$2
	[ -n "${SHUTDOWN_OK[$fs]:-}" ] && return
	SHUTDOWN_OK[$fs]=no
	if ! mkfs_fs "$fs" "$bs" || ! mount_fs; then
		unmount_fs
		return
	fi
	xfs_io -x -c shutdown "$MNT" >/dev/null 2>&1 && SHUTDOWN_OK[$fs]=yes
	unmount_fs
}

# The machine-wide lock of the real-kernel scripts, held from precheck to
# exit (or kernel_unlock): sync and drop_caches act on every filesystem,
# so two runs at once would change each other's page cache (what
# scripts/kernel-diff compares).  A second run waits for the first.
KERNEL_LOCK=/run/lock/pcsim-kernel.lock
[ -d /run/lock ] || KERNEL_LOCK=/tmp/pcsim-kernel.lock
kernel_lock() {
	exec 9>>"$KERNEL_LOCK" || skip_all "cannot open $KERNEL_LOCK"
	flock 9
}
kernel_unlock() {
	flock -u 9
	exec 9>&-
}

# Up-front check: can we loop-mount at all?  Exit 77 if not.
precheck() {
	[ "$(id -u)" = 0 ] || skip_all "not root"
	kernel_lock
	local t
	for t in xfs_io mkfs.xfs losetup mount umount stdbuf md5sum; do
		command -v "$t" >/dev/null 2>&1 || skip_all "no $t"
	done
	[ -e /dev/loop-control ] || ls /dev/loop[0-9]* >/dev/null 2>&1 ||
		skip_all "no loop device"
	losetup -f >/dev/null 2>&1 || skip_all "no free loop device"
	WORK=$(mktemp -d "/tmp/$PROG.XXXXXX") || skip_all "mktemp failed"
	MNT=$WORK/mnt
	IMG=$WORK/img
	mkdir "$MNT" || skip_all "mkdir failed"
	mkfs_fs xfs 4096 || skip_all "mkfs.xfs -m reflink=1 failed"
	mount_fs || skip_all "mount -o loop of an XFS image failed"
	unmount_fs
	rm -f "$IMG"
}

# ------------------------------------------------------------ line lexer --

# split_words LINE: sh-like word splitting (quotes, backslashes, comments)
# into the array WORDS.  Characters sh would expand are refused, as the
# simulator's lexer (sim/lex.h) refuses them.  Return 1 with LEXERR set.
split_words() {
	local s=$1 n=${#1} i=0 c w="" inword=0 q
	WORDS=()
	LEXERR=""
	while [ $i -lt $n ]; do
		c=${s:i:1}
		case $c in
		' '|$'\t')
			[ $inword = 1 ] && WORDS+=("$w")
			w=""; inword=0 ;;
		"'")
			inword=1
			q=${s:i+1}
			if [[ $q != *"'"* ]]; then LEXERR="unterminated quote"; return 1; fi
			q=${q%%"'"*}
			w+=$q
			i=$((i + ${#q} + 1)) ;;
		'"')
			inword=1
			i=$((i + 1))
			while :; do
				[ $i -lt $n ] || { LEXERR="unterminated quote"; return 1; }
				c=${s:i:1}
				if [ "$c" = '"' ]; then break; fi
				if [ "$c" = '\' ]; then
					case ${s:i+1:1} in
					'"'|'\'|'$'|'`') i=$((i + 1)); c=${s:i:1} ;;
					esac
				elif [ "$c" = '$' ] || [ "$c" = '`' ]; then
					LEXERR="'$c' is not supported"; return 1
				fi
				w+=$c
				i=$((i + 1))
			done ;;
		'\')
			inword=1
			i=$((i + 1))
			w+=${s:i:1} ;;
		'#')
			if [ $inword = 0 ]; then break; fi
			w+=$c ;;
		'$'|'`'|'|'|'&'|';'|'<'|'>'|'('|')'|'*'|'?'|'[')
			LEXERR="'$c' is not supported"; return 1 ;;
		*)
			inword=1
			w+=$c ;;
		esac
		i=$((i + 1))
	done
	[ $inword = 1 ] && WORDS+=("$w")
	return 0
}

# read_lines FILE: logical lines (continuations joined) into LINES/LINENOS.
read_lines() {
	local l acc="" start=0 no=0
	LINES=()
	LINENOS=()
	while IFS= read -r l || [ -n "$l" ]; do
		no=$((no + 1))
		[ -z "$acc" ] && start=$no
		if [[ $l == *'\' ]]; then
			acc+=${l%'\'}
			continue
		fi
		acc+=$l
		LINES+=("$acc")
		LINENOS+=("$start")
		acc=""
	done < "$1"
	if [ -n "$acc" ]; then
		LINES+=("$acc")
		LINENOS+=("$start")
	fi
}

# cvtnum N[kmgt]: bytes.
cvtnum() {
	local v=${1,,} m=1
	case $v in
	*k) m=1024 ;; *m) m=$((1024 ** 2)) ;; *g) m=$((1024 ** 3)) ;;
	*t) m=$((1024 ** 4)) ;; *b) m=512 ;;
	esac
	v=${v%[kmgtb]}
	[[ $v =~ ^[0-9]+$ ]] || { echo -1; return; }
	echo $((v * m))
}

# ------------------------------------------------------------- scenario --

# prescan FILE FS: header directives and set lines.  Sets BLOCKSIZE,
# HAS_CRASH, and SKIPWHY (non-empty: skip on this fs).
prescan() {
	local file=$1 fs=$2 l k v
	BLOCKSIZE=4096
	HAS_CRASH=0
	SKIPWHY=""
	local pagesize
	pagesize=$(getconf PAGESIZE)
	for l in "${LINES[@]}"; do
		if [[ $l =~ ^[[:space:]]*#[[:space:]]*kernel:[[:space:]]*skip[[:space:]]*(.*)$ ]]; then
			SKIPWHY=${BASH_REMATCH[1]:-simulator-only}
			return
		fi
		if [[ $l =~ ^[[:space:]]*#[[:space:]]*fs:[[:space:]]*(.*)$ ]]; then
			v=${BASH_REMATCH[1]%%(*}	# "(comment)" may follow
			v=" ${v//,/ } "
			if [[ $v != *[[:space:]]${fs}[[:space:]]* ]]; then
				SKIPWHY="meaningful only on ${BASH_REMATCH[1]}"
				return
			fi
		fi
		[[ $l =~ ^[[:space:]]*# ]] && continue
		split_words "$l" || continue
		[ ${#WORDS[@]} -gt 0 ] || continue
		case ${WORDS[0]} in
		crash) HAS_CRASH=1 ;;
		set)
			k=${WORDS[1]:-}; v=$(cvtnum "${WORDS[2]:-x}")
			case $k in
			blocksize) BLOCKSIZE=$v ;;
			pagesize)
				if [ "$v" != "$pagesize" ]; then
					SKIPWHY="pagesize $v != machine page size $pagesize"
					return
				fi ;;
			esac ;;
		esac
	done
	if [ "$BLOCKSIZE" -le 0 ] 2>/dev/null; then
		SKIPWHY="bad blocksize"
	elif [ "$fs" = btrfs ] && [ "$BLOCKSIZE" != "$pagesize" ]; then
		SKIPWHY="btrfs sectorsize $BLOCKSIZE != page size $pagesize"
	fi
}

# run_cmd OUT CMD...: run a command in the mount dir, merged output appended
# to OUT (filtered once, when the scenario ends).  Return its exit status.
run_cmd() {
	local out=$1 rc
	shift
	( timeout "$CMD_TIMEOUT" "$@" >>"$out" 2>&1; exit $? ) 2>/dev/null
	rc=$?
	return $rc
}

filter() {
	local m=${MNT//./\\.}
	sed -e "$FILTER_XFS_IO" -e "s|$m/||g" -e "s|$m||g"
}

# exec_line OUT: run the words in WORDS.  Return 2 on a harness error.
exec_line() {
	local out=$1 rc
	case ${WORDS[0]} in
	xfs_io)
		run_cmd "$out" stdbuf -oL xfs_io "${WORDS[@]:1}"
		rc=$?
		[ $rc = 135 ] && echo "Bus error" >>"$out"
		[ $rc = 124 ] && echo "$PROG: xfs_io timed out" >&2
		;;
	cp|md5sum|rm)
		run_cmd "$out" "${WORDS[@]}" ;;
	sync|writeback)
		sync ;;
	echo)
		echo "${WORDS[*]:1}" >>"$out" ;;
	drop_caches)
		echo 3 >/proc/sys/vm/drop_caches ;;
	cycle_mount)
		remount_fs cycle_mount || return 2 ;;
	crash)
		xfs_io -x -c shutdown "$MNT" >/dev/null 2>&1 ||
			{ echo "$PROG: shutdown failed" >&2; return 2; }
		remount_fs crash || return 2 ;;
	set)
		;;
	*)
		echo "$PROG: unknown verb '${WORDS[0]}'" >&2
		return 2 ;;
	esac
	return 0
}

# run_scenario FILE FS OUT: run on a fresh fs.  Return 0 ok, 2 harness
# error, 3 skipped (SKIPWHY says why).  If BEFORE_SCENARIO names a
# function, it runs in the fresh mount point before the first line; if
# AFTER_SCENARIO does, after the last line, before the unmount.  A failure
# of either is a harness error.
run_scenario() {
	local file=$1 fs=$2 out=$3 i
	CUR_FS=$fs
	read_lines "$file" || { echo "$PROG: cannot read $file" >&2; return 2; }
	prescan "$file" "$fs"
	[ -n "$SKIPWHY" ] && return 3
	if [ $HAS_CRASH = 1 ]; then
		probe_shutdown "$fs" "$BLOCKSIZE"
		if [ "${SHUTDOWN_OK[$fs]}" != yes ]; then
			SKIPWHY="crash needs the shutdown ioctl, which $fs does not implement"
			return 3
		fi
	fi
	if ! mkfs_fs "$fs" "$BLOCKSIZE"; then
		echo "$PROG: mkfs.$fs (block size $BLOCKSIZE) failed" >&2
		return 2
	fi
	mount_fs || { echo "$PROG: mount failed" >&2; return 2; }
	: >"$out"
	local ret=0
	if [ -n "$BEFORE_SCENARIO" ] && ! "$BEFORE_SCENARIO"; then
		echo "$PROG: $file: $BEFORE_SCENARIO failed" >&2
		ret=2
	fi
	for i in "${!LINES[@]}"; do
		[ $ret = 0 ] || break
		if ! split_words "${LINES[$i]}"; then
			echo "$file:${LINENOS[$i]}: $LEXERR" >&2
			ret=2; break
		fi
		[ ${#WORDS[@]} -gt 0 ] || continue
		if ! exec_line "$out"; then
			echo "$file:${LINENOS[$i]}: harness error" >&2
			ret=2; break
		fi
	done
	if [ $ret = 0 ] && [ -n "$AFTER_SCENARIO" ] && ! "$AFTER_SCENARIO"; then
		echo "$PROG: $file: $AFTER_SCENARIO failed" >&2
		ret=2
	fi
	unmount_fs
	rm -f "$IMG"
	# the filters are line by line: once over the whole output is the same
	filter <"$out" >"$out.raw" && mv "$out.raw" "$out"
	return $ret
}
