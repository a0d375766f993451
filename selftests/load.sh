#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Loading and unloading xtcp.ko: repeated insmod/rmmod, the family= and
# ipproto= parameters, and rmmod while sockets are open.

source "$(dirname "$0")/lib.sh"

KO=$REPO/xtcp.ko
CYCLES=50

loaded()
{
	[ -d /sys/module/xtcp ] && [ -e /proc/net/xtcp/snmp ]
}

unloaded()
{
	[ ! -e /sys/module/xtcp ] && [ ! -e /proc/net/xtcp ]
}

param()
{
	cat "/sys/module/xtcp/parameters/$1" 2>/dev/null
}

# finit_module(2) on xtcp.ko with the given parameters; prints the errno
# name, or OK.
insmod_errno()
{
	python3 - "$KO" "$*" <<-'EOF'
	import ctypes, errno, os, sys
	libc = ctypes.CDLL(None, use_errno=True)
	fd = os.open(sys.argv[1], os.O_RDONLY)
	ret = libc.syscall(313, fd, sys.argv[2].encode(), 0)
	print(errno.errorcode[ctypes.get_errno()] if ret else "OK")
	EOF
}

# socket(family, SOCK_STREAM, 0): prints the errno name, or OK.
socket_errno()
{
	python3 - "$1" <<-'EOF'
	import errno, socket, sys
	try:
	    socket.socket(int(sys.argv[1]), socket.SOCK_STREAM, 0).close()
	    print("OK")
	except OSError as e:
	    print(errno.errorcode[e.errno])
	EOF
}

has_state()
{
	[ "$(xtcp_state "$1" "$2" "$3")" = "$4" ]
}

rmmod_until_gone()
{
	wait_for "$1" rmmod xtcp 2>/dev/null && unloaded
}

test_cycles()
{
	local i why=''

	for ((i = 1; i <= CYCLES; i++)); do
		if ! insmod "$KO"; then
			why="insmod failed in cycle $i"
			break
		fi
		if ! loaded; then
			why="cycle $i: /sys/module/xtcp or /proc/net/xtcp/snmp missing after insmod"
			break
		fi
		if ! rmmod xtcp; then
			why="rmmod failed in cycle $i"
			break
		fi
		if ! unloaded; then
			why="cycle $i: /sys/module/xtcp or /proc/net/xtcp present after rmmod"
			break
		fi
	done
	if [ -n "$why" ]; then
		tap_fail "$CYCLES insmod/rmmod cycles" "$why"
		rmmod xtcp 2>/dev/null
	else
		tap_ok "$CYCLES insmod/rmmod cycles"
	fi
}

test_family()
{
	local before res

	before=$(socket_errno 28)
	if [ "$before" != EAFNOSUPPORT ]; then
		tap_skip "family=28" "family 28 already in use ($before)"
		return
	fi
	res=$(insmod_errno family=28)
	if [ "$res" != OK ]; then
		tap_check "family=28 refused cleanly ($res)" unloaded
		return
	fi
	tap_check "family=28 loads: reads back, socket(28) works, socket(27) not" \
		test "$(param family)" = 28 -a "$(socket_errno 28)" = OK -a \
		"$(socket_errno 27)" = EAFNOSUPPORT
	rmmod xtcp
}

# With ipproto=254 a SYN to a closed port goes out as protocol 254 and the
# RST comes back on 254: count protocol-254 packets arriving at xb0.
test_ipproto_254()
{
	local out

	tap_check "ipproto=254 loads" test "$(insmod_errno ipproto=254)" = OK
	tap_check "ipproto=254 reads back" test "$(param ipproto)" = 254
	topo_veth
	tc -n xb qdisc add dev xb0 clsact
	tc -n xb filter add dev xb0 ingress protocol ip prio 1 u32 \
		match ip protocol 254 0xff action pass
	out=$(ip netns exec xa "$XTCPCAT" -w 30 198.18.0.2 7000 2>&1 </dev/null)
	tap_check "ipproto=254: connect to a closed port is refused" \
		grep -q "Connection refused" <<<"$out"
	tap_check "ipproto=254: the SYN is sent as IP protocol 254" \
		grep -Eq "Sent [0-9]+ bytes [1-9][0-9]* pkt" \
		<<<"$(tc -n xb -s filter show dev xb0 ingress)"
	topo_clean
	tap_check "rmmod after ipproto=254" rmmod_until_gone 10
}

test_ipproto_17()
{
	tap_check "ipproto=17 refused with EINVAL" \
		test "$(insmod_errno ipproto=17)" = EINVAL
	tap_check "ipproto=17: module not loaded" unloaded
}

test_busy()
{
	local pid out

	insmod "$KO"
	topo_veth
	ip netns exec xa "$XTCPCAT" -l -p 7000 </dev/null >/dev/null 2>&1 &
	pid=$!
	PIDS+=("$pid")
	tap_check "listener open in xa" \
		wait_for 10 has_state xa 0.0.0.0:7000 0.0.0.0:0 LISTEN
	out=$(rmmod xtcp 2>&1)
	tap_check "rmmod refused while a listener is open" \
		grep -q "in use" <<<"$out"
	tap_check "module still loaded after the refused rmmod" loaded
	tap_check "module refcount non-zero while the listener is open" \
		test "$(cat /sys/module/xtcp/refcnt)" -gt 0
	kill "$pid"
	wait "$pid" 2>/dev/null
	tap_check "rmmod succeeds after the listener is closed" \
		rmmod_until_gone 10
	topo_clean
}

# Connections that were just closed (TIME_WAIT, FIN_WAIT...) must not make
# the unload unsafe: rmmod either waits for them or cleans them up.
test_closed_connections()
{
	local i out='' fails=0

	insmod "$KO"
	topo_veth
	ip netns exec xb "$XTCPCAT" -k -l -p 7000 </dev/null >/dev/null 2>&1 &
	PIDS+=($!)
	wait_for 10 has_state xb 0.0.0.0:7000 0.0.0.0:0 LISTEN
	for i in 1 2 3; do
		out+=$(ip netns exec xa "$XTCPCAT" -w 30 -z 198.18.0.2 7000 2>&1) ||
			fails=$((fails + 1))
	done
	if [ "$fails" = 0 ]; then
		tap_ok "three connect/close cycles before rmmod"
	else
		tap_fail "three connect/close cycles before rmmod" "$out"
	fi
	kill "${PIDS[-1]}"
	wait "${PIDS[-1]}" 2>/dev/null
	topo_clean
	tap_check "rmmod succeeds after connections closed (within 150 s)" \
		rmmod_until_gone 150
}

tap_plan 17
if loaded && ! rmmod xtcp; then
	echo "Bail out! cannot unload xtcp to start"
	exit 1
fi
test_cycles
test_family
test_ipproto_254
test_ipproto_17
test_busy
test_closed_connections
tap_check "insmod at the end leaves the module loaded" \
	bash -c "insmod '$KO' && [ -d /sys/module/xtcp ]"
tap_done
