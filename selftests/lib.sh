# SPDX-License-Identifier: GPL-2.0
#
# Helpers for xtcp's shell scenarios (bash), sourced as
#
#	. "$(dirname "$0")/lib.sh"
#
# Topologies (namespaces xa, xr, xb; addresses from 198.18.0.0/15):
#   topo_veth     xa (xa0 198.18.0.1/24) <-> xb (xb0 198.18.0.2/24)
#   topo_router   xa (a0 198.18.1.1/24) <-> xr (r0 198.18.1.254/24,
#                 r1 198.18.2.254/24, forwarding) <-> xb (b0 198.18.2.2/24)
#   topo_interop  topo_router, and xr rewrites IP protocol 253 -> 6 on r0's
#                 ingress and 6 -> 253 on r1's: xa speaks xtcp, xb Linux TCP
#   topo_clean    delete every network namespace
# TAP: tap_plan, tap_ok, tap_fail, tap_skip, tap_check, tap_done.
# /proc and sysctls: xtcp_snmp, xtcp_sockets, xtcp_state, xtcp_sysctl.
# Misc: wait_for, xtcp_family.
# Scaffolding: processes a scenario starts in the background go in PIDS and
# are killed when it exits; work_dir NAME makes the scratch directory WORK,
# removed on exit. REPO is the project directory, XTCPCAT its netcat.

XTCP_MODULES=(veth sch_netem sch_ingress sch_prio sch_tbf cls_u32 cls_matchall
	      act_gact act_pedit crc32c_generic libcrc32c act_csum act_mirred)

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
XTCPCAT=$REPO/build/tools/xtcpcat
PIDS=()
WORK=

_scenario_cleanup() {
	local pid

	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	[[ -n $WORK ]] && rm -rf "$WORK"
}
trap _scenario_cleanup EXIT

# work_dir NAME - make the scratch directory $WORK
work_dir() {
	WORK=$(mktemp -d "/tmp/xtcp-$1.XXXXXX")
}

_tap_n=0
_tap_plan=
_tap_failed=0

# _topo_ip [-n NS] - run the ip commands on stdin, one per line
_topo_ip() {
	local cmds

	cmds=$(cat)
	ip "$@" -batch - <<<"$cmds" && return 0
	echo "# topo: ip $* failed on:" >&2
	printf '#   %s\n' "${cmds//$'\n'/$'\n'#   }" >&2
	return 1
}

# topo_modules - load the kernel modules the topologies and scenarios use
topo_modules() {
	local m todo=()

	for m in "${XTCP_MODULES[@]}"; do
		[[ -d /sys/module/$m ]] || todo+=("$m")
	done
	[[ ${#todo[@]} == 0 ]] || modprobe -a "${todo[@]}"
}

topo_clean() {
	ip -all netns delete
}

topo_veth() {
	topo_clean
	topo_modules || return 1
	_topo_ip <<-EOF || return 1
	netns add xa
	netns add xb
	link add xa0 netns xa type veth peer name xb0 netns xb
	EOF
	_topo_ip -n xa <<-EOF || return 1
	addr add 198.18.0.1/24 dev xa0
	link set xa0 up
	link set lo up
	EOF
	_topo_ip -n xb <<-EOF
	addr add 198.18.0.2/24 dev xb0
	link set xb0 up
	link set lo up
	EOF
}

topo_router() {
	topo_clean
	topo_modules || return 1
	_topo_ip <<-EOF || return 1
	netns add xa
	netns add xr
	netns add xb
	link add a0 netns xa type veth peer name r0 netns xr
	link add r1 netns xr type veth peer name b0 netns xb
	EOF
	_topo_ip -n xa <<-EOF || return 1
	addr add 198.18.1.1/24 dev a0
	link set a0 up
	link set lo up
	route add default via 198.18.1.254
	EOF
	_topo_ip -n xr <<-EOF || return 1
	addr add 198.18.1.254/24 dev r0
	addr add 198.18.2.254/24 dev r1
	link set r0 up
	link set r1 up
	link set lo up
	EOF
	_topo_ip -n xb <<-EOF || return 1
	addr add 198.18.2.2/24 dev b0
	link set b0 up
	link set lo up
	route add default via 198.18.2.254
	EOF
	ip netns exec xr sysctl -qw net.ipv4.ip_forward=1
}

# _topo_rewrite DEV FROM TO - tc commands: on DEV's ingress, set IP protocol
# FROM to TO and recompute the IP header checksum
_topo_rewrite() {
	echo "qdisc add dev $1 ingress"
	echo "filter add dev $1 parent ffff: protocol ip prio 1 u32" \
	     "match ip protocol $2 0xff" \
	     "action pedit ex munge ip protocol set $3 pipe action csum ip4h"
}

# _topo_no_offload NS DEV... - segmentation and checksums in software only,
# so that the rewritten Linux TCP segments stay valid
_topo_no_offload() {
	local ns=$1 dev

	shift
	for dev in "$@"; do
		ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off tx off \
			>/dev/null || { echo "# topo: ethtool -K $dev failed" >&2; return 1; }
	done
}

topo_interop() {
	topo_router || return 1
	{ _topo_rewrite r0 253 6; _topo_rewrite r1 6 253; } | tc -n xr -batch - ||
		{ echo "# topo: tc rewrite rules failed" >&2; return 1; }
	_topo_no_offload xb b0 &&
	_topo_no_offload xr r1 r0 &&
	_topo_no_offload xa a0
}

# tap_plan N - announce N results
tap_plan() {
	_tap_plan=$1
	echo "1..$1"
}

# tap_ok NAME
tap_ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n $1"
}

# tap_fail NAME WHY
tap_fail() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n $1"
	[[ -z "${2:-}" ]] || printf '# %s\n' "${2//$'\n'/$'\n'# }"
}

# tap_skip NAME WHY
tap_skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n $1 # SKIP ${2:-}"
}

