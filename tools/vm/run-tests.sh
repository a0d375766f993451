#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run xtcp's tests inside the test VM, from the project directory.
#
#   tools/vm/run-tests.sh [PATTERN[,PATTERN | PATTERN]...]
#
# Test files are build/selftests/NAME for each selftests/NAME.c (kselftest
# harness with tools/lib/xtcp_harness.h) and selftests/NAME.sh other than
# lib.sh and topo.sh (xl_main of selftests/lib.sh). Each lists its tests
# with -l, named NAME.TEST, and runs some of them with -r NAME.TEST.
#
# PATTERNs (separated by commas or spaces) select tests: one that is a
# file's NAME selects that file; any other the tests whose full name
# contains it. A pattern that selects nothing counts as a failure. No
# pattern: every test.
#
# Up to XTCP_JOBS (default 3) files run at once; those whose header says
# "xtcp-test: alone" (they load or unload the module, or need a quiet
# machine) run first, each with no other; then those that say
# "xtcp-test: long", so that they do not end up last. A file's output is
# kept and printed whole
# when it ends, followed by its wall time. Each file gets a namespace tag
# of its own (XTCP_NS_TAG); afterwards, the namespaces xa-TAG, xb-TAG and
# xr-TAG it left are deleted, and no other. Before a file starts, xtcp.ko
# ($XTCP_KO, default $PWD/xtcp.ko) is loaded if it is not.
#
# The top-level TAP lines "ok N" (pass, or skip with "# SKIP") and
# "not ok N" (fail) of a file are counted. A file that exits non-zero
# without reporting a failure, reports fewer results than it planned, or
# times out (XTCP_TEST_TIMEOUT seconds, default 600 times
# XTCP_TIMEOUT_SCALE, which also scales the kselftests' timeouts) counts as one more
# failure named after the file; so do new kernel log problems
# (tools/vm/kernel-log-patterns) while it ran, for every file running at
# the time. At the end xtcp is unloaded (after up to 10 minutes for
# orphaned connections to end), then tools/vm/kmemleak.sh runs if it is
# there, as the test "kmemleak" (skipped without the script or
# /sys/kernel/debug/kmemleak). Then come each file's time, the names of
# the failed tests ("# failed: NAME ..."), and the last line,
# "N passed, N failed, N skipped".
set -uo pipefail
shopt -s nullglob

test_timeout=${XTCP_TEST_TIMEOUT:-$((600 * ${XTCP_TIMEOUT_SCALE:-1}))}
max_jobs=${XTCP_JOBS:-3}
export XTCP_KO=${XTCP_KO:-$PWD/xtcp.ko}
log_patterns=tools/vm/kernel-log-patterns
results=$(mktemp -d /tmp/xtcp-tests.XXXXXX)
passed=0
failed=0
skipped=0
failed_names=()
files=()
first=()
next=()
last=()
header=()
declare -A exe=() alone=() sel=() times=() running=()
trap 'rm -rf "$results"' EXIT

# kmemleak's own scans every ten minutes would take a vCPU for minutes under
# TCG; tools/vm/kmemleak.sh scans when the tests are over.
[[ -w /sys/kernel/debug/kmemleak ]] && echo scan=off > /sys/kernel/debug/kmemleak

# note_fail NAME WHY - a failure of the runner's own, named NAME
note_fail() {
	echo "not ok - $1: $2"
	failed=$((failed + 1))
	failed_names+=("$1")
}

load_module() {
	[[ -d /sys/module/xtcp ]] && return 0
	[[ -e $XTCP_KO ]] || { echo "# $XTCP_KO is missing"; return 1; }
	insmod "$XTCP_KO"
}

unload_module() {
	local i

	# Connections that a test orphaned on a path it then cut keep the
	# module busy until their retransmissions run out (8 for orphans,
	# with exponential backoff from an RTO of up to a few seconds).
	[[ -d /sys/module/xtcp ]] || return 0
	for ((i = 0; i < 600; i++)); do
		rmmod xtcp 2>/dev/null && return 0
		sleep 1
	done
	rmmod xtcp
}

kernel_log_lines() {
	dmesg --color=never | wc -l
}

