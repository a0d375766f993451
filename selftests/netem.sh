#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Bulk transfers from xa to xb through the router xr, with netem on both of
# xr's interfaces (data and ACKs suffer alike): each impairment alone, then
# all of them together. The data arrives intact, and the counters show the
# recovery that happened.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/xfer.bash"

XB=198.18.2.2
PORT=5000
STALL_S=30
work_dir netem
WATCH_FILES=("$WORK/dst")

listening()
{
	[[ "$(xtcp_state xb "0.0.0.0:$PORT" 0.0.0.0:0)" == LISTEN ]]
}

# snmp NS NAME - counter NAME of NS, 0 if unreadable
snmp()
{
	xtcp_snmp "$1" "$2" || echo 0
}

# check_gt NAME NS COUNTER MIN - ok if COUNTER in NS is above MIN
check_gt()
{
	local v

	v=$(snmp "$2" "$3")
	if ((v > $4)); then
		tap_ok "$1: $2 $3 $v > $4"
	else
		tap_fail "$1: $2 $3 $v > $4" "$(ip netns exec "$2" cat /proc/net/xtcp/snmp)"
	fi
}

# transfer NAME MB NETEM... - topo_router with netem NETEM on r0 and r1, and
# MB megabytes from xa to xb with xtcpcat; checks the bytes
transfer()
{
	local name=$1 mb=$2 start ms rc dev rx tx

	shift 2
	topo_router || { tap_fail "$name: topology"; return 1; }
	for dev in r0 r1; do
		tc -n xr qdisc add dev "$dev" root netem limit 10000 "$@" ||
			{ tap_fail "$name: tc netem $*"; return 1; }
	done
	head -c "${mb}M" "$WORK/data" > "$WORK/src"
	rm -f "$WORK/dst"
	ip netns exec xb "$XTCPCAT" -l "$PORT" </dev/null >"$WORK/dst" \
		2>"$WORK/rx.err" &
	rx=$!
	PIDS+=($rx)
	wait_for 10 listening || { tap_fail "$name: listener"; return 1; }
	start=$(date +%s%N)
	ip netns exec xa "$XTCPCAT" -N "$XB" "$PORT" <"$WORK/src" \
		>/dev/null 2>"$WORK/tx.err" &
	tx=$!
	PIDS+=($tx)
	watch_progress "$STALL_S" "$rx" "$tx"
	wait "$tx"
	rc=$?
	wait "$rx"
	ms=$((($(date +%s%N) - start) / 1000000))
	echo "# $name: $mb MB in $ms ms ($((mb * 1024 * 1000 / (ms + 1))) KB/s), sender status $rc"
	echo "# $name: xa: $(snmp_nonzero xa)"
	echo "# $name: xb: $(snmp_nonzero xb)"
	if [[ $rc == 0 ]] && cmp -s "$WORK/src" "$WORK/dst"; then
		tap_ok "$name: $mb MB intact"
	else
		tap_fail "$name: $mb MB intact" "sender status $rc, received $(size_of "$WORK/dst") bytes: $(cat "$WORK/tx.err" "$WORK/rx.err")"
	fi
}

test_loss()
{
	transfer "loss 5%" 4 loss 5%
	check_gt "loss 5%" xa RetransSegs 0
	check_gt "loss 5%" xa FastRetrans 0
	check_gt "loss 5%" xb OfoQueued 0
}

test_reorder()
{
	transfer "reorder 25%" 4 delay 10ms reorder 25% 50%
	check_gt "reorder 25%" xb OfoQueued 0
	check_gt "reorder 25%" xa DupAcksIn 0
}

test_duplicate()
{
	local out

	transfer "duplicate 5%" 4 duplicate 5%
	out=$(snmp xa OutSegs)
	check_gt "duplicate 5%: more segments arrive than were sent" xb InSegs "$out"
}

test_corrupt()
{
	transfer "corrupt 1%" 4 corrupt 1%
	check_gt "corrupt 1%" xb InCsumErrors 0
	check_gt "corrupt 1%" xa RetransSegs 0
}

test_rtt_loss()
{
	transfer "rtt 20ms loss 1%" 4 delay 10ms loss 1%
	check_gt "rtt 20ms loss 1%" xa RetransSegs 0
}

test_all()
{
	local name="all together"

	transfer "$name" 2 delay 10ms reorder 25% 50% loss 5% duplicate 5% corrupt 1%
	check_gt "$name" xa RetransSegs 0
	check_gt "$name" xa FastRetrans 0
	check_gt "$name" xb OfoQueued 0
	check_gt "$name" xb InCsumErrors 0
}

tap_plan 19
head -c 4M /dev/urandom > "$WORK/data"
test_loss
test_reorder
test_duplicate
test_corrupt
test_rtt_loss
test_all
tap_done
