#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The /proc interface: /proc/net/xtcp/snmp and sockets formats, and the
# net.xtcp sysctls (defaults, per-namespace values, range checks).

set -u
source "$(dirname "$0")/lib.sh"

HEADER="sl local_address remote_address state tx_queue rx_queue timer expires_ms retransmits uid inode"
COUNTERS="ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs
	OutSegs RetransSegs InErrs OutRsts InCsumErrors Timeouts FastRetrans
	SynRetrans DupAcksIn OfoQueued ZeroWindowProbes DelayedAcks
	TimeWaitEntered TimeWaitExpired ListenOverflows ListenDrops
	ChallengeAcks AbortOnClose AbortOnTimeout"
SYSCTLS="msl_ms=30000 rto_initial_ms=1000 rto_min_ms=200 rto_max_ms=120000
	syn_retries=6 synack_retries=5 retries2=15 fin_timeout_ms=60000
	delack_ms=40 challenge_ack_limit=1000 invalid_ratelimit=500
	max_tw_buckets=262144 max_orphans=65536 syncookies=1 max_syn_backlog=4096
	mem=tcp_mem timestamps=1"
NOBODY=65534

# sysctl_write NS NAME VALUE... - one write(2) of each VALUE to
# net.xtcp.NAME in NS; prints OK or the errno's name, one line each
sysctl_write() {
	xl_errno -n "$1" write "/proc/sys/net/xtcp/$2" "${@:3}"
}

snmp_format() {
	local snmp name missing=

	xl_topo_veth || return
	snmp=$(ip netns exec "$XL_NS_A" cat /proc/net/xtcp/snmp)
	xl_check "every line is 'Name value'" \
		awk 'NF != 2 || $1 !~ /^[A-Za-z][A-Za-z0-9]*$/ ||
		     $2 !~ /^[0-9]+$/ { bad = 1 } END { exit bad || !NR }' \
		<<<"$snmp"
	for name in $COUNTERS; do
		grep -Eq "^$name +[0-9]+$" <<<"$snmp" || missing+=" $name"
	done
	if [[ -z "$missing" ]]; then
		xl_pass "all 25 counters of DESIGN section 5"
	else
		xl_fail "all 25 counters of DESIGN section 5" "missing:$missing"
	fi
}

# Every row: 11 typed columns (more allowed).
rows_well_formed() {
	awk 'NR > 1 && (NF < 11 ||
	     $1 !~ /^[0-9]+$/ ||
	     $2 !~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+:[0-9]+$/ ||
	     $3 !~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+:[0-9]+$/ ||
	     $4 !~ /^(CLOSED|LISTEN|SYN_SENT|SYN_RECV|ESTABLISHED|FIN_WAIT1|FIN_WAIT2|CLOSE_WAIT|CLOSING|LAST_ACK|TIME_WAIT)$/ ||
	     $5 !~ /^[0-9]+$/ || $6 !~ /^[0-9]+$/ ||
	     $7 !~ /^(off|retrans|persist|delack|keepalive|timewait)$/ ||
	     $8 !~ /^[0-9]+$/ || $9 !~ /^[0-9]+$/ ||
	     $10 !~ /^[0-9]+$/ || $11 !~ /^[0-9]+$/) { bad = 1 }
	     END { exit bad }'
}