# run_file NAME EXE [ARG...] - run one test file with its output on
# stdout; writes its counts and failed tests to $results/NAME.res
run_file() {
	local name=$1 t=$2 out=$results/$1.tap res=$results/$1.res
	local start=$SECONDS tag line pid rc ns dmesg_before problems why
	local nok=0 nfail=0 nskip=0 plan="" bad=()

	shift 2
	printf -v tag '%04x%04x' "$RANDOM" "$RANDOM"
	dmesg_before=$(kernel_log_lines)
	XTCP_NS_TAG=$tag timeout -k 10 "$test_timeout" "./$t" "$@" \
		</dev/null >"$out" 2>&1 &
	pid=$!
	wait "$pid"
	rc=$?
	kill -KILL -- "-$pid" 2>/dev/null
	for ns in "xa-$tag" "xb-$tag" "xr-$tag"; do
		[[ ! -e /run/netns/$ns ]] || ip netns delete "$ns"
	done
	cat "$out"

	while IFS= read -r line; do
		case "$line" in
		"ok "[0-9]*"# SKIP"* | "ok "[0-9]*"# skip"*)
			nskip=$((nskip + 1)) ;;
		"ok "[0-9]*)
			nok=$((nok + 1)) ;;
		"not ok "[0-9]*)
			nfail=$((nfail + 1))
			line=${line#not ok }
			line=${line#* }
			line=${line%% # *}
			bad+=("${line%% *}") ;;
		1..[0-9]*)
			plan=${line#1..}; plan=${plan%%[!0-9]*} ;;
		esac
	done < "$out"

	why=
	if [[ $rc == 124 || $rc == 137 ]]; then
		why="timed out after $test_timeout s"
	elif [[ $rc != 0 && $rc != 4 && $nfail == 0 ]]; then
		why="exit status $rc"
	elif [[ -n "$plan" && $((nok + nskip + nfail)) -lt $plan ]]; then
		why="$((nok + nskip + nfail)) of $plan results"
	elif [[ -z "$plan" && $((nok + nskip + nfail)) == 0 && $rc != 4 ]]; then
		why="no TAP results"
	fi
	if [[ -n $why ]]; then
		echo "not ok - $name: $why"
		nfail=$((nfail + 1))
		bad+=("$name")
	fi

	problems=$(dmesg --color=never | tail -n +"$((dmesg_before + 1))" |
		   grep -E -f "$log_patterns")
	if [[ -n "$problems" ]]; then
		printf '# %s\n' "${problems//$'\n'/$'\n'# }"
		echo "not ok - $name: kernel log"
		nfail=$((nfail + 1))
		bad+=("$name")
	fi
	echo "# ==== $name: $((SECONDS - start)) s"
	{
		echo "$nok $nfail $nskip $((SECONDS - start))"
		echo "${bad[*]}"
	} > "$res"
}

# collect PID - print the output of the finished file run by PID and add
# up its results
collect() {
	local name=${running[$1]} ok fail skip secs names

	unset "running[$1]"
	echo "# ==== $name"
	cat "$results/$name.out"
	{ read -r ok fail skip secs; read -r names; } < "$results/$name.res" ||
		{ ok=0 fail=1 skip=0 secs=? names=$name; }
	passed=$((passed + ok))
	failed=$((failed + fail))
	skipped=$((skipped + skip))
	times[$name]=$secs
	[[ -z $names ]] || failed_names+=($names)
}

# wait_jobs MAX - wait until fewer than MAX files run
wait_jobs() {
	local pid

	while ((${#running[@]} >= $1)); do
		pid=
		wait -n -p pid "${!running[@]}"
		if [[ -z $pid ]]; then
			echo "# wait -n failed with ${#running[@]} files running"
			for pid in "${!running[@]}"; do
				wait "$pid"
				collect "$pid"
			done
		fi
		[[ -z $pid || -z ${running[$pid]:-} ]] || collect "$pid"
	done
}

# start NAME - start running file NAME in the background
start() {
	local name=$1 args=()

	[[ -z ${sel[$name]} ]] || read -r -a args <<<"${sel[$name]}"
	if ! load_module; then
		note_fail "$name" "load xtcp.ko"
		return
	fi
	run_file "$name" "${exe[$name]}" "${args[@]}" >"$results/$name.out" 2>&1 &
	running[$!]=$name
}

# may_pick NAME PATTERN - whether PATTERN (of select_tests) can pick tests
# of file NAME by their names: it is no file's name, and if it has a dot,
# NAME ends with what comes before it
may_pick() {
	[[ -z ${whole[$2]:-} ]] || return 1
	[[ $2 != *.* || $1 == *"${2%%.*}" ]]
}

# select_tests PATTERNS - fill sel[] with the "-r NAME.TEST ..." of each
# file with tests selected, or "" for a whole file
select_tests() {
	local -a pats tests
	local pat name t found list pick
	local -A whole=() picked=()

	read -r -a pats <<<"${1//,/ }"
	for pat in "${pats[@]}"; do
		[[ -n ${exe[$pat]:-} ]] && whole[$pat]=1
	done
	for name in "${files[@]}"; do
		[[ -x ${exe[$name]} ]] || continue
		pick=0
		for pat in "${pats[@]}"; do
			may_pick "$name" "$pat" && pick=1
		done
		if ((pick)); then
			# No process substitution: the VM has no /dev/fd.
			list=$("./${exe[$name]}" -l 2>/dev/null)
			tests=()
			[[ -z $list ]] || mapfile -t tests <<<"$list"
			for t in "${tests[@]}"; do
				for pat in "${pats[@]}"; do
					may_pick "$name" "$pat" &&
						[[ $t == *"$pat"* ]] || continue
					picked[$t]=1
					sel[$name]+="-r $t "
					break
				done
			done
		fi
		[[ -z ${whole[$name]:-} ]] || sel[$name]=
	done
	for pat in "${pats[@]}"; do
		found=0
		[[ $pat == kmemleak || -n ${whole[$pat]:-} ]] && found=1
		for t in "${!picked[@]}"; do
			[[ $t == *"$pat"* ]] && found=1 && break
		done
		((found)) || note_fail "$pat" "no test matches \"$pat\""
	done
}

suite_start=$SECONDS
for src in selftests/*.c selftests/*.sh; do
	name=${src##*/}
	name=${name%.*}
	case "$src" in
	selftests/lib.sh | selftests/topo.sh) continue ;;
	*.c) exe[$name]=build/selftests/$name ;;
	*) exe[$name]=$src ;;
	esac
	alone[$name]=0
	# The header's tags (its first 60 lines), read without running a program
	mapfile -t -n 60 header < "$src"
	if [[ "${header[*]}" == *"xtcp-test: alone"* ]]; then
		alone[$name]=1
		first+=("$name")
	elif [[ "${header[*]}" == *"xtcp-test: long"* ]]; then
		next+=("$name")
	else
		last+=("$name")
	fi
done
files=("${first[@]}" "${next[@]}" "${last[@]}")

if [[ -n "${1:-}" && -n "${1//[, ]/}" ]]; then
	select_tests "$1"
else
	for name in "${files[@]}"; do
		sel[$name]=
	done
fi

for name in "${files[@]}"; do
	[[ -n ${sel[$name]+set} ]] || continue
	if [[ ! -x "${exe[$name]}" ]]; then
		note_fail "$name" "${exe[$name]} is not built or not executable"
		continue
	fi
	if ((alone[$name])); then
		wait_jobs 1
		start "$name"
		wait_jobs 1
	else
		wait_jobs "$max_jobs"
		start "$name"
	fi
done
wait_jobs 1

echo "# ==== module unload"
unload_module || note_fail "rmmod" "module unload at end"

echo "# ==== kmemleak"
if [[ ! -x tools/vm/kmemleak.sh ]]; then
	echo "ok - kmemleak # SKIP no tools/vm/kmemleak.sh"
	skipped=$((skipped + 1))
elif [[ ! -e /sys/kernel/debug/kmemleak ]]; then
	echo "ok - kmemleak # SKIP no /sys/kernel/debug/kmemleak"
	skipped=$((skipped + 1))
elif tools/vm/kmemleak.sh; then
	echo "ok - kmemleak"
	passed=$((passed + 1))
else
	note_fail kmemleak "tools/vm/kmemleak.sh exit status $?"
fi

echo "# ==== times (s), XTCP_JOBS=$max_jobs: $((SECONDS - suite_start)) in all"
for name in "${!times[@]}"; do
	echo "${times[$name]} $name"
done | sort -rn | awk '{ printf "# %5s %s\n", $1, $2 }'
[[ ${#failed_names[@]} == 0 ]] || echo "# failed: ${failed_names[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed == 0 ]]
