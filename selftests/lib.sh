# SPDX-License-Identifier: GPL-2.0
#
# xtcp_lib for bash: the helpers of xtcp's shell scenarios, of
# selftests/topo.sh (the C tests' topologies) and of tools/demo.sh and
# tools/bench.sh; the C side is tools/lib/xtcp_lib.h. Every function is
# named xl_*, every variable it sets for its callers XL_*. Sourced as
#
#	source "$(dirname "$0")/lib.sh"
#
# Tests. A scenario registers its tests and hands its arguments to xl_main,
# which lists them (-l), filters them as the C harness does (-t/-T test,
# -f/-F file, -r file.test), runs them one after the other, each in a
# subshell, and prints TAP: one line per test, named FILE.TEST, FILE being
# the scenario's file name without .sh. It exits with a kselftest code.
#   xl_test NAME [FUNC [ARG...]]  register test NAME, which runs FUNC ARG...
#                                 (FUNC defaults to NAME)
#   xl_main "$@"
# Within a test (a failed check fails the test, which goes on; return
# non-zero to stop it there, failed):
#   xl_check DESC CMD...  ok if CMD succeeds, else a failure with its output
#   xl_pass DESC, xl_fail DESC [WHY], xl_skip WHY (ends the test, skipped)
#   xl_track PID...       processes killed when the test ends
#   xl_work_dir           make the test's scratch directory $XL_WORK
# When a test ends, its processes are killed, its namespaces deleted and
# its scratch directory removed.
#
# Namespaces: $XL_NS_A, $XL_NS_B, $XL_NS_R are xa-TAG, xb-TAG and xr-TAG,
# TAG being $XTCP_NS_TAG (the runner sets one per test file), else random
# (and then exported, for the commands the test runs). Only these are ever
# created or deleted.
#   xl_topo_veth     A (xa0 $XL_IP_A/24) <-> B (xb0 $XL_IP_B/24)
#   xl_topo_router   A (a0 $XL_IP_RA/24) <-> R (r0 198.18.1.254/24,
#                    r1 198.18.2.254/24, forwarding) <-> B (b0 $XL_IP_RB/24)
#   xl_topo_interop  xl_topo_router, and R rewrites IP protocol 253 -> 6 on
#                    r0's ingress and 6 -> 253 on r1's: A speaks xtcp, B
#                    Linux TCP (offloads off, so that checksums stay right)
#   xl_topo_clean    delete the namespaces above
# Module: xl_module_load [PARAM...], xl_module_loaded, xl_module_unloaded,
#   xl_module_unload SECS (retry rmmod for SECS s), xl_family, xl_ipproto
# /proc and sysctls (NS is a namespace, LOCAL/REMOTE are a.b.c.d:port):
#   xl_snmp NS NAME, xl_snmp_nonzero NS, xl_sockets NS, xl_state NS LOCAL
#   REMOTE, xl_has_state NS LOCAL REMOTE STATE, xl_listening NS PORT,
#   xl_no_sockets NS, xl_sysctl NS NAME [VALUE], xl_sysctl_all NS,
#   xl_tcp_listening NS PORT, xl_tcp_estab NS SRC DST, xl_show_sockets NS...
# System calls whose errno is the point: xl_errno [-n NS] insmod|socket|
#   write ... (build/tools/xtcp-sys) prints OK or the errno's name
# tc: xl_netem NS DEV OPTION..., xl_tc_clear NS DEV, xl_tc_count NS DEV
#   PROTO and xl_tc_counted NS DEV (packets of an IP protocol arriving)
# Captures (dumpcap, tshark): xl_capture_start NS DEV FILE,
#   xl_capture_stop, xl_capture_fields FILE FIELD... (decoded as TCP)
# Transfers: xl_size_of FILE..., xl_watch_progress SECS "FILE..." PID...
# Misc: xl_wait_for SECS CMD..., xl_wait_exit PID SECS, xl_modules
# Sourcing this runs no program, and the helpers run as few as they can:
# under TCG each costs up to a second.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

