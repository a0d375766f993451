#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# RFC 7323 timestamps between xtcp (A) and Linux TCP (B) through the
# protocol-rewriting router R, which offers them by default
# (net.ipv4.tcp_timestamps=1): with either end connecting, 1 MB each way
# arrives intact, and a capture on A's a0, decoded by tshark as TCP,
# shows the SYN offering the option, the SYN-ACK echoing the SYN's TSval
# and every later segment in both directions carrying the option with a
# TSecr that echoes a TSval the other end sent. With xtcp's timestamps sysctl at 0 the
# connection works without them: no segment after the SYN has the option.
#
# xtcp-test: long (starts early)

set -u
source "$(dirname "$0")/lib.sh"

MB=1

setup() {
	xl_work_dir
	xl_topo_interop || return
	head -c "${MB}M" /dev/urandom > "$XL_WORK/a"
	head -c "${MB}M" /dev/urandom > "$XL_WORK/b"
	xl_capture_start "$XL_NS_A" a0 "$XL_WORK/cap.pcap"
}

# peer NS XTCPCAT-ARG... - xtcpcat in NS sending $XL_WORK/NS's file and
# keeping what it receives, in the background: pid in PEER
peer() {
	local ns=$1 side=a

	shift
	[[ $ns == "$XL_NS_B" ]] && side=b
	ip netns exec "$ns" "$XL_XTCPCAT" -N -w 60 "$@" <"$XL_WORK/$side" \
		>"$XL_WORK/$side.got" 2>"$XL_WORK/$side.err" &
	PEER=$!
	xl_track "$PEER"
}

# segments - the captured segments: source, flags, TSval, TSecr, length
segments() {
	xl_capture_fields "$XL_WORK/cap.pcap" ip.src tcp.flags \
		tcp.options.timestamp.tsval tcp.options.timestamp.tsecr tcp.len
}

# ts_everywhere - the SYN offers timestamps, the SYN-ACK echoes its
# TSval, and every segment carries the option; prints what is wrong
ts_everywhere() {
	segments | awk -F'\t' '
	{
		n++
		flags = strtonum($2)
		if ($3 == "") { missing++; next }
		if (flags == 2) {
			syn = $3
			if ($4 != 0) bad = bad " SYN TSecr " $4
		} else if (flags == 18) {
			synack = 1
			if ($4 != syn) bad = bad " SYN-ACK TSecr " $4 " not " syn
		}
	}
	END {
		if (n < 10) bad = bad " only " n " segments"
		if (syn == "") bad = bad " no SYN with timestamps"
		if (!synack) bad = bad " no SYN-ACK with timestamps"
		if (missing) bad = bad " " missing " of " n " segments without timestamps"
		if (bad != "") print bad
	}' | grep . && return 1
	return 0
}

# echoes - every TSecr after the SYN is a TSval the other end sent before
echoes() {
	segments | awk -F'\t' '
	{
		flags = strtonum($2)
		if (flags != 2 && $4 != "") {
			found = 0
			for (k in sent) {
				split(k, p, SUBSEP)
				if (p[1] != $1 && p[2] == $4) { found = 1; break }
			}
			if (!found) { bad++; if (bad < 4) print "no echo: " $0 }
		}
		if ($3 != "") sent[$1, $3] = 1
	}
	END { if (bad) print bad " segments echo nothing sent" }' | grep . && return 1
	return 0
}

# no_ts_after_syn - only the SYN (Linux's) carries the option
no_ts_after_syn() {
	segments | awk -F'\t' '
	{ n++; if (strtonum($2) != 2 && $3 != "") bad++ }
	END { if (n < 10 || bad) print n " segments, " bad " with timestamps" }' |
		grep . && return 1
	return 0
}

# transfer XTCP_PID TCP_PID - both ends done, both directions intact;
# the capture ends
transfer() {
	local rc_x rc_t

	xl_wait_exit "$1" 60
	rc_x=$?
	xl_wait_exit "$2" 60
	rc_t=$?
	xl_check "xtcp -> TCP $MB MB intact (status $rc_x)" \
		cmp "$XL_WORK/a" "$XL_WORK/b.got"
	xl_check "TCP -> xtcp $MB MB intact (status $rc_t)" \
		cmp "$XL_WORK/b" "$XL_WORK/a.got"
	xl_capture_stop
}

# A Linux TCP client in B to an xtcp listener in A
tcp_connects_timestamps_both_ways() {
	local xtcp

	setup || return
	peer "$XL_NS_A" -l 6101
	xtcp=$PEER
	xl_wait_for 10 xl_listening "$XL_NS_A" 6101 ||
		{ xl_fail "xtcp listener"; return 1; }
	peer "$XL_NS_B" -T "$XL_IP_RA" 6101
	transfer "$xtcp" "$PEER"
	xl_check "timestamps on every segment, SYN-ACK echoing the SYN" ts_everywhere
	xl_check "every TSecr echoes the other end's TSval" echoes
	echo "# A: $(xl_snmp_nonzero "$XL_NS_A")"
}

# An xtcp client in A to a Linux TCP listener in B
xtcp_connects_timestamps_both_ways() {
	local tcp

	setup || return
	peer "$XL_NS_B" -T -l "$XL_IP_RB" 6100
	tcp=$PEER
	xl_wait_for 10 xl_tcp_listening "$XL_NS_B" 6100 ||
		{ xl_fail "TCP listener"; return 1; }
	peer "$XL_NS_A" "$XL_IP_RB" 6100
	transfer "$PEER" "$tcp"
	xl_check "timestamps on every segment, SYN-ACK echoing the SYN" ts_everywhere
	xl_check "every TSecr echoes the other end's TSval" echoes
	echo "# A: $(xl_snmp_nonzero "$XL_NS_A")"
}

# xtcp with timestamps off answers Linux's offer without them
tcp_connects_xtcp_timestamps_off() {
	local xtcp

	setup || return
	xl_sysctl "$XL_NS_A" timestamps 0
	peer "$XL_NS_A" -l 6102
	xtcp=$PEER
	xl_wait_for 10 xl_listening "$XL_NS_A" 6102 ||
		{ xl_fail "xtcp listener"; return 1; }
	peer "$XL_NS_B" -T "$XL_IP_RA" 6102
	transfer "$xtcp" "$PEER"
	xl_check "no timestamps after Linux's SYN" no_ts_after_syn
}

xl_test tcp_connects_timestamps_both_ways
xl_test xtcp_connects_timestamps_both_ways
xl_test tcp_connects_xtcp_timestamps_off
xl_main "$@"
