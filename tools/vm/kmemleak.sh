#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Ask kmemleak for memory leaks and judge them: the test "kmemleak".
#
#   tools/vm/kmemleak.sh [-a]
#
# Runs as root on the test VM (or any machine) after the tests, normally
# after the final rmmod of xtcp. Without /sys/kernel/debug/kmemleak (a kernel
# without CONFIG_DEBUG_KMEMLEAK, or kmemleak off) the test is skipped. Else
# memory is scanned twice with a pause between (objects younger than 5 s are
# never reported, and a second scan confirms what the first found, as
# Documentation/dev-tools/kmemleak.rst advises), and the report is printed as
# TAP comments.
#
# The test fails when an unreferenced object was allocated by xtcp: a frame
# of its backtrace is in xtcp ("[xtcp]", "xtcp_"), or, once the module is
# unloaded and its symbols are gone, a frame kmemleak cannot name (a raw
# address: code of an unloaded module; the test VM loads no other module on
# the debug kernel). Other objects are the kernel's own (boot-time
# allocations and false positives) and are only shown; with -a (or
# XTCP_KMEMLEAK_ALL=1) any unreferenced object fails the test.
#
# Output is TAP ("ok 1 kmemleak", "not ok 1 kmemleak", or "ok 1 kmemleak #
# SKIP ..."); the exit status is 1 on a failure, else 0.
# XTCP_KMEMLEAK_PAUSE sets the pause between the scans (seconds, default 6).
set -euo pipefail

all=${XTCP_KMEMLEAK_ALL:-0}
pause=${XTCP_KMEMLEAK_PAUSE:-6}
kmemleak=/sys/kernel/debug/kmemleak

while getopts "a" opt; do
	case "$opt" in
	a) all=1 ;;
	*) echo "usage: $0 [-a]" >&2; exit 2 ;;
	esac
done

echo "TAP version 13"
echo "1..1"

if [[ ! -e /sys/kernel/debug/kmemleak ]] && [[ -d /sys/kernel/debug ]] &&
   ! mountpoint -q /sys/kernel/debug; then
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null || true
fi
if [[ ! -e "$kmemleak" ]]; then
	echo "ok 1 kmemleak # SKIP no $kmemleak (kernel without kmemleak)"
	exit 0
fi

if ! echo scan > "$kmemleak" 2>/dev/null; then
	# Writing fails once kmemleak has disabled itself (out of metadata).
	echo "# kmemleak is disabled: $(dmesg | grep -m1 'kmemleak:.*disabled' || echo 'scan refused')"
	echo "not ok 1 kmemleak"
	exit 1
fi
sleep "$pause"
echo scan > "$kmemleak"
report=$(cat "$kmemleak")

objects=0
ours=0
ours_text=
other_text=
object=
in_trace=0
unnamed=0
flush() {
	[[ -n "$object" ]] || return 0
	objects=$((objects + 1))
	if [[ $all == 1 || "$object" == *"[xtcp]"* || "$object" == *" xtcp_"* || $unnamed == 1 ]]; then
		ours=$((ours + 1))
		ours_text+=$object$'\n'
	else
		other_text+=$object$'\n'
	fi
	object=
	in_trace=0
	unnamed=0
}

while IFS= read -r line; do
	if [[ "$line" == "unreferenced object "* ]]; then
		flush
		object=$line
		continue
	fi
	[[ -n "$object" ]] || continue
	object+=$'\n'"$line"
	if [[ "$line" == *"backtrace:"* ]]; then
		in_trace=1
	elif [[ $in_trace == 1 && "$line" =~ \[\<[0-9a-f]+\>\]\ 0x[0-9a-f]+$ ]]; then
		unnamed=1
	fi
done <<<"$report"
flush

# The objects that count in full, then at most 400 lines of the others.
if [[ -n "$ours_text" ]]; then
	echo "# kmemleak: objects that count:"
	sed 's/^/# /' <<<"${ours_text%$'\n'}"
fi
if [[ -n "$other_text" ]]; then
	echo "# kmemleak: other unreferenced objects (the kernel's):"
	{ sed "s/^/# /" <<<"${other_text%$'\n'}" | head -n 400; } || true
	n=$(wc -l <<<"${other_text%$'\n'}")
	[[ $n -le 400 ]] || echo "# ... $((n - 400)) more lines in $kmemleak"
fi
echo "# kmemleak: $objects unreferenced objects, $ours counted$([[ $all == 1 ]] && echo ' (-a: all count)' || echo ' (from xtcp)')"

if [[ $ours -gt 0 ]]; then
	echo "not ok 1 kmemleak"
	exit 1
fi
echo "ok 1 kmemleak"
