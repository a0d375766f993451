#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Interoperability with Linux TCP: xa speaks xtcp, xb speaks TCP, and the
# router xr rewrites the IP protocol byte (253 <-> 6) between them.

source "$(dirname "$0")/lib.sh"

XA=198.18.1.1
XB=198.18.2.2
work_dir interop

# Start xtcpcat in the background in namespace $1 with the remaining
# arguments; stdin is /dev/null, so it holds the connection until the peer
# closes it or it is killed. Its stderr (with -v) goes to $WORK/$1.$2.err.
start()
{
	local ns=$1 tag=$2

	shift 2
	ip netns exec "$ns" "$XTCPCAT" -v "$@" </dev/null \
		>/dev/null 2>"$WORK/$ns.$tag.err" &
	PIDS+=($!)
}

# The local address xtcpcat -v reported for its connection.
local_of()
{
	sed -n 's/.*connected local=\([^ ]*\) .*/\1/p' "$WORK/$1.$2.err"
}

connected()
{
	grep -q connected "$WORK/$1.$2.err"
}

has_state()
{
	[ "$(xtcp_state "$1" "$2" "$3")" = "$4" ]
}

tcp_listening()
{
	[ -n "$(ip netns exec "$1" ss -Htln "sport = :$2")" ]
}

tcp_estab()
{
	[ -n "$(ip netns exec "$1" ss -Htn state established \
		"src $2 and dst $3")" ]
}

# (a) xtcp client in xa -> Linux TCP listener in xb
test_xtcp_to_tcp()
{
	local l

	start xb srv7000 -T -l -p 7000
	tap_check "a: TCP listener on $XB:7000" wait_for 10 tcp_listening xb 7000
	start xa cli7000 -w 60 "$XB" 7000
	tap_check "a: xtcp connect to TCP $XB:7000 returns" \
		wait_for 60 connected xa cli7000
	l=$(local_of xa cli7000)
	tap_check "a: xa's /proc/net/xtcp/sockets: ESTABLISHED ${l:-?} -> $XB:7000" \
		wait_for 10 has_state xa "$l" "$XB:7000" ESTABLISHED
	tap_check "a: xb's TCP socket ESTAB $XB:7000 <- ${l:-?}" \
		wait_for 10 tcp_estab xb "$XB:7000" "$l"
	tap_check "a: TCP server accepted ${l:-?}" \
		wait_for 10 grep -q "connected local=$XB:7000 remote=$l" \
		"$WORK/xb.srv7000.err"
}

# (b) Linux TCP client in xb -> xtcp listener in xa
test_tcp_to_xtcp()
{
	local l

	start xa srv7001 -l -p 7001
	tap_check "b: xtcp listener on $XA:7001" \
		wait_for 10 has_state xa 0.0.0.0:7001 0.0.0.0:0 LISTEN
	start xb cli7001 -T -w 60 "$XA" 7001
	tap_check "b: TCP connect to xtcp $XA:7001 returns" \
		wait_for 60 connected xb cli7001
	l=$(local_of xb cli7001)
	tap_check "b: xb's TCP socket ESTAB ${l:-?} -> $XA:7001" \
		wait_for 10 tcp_estab xb "$l" "$XA:7001"
	tap_check "b: xa's /proc/net/xtcp/sockets: ESTABLISHED $XA:7001 <- ${l:-?}" \
		wait_for 10 has_state xa "$XA:7001" "$l" ESTABLISHED
	tap_check "b: xtcp server accepted ${l:-?}" \
		wait_for 10 grep -q "connected local=$XA:7001 remote=$l" \
		"$WORK/xa.srv7001.err"
}

# (c) Linux TCP client -> xtcp port without a listener: xtcp's RST reaches
# TCP as a RST, and connect() fails with ECONNREFUSED.
test_refused()
{
	local rsts out

	rsts=$(xtcp_snmp xa OutRsts)
	out=$(ip netns exec xb "$XTCPCAT" -T -w 60 "$XA" 7002 2>&1 </dev/null)
	tap_check "c: TCP connect to a closed xtcp port: Connection refused" \
		grep -q "connect: Connection refused" <<<"$out"
	tap_check "c: xa counted the RST in OutRsts" \
		test "$(xtcp_snmp xa OutRsts)" -gt "${rsts:-0}"
}

tap_plan 12
topo_interop
test_xtcp_to_tcp
test_tcp_to_xtcp
test_refused
tap_done
