#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run xtcp's tests inside the test VM, from the project directory.
#
#   tools/vm/run-tests.sh [FILTER]
#
# Tests are build/selftests/<name> for each selftests/<name>.c (kselftest
# harness) and selftests/<name>.sh other than lib.sh and topo.sh (TAP via
# selftests/lib.sh); FILTER keeps those whose name contains it. Before each
# test xtcp.ko is loaded if it is not; after each test every network
# namespace is deleted. A test's top-level TAP lines
# "ok N" (pass, or skip with "# SKIP") and "not ok N" (fail) are counted; a
# test that exits non-zero without reporting a failure, or that times out,
# counts as one failure, and so do new kernel log problems while it ran.
# At the end xtcp is unloaded. The last line is
# "N passed, N failed, N skipped".
#
# XTCP_TEST_TIMEOUT sets the per-test timeout in seconds (default 600).
set -uo pipefail
shopt -s nullglob

filter=${1:-}
test_timeout=${XTCP_TEST_TIMEOUT:-600}
patterns=tools/vm/kernel-log-patterns
passed=0
failed=0
skipped=0

fail() {
	echo "not ok - $1"
	failed=$((failed + 1))
}

load_module() {
	[[ -d /sys/module/xtcp ]] && return 0
	[[ -e xtcp.ko ]] || { echo "# xtcp.ko is missing"; return 1; }
	insmod xtcp.ko
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

# run_test NAME CMD - run one test, print its output and count its results
run_test() {
	local name=$1 cmd=$2 out line pid rc nok=0 nfail=0 plan="" dmesg_before problems

	echo "# ==== $name"
	load_module || { fail "$name: load xtcp.ko"; return; }
	dmesg_before=$(kernel_log_lines)
	out=$(mktemp)
	timeout -k 10 "$test_timeout" "$cmd" </dev/null >"$out" 2>&1 &
	pid=$!
	tail -n +1 -s 0.2 --pid="$pid" -f "$out"
	wait "$pid"
	rc=$?
	kill -KILL -- "-$pid" 2>/dev/null
	ip -all netns delete

	while IFS= read -r line; do
		case "$line" in
		"ok "[0-9]*"# SKIP"* | "ok "[0-9]*"# skip"*)
			skipped=$((skipped + 1)); nok=$((nok + 1)) ;;
		"ok "[0-9]*)
			passed=$((passed + 1)); nok=$((nok + 1)) ;;
		"not ok "[0-9]*)
			failed=$((failed + 1)); nfail=$((nfail + 1)) ;;
		1..[0-9]*)
			plan=${line#1..}; plan=${plan%%[!0-9]*} ;;
		esac
	done < "$out"
	rm -f "$out"

	if [[ $rc == 124 || $rc == 137 ]]; then
		fail "$name: timed out after $test_timeout s"
	elif [[ $rc != 0 && $rc != 4 && $nfail == 0 ]]; then
		fail "$name: exit status $rc"
	elif [[ -n "$plan" && $((nok + nfail)) -lt $plan ]]; then
		fail "$name: $((nok + nfail)) of $plan results"
	elif [[ -z "$plan" && $((nok + nfail)) == 0 && $rc != 4 ]]; then
		fail "$name: no TAP results"
	fi

	problems=$(dmesg --color=never | tail -n +"$((dmesg_before + 1))" |
		   grep -E -f "$patterns")
	if [[ -n "$problems" ]]; then
		printf '# %s\n' "${problems//$'\n'/$'\n'# }"
		fail "$name: kernel log"
	fi
}

for src in selftests/*.c selftests/*.sh; do
	name=${src##*/}
	name=${name%.*}
	case "$src" in
	selftests/lib.sh | selftests/topo.sh) continue ;;
	*.c) t=build/selftests/$name ;;
	*) t=$src ;;
	esac
	[[ -z "$filter" || "$name" == *"$filter"* ]] || continue
	if [[ ! -x "$t" ]]; then
		fail "$name: $t is not built or not executable"
		continue
	fi
	run_test "$name" "./$t"
done

echo "# ==== module unload"
unload_module || fail "module unload at end"

echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed == 0 ]]
