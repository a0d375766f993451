#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# xtcp demo, run inside the test VM by `make demo`: two network namespaces
# joined by a veth pair (selftests/lib.sh's veth topology), an xtcp server
# in B, a client in A. Shows the sockets and counters while connected, then
# the captured segments decoded by tshark's TCP dissector as a SYN /
# SYN-ACK / ACK ladder.

set -u

REPO=$(cd "$(dirname "$0")/.." && pwd)
source "$REPO/selftests/lib.sh"

SERVER=$XL_IP_B
PORT=5000
xl_work_dir
WORK=$XL_WORK
PIDS=()

heading()
{
	printf '\n== %s ==\n' "$*"
}

die()
{
	echo "demo: $*" >&2
	exit 1
}

cleanup()
{
	local pid

	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	xl_topo_clean
	rm -rf "$WORK"
}

client_established()
{
	xl_sockets "$XL_NS_A" | awk -v r="$SERVER:$PORT" \
		'$3 == r && $4 == "ESTABLISHED" { found = 1 } END { exit !found }'
}

step_setup()
{
	heading "1. Setup: netns A $XL_NS_A ($XL_IP_A, xa0) <-veth-> netns B $XL_NS_B ($SERVER, xb0)"
	[ -x "$XL_XTCPCAT" ] || die "$XL_XTCPCAT missing: run make"
	if ! xl_module_loaded; then
		xl_module_load || die "insmod $XL_KO failed"
	fi
	IPPROTO=$(xl_ipproto)
	echo "xtcp.ko loaded: family $(xl_family), IP protocol $IPPROTO"
	xl_topo_veth || die "topology setup failed"
}

step_capture_start()
{
	xl_capture_start "$XL_NS_B" xb0 "$WORK/demo.pcap" ||
		die "dumpcap did not start"
	PIDS+=("$XL_CAPTURE_PID")
	echo "capturing IP protocol $IPPROTO on xb0 (dumpcap, tshark's capture engine)"
}

# Print the lines of xtcpcat's stderr file $2 matching $3 as "$1: ...".
show_log()
{
	sed -n "s/^xtcpcat: /$1: /; /$3/p" "$2"
}

step_connect()
{
	heading "2. Connect: server in B listens on port $PORT, client in A connects"
	ip netns exec "$XL_NS_B" "$XL_XTCPCAT" -v -l -p "$PORT" </dev/null \
		>"$WORK/server.out" 2>"$WORK/server.err" &
	PIDS+=($!)
	SERVER_PID=$!
	xl_wait_for 10 grep -q listening "$WORK/server.err" ||
		die "server did not start: $(cat "$WORK/server.err")"
	show_log server "$WORK/server.err" listening
	mkfifo "$WORK/client.in"
	ip netns exec "$XL_NS_A" "$XL_XTCPCAT" -v -q "$SERVER" "$PORT" <"$WORK/client.in" \
		>"$WORK/client.out" 2>"$WORK/client.err" &
	PIDS+=($!)
	CLIENT_PID=$!
	exec 7>"$WORK/client.in"
	xl_wait_for 10 client_established ||
		die "client not connected: $(cat "$WORK/client.err")"
	show_log client "$WORK/client.err" connected
	xl_wait_for 10 grep -q connected "$WORK/server.err"
	show_log server "$WORK/server.err" connected
}

# Non-zero counters of /proc/net/xtcp/snmp, A's and B's side by side.
show_snmp()
{
	ip netns exec "$XL_NS_A" cat /proc/net/xtcp/snmp >"$WORK/snmp.xa"
	ip netns exec "$XL_NS_B" cat /proc/net/xtcp/snmp >"$WORK/snmp.xb"
	awk 'FNR == NR { xa[$1] = $2; next }
	     xa[$1] || $2 { line[++n] = sprintf("%-17s %5s %5s", $1, xa[$1], $2) }
	     END { half = int((n + 1) / 2)
		   for (i = 1; i <= half; i++)
			   printf "%-29s  %s\n", line[i], line[i + half] }' \
		"$WORK/snmp.xa" "$WORK/snmp.xb"
}

