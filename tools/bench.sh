#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# xtcp benchmark, run inside the test VM by `make bench`: xtcp and Linux
# TCP back to back on the same veth pair (selftests/topo.sh veth), with
# build/tools/xtcp-bench as client in xa and server in xb (the namespaces
# $XL_NS_A and $XL_NS_B of selftests/lib.sh), for each mode:
#
#   bulk  XTCP_BENCH_BYTES (default 64M) one way, Mbit/s
#   rr    1-byte request/response on one connection for XTCP_BENCH_SECS
#         (default 3) seconds, transactions/s and mean latency
#   crr   connect/request/response/close for XTCP_BENCH_SECS, connections/s
#
# Segmentation offloads (tso, gso, gro) are off on xa0 and xb0 for both
# protocols, since xtcp has none; Linux TCP with them on is measured too, as
# a reference. TIME_WAIT is kept short for crr: net.xtcp.msl_ms and
# net.ipv4.tcp_tw_reuse in both namespaces.
#
# An emulated VM on a shared host is noisy, so each mode runs
# XTCP_BENCH_ROUNDS (default 2) rounds of xtcp, tcp and tcp with offloads,
# in alternating order, and the table shows each column's best round.
# Every run's output is shown with what it cost in drops and recovery: the
# veth pair's and the per-CPU backlog's drops, and the retransmission and
# receive-drop counters of xtcp (/proc/net/xtcp/snmp) or Linux TCP
# (/proc/net/snmp, /proc/net/netstat). Exits non-zero if a run failed.

set -u

REPO=$(cd "$(dirname "$0")/.." && pwd)
source "$REPO/selftests/lib.sh"

BENCH=$REPO/build/tools/xtcp-bench
SERVER=$XL_IP_B
BYTES=${XTCP_BENCH_BYTES:-64M}
SECS=${XTCP_BENCH_SECS:-3}
ROUNDS=${XTCP_BENCH_ROUNDS:-2}
MSL_MS=100
STALL_S=30
OFFLOADS=(tso gso gro)
XTCP_COUNTERS=(RetransSegs Timeouts FastRetrans DupAcksIn OfoQueued
	       ZeroWindowProbes InErrs InCsumErrors BacklogDrop RcvQDrop)
TCP_COUNTERS=(Tcp.RetransSegs TcpExt.TCPTimeouts TcpExt.TCPFastRetrans
	      TcpExt.TCPOFOQueue Tcp.InErrs Tcp.InCsumErrors
	      TcpExt.TCPBacklogDrop TcpExt.TCPRcvQDrop)
DROPS=(xa0.tx_drop xa0.rx_drop xb0.tx_drop xb0.rx_drop backlog.drop)
WORK=$(mktemp -d /tmp/xtcp-bench.XXXXXX)
port=5200
failed=0
offload_state=
declare -A result holder before after
declare -A netns=([xa]=$XL_NS_A [xb]=$XL_NS_B)

die() {
	echo "bench: $*" >&2
	exit 1
}

cleanup() {
	local pid

	for pid in "${holder[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid"
	done
	xl_topo_clean
	rm -rf "$WORK"
}

# offloads on|off - set tso/gso/gro on both ends of the veth pair
offloads() {
	local args=() o

	[[ $offload_state != "$1" ]] || return 0
	for o in "${OFFLOADS[@]}"; do
		args+=("$o" "$1")
	done
	ip netns exec "$XL_NS_A" ethtool -K xa0 "${args[@]}" &&
	ip netns exec "$XL_NS_B" ethtool -K xb0 "${args[@]}" ||
		die "ethtool -K ${args[*]} failed"
	offload_state=$1
}