_xl_dir=.
[[ ${BASH_SOURCE[0]} != */* ]] || _xl_dir=${BASH_SOURCE[0]%/*}
[[ $_xl_dir == /* ]] || _xl_dir=$PWD/$_xl_dir
XL_REPO=${_xl_dir%/selftests}
[[ $XL_REPO != "$_xl_dir" ]] || XL_REPO=$_xl_dir/..
XL_XTCPCAT=$XL_REPO/build/tools/xtcpcat
XL_SYS=$XL_REPO/build/tools/xtcp-sys
XL_KO=${XTCP_KO:-$XL_REPO/xtcp.ko}
XL_FILE=${0##*/}
XL_FILE=${XL_FILE%.sh}

if [[ ! "${XTCP_NS_TAG:-}" =~ ^[0-9a-z]{1,8}$ ]]; then
	printf -v XTCP_NS_TAG '%04x%04x' "$RANDOM" "$RANDOM"
fi
export XTCP_NS_TAG
XL_NS_A=xa-$XTCP_NS_TAG
XL_NS_B=xb-$XTCP_NS_TAG
XL_NS_R=xr-$XTCP_NS_TAG
XL_IP_A=198.18.0.1
XL_IP_B=198.18.0.2
XL_IP_RA=198.18.1.1
XL_IP_RB=198.18.2.2
XL_WORK=

XL_MODULES=(veth sch_netem sch_ingress sch_prio sch_tbf cls_u32 cls_matchall
	    act_gact act_pedit crc32c_generic libcrc32c act_csum act_mirred)

# Tests

_xl_names=()
_xl_cmds=()
_xl_failed=0
_xl_pids=()
_xl_skip_file=

# xl_test NAME [FUNC [ARG...]] - register test NAME, which runs FUNC
# (default: the function NAME) with the ARGs
xl_test() {
	local name=$1

	shift
	(($#)) || set -- "$name"
	_xl_names+=("$name")
	_xl_cmds+=("$(printf '%q ' "$@")")
}

# _xl_enabled NAME FILTER... - whether the filters ("-t name" ...) enable
# test NAME: the first that matches decides; with no including filter,
# every test not excluded runs
_xl_enabled() {
	local name=$1 opt arg positive=0

	shift
	while (($# >= 2)); do
		opt=$1 arg=$2
		shift 2
		[[ $opt == -[tfr] ]] && positive=1
		case "$opt" in
		-t | -T) [[ $arg == "$name" ]] || continue ;;
		-f | -F) [[ $arg == "$XL_FILE" ]] || continue ;;
		-r) [[ $arg == "$XL_FILE.$name" ]] || continue ;;
		esac
		[[ $opt == -[tfr] ]]
		return
	done
	((!positive))
}

_xl_usage() {
	echo "usage: $0 [-h|-l] [-t|-T|-f|-F|-r name]..." >&2
	echo "  -l list the tests; -t/-T include/exclude a test, -f/-F the" \
	     "file ($XL_FILE), -r $XL_FILE.test include that test" >&2
	exit "$1"
}

# _xl_run NUMBER NAME CMD - run one test in a subshell, print its TAP line;
# returns its result
_xl_run() {
	local n=$1 name=$XL_FILE.$2 cmd=$3 rc

	echo "#  RUN           $name ..."
	(
		trap _xl_test_end EXIT
		eval "$cmd"
		rc=$?
		((rc == KSFT_SKIP)) && exit "$KSFT_SKIP"
		((rc == 0 || _xl_failed)) || echo "# $name: stopped with status $rc"
		((rc == 0 && _xl_failed == 0))
	)
	rc=$?
	case "$rc" in
	"$KSFT_PASS")
		echo "#            OK  $name"
		echo "ok $n $name"
		;;
	"$KSFT_SKIP")
		echo "#          SKIP  $name"
		echo "ok $n $name # SKIP $(cat "$_xl_skip_file" 2>/dev/null)"
		;;
	*)
		echo "#          FAIL  $name"
		echo "not ok $n $name"
		rc=$KSFT_FAIL
		;;
	esac
	return "$rc"
}