# The inode of the listening socket of process $1 (its only socket).
socket_inode() {
	local fd

	for fd in /proc/"$1"/fd/*; do
		if [[ $(readlink "$fd") == socket:* ]]; then
			stat -L -c %i "$fd"
			return
		fi
	done
}

established_both() {
	xl_sockets "$XL_NS_A" | grep -Eq "^[0-9]+ 198\.18\.0\.1:5000 198\.18\.0\.2:[0-9]+ ESTABLISHED " &&
		xl_sockets "$XL_NS_B" | grep -Eq "^[0-9]+ 198\.18\.0\.2:[0-9]+ 198\.18\.0\.1:5000 ESTABLISHED "
}

sockets_rows() {
	local pid table row inode

	xl_topo_veth || return
	table=$(xl_sockets "$XL_NS_A")
	xl_check "header line" \
		test "$(head -n 1 <<<"$table" | cut -d' ' -f1-11)" = "$HEADER"
	ip netns exec "$XL_NS_A" setpriv --reuid=$NOBODY --regid=$NOBODY \
		--clear-groups "$XL_XTCPCAT" -k -l -p 5000 </dev/null \
		>/dev/null 2>&1 &
	pid=$!
	xl_track "$pid"
	xl_check "LISTEN row for 0.0.0.0:5000 -> 0.0.0.0:0" \
		xl_wait_for 10 xl_listening "$XL_NS_A" 5000
	row=$(xl_sockets "$XL_NS_A" | awk '$2 == "0.0.0.0:5000" && $4 == "LISTEN"')
	xl_check "LISTEN row shows the owner's uid $NOBODY" \
		test "$(awk '{ print $10 }' <<<"$row")" = "$NOBODY"
	inode=$(socket_inode "$pid")
	xl_check "LISTEN row shows the socket's inode ${inode:-?}" \
		test -n "$inode" -a "$inode" != 0 -a \
		"$(awk '{ print $11 }' <<<"$row")" = "$inode"
	ip netns exec "$XL_NS_B" "$XL_XTCPCAT" -w 60 "$XL_IP_A" 5000 </dev/null \
		>/dev/null 2>&1 &
	xl_track $!
	xl_check "ESTABLISHED rows in A and B for B's connection" \
		xl_wait_for 30 established_both
	xl_check "rows of A and B well formed" \
		rows_well_formed <<<"$(xl_sockets "$XL_NS_A"; xl_sockets "$XL_NS_B" | tail -n +2)"
}

sysctl_defaults() {
	local kv name value
	local -A now=()

	xl_topo_veth || return
	while read -r name value; do
		now[$name]=$value
	done <<<"$(xl_sysctl_all "$XL_NS_A")"
	for kv in $SYSCTLS; do
		if [[ ${kv#*=} == tcp_mem ]]; then
			# Computed from memory as tcp_mem is (checked in memory.c)
			xl_check "${kv%=*} defaults to three ordered page counts" \
				awk 'NF != 3 || $1 > $2 || $2 > $3 { exit 1 }' \
				<<<"${now[${kv%=*}]:-missing}"
			continue
		fi
		xl_check "${kv%=*} defaults to ${kv#*=}" \
			test "${now[${kv%=*}]:-missing}" = "${kv#*=}"
	done
}

sysctl_per_namespace() {
	xl_topo_veth || return
	xl_check "rto_min_ms set to 300 in A" \
		test "$(sysctl_write "$XL_NS_A" rto_min_ms 300)" = OK -a \
		"$(xl_sysctl "$XL_NS_A" rto_min_ms)" = 300
	xl_check "rto_min_ms still 200 in B" \
		test "$(xl_sysctl "$XL_NS_B" rto_min_ms)" = 200
}

# Out-of-range writes fail with EINVAL and leave the value as it was.
sysctl_range_checked() {
	local kv name def bad i values res

	xl_topo_veth || return
	for kv in $SYSCTLS; do
		name=${kv%=*}
		def=${kv#*=}
		[[ $def != tcp_mem ]] || def=$(xl_sysctl "$XL_NS_A" "$name")
		bad=
		values=(-1 2147483648 99999999999999999999)
		[[ $name != rto_min_ms ]] || values+=(0)
		[[ $name != syncookies ]] || values+=(3)
		[[ $name != max_syn_backlog ]] || values+=(0)
		[[ $name != timestamps ]] || values+=(2)
		mapfile -t res <<<"$(sysctl_write "$XL_NS_A" "$name" "${values[@]}")"
		for i in "${!values[@]}"; do
			[[ ${res[i]:-} == EINVAL ]] || bad+=" ${values[i]}"
		done
		if [[ "$(xl_sysctl "$XL_NS_A" "$name")" != "$def" ]]; then
			bad+=" (value changed to $(xl_sysctl "$XL_NS_A" "$name"))"
		fi
		if [[ -z "$bad" ]]; then
			xl_pass "$name refuses out-of-range values with EINVAL"
		else
			xl_fail "$name refuses out-of-range values with EINVAL" \
				"accepted or wrong errno:$bad"
		fi
	done
}

xl_test snmp_format
xl_test sockets_rows
xl_test sysctl_defaults
xl_test sysctl_per_namespace
xl_test sysctl_range_checked
xl_main "$@"