# tap_check NAME CMD... - ok if CMD succeeds, else fail showing its output
tap_check() {
	local name=$1 out

	shift
	if out=$("$@" 2>&1); then
		tap_ok "$name"
	else
		tap_fail "$name" "$* failed (status $?)${out:+: $out}"
	fi
}

# tap_done - end the results; exit status 1 if any failed or went missing
tap_done() {
	if [[ -z "$_tap_plan" ]]; then
		echo "1..$_tap_n"
	elif [[ $_tap_n != "$_tap_plan" ]]; then
		echo "# planned $_tap_plan results, reported $_tap_n"
		exit 1
	fi
	[[ $_tap_failed == 0 ]] || exit 1
	exit 0
}

# xtcp_snmp NS NAME - print counter NAME of /proc/net/xtcp/snmp in NS
xtcp_snmp() {
	ip netns exec "$1" awk -v name="$2" '$1 == name { print $2; found = 1 }
		END { exit !found }' /proc/net/xtcp/snmp
}

# xtcp_sockets NS - print /proc/net/xtcp/sockets of NS
xtcp_sockets() {
	ip netns exec "$1" cat /proc/net/xtcp/sockets
}

# xtcp_state NS LOCAL REMOTE - print the state of the socket LOCAL REMOTE
# (addresses as 198.18.0.1:5000); fails if there is none
xtcp_state() {
	ip netns exec "$1" awk -v l="$2" -v r="$3" \
		'NR > 1 && $2 == l && $3 == r { print $4; found = 1; exit }
		END { exit !found }' /proc/net/xtcp/sockets
}

# xtcp_sysctl NS NAME [VALUE] - set net.xtcp.NAME in NS, or print it
xtcp_sysctl() {
	if [[ $# -lt 3 ]]; then
		ip netns exec "$1" cat "/proc/sys/net/xtcp/$2"
		return
	fi
	ip netns exec "$1" bash -c 'echo "$2" > "/proc/sys/net/xtcp/$1"' _ "$2" "$3"
}

# wait_for TIMEOUT_S CMD... - run CMD every 0.1 s until it succeeds; fails
# after TIMEOUT_S seconds
wait_for() {
	local deadline=$((SECONDS + $1))

	shift
	until "$@"; do
		[[ $SECONDS -lt $deadline ]] || return 1
		sleep 0.1
	done
}

# xtcp_family - print the address family number the loaded module uses
xtcp_family() {
	cat /sys/module/xtcp/parameters/family 2>/dev/null || echo 27
}
