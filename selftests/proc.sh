#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The /proc interface: /proc/net/xtcp/snmp and sockets formats, and the
# net.xtcp sysctls (defaults, per-namespace values, range checks).

source "$(dirname "$0")/lib.sh"

HEADER="sl local_address remote_address state tx_queue rx_queue timer expires_ms retransmits uid inode"
COUNTERS="ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs
	OutSegs RetransSegs InErrs OutRsts InCsumErrors Timeouts FastRetrans
	SynRetrans DupAcksIn OfoQueued ZeroWindowProbes DelayedAcks
	TimeWaitEntered TimeWaitExpired ListenOverflows ListenDrops
	ChallengeAcks AbortOnClose AbortOnTimeout"
SYSCTLS="msl_ms=30000 rto_initial_ms=1000 rto_min_ms=200 rto_max_ms=120000
	syn_retries=6 synack_retries=5 retries2=15 fin_timeout_ms=60000
	delack_ms=40"
NOBODY=65534

has_state()
{
	[ "$(xtcp_state "$1" "$2" "$3")" = "$4" ]
}

sysctl_get()
{
	ip netns exec "$1" cat "/proc/sys/net/xtcp/$2"
}

# Write VALUE to sysctl NAME in namespace NS with one write(2); prints OK
# or the errno name.
sysctl_write()
{
	ip netns exec "$1" python3 - "/proc/sys/net/xtcp/$2" "$3" <<-'EOF'
	import errno, os, sys
	fd = os.open(sys.argv[1], os.O_WRONLY)
	try:
	    os.write(fd, sys.argv[2].encode() + b"\n")
	    print("OK")
	except OSError as e:
	    print(errno.errorcode[e.errno])
	EOF
}

test_snmp()
{
	local snmp name missing=

	snmp=$(ip netns exec xa cat /proc/net/xtcp/snmp)
	tap_check "snmp: every line is 'Name value'" \
		awk 'NF != 2 || $1 !~ /^[A-Za-z][A-Za-z0-9]*$/ ||
		     $2 !~ /^[0-9]+$/ { bad = 1 } END { exit bad || !NR }' \
		<<<"$snmp"
	for name in $COUNTERS; do
		grep -Eq "^$name +[0-9]+$" <<<"$snmp" || missing+=" $name"
	done
	if [ -z "$missing" ]; then
		tap_ok "snmp: all 25 counters of DESIGN section 5"
	else
		tap_fail "snmp: all 25 counters of DESIGN section 5" \
			"missing:$missing"
	fi
}

# Every row: 11 typed columns (more allowed).
rows_well_formed()
{
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
socket_inode()
{
	local fd

	for fd in /proc/"$1"/fd/*; do
		if [[ $(readlink "$fd") == socket:* ]]; then
			stat -L -c %i "$fd"
			return
		fi
	done
}

established_both()
{
	xtcp_sockets xa | grep -Eq "^[0-9]+ 198\.18\.0\.1:5000 198\.18\.0\.2:[0-9]+ ESTABLISHED " &&
		xtcp_sockets xb | grep -Eq "^[0-9]+ 198\.18\.0\.2:[0-9]+ 198\.18\.0\.1:5000 ESTABLISHED "
}

test_sockets()
{
	local pid table row inode

	table=$(xtcp_sockets xa)
	tap_check "sockets: header line" \
		test "$(head -n 1 <<<"$table" | cut -d' ' -f1-11)" = "$HEADER"
	ip netns exec xa setpriv --reuid=$NOBODY --regid=$NOBODY \
		--clear-groups "$XTCPCAT" -k -l -p 5000 </dev/null \
		>/dev/null 2>&1 &
	pid=$!
	PIDS+=("$pid")
	tap_check "sockets: LISTEN row for 0.0.0.0:5000 -> 0.0.0.0:0" \
		wait_for 10 has_state xa 0.0.0.0:5000 0.0.0.0:0 LISTEN
	row=$(xtcp_sockets xa | awk '$2 == "0.0.0.0:5000" && $4 == "LISTEN"')
	tap_check "sockets: LISTEN row shows the owner's uid $NOBODY" \
		test "$(awk '{ print $10 }' <<<"$row")" = "$NOBODY"
	inode=$(socket_inode "$pid")
	tap_check "sockets: LISTEN row shows the socket's inode ${inode:-?}" \
		test -n "$inode" -a "$inode" != 0 -a \
		"$(awk '{ print $11 }' <<<"$row")" = "$inode"
	ip netns exec xb "$XTCPCAT" -w 60 198.18.0.1 5000 </dev/null \
		>/dev/null 2>&1 &
	PIDS+=($!)
	tap_check "sockets: ESTABLISHED rows in xa and xb for xb's connection" \
		wait_for 30 established_both
	tap_check "sockets: rows of xa and xb well formed" \
		rows_well_formed <<<"$(xtcp_sockets xa; xtcp_sockets xb | tail -n +2)"
}

test_sysctl_defaults()
{
	local kv

	for kv in $SYSCTLS; do
		tap_check "sysctl ${kv%=*} defaults to ${kv#*=}" \
			test "$(sysctl_get xa "${kv%=*}")" = "${kv#*=}"
	done
}

test_sysctl_pernet()
{
	tap_check "sysctl rto_min_ms set to 300 in xa" \
		test "$(sysctl_write xa rto_min_ms 300)" = OK -a \
		"$(sysctl_get xa rto_min_ms)" = 300
	tap_check "sysctl rto_min_ms still 200 in xb" \
		test "$(sysctl_get xb rto_min_ms)" = 200
	sysctl_write xa rto_min_ms 200 >/dev/null
}

# Out-of-range writes fail with EINVAL and leave the value as it was.
test_sysctl_range()
{
	local kv name def value bad

	for kv in $SYSCTLS; do
		name=${kv%=*}
		def=${kv#*=}
		bad=
		for value in -1 2147483648 99999999999999999999; do
			[ "$(sysctl_write xa "$name" "$value")" = EINVAL ] ||
				bad+=" $value"
		done
		[ "$name" = rto_min_ms ] && [ "$(sysctl_write xa "$name" 0)" != EINVAL ] &&
			bad+=" 0"
		if [ "$(sysctl_get xa "$name")" != "$def" ]; then
			bad+=" (value changed to $(sysctl_get xa "$name"))"
		fi
		if [ -z "$bad" ]; then
			tap_ok "sysctl $name refuses out-of-range values with EINVAL"
		else
			tap_fail "sysctl $name refuses out-of-range values with EINVAL" \
				"accepted or wrong errno:$bad"
		fi
	done
}

tap_plan 28
topo_veth
test_snmp
test_sockets
test_sysctl_defaults
test_sysctl_pernet
test_sysctl_range
tap_done
