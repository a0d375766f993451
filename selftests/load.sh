#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Loading and unloading xtcp.ko ($XTCP_KO): repeated insmod/rmmod, the
# family= and ipproto= parameters, and rmmod while sockets are open or
# just closed. Each test starts with the module unloaded; the last one
# leaves it loaded.
#
# xtcp-test: alone (loads and unloads the module)

set -u
source "$(dirname "$0")/lib.sh"

CYCLES=50

param() {
	cat "/sys/module/xtcp/parameters/$1" 2>/dev/null
}

# unloaded_first - unload the module for a test; fails the test if it
# cannot
unloaded_first() {
	xl_module_loaded || return 0
	rmmod xtcp || { xl_fail "cannot unload xtcp to start"; return 1; }
}

insmod_rmmod_cycles() {
	local i why=''

	unloaded_first || return
	for ((i = 1; i <= CYCLES; i++)); do
		if ! xl_module_load; then
			why="insmod failed in cycle $i"
			break
		fi
		if ! xl_module_loaded; then
			why="cycle $i: /sys/module/xtcp or /proc/net/xtcp/snmp missing after insmod"
			break
		fi
		if ! rmmod xtcp; then
			why="rmmod failed in cycle $i"
			break
		fi
		if ! xl_module_unloaded; then
			why="cycle $i: /sys/module/xtcp or /proc/net/xtcp present after rmmod"
			break
		fi
	done
	if [[ -n "$why" ]]; then
		xl_fail "$CYCLES insmod/rmmod cycles" "$why"
		rmmod xtcp 2>/dev/null
	else
		xl_pass "$CYCLES insmod/rmmod cycles"
	fi
}

family_param() {
	local before res

	unloaded_first || return
	before=$(xl_errno socket 28)
	[[ $before == EAFNOSUPPORT ]] ||
		xl_skip "family 28 already in use ($before)"
	res=$(xl_errno insmod "$XL_KO" family=28)
	if [[ $res != OK ]]; then
		xl_check "family=28 refused cleanly ($res)" xl_module_unloaded
		return
	fi
	xl_check "family=28 loads: reads back, socket(28) works, socket(27) not" \
		test "$(param family)" = 28 -a "$(xl_errno socket 28)" = OK -a \
		"$(xl_errno socket 27)" = EAFNOSUPPORT
	rmmod xtcp
}

# With ipproto=254 a SYN to a closed port goes out as protocol 254 and the
# RST comes back on 254: count protocol-254 packets arriving at xb0.
ipproto_254_on_wire() {
	local out

	unloaded_first || return
	xl_check "ipproto=254 loads" test "$(xl_errno insmod "$XL_KO" ipproto=254)" = OK
	xl_check "ipproto=254 reads back" test "$(param ipproto)" = 254
	xl_topo_veth || return
	xl_tc_count "$XL_NS_B" xb0 254 || { xl_fail "tc counting filter"; return 1; }
	out=$(ip netns exec "$XL_NS_A" "$XL_XTCPCAT" -w 30 "$XL_IP_B" 7000 2>&1 </dev/null)
	xl_check "connect to a closed port is refused" \
		grep -q "Connection refused" <<<"$out"
	xl_check "the SYN is sent as IP protocol 254" \
		test "$(xl_tc_counted "$XL_NS_B" xb0)" -gt 0
	xl_topo_clean
	xl_check "rmmod after ipproto=254" xl_module_unload 10
}

ipproto_17_refused() {
	unloaded_first || return
	xl_check "ipproto=17 refused with EINVAL" \
		test "$(xl_errno insmod "$XL_KO" ipproto=17)" = EINVAL
	xl_check "module not loaded" xl_module_unloaded
}

rmmod_refused_while_listening() {
	local pid out

	unloaded_first || return
	xl_module_load || { xl_fail "insmod"; return 1; }
	xl_topo_veth || return
	ip netns exec "$XL_NS_A" "$XL_XTCPCAT" -l -p 7000 </dev/null >/dev/null 2>&1 &
	pid=$!
	xl_track "$pid"
	xl_check "listener open in A" xl_wait_for 10 xl_listening "$XL_NS_A" 7000
	out=$(rmmod xtcp 2>&1)
	xl_check "rmmod refused while a listener is open" grep -q "in use" <<<"$out"
	xl_check "module still loaded after the refused rmmod" xl_module_loaded
	xl_check "module refcount non-zero while the listener is open" \
		test "$(cat /sys/module/xtcp/refcnt)" -gt 0
	kill "$pid"
	wait "$pid" 2>/dev/null
	xl_check "rmmod succeeds after the listener is closed" xl_module_unload 10
}

# Connections that were just closed (TIME_WAIT, FIN_WAIT...) must not make
# the unload unsafe: rmmod either waits for them or cleans them up.
rmmod_after_closed_connections() {
	local i pid out='' fails=0

	unloaded_first || return
	xl_module_load || { xl_fail "insmod"; return 1; }
	xl_topo_veth || return
	ip netns exec "$XL_NS_B" "$XL_XTCPCAT" -k -l -p 7000 </dev/null >/dev/null 2>&1 &
	pid=$!
	xl_track "$pid"
	xl_wait_for 10 xl_listening "$XL_NS_B" 7000
	for i in 1 2 3; do
		out+=$(ip netns exec "$XL_NS_A" "$XL_XTCPCAT" -w 30 -z "$XL_IP_B" 7000 2>&1) ||
			fails=$((fails + 1))
	done
	if [[ $fails == 0 ]]; then
		xl_pass "three connect/close cycles before rmmod"
	else
		xl_fail "three connect/close cycles before rmmod" "$out"
	fi
	kill "$pid"
	wait "$pid" 2>/dev/null
	xl_topo_clean
	xl_check "rmmod succeeds after connections closed (within 150 s)" \
		xl_module_unload 150
}

reload_leaves_loaded() {
	unloaded_first || return
	xl_check "insmod leaves the module loaded" \
		eval 'xl_module_load && xl_module_loaded'
}

xl_test insmod_rmmod_cycles
xl_test family_param
xl_test ipproto_254_on_wire
xl_test ipproto_17_refused
xl_test rmmod_refused_while_listening
xl_test rmmod_after_closed_connections
xl_test reload_leaves_loaded
xl_main "$@"
