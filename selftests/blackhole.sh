#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The path through the router R goes black (netem loss 100% on both of its
# interfaces) in the middle of a transfer from A to B. For 3 s: the
# retransmission timer expires (Timeouts), and once the path is back the
# connection recovers and the data arrives intact. For good, with retries2
# at 3: the sender's socket fails with ETIMEDOUT (AbortOnTimeout).
#
# xtcp-test: long (starts early)

set -u
source "$(dirname "$0")/lib.sh"

has_bytes() {
	[[ $(stat -c %s "$1") -ge $2 ]]
}

# blackhole add|del - all packets through R lost, or not any more
blackhole() {
	local dev

	for dev in r0 r1; do
		if [[ $1 == add ]]; then
			xl_netem "$XL_NS_R" "$dev" loss 100% || return
		else
			xl_tc_clear "$XL_NS_R" "$dev" || return
		fi
	done
}

# The row of A's /proc/net/xtcp/sockets towards B's PORT
sender_row() {
	ip netns exec "$XL_NS_A" awk -v r="$XL_IP_RB:$1" 'NR > 1 && $3 == r' \
		/proc/net/xtcp/sockets
}

retransmitting() {
	sender_row "$1" | awk '$7 == "retrans" && $9 > 0 { found = 1 }
		END { exit !found }'
}

# start PORT - xtcpcat listening in B (output $XL_WORK/dst.PORT, pid
# RECEIVER) and xtcpcat in A connected to it (pid SENDER), reading the FIFO
# $XL_WORK/in.PORT, opened as fd 3
start() {
	local port=$1

	mkfifo "$XL_WORK/in.$port"
	ip netns exec "$XL_NS_B" "$XL_XTCPCAT" -l "$port" </dev/null \
		>"$XL_WORK/dst.$port" 2>"$XL_WORK/rx.$port.err" &
	RECEIVER=$!
	xl_track "$RECEIVER"
	xl_wait_for 10 xl_listening "$XL_NS_B" "$port" || return 1
	ip netns exec "$XL_NS_A" "$XL_XTCPCAT" -v -N "$XL_IP_RB" "$port" \
		<"$XL_WORK/in.$port" >/dev/null 2>"$XL_WORK/tx.$port.err" &
	SENDER=$!
	xl_track "$SENDER"
	exec 3>"$XL_WORK/in.$port"
}

# A 3 s outage in the middle of a 3 MB transfer
outage_3s_recovered() {
	local port=5000 t0 t1 writer rc

	xl_work_dir
	xl_topo_router || return
	head -c 3M /dev/urandom > "$XL_WORK/src"
	head -c 1M "$XL_WORK/src" > "$XL_WORK/part1"
	tail -c +$((1024 * 1024 + 1)) "$XL_WORK/src" | head -c 1M > "$XL_WORK/part2"
	tail -c +$((2 * 1024 * 1024 + 1)) "$XL_WORK/src" > "$XL_WORK/part3"

	start "$port" || { xl_fail "connection"; return 1; }
	cat "$XL_WORK/part1" >&3
	xl_check "first MB delivered" \
		xl_wait_for 30 has_bytes "$XL_WORK/dst.$port" $((1024 * 1024))
	t0=$(xl_snmp "$XL_NS_A" Timeouts)
	blackhole add || { xl_fail "netem loss 100%"; return 1; }
	cat "$XL_WORK/part2" >&3 &
	writer=$!
	sleep 3
	xl_check "/proc shows the retrans timer, retransmits > 0" \
		retransmitting "$port"
	echo "# during the outage: $(sender_row "$port")"
	blackhole del || { xl_fail "netem removed"; return 1; }
	t1=$(xl_snmp "$XL_NS_A" Timeouts)
	xl_check "Timeouts grew ($t0 -> $t1)" test "$t1" -gt "$t0"
	wait "$writer"
	cat "$XL_WORK/part3" >&3
	exec 3>&-
	xl_wait_exit "$SENDER" 60
	rc=$?
	if [[ $rc == 0 ]] && cmp -s "$XL_WORK/src" "$XL_WORK/dst.$port"; then
		xl_pass "recovered, 3 MB intact"
	else
		xl_fail "recovered, 3 MB intact" \
			"sender status $rc, $(xl_size_of "$XL_WORK/dst.$port") bytes received: $(cat "$XL_WORK/tx.$port.err")"
		xl_show_sockets "$XL_NS_A" "$XL_NS_B"
	fi
	echo "# A: $(xl_snmp_nonzero "$XL_NS_A")"
	xl_check "no AbortOnTimeout" test "$(xl_snmp "$XL_NS_A" AbortOnTimeout)" = 0
}

# The path goes black for good
dead_path_times_out() {
	local port=5001 start_s rc

	xl_work_dir
	xl_topo_router || return
	xl_sysctl "$XL_NS_A" retries2 3
	xl_sysctl "$XL_NS_A" rto_max_ms 1000
	head -c 100K /dev/urandom > "$XL_WORK/small"
	start "$port" || { xl_fail "connection"; return 1; }
	cat "$XL_WORK/small" >&3
	xl_check "first 100 KB delivered" \
		xl_wait_for 30 has_bytes "$XL_WORK/dst.$port" $((100 * 1024))
	blackhole add || { xl_fail "netem loss 100%"; return 1; }
	start_s=$SECONDS
	head -c 100K /dev/urandom >&3 &
	xl_track $!
	xl_wait_exit "$SENDER" 60
	rc=$?
	echo "# sender exited with status $rc after $((SECONDS - start_s)) s: $(tr '\n' ' ' < "$XL_WORK/tx.$port.err")"
	xl_check "the sender fails with ETIMEDOUT" \
		grep -q "Connection timed out" "$XL_WORK/tx.$port.err"
	xl_check "AbortOnTimeout is 1" test "$(xl_snmp "$XL_NS_A" AbortOnTimeout)" = 1
	xl_check "Timeouts >= 3" test "$(xl_snmp "$XL_NS_A" Timeouts)" -ge 3
	xl_check "the socket is gone from /proc" test -z "$(sender_row "$port")"
	exec 3>&-
	# Path back, receiver closed: its FIN meets A's RST, nothing lingers.
	blackhole del || { xl_fail "netem removed"; return 1; }
	kill "$RECEIVER"
	xl_check "B's end is gone after the RST" \
		xl_wait_for 20 xl_no_sockets "$XL_NS_B"
}

xl_test outage_3s_recovered
xl_test dead_path_times_out
xl_main "$@"