step_show_state()
{
	local ns

	heading "3. While connected: /proc/net/xtcp/sockets"
	for ns in "$XL_NS_A" "$XL_NS_B"; do
		echo "-- $ns"
		xl_sockets "$ns"
	done
	heading "   /proc/net/xtcp/snmp, non-zero counters (name, A, B)"
	show_snmp
}

step_data()
{
	heading "4. Data: the client sends a line, the server prints it"
	echo "hello over xtcp" >&7
	if xl_wait_for 10 grep -q . "$WORK/server.out"; then
		sed 's/^/server received: /' "$WORK/server.out"
	else
		echo "server received nothing within 10 s"
	fi
}

step_close()
{
	heading "5. Close: the client closes its socket, the server closes when it sees EOF"
	exec 7>&-
	xl_wait_for 10 bash -c "! kill -0 $CLIENT_PID 2>/dev/null" ||
		echo "client still running"
	xl_wait_for 10 bash -c "! kill -0 $SERVER_PID 2>/dev/null" ||
		echo "server did not see the close"
	show_log client "$WORK/client.err" result
	show_log server "$WORK/server.err" 'closed\|result\|: [a-z]*:'
	echo "-- sockets left in A and B"
	xl_sockets "$XL_NS_A" | sed '1d; s/^/A: /'
	xl_sockets "$XL_NS_B" | sed '1d; s/^/B: /'
	sleep 1
	xl_capture_stop
}

# Print one line per captured segment: direction, flags, raw seq/ack and
# their offset from each side's initial sequence number (x for the side
# that sent the first SYN, y for the other).
step_ladder()
{
	heading "6. The segments on the wire (captured on xb0, decoded as TCP)"
	xl_capture_fields "$WORK/demo.pcap" frame.time_relative ip.src \
		tcp.srcport ip.dst tcp.dstport tcp.flags tcp.seq tcp.ack \
		tcp.len tcp.window_size tcp.options.mss_val \
		tcp.options.wscale.shift |
	awk -F'\t' '
	function hexval(s,   i, v) {
		v = 0
		s = tolower(s)
		sub(/^0x/, "", s)
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	function bit(v, n) { return int(v / 2 ^ n) % 2 }
	function flags(v,   s) {
		s = ""
		if (bit(v, 1)) s = s ",SYN"
		if (bit(v, 2)) s = s ",RST"
		if (bit(v, 0)) s = s ",FIN"
		if (bit(v, 3)) s = s ",PSH"
		if (bit(v, 4)) s = s ",ACK"
		return "[" substr(s, 2) "]"
	}
	function rel(num, ep,   d) {
		if (!(ep in isn))
			return num
		d = num - isn[ep]
		if (d < 0)
			d += 2 ^ 32
		return sprintf("%s (%s%s)", num, name[ep], d ? "+" d : "")
	}
	BEGIN {
		printf "%-3s %-8s %-38s %-10s %-24s %-24s %s\n", "#", "time ms",
		       "from -> to", "flags", "seq", "ack", "len win"
	}
	{
		src = $2 ":" $3
		dst = $4 ":" $5
		f = hexval($6)
		if (bit(f, 1) && !(src in isn)) {
			isn[src] = $7
			name[src] = names++ ? "y" : "x"
		}
		ack = bit(f, 4) ? "ack=" rel($8, dst) : ""
		opt = ($11 != "" ? " mss=" $11 : "") ($12 != "" ? " ws=" $12 : "")
		printf "%-3d %-8.1f %-38s %-10s %-24s %-24s %3d %s%s\n", NR,
		       $1 * 1000, src " -> " dst, flags(f), "seq=" rel($7, src),
		       ack, $9, $10, opt
		if (NR == 1)
			client = src
	}
	END {
		if (!NR)
			print "(no segments captured)"
		else
			printf "x = ISN of %s, y = ISN of its peer\n", client
	}'
}

trap cleanup EXIT
step_setup
step_capture_start
step_connect
step_show_state
step_data
step_close
step_ladder
