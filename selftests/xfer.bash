# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the bulk-transfer scenarios (netem.sh, blackhole.sh,
# interop_data.sh), sourced after lib.sh.

# snmp_nonzero NS - the non-zero counters of NS as "Name=value ..."
snmp_nonzero()
{
	ip netns exec "$1" awk '$2 != 0 { printf "%s=%s ", $1, $2 }' /proc/net/xtcp/snmp
}

# show_sockets - xtcp sockets of xa and xb, and TCP sockets of xb, as TAP
# comments
show_sockets()
{
	local ns

	for ns in xa xb; do
		ip netns exec "$ns" cat /proc/net/xtcp/sockets | sed "s/^/# $ns: /"
	done
	ip netns exec xb ss -Htni 2>/dev/null | sed 's/^/# xb tcp: /'
}

# size_of FILE... - total size in bytes of the FILEs that exist
size_of()
{
	local f total=0

	for f; do
		[[ -e "$f" ]] && total=$((total + $(stat -c %s "$f")))
	done
	echo "$total"
}

# watch_progress SECS PID... - wait for the PIDs to exit while the files in
# the array WATCH_FILES grow. If they do not grow for SECS seconds, show the
# sockets, kill the PIDs and fail.
watch_progress()
{
	local secs=$1 pid alive size last=-1 since=$SECONDS

	shift
	while :; do
		alive=0
		for pid; do
			kill -0 "$pid" 2>/dev/null && alive=1
		done
		((alive)) || return 0
		size=$(size_of "${WATCH_FILES[@]}")
		if [[ $size != "$last" ]]; then
			last=$size
			since=$SECONDS
		elif ((SECONDS - since >= secs)); then
			echo "# stalled: no data arrived for $secs s ($size bytes in all)"
			show_sockets
			kill "$@" 2>/dev/null
			return 1
		fi
		sleep 1
	done
}
