#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Bulk transfers from A to B through the router R, with netem on both of
# R's interfaces (data and ACKs suffer alike): each impairment alone, then
# all of them together. The data arrives intact, and the counters show the
# recovery that happened.
#
# xtcp-test: long (starts early)

set -u
source "$(dirname "$0")/lib.sh"

PORT=5000
STALL_S=30

# snmp NS NAME - counter NAME of NS, 0 if unreadable
snmp() {
	xl_snmp "$1" "$2" || echo 0
}

# check_gt NS COUNTER MIN - ok if COUNTER in NS is above MIN
check_gt() {
	local v

	v=$(snmp "$1" "$2")
	if ((v > $3)); then
		xl_pass "$1 $2 $v > $3"
	else
		xl_fail "$1 $2 $v > $3" "$(ip netns exec "$1" cat /proc/net/xtcp/snmp)"
	fi
}

# transfer MB NETEM... - the router topology with netem NETEM on r0 and r1,
# and MB megabytes from A to B with xtcpcat; checks the bytes. Fails if
# the transfer could not be set up.
transfer() {
	local mb=$1 start ms rc dev rx tx

	shift
	xl_work_dir
	xl_topo_router || return
	for dev in r0 r1; do
		xl_netem "$XL_NS_R" "$dev" limit 10000 "$@" ||
			{ xl_fail "tc netem $*"; return 1; }
	done
	head -c "${mb}M" /dev/urandom > "$XL_WORK/src"
	ip netns exec "$XL_NS_B" "$XL_XTCPCAT" -l "$PORT" </dev/null \
		>"$XL_WORK/dst" 2>"$XL_WORK/rx.err" &
	rx=$!
	xl_track "$rx"
	xl_wait_for 10 xl_listening "$XL_NS_B" "$PORT" ||
		{ xl_fail "listener"; return 1; }
	start=$(date +%s%N)
	ip netns exec "$XL_NS_A" "$XL_XTCPCAT" -N "$XL_IP_RB" "$PORT" \
		<"$XL_WORK/src" >/dev/null 2>"$XL_WORK/tx.err" &
	tx=$!
	xl_track "$tx"
	xl_watch_progress "$STALL_S" "$XL_WORK/dst" "$rx" "$tx"
	wait "$tx"
	rc=$?
	wait "$rx"
	ms=$((($(date +%s%N) - start) / 1000000))
	echo "# netem $*: $mb MB in $ms ms ($((mb * 1024 * 1000 / (ms + 1))) KB/s), sender status $rc"
	echo "# A: $(xl_snmp_nonzero "$XL_NS_A")"
	echo "# B: $(xl_snmp_nonzero "$XL_NS_B")"
	if [[ $rc == 0 ]] && cmp -s "$XL_WORK/src" "$XL_WORK/dst"; then
		xl_pass "$mb MB intact"
	else
		xl_fail "$mb MB intact" "sender status $rc, received $(xl_size_of "$XL_WORK/dst") bytes: $(cat "$XL_WORK/tx.err" "$XL_WORK/rx.err")"
	fi
	# The counters tell what happened either way
	return 0
}

loss_5pct_recovered() {
	transfer 4 loss 5% || return
	check_gt "$XL_NS_A" RetransSegs 0
	check_gt "$XL_NS_A" FastRetrans 0
	check_gt "$XL_NS_B" OfoQueued 0
}

reorder_25pct_recovered() {
	transfer 4 delay 10ms reorder 25% 50% || return
	check_gt "$XL_NS_B" OfoQueued 0
	check_gt "$XL_NS_A" DupAcksIn 0
}

# More segments arrive than were sent
duplicate_5pct_recovered() {
	transfer 4 duplicate 5% || return
	check_gt "$XL_NS_B" InSegs "$(snmp "$XL_NS_A" OutSegs)"
}

corrupt_1pct_recovered() {
	transfer 4 corrupt 1% || return
	check_gt "$XL_NS_B" InCsumErrors 0
	check_gt "$XL_NS_A" RetransSegs 0
}

rtt_20ms_loss_1pct_recovered() {
	transfer 4 delay 10ms loss 1% || return
	check_gt "$XL_NS_A" RetransSegs 0
}

all_together_recovered() {
	transfer 2 delay 10ms reorder 25% 50% loss 5% duplicate 5% corrupt 1% ||
		return
	check_gt "$XL_NS_A" RetransSegs 0
	check_gt "$XL_NS_A" FastRetrans 0
	check_gt "$XL_NS_B" OfoQueued 0
	check_gt "$XL_NS_B" InCsumErrors 0
}

xl_test loss_5pct_recovered
xl_test reorder_25pct_recovered
xl_test duplicate_5pct_recovered
xl_test corrupt_1pct_recovered
xl_test rtt_20ms_loss_1pct_recovered
xl_test all_together_recovered
xl_main "$@"