# xl_main ARG... - list or run the registered tests; exits
xl_main() {
	local opt filters=() run=() list=0 i n pass=0 fail=0 skip=0

	while getopts "hlt:T:f:F:r:" opt; do
		case "$opt" in
		h) _xl_usage 0 ;;
		l) list=1 ;;
		[tTfFr]) filters+=("-$opt" "$OPTARG") ;;
		*) _xl_usage 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	(($# == 0)) || _xl_usage 2
	for i in "${!_xl_names[@]}"; do
		_xl_enabled "${_xl_names[i]}" "${filters[@]}" && run+=("$i")
	done
	if ((list)); then
		for i in "${run[@]}"; do
			echo "$XL_FILE.${_xl_names[i]}"
		done
		exit 0
	fi

	_xl_skip_file=$(mktemp /tmp/xtcp-skip.XXXXXX)
	echo "TAP version 13"
	echo "1..${#run[@]}"
	n=0
	for i in "${run[@]}"; do
		n=$((n + 1))
		: > "$_xl_skip_file"
		_xl_run "$n" "${_xl_names[i]}" "${_xl_cmds[i]}"
		case "$?" in
		"$KSFT_PASS") pass=$((pass + 1)) ;;
		"$KSFT_SKIP") skip=$((skip + 1)) ;;
		*) fail=$((fail + 1)) ;;
		esac
	done
	rm -f "$_xl_skip_file"
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
	((fail == 0)) || exit "$KSFT_FAIL"
	((pass == 0 && skip > 0)) && exit "$KSFT_SKIP"
	exit "$KSFT_PASS"
}

# End of a test's subshell: kill its processes, delete its namespaces,
# remove its scratch directory; the exit status stays
_xl_test_end() {
	local pid

	for pid in "${_xl_pids[@]}"; do
		kill "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	xl_topo_clean
	[[ -z $XL_WORK ]] || rm -rf "$XL_WORK"
}

# xl_pass DESC
xl_pass() {
	echo "# ok: $1"
}

# xl_fail DESC [WHY]
xl_fail() {
	_xl_failed=$((_xl_failed + 1))
	echo "# FAIL: $1"
	[[ -z "${2:-}" ]] || printf '#   %s\n' "${2//$'\n'/$'\n'#   }"
	return 1
}

# xl_skip WHY - end the test, skipped
xl_skip() {
	echo "# SKIP: $1"
	[[ -z $_xl_skip_file ]] || echo "$1" > "$_xl_skip_file"
	exit "$KSFT_SKIP"
}

# xl_check DESC CMD... - ok if CMD succeeds, else fail showing its output
xl_check() {
	local desc=$1 out rc

	shift
	out=$("$@" 2>&1)
	rc=$?
	if ((rc == 0)); then
		xl_pass "$desc"
	else
		xl_fail "$desc" "$* failed (status $rc)${out:+: $out}"
	fi
}

# xl_track PID... - kill these processes when the test ends
xl_track() {
	_xl_pids+=("$@")
}

# xl_work_dir - make the test's scratch directory $XL_WORK
xl_work_dir() {
	XL_WORK=$(mktemp -d "/tmp/xtcp-$XL_FILE.XXXXXX")
}

