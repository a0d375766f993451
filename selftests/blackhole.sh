#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The path through the router xr goes black (netem loss 100% on both of its
# interfaces) in the middle of a transfer from xa to xb. For 3 s: the
# retransmission timer expires (Timeouts), and once the path is back the
# connection recovers and the data arrives intact. For good, with retries2
# at 3: the sender's socket fails with ETIMEDOUT (AbortOnTimeout).

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/xfer.bash"

XB=198.18.2.2
work_dir blackhole

listening()
{
	[[ "$(xtcp_state xb "0.0.0.0:$1" 0.0.0.0:0)" == LISTEN ]]
}

has_bytes()
{
	[[ $(stat -c %s "$1") -ge $2 ]]
}

blackhole()
{
	tc -n xr qdisc "$1" dev r0 root netem loss 100% &&
	tc -n xr qdisc "$1" dev r1 root netem loss 100%
}

# The xa row of /proc/net/xtcp/sockets towards $XB:PORT
sender_row()
{
	ip netns exec xa awk -v r="$XB:$1" 'NR > 1 && $3 == r' /proc/net/xtcp/sockets
}

no_sockets()
{
	[[ $(ip netns exec "$1" wc -l < /proc/net/xtcp/sockets) == 1 ]]
}

retransmitting()
{
	sender_row "$1" | awk '$7 == "retrans" && $9 > 0 { found = 1 }
		END { exit !found }'
}

# wait_exit PID SECS - wait up to SECS for PID to exit (then kill it); its
# exit status
wait_exit()
{
	timeout "$2" tail --pid="$1" -f /dev/null || kill "$1" 2>/dev/null
	wait "$1"
}

# start PORT: xtcpcat listening in xb (output $WORK/dst.PORT, pid RECEIVER)
# and xtcpcat in xa connected to it (pid SENDER), reading the FIFO
# $WORK/in.PORT, opened as fd 3
start()
{
	local port=$1

	mkfifo "$WORK/in.$port"
	ip netns exec xb "$XTCPCAT" -l "$port" </dev/null \
		>"$WORK/dst.$port" 2>"$WORK/rx.$port.err" &
	RECEIVER=$!
	PIDS+=($RECEIVER)
	wait_for 10 listening "$port" || return 1
	ip netns exec xa "$XTCPCAT" -v -N "$XB" "$port" <"$WORK/in.$port" \
		>/dev/null 2>"$WORK/tx.$port.err" &
	SENDER=$!
	PIDS+=($SENDER)
	exec 3>"$WORK/in.$port"
}

test_outage()
{
	local port=5000 t0 t1 writer rc

	topo_router
	head -c 3M /dev/urandom > "$WORK/src"
	head -c 1M "$WORK/src" > "$WORK/part1"
	tail -c +$((1024 * 1024 + 1)) "$WORK/src" | head -c 1M > "$WORK/part2"
	tail -c +$((2 * 1024 * 1024 + 1)) "$WORK/src" > "$WORK/part3"

	start "$port" || { tap_fail "3 s outage: connection"; return; }
	cat "$WORK/part1" >&3
	tap_check "3 s outage: first MB delivered" \
		wait_for 30 has_bytes "$WORK/dst.$port" $((1024 * 1024))
	t0=$(xtcp_snmp xa Timeouts)
	blackhole add
	cat "$WORK/part2" >&3 &
	writer=$!
	sleep 3
	tap_check "3 s outage: /proc shows the retrans timer, retransmits > 0" \
		retransmitting "$port"
	echo "# during the outage: $(sender_row "$port")"
	blackhole del
	t1=$(xtcp_snmp xa Timeouts)
	if ((t1 > t0)); then
		tap_ok "3 s outage: Timeouts grew ($t0 -> $t1)"
	else
		tap_fail "3 s outage: Timeouts grew ($t0 -> $t1)"
	fi
	wait "$writer"
	cat "$WORK/part3" >&3
	exec 3>&-
	wait_exit "$SENDER" 60
	rc=$?
	if [[ $rc == 0 ]] && cmp -s "$WORK/src" "$WORK/dst.$port"; then
		tap_ok "3 s outage: recovered, 3 MB intact"
	else
		tap_fail "3 s outage: recovered, 3 MB intact" \
			"sender status $rc, $(size_of "$WORK/dst.$port") bytes received: $(cat "$WORK/tx.$port.err")"
		show_sockets
	fi
	echo "# xa: $(snmp_nonzero xa)"
	tap_check "3 s outage: no AbortOnTimeout" test "$(xtcp_snmp xa AbortOnTimeout)" = 0
}

test_dead()
{
	local port=5001 start_s rc

	topo_router
	xtcp_sysctl xa retries2 3
	xtcp_sysctl xa rto_max_ms 1000
	head -c 100K /dev/urandom > "$WORK/small"
	start "$port" || { tap_fail "dead path: connection"; return; }
	cat "$WORK/small" >&3
	tap_check "dead path: first 100 KB delivered" \
		wait_for 30 has_bytes "$WORK/dst.$port" $((100 * 1024))
	blackhole add
	start_s=$SECONDS
	head -c 100K /dev/urandom >&3 &
	wait_exit "$SENDER" 60
	rc=$?
	echo "# sender exited with status $rc after $((SECONDS - start_s)) s: $(tr '\n' ' ' < "$WORK/tx.$port.err")"
	tap_check "dead path: the sender fails with ETIMEDOUT" \
		grep -q "Connection timed out" "$WORK/tx.$port.err"
	tap_check "dead path: AbortOnTimeout is 1" test "$(xtcp_snmp xa AbortOnTimeout)" = 1
	tap_check "dead path: Timeouts >= 3" test "$(xtcp_snmp xa Timeouts)" -ge 3
	tap_check "dead path: the socket is gone from /proc" test -z "$(sender_row "$port")"
	exec 3>&-
	# Path back, receiver closed: its FIN meets xa's RST, nothing lingers.
	blackhole del
	kill "$RECEIVER"
	tap_check "dead path: xb's end is gone after the RST" \
		wait_for 20 no_sockets xb
}

tap_plan 11
test_outage
test_dead
tap_done