# read_pairs FILE PREFIX ARRAY - add the "Section: names" / "Section:
# values" line pairs of a /proc/net/snmp-style FILE to ARRAY as
# PREFIX.Section.name
read_pairs() {
	local -n into=$3
	local -a names values
	local i

	while read -r -a names && read -r -a values; do
		for ((i = 1; i < ${#names[@]}; i++)); do
			into[$2.${names[0]%:}.${names[i]}]=${values[i]}
		done
	done < "$1"
}

# snapshot ARRAY - the xtcp and TCP counters of xa and xb, the veth pair's
# drops and the per-CPU backlog drops, read through the namespaces'
# holder processes without starting any program
snapshot() {
	local -n snap=$1
	local ns name value line backlog=0
	local -a f

	snap=()
	for ns in xa xb; do
		while read -r name value; do
			snap[$ns.$name]=$value
		done < "/proc/${holder[$ns]}/net/xtcp/snmp"
		read_pairs "/proc/${holder[$ns]}/net/snmp" "$ns" "$1"
		read_pairs "/proc/${holder[$ns]}/net/netstat" "$ns" "$1"
		while IFS= read -r line; do
			read -r -a f <<<"${line/:/ }"
			[[ ${f[0]} == "${ns}0" ]] || continue
			snap[${ns}0.rx_drop]=${f[4]}
			snap[${ns}0.tx_drop]=${f[12]}
		done < "/proc/${holder[$ns]}/net/dev"
	done
	while read -r _ value _; do
		backlog=$((backlog + 0x$value))
	done < /proc/net/softnet_stat
	snap[backlog.drop]=$backlog
}

# deltas PREFIX NAME... - " NAME=+delta" for each counter PREFIX.NAME that
# moved between the arrays before and after, or " none"
deltas() {
	local prefix=$1 name d out=

	shift
	for name in "$@"; do
		d=$((${after[$prefix$name]:-0} - ${before[$prefix$name]:-0}))
		[[ $d == 0 ]] || out+=" ${name#*.}=+$d"
	done
	echo "${out:- none}"
}

# holders_ready - whether the holder processes are in their namespaces
holders_ready() {
	local ns

	for ns in xa xb; do
		[[ /proc/${holder[$ns]}/ns/net -ef /run/netns/${netns[$ns]} ]] || return 1
	done
}

# show PREFIX FILE - print FILE with PREFIX before each line; sets the
# global "line" to FILE's RESULT line, if any
show() {
	local l

	line=
	while IFS= read -r l; do
		echo "$1$l"
		[[ $l != "RESULT "* ]] || line=$l
	done < "$2"
}

# record KEY MODE - keep the fields of the RESULT line in "line" as KEY's
# result if it is KEY's best so far (all of KEY's values have the same
# number of decimals)
record() {
	local key=$1 mode=$2 f
	local -A res

	for f in $line; do
		res[${f%%=*}]=${f#*=}
	done
	if [[ -n "${result[$key]:-}" ]]; then
		f=${result[$key]%% *}
		((10#${res[value]//./} > 10#${f//./})) || return 0
	fi
	result[$key]="${res[value]} ${res[unit]}"
	[[ $mode != rr ]] || result[$key.lat]="${res[latency_us]} us"
}

# run KEY PROTO MODE - one client run against a fresh server
run() {
	local key=$1 proto=$2 mode=$3 flag= srv_fd srv_pid rc ns l start=$SECONDS
	local cli_log=$WORK/client max=1 extra=() up=0 srv_done=

	[[ $proto == xtcp ]] || flag=-T
	[[ $mode != crr ]] || max=0
	case "$mode" in
	bulk) extra=(-b "$BYTES") ;;
	*) extra=(-t "$SECS") ;;
	esac
	port=$((port + 1))

	echo
	echo "== $key: $proto $mode, offloads ${OFFLOADS[*]} $offload_state"
	snapshot before
	"$BENCH" -N "$XL_NS_B" -s $flag -p "$port" -n "$max" > "$WORK/server" 2>&1 &
	srv_pid=$!
	exec {srv_fd}< "$WORK/server"
	while IFS= read -r -t 30 -u "$srv_fd" l; do
		[[ $l != "Server listening"* ]] || { up=1; break; }
		[[ $l == -* ]] || echo "  server: $l"
	done
	if [[ $up == 1 ]]; then
		"$BENCH" -N "$XL_NS_A" -c "$SERVER" $flag -p "$port" -m "$mode" \
			-w "$STALL_S" "${extra[@]}" > "$cli_log" 2>&1
		rc=$?
	else
		echo "bench: $key: the server did not start"
		rc=1
	fi
	kill -TERM "$srv_pid" 2>/dev/null
	snapshot after
	show "  " "$cli_log"
	while IFS= read -r -t "$STALL_S" -u "$srv_fd" l; do
		[[ $l == -* ]] || echo "  server: $l"
		[[ $l != "Server done: "* ]] || srv_done=$l
	done
	exec {srv_fd}<&-
	wait "$srv_pid"
	if [[ $srv_done != *" 0 errors" ]]; then
		echo "bench: $key: the server failed or did not finish"
		[[ $rc != 0 ]] || rc=1
	fi
	echo "  dropped:$(deltas "" "${DROPS[@]}")"
	for ns in xa xb; do
		if [[ $proto == xtcp ]]; then
			echo "  xtcp counters in $ns:$(deltas "$ns." "${XTCP_COUNTERS[@]}")"
		else
			echo "  tcp counters in $ns:$(deltas "$ns." "${TCP_COUNTERS[@]}")"
		fi
	done
	echo "  run took $((SECONDS - start)) s"
	if [[ $rc != 0 || -z "$line" ]]; then
		echo "bench: $key: failed (exit status $rc)"
		failed=$((failed + 1))
		return
	fi
	record "$key" "$mode"
}

run_xtcp() {
	offloads off
	run "xtcp.$1" xtcp "$1"
}

run_tcp() {
	offloads off
	run "tcp.$1" tcp "$1"
}

run_tcp_offload() {
	offloads on
	run "tcp-offload.$1" tcp "$1"
}

# ratio A B - A/B of two "value unit" results, or "-"
ratio() {
	[[ $1 != FAIL && $2 != FAIL ]] || { echo -; return; }
	awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN {
		if (b > 0)
			printf "%.2f\n", a / b
		else
			print "-"
	}'
}

table_row() {
	printf '%-14s | %-16s | %-16s | %-8s | %s\n' "$@"
}

# row LABEL KEY - one table row from the best xtcp.KEY, tcp.KEY and
# tcp-offload.KEY
row() {
	local x=${result[xtcp.$2]:-FAIL} t=${result[tcp.$2]:-FAIL}

	table_row "$1" "$x" "$t" "$(ratio "$x" "$t")" \
		"${result[tcp-offload.$2]:-FAIL}"
}

[[ -x "$BENCH" ]] || die "$BENCH missing: run make"
if [[ ! -d /sys/module/xtcp ]]; then
	xl_module_load || die "insmod $XL_KO failed"
fi
trap cleanup EXIT
mkfifo "$WORK/server" || die "mkfifo failed"
xl_topo_veth || die "topology setup failed"
for ns in xa xb; do
	xl_sysctl "${netns[$ns]}" msl_ms "$MSL_MS" ||
		die "cannot set net.xtcp.msl_ms in $ns"
	ip netns exec "${netns[$ns]}" sysctl -qw net.ipv4.tcp_tw_reuse=1 ||
		die "cannot set net.ipv4.tcp_tw_reuse in $ns"
	ip netns exec "${netns[$ns]}" sleep infinity &
	holder[$ns]=$!
done
xl_wait_for 10 holders_ready || die "cannot start processes in xa and xb"

echo "xtcp benchmark: kernel $(uname -r), $(nproc) CPUs" \
     "($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo))"
echo "veth xa0 ($XL_IP_A, netns $XL_NS_A, client) <-> xb0 ($SERVER, netns $XL_NS_B, server)"
echo "offloads ${OFFLOADS[*]} OFF on xa0 and xb0 for the xtcp and tcp runs," \
     "ON for the tcp-offload runs"
echo "bulk $BYTES one way; rr, crr $SECS s each; $ROUNDS rounds, best shown;" \
     "TIME_WAIT: net.xtcp.msl_ms=$MSL_MS, net.ipv4.tcp_tw_reuse=1"

for mode in bulk rr crr; do
	for ((round = 1; round <= ROUNDS; round++)); do
		if ((round % 2)); then
			run_xtcp "$mode"
			run_tcp "$mode"
			run_tcp_offload "$mode"
		else
			run_tcp_offload "$mode"
			run_tcp "$mode"
			run_xtcp "$mode"
		fi
	done
done

echo
echo "== xtcp vs Linux TCP, best of $ROUNDS rounds" \
     "(offloads ${OFFLOADS[*]} off for both; last column: tcp with them on)"
table_row mode xtcp tcp xtcp/tcp "tcp, offloads on"
table_row -------------- ---------------- ---------------- -------- ----------------
row "bulk $BYTES" bulk
row rr rr
row "rr latency" rr.lat
row crr crr
echo "(xtcp/tcp above 1 favours xtcp, except for rr latency, where below 1 does)"
if [[ $failed != 0 ]]; then
	echo "bench: $failed runs failed"
	exit 1
fi
