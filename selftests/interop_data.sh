#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# 16 MB each way at once on one connection between xtcp (A) and Linux TCP
# (B) through the protocol-rewriting router R, with 2% loss on both of its
# interfaces; once with xtcp connecting, once with TCP connecting. Both
# ends are xtcpcat, in B with -T (AF_INET): each sends its file, shuts
# down writing, and reads until end of stream. Every byte arrives intact.
#
# xtcp-test: long (starts early)

set -u
source "$(dirname "$0")/lib.sh"

MB=16
STALL_S=30

# setup - the interop topology with 2% loss, and the two files to send
setup() {
	xl_work_dir
	xl_topo_interop &&
	xl_netem "$XL_NS_R" r0 loss 2% &&
	xl_netem "$XL_NS_R" r1 loss 2% || return
	head -c "${MB}M" /dev/urandom > "$XL_WORK/a"
	head -c "${MB}M" /dev/urandom > "$XL_WORK/b"
}

# peer NS XTCPCAT-ARG... - xtcpcat in NS sending $XL_WORK/NS's file and
# keeping what it receives, in the background: pid in PEER
peer() {
	local ns=$1 side=a

	shift
	[[ $ns == "$XL_NS_B" ]] && side=b
	ip netns exec "$ns" "$XL_XTCPCAT" -N -w 120 "$@" <"$XL_WORK/$side" \
		>"$XL_WORK/$side.got" 2>"$XL_WORK/$side.err" &
	PEER=$!
	xl_track "$PEER"
}

# check START_NS XTCP_PID TCP_PID - both ends succeeded and both directions
# arrived intact
check() {
	local ms rc_x rc_t

	xl_watch_progress "$STALL_S" "$XL_WORK/a.got $XL_WORK/b.got" "$2" "$3"
	wait "$2"
	rc_x=$?
	wait "$3"
	rc_t=$?
	ms=$((($(date +%s%N) - $1) / 1000000))
	echo "# $MB MB each way in $ms ms, status xtcp $rc_x tcp $rc_t"
	echo "# A: $(xl_snmp_nonzero "$XL_NS_A")"
	echo "# B: $(ip netns exec "$XL_NS_B" nstat -asz TcpRetransSegs TcpExtTCPRenoRecovery TcpExtTCPLostRetransmit TcpExtTCPTimeouts 2>/dev/null | awk 'NR > 1 { printf "%s=%s ", $1, $2 }')"
	if [[ $rc_x == 0 ]] && cmp -s "$XL_WORK/a" "$XL_WORK/b.got"; then
		xl_pass "xtcp -> TCP $MB MB intact"
	else
		xl_fail "xtcp -> TCP $MB MB intact" \
			"$(xl_size_of "$XL_WORK/b.got") bytes received; $(cat "$XL_WORK"/*.err)"
	fi
	if [[ $rc_t == 0 ]] && cmp -s "$XL_WORK/b" "$XL_WORK/a.got"; then
		xl_pass "TCP -> xtcp $MB MB intact"
	else
		xl_fail "TCP -> xtcp $MB MB intact" \
			"$(xl_size_of "$XL_WORK/a.got") bytes received; $(cat "$XL_WORK"/*.err)"
	fi
	xl_check "xtcp recovered from losses (RetransSegs > 0)" \
		test "$(xl_snmp "$XL_NS_A" RetransSegs)" -gt 0
}

# xtcp connects from A to a Linux TCP listener in B
duplex_lossy_xtcp_connects() {
	local start tcp

	setup || return
	peer "$XL_NS_B" -T -l "$XL_IP_RB" 6000
	tcp=$PEER
	xl_wait_for 10 xl_tcp_listening "$XL_NS_B" 6000 ||
		{ xl_fail "TCP listener"; return 1; }
	start=$(date +%s%N)
	peer "$XL_NS_A" "$XL_IP_RB" 6000
	check "$start" "$PEER" "$tcp"
}

# Linux TCP connects from B to an xtcp listener in A
duplex_lossy_tcp_connects() {
	local start xtcp

	setup || return
	peer "$XL_NS_A" -l 6001
	xtcp=$PEER
	xl_wait_for 10 xl_listening "$XL_NS_A" 6001 ||
		{ xl_fail "xtcp listener"; return 1; }
	start=$(date +%s%N)
	peer "$XL_NS_B" -T "$XL_IP_RA" 6001
	check "$start" "$xtcp" "$PEER"
}

xl_test duplex_lossy_xtcp_connects
xl_test duplex_lossy_tcp_connects
xl_main "$@"
