#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Interoperability with Linux TCP: A speaks xtcp, B speaks TCP, and the
# router R rewrites the IP protocol byte (253 <-> 6) between them. An xtcp
# client reaches a TCP server and a TCP client an xtcp server, each end
# seeing the connection established in its own /proc; a TCP client to an
# xtcp port without a listener gets xtcp's RST as ECONNREFUSED.
#
# xtcp-test: long (starts early)

set -u
source "$(dirname "$0")/lib.sh"

# start NS TAG XTCPCAT-ARG... - xtcpcat -v in NS in the background, stdin
# /dev/null (so that it holds the connection until the peer closes it or
# it is killed), stderr in $XL_WORK/NS.TAG.err
start() {
	local ns=$1 tag=$2

	shift 2
	ip netns exec "$ns" "$XL_XTCPCAT" -v "$@" </dev/null \
		>/dev/null 2>"$XL_WORK/$tag.err" &
	xl_track $!
}

# local_of TAG - the local address xtcpcat -v reported for its connection
local_of() {
	sed -n 's/.*connected local=\([^ ]*\) .*/\1/p' "$XL_WORK/$1.err"
}

connected() {
	grep -q connected "$XL_WORK/$1.err"
}

setup() {
	xl_work_dir
	xl_topo_interop
}

# An xtcp client in A reaches a Linux TCP listener in B
xtcp_client_tcp_server() {
	local l

	setup || return
	start "$XL_NS_B" srv -T -l -p 7000
	xl_check "TCP listener on $XL_IP_RB:7000" \
		xl_wait_for 10 xl_tcp_listening "$XL_NS_B" 7000
	start "$XL_NS_A" cli -w 60 "$XL_IP_RB" 7000
	xl_check "xtcp connect to TCP $XL_IP_RB:7000 returns" \
		xl_wait_for 60 connected cli
	l=$(local_of cli)
	xl_check "A's /proc/net/xtcp/sockets: ESTABLISHED ${l:-?} -> $XL_IP_RB:7000" \
		xl_wait_for 10 xl_has_state "$XL_NS_A" "$l" "$XL_IP_RB:7000" ESTABLISHED
	xl_check "B's TCP socket ESTAB $XL_IP_RB:7000 <- ${l:-?}" \
		xl_wait_for 10 xl_tcp_estab "$XL_NS_B" "$XL_IP_RB:7000" "$l"
	xl_check "TCP server accepted ${l:-?}" \
		xl_wait_for 10 grep -q "connected local=$XL_IP_RB:7000 remote=$l" \
		"$XL_WORK/srv.err"
}

# A Linux TCP client in B reaches an xtcp listener in A
tcp_client_xtcp_server() {
	local l

	setup || return
	start "$XL_NS_A" srv -l -p 7001
	xl_check "xtcp listener on $XL_IP_RA:7001" \
		xl_wait_for 10 xl_listening "$XL_NS_A" 7001
	start "$XL_NS_B" cli -T -w 60 "$XL_IP_RA" 7001
	xl_check "TCP connect to xtcp $XL_IP_RA:7001 returns" \
		xl_wait_for 60 connected cli
	l=$(local_of cli)
	xl_check "B's TCP socket ESTAB ${l:-?} -> $XL_IP_RA:7001" \
		xl_wait_for 10 xl_tcp_estab "$XL_NS_B" "$l" "$XL_IP_RA:7001"
	xl_check "A's /proc/net/xtcp/sockets: ESTABLISHED $XL_IP_RA:7001 <- ${l:-?}" \
		xl_wait_for 10 xl_has_state "$XL_NS_A" "$XL_IP_RA:7001" "$l" ESTABLISHED
	xl_check "xtcp server accepted ${l:-?}" \
		xl_wait_for 10 grep -q "connected local=$XL_IP_RA:7001 remote=$l" \
		"$XL_WORK/srv.err"
}

# A Linux TCP client to an xtcp port without a listener: xtcp's RST
# reaches TCP as a RST, and connect() fails with ECONNREFUSED.
tcp_refused_by_xtcp_rst() {
	local rsts out

	setup || return
	rsts=$(xl_snmp "$XL_NS_A" OutRsts)
	out=$(ip netns exec "$XL_NS_B" "$XL_XTCPCAT" -T -w 60 "$XL_IP_RA" 7002 \
		2>&1 </dev/null)
	xl_check "TCP connect to a closed xtcp port: Connection refused" \
		grep -q "connect: Connection refused" <<<"$out"
	xl_check "A counted the RST in OutRsts" \
		test "$(xl_snmp "$XL_NS_A" OutRsts)" -gt "${rsts:-0}"
}

xl_test xtcp_client_tcp_server
xl_test tcp_client_xtcp_server
xl_test tcp_refused_by_xtcp_rst
xl_main "$@"