# xl_wait_for SECS CMD... - run CMD every 0.1 s until it succeeds; fails
# after SECS seconds
xl_wait_for() {
	local deadline=$((SECONDS + $1))

	shift
	until "$@"; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

# xl_wait_exit PID SECS - wait up to SECS for PID (a child) to exit, then
# kill it; its exit status
xl_wait_exit() {
	timeout "$2" tail --pid="$1" -f /dev/null || kill "$1" 2>/dev/null
	wait "$1"
}

# Topologies

# _xl_ip [-n NS] - run the ip commands on stdin, one per line
_xl_ip() {
	local cmds

	IFS= read -r -d '' cmds
	ip "$@" -batch - <<<"$cmds" && return 0
	echo "# topo: ip $* failed on:" >&2
	printf '#   %s\n' "${cmds//$'\n'/$'\n'#   }" >&2
	return 1
}

# xl_modules - load the kernel modules the topologies and scenarios use
xl_modules() {
	local m todo=()

	for m in "${XL_MODULES[@]}"; do
		[[ -d /sys/module/$m ]] || todo+=("$m")
	done
	((${#todo[@]} == 0)) || modprobe -a "${todo[@]}"
}

xl_topo_clean() {
	local ns cmds=

	for ns in "$XL_NS_A" "$XL_NS_B" "$XL_NS_R"; do
		[[ ! -e /run/netns/$ns ]] || cmds+="netns delete $ns"$'\n'
	done
	[[ -z $cmds ]] || ip -batch - <<<"$cmds"
}

xl_topo_veth() {
	xl_topo_clean
	xl_modules || return 1
	_xl_ip <<-EOF || return 1
	netns add $XL_NS_A
	netns add $XL_NS_B
	link add xa0 netns $XL_NS_A type veth peer name xb0 netns $XL_NS_B
	EOF
	_xl_ip -n "$XL_NS_A" <<-EOF || return 1
	addr add $XL_IP_A/24 dev xa0
	link set xa0 up
	link set lo up
	EOF
	_xl_ip -n "$XL_NS_B" <<-EOF
	addr add $XL_IP_B/24 dev xb0
	link set xb0 up
	link set lo up
	EOF
}

# Two veth paths between A and B: xa0/xb0 with XL_IP_A/XL_IP_B, and
# xa1/xb1 with 198.18.3.1/198.18.3.2 (for SO_BINDTODEVICE)
xl_topo_veth2() {
	xl_topo_veth || return 1
	_xl_ip <<-EOF || return 1
	link add xa1 netns $XL_NS_A type veth peer name xb1 netns $XL_NS_B
	EOF
	_xl_ip -n "$XL_NS_A" <<-EOF || return 1
	addr add 198.18.3.1/24 dev xa1
	link set xa1 up
	EOF
	_xl_ip -n "$XL_NS_B" <<-EOF
	addr add 198.18.3.2/24 dev xb1
	link set xb1 up
	EOF
}

xl_topo_router() {
	xl_topo_clean
	xl_modules || return 1
	_xl_ip <<-EOF || return 1
	netns add $XL_NS_A
	netns add $XL_NS_R
	netns add $XL_NS_B
	link add a0 netns $XL_NS_A type veth peer name r0 netns $XL_NS_R
	link add r1 netns $XL_NS_R type veth peer name b0 netns $XL_NS_B
	EOF
	_xl_ip -n "$XL_NS_A" <<-EOF || return 1
	addr add $XL_IP_RA/24 dev a0
	link set a0 up
	link set lo up
	route add default via 198.18.1.254
	EOF
	_xl_ip -n "$XL_NS_R" <<-EOF || return 1
	addr add 198.18.1.254/24 dev r0
	addr add 198.18.2.254/24 dev r1
	link set r0 up
	link set r1 up
	link set lo up
	EOF
	_xl_ip -n "$XL_NS_B" <<-EOF || return 1
	addr add $XL_IP_RB/24 dev b0
	link set b0 up
	link set lo up
	route add default via 198.18.2.254
	EOF
	ip netns exec "$XL_NS_R" sysctl -qw net.ipv4.ip_forward=1
}

# _xl_rewrite DEV FROM TO - tc commands: on DEV's ingress, set IP protocol
# FROM to TO and recompute the IP header checksum
_xl_rewrite() {
	echo "qdisc add dev $1 ingress"
	echo "filter add dev $1 parent ffff: protocol ip prio 1 u32" \
	     "match ip protocol $2 0xff" \
	     "action pedit ex munge ip protocol set $3 pipe action csum ip4h"
}

# _xl_no_offload NS DEV... - segmentation and checksums in software only,
# so that the rewritten Linux TCP segments stay valid
_xl_no_offload() {
	local ns=$1 dev

	shift
	for dev in "$@"; do
		ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off tx off \
			>/dev/null || { echo "# topo: ethtool -K $dev failed" >&2; return 1; }
	done
}

xl_topo_interop() {
	xl_topo_router || return 1
	{ _xl_rewrite r0 253 6; _xl_rewrite r1 6 253; } | tc -n "$XL_NS_R" -batch - ||
		{ echo "# topo: tc rewrite rules failed" >&2; return 1; }
	_xl_no_offload "$XL_NS_B" b0 &&
	_xl_no_offload "$XL_NS_R" r1 r0 &&
	_xl_no_offload "$XL_NS_A" a0
}

# Module

xl_module_loaded() {
	[[ -d /sys/module/xtcp && -e /proc/net/xtcp/snmp ]]
}

xl_module_unloaded() {
	[[ ! -e /sys/module/xtcp && ! -e /proc/net/xtcp ]]
}

# xl_module_load [PARAM...] - insmod $XL_KO
xl_module_load() {
	insmod "$XL_KO" "$@"
}

# xl_module_unload SECS - rmmod, retried for SECS s while orphaned
# connections keep the module busy
xl_module_unload() {
	xl_wait_for "$1" rmmod xtcp 2>/dev/null && xl_module_unloaded
}

# xl_family - the address family number the loaded module uses
xl_family() {
	cat /sys/module/xtcp/parameters/family 2>/dev/null || echo 27
}

# xl_ipproto - the IP protocol number the loaded module uses
xl_ipproto() {
	cat /sys/module/xtcp/parameters/ipproto 2>/dev/null || echo 253
}

# xl_errno [-n NS] insmod FILE [PARAMS] | socket FAMILY | write FILE VALUE
# - make the system call (finit_module, socket(FAMILY, SOCK_STREAM, 0), one
# write(2)), in NS if given, and print OK or the errno's name
xl_errno() {
	if [[ $1 == -n ]]; then
		ip netns exec "$2" "$XL_SYS" "${@:3}"
	else
		"$XL_SYS" "$@"
	fi
}

# /proc and sysctls

# xl_snmp NS NAME - print counter NAME of /proc/net/xtcp/snmp in NS
xl_snmp() {
	ip netns exec "$1" awk -v name="$2" '$1 == name { print $2; found = 1 }
		END { exit !found }' /proc/net/xtcp/snmp
}

# xl_snmp_nonzero NS - the non-zero counters of NS as "Name=value ..."
xl_snmp_nonzero() {
	ip netns exec "$1" awk '$2 != 0 { printf "%s=%s ", $1, $2 }' /proc/net/xtcp/snmp
}

# xl_sockets NS - print /proc/net/xtcp/sockets of NS
xl_sockets() {
	ip netns exec "$1" cat /proc/net/xtcp/sockets
}

# xl_state NS LOCAL REMOTE - print the state of the socket LOCAL REMOTE;
# fails if there is none
xl_state() {
	ip netns exec "$1" awk -v l="$2" -v r="$3" \
		'NR > 1 && $2 == l && $3 == r { print $4; found = 1; exit }
		END { exit !found }' /proc/net/xtcp/sockets
}

# xl_has_state NS LOCAL REMOTE STATE
xl_has_state() {
	[[ "$(xl_state "$1" "$2" "$3")" == "$4" ]]
}

# xl_listening NS PORT - an xtcp socket listens on 0.0.0.0:PORT in NS
xl_listening() {
	xl_has_state "$1" "0.0.0.0:$2" 0.0.0.0:0 LISTEN
}

# xl_no_sockets NS - /proc/net/xtcp/sockets of NS has no row
xl_no_sockets() {
	[[ $(ip netns exec "$1" wc -l < /proc/net/xtcp/sockets) == 1 ]]
}

# xl_show_sockets NS... - the xtcp sockets and Linux TCP sockets of the
# namespaces, as TAP comments
xl_show_sockets() {
	local ns

	for ns; do
		xl_sockets "$ns" | sed "s/^/# $ns: /"
		ip netns exec "$ns" ss -Htni 2>/dev/null | sed "s/^/# $ns tcp: /"
	done
}

# xl_sysctl NS NAME [VALUE] - set net.xtcp.NAME in NS, or print it
xl_sysctl() {
	if (($# < 3)); then
		ip netns exec "$1" cat "/proc/sys/net/xtcp/$2"
		return
	fi
	ip netns exec "$1" bash -c 'echo "$2" > "/proc/sys/net/xtcp/$1"' _ "$2" "$3"
}

# xl_sysctl_all NS - every net.xtcp sysctl of NS, "NAME VALUE" a line (one
# program run for all)
xl_sysctl_all() {
	ip netns exec "$1" grep -H . /proc/sys/net/xtcp/* |
		sed 's|^/proc/sys/net/xtcp/\([^:]*\):| \1 |; s/^ //'
}

# xl_tcp_listening NS PORT - a Linux TCP socket listens on PORT in NS
xl_tcp_listening() {
	[[ -n "$(ip netns exec "$1" ss -Htln "sport = :$2")" ]]
}

# xl_tcp_estab NS SRC DST - a Linux TCP connection SRC -> DST is
# established in NS
xl_tcp_estab() {
	[[ -n "$(ip netns exec "$1" ss -Htn state established "src $2 and dst $3")" ]]
}

# tc

# xl_netem NS DEV OPTION... - a netem root qdisc on DEV
xl_netem() {
	local ns=$1 dev=$2

	shift 2
	tc -n "$ns" qdisc add dev "$dev" root netem "$@"
}

# xl_tc_clear NS DEV - remove the qdiscs (and filters) tests add to DEV
xl_tc_clear() {
	local show cmds=

	show=$(tc -n "$1" qdisc show dev "$2") || return
	[[ $show != *"qdisc clsact "* ]] || cmds+="qdisc del dev $2 clsact"$'\n'
	[[ $show != *"qdisc prio "* && $show != *"qdisc netem "* ]] ||
		cmds+="qdisc del dev $2 root"$'\n'
	[[ -z $cmds ]] || tc -n "$1" -batch - <<<"$cmds"
}

# xl_tc_count NS DEV PROTO - count the packets of IP protocol PROTO that
# arrive at DEV
xl_tc_count() {
	tc -n "$1" qdisc add dev "$2" clsact &&
	tc -n "$1" filter add dev "$2" ingress protocol ip prio 1 u32 \
		match ip protocol "$3" 0xff action pass
}

# xl_tc_counted NS DEV - the packets xl_tc_count counted
xl_tc_counted() {
	tc -n "$1" -s filter show dev "$2" ingress |
		awk '$1 == "Sent" { print $4; exit }'
}

# Captures

# xl_capture_start NS DEV FILE - capture xtcp's IP protocol on DEV into
# the pcap FILE with dumpcap, in the background (pid XL_CAPTURE_PID)
xl_capture_start() {
	ip netns exec "$1" dumpcap -q -i "$2" -f "ip proto $(xl_ipproto)" \
		-w "$3" 2>"$3.err" &
	XL_CAPTURE_PID=$!
	xl_track "$XL_CAPTURE_PID"
	xl_wait_for 60 grep -q "Capturing on" "$3.err" ||
		{ echo "# dumpcap did not start: $(cat "$3.err")" >&2; return 1; }
}

# xl_capture_stop - end the capture, with all it caught written
xl_capture_stop() {
	kill -INT "$XL_CAPTURE_PID"
	wait "$XL_CAPTURE_PID" 2>/dev/null
}

# xl_capture_fields FILE FIELD... - the segments of pcap FILE decoded by
# tshark as TCP, one line each with the fields (tcp.seq, ...) separated by
# tabs; sequence numbers absolute
xl_capture_fields() {
	local file=$1 f args=()

	shift
	for f; do
		args+=(-e "$f")
	done
	tshark -r "$file" -d "ip.proto==$(xl_ipproto),tcp" \
		-o tcp.relative_sequence_numbers:FALSE -T fields \
		-E separator=/t "${args[@]}" 2>/dev/null
}

# Transfers

# xl_size_of FILE... - total size in bytes of the FILEs that exist
xl_size_of() {
	local f total=0

	for f; do
		[[ -e "$f" ]] && total=$((total + $(stat -c %s "$f")))
	done
	echo "$total"
}

# xl_watch_progress SECS "FILE..." PID... - wait for the PIDs to exit while
# the FILEs grow. If they do not grow for SECS seconds, show the sockets
# of the namespaces, kill the PIDs and fail.
xl_watch_progress() {
	local secs=$1 files pid alive size last=-1 since=$SECONDS

	read -r -a files <<<"$2"
	shift 2
	while :; do
		alive=0
		for pid; do
			kill -0 "$pid" 2>/dev/null && alive=1
		done
		((alive)) || return 0
		size=$(xl_size_of "${files[@]}")
		if [[ $size != "$last" ]]; then
			last=$size
			since=$SECONDS
		elif ((SECONDS - since >= secs)); then
			echo "# stalled: no data arrived for $secs s ($size bytes in all)"
			xl_show_sockets "$XL_NS_A" "$XL_NS_B"
			kill "$@" 2>/dev/null
			return 1
		fi
		sleep 1
	done
}
