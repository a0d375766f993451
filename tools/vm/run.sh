#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test VM (QEMU, TCG) on the kernel of the lane $KERNEL (Debian's
# 6.1, the default, Debian's 6.12, or the debug kernel; see tools/kernel.sh)
# with the host's root filesystem read-only under a tmpfs overlay, and run a
# command in the project directory inside it, or an interactive shell.
#
#   tools/vm/run.sh [-s] [-t TIMEOUT_S] [-n NAME] -- COMMAND [ARG...]
#   tools/vm/run.sh -i
#
# The serial console is shown and saved to build/vm-NAME.log, the guest's full
# kernel log to build/vm-NAME.dmesg. Fails when the command fails, the VM
# times out (default 3600 s) or the kernel log shows a warning, BUG, oops or
# similar report (tools/vm/kernel-log-patterns). With -s the command is a
# test runner: the last line printed is its summary ("N passed, N failed,
# N skipped"), counting a kernel or VM problem as one more failure.
# Environment variables named XTCP_* are passed on to the command. XTCP_KO,
# the absolute path of the xtcp.ko built for this kernel, also replaces
# ./xtcp.ko inside the VM (a bind mount in the VM's overlay; the host's
# file is not touched). A kernel built with KASAN gets kasan_multi_shot (every
# report, not only the first), acpi=noirq and 3 GB of memory instead of 2,
# and its tests run with XTCP_TIMEOUT_SCALE (default 10) times their
# timeouts.
# VM_APPEND adds kernel parameters (e.g. VM_APPEND=kmemleak=off).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
vmdir="$top/tools/vm"
timeout=3600
name=
interactive=0
summary=0

usage() {
	echo "usage: $0 [-s] [-t TIMEOUT_S] [-n NAME] -- COMMAND [ARG...] | $0 -i" >&2
	exit 2
}

while getopts "ist:n:" opt; do
	case "$opt" in
	i) interactive=1 ;;
	s) summary=1 ;;
	t) timeout=$OPTARG ;;
	n) name=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[[ $interactive == 1 || $# -gt 0 ]] || usage
[[ "$top" != *[[:space:]]* ]] || { echo "run.sh: $top: path has spaces" >&2; exit 1; }

release=$("$top/tools/kernel.sh" release)
kimg=$("$top/tools/kernel.sh" image)
kernel="$kimg/boot/vmlinuz-$release"
moddir="$kimg/lib/modules/$release"
[[ -e "$kernel" && -e "$moddir/modules.dep" ]] ||
	{ echo "run.sh: no kernel image in $kimg; run tools/deps.sh" >&2; exit 1; }
# The guest finds the image through the host's root (9p), symlinks resolved.
kimg=$(realpath "$kimg")
ko=${XTCP_KO:-}
if [[ -n "$ko" ]]; then
	[[ "$ko" == /* && -e "$ko" ]] || { echo "run.sh: XTCP_KO=$ko: no such absolute path" >&2; exit 1; }
	[[ "$ko" != *[[:space:]]* ]] || { echo "run.sh: XTCP_KO=$ko: path has spaces" >&2; exit 1; }
fi
memory=2048
kasan=0
if grep -qx 'CONFIG_KASAN=y' "$kimg/boot/config-$release" 2>/dev/null; then
	kasan=1
	memory=3072
fi

mkdir -p "$top/build/vm"
name=${name:-$([[ $interactive == 1 ]] && echo shell || echo run)}
log="$top/build/vm-$name.log"
dmesg_log="$top/build/vm-$name.dmesg"

# Modules the initramfs loads, dependencies first, one path per line (none
# for those built in).
initrd_modules() {
	local want=(virtio_pci 9pnet_virtio 9p overlay) seen=" " m line deps i

	for m in "${want[@]}"; do
		grep -qE "(^|/)$m\.ko$" "$moddir/modules.builtin" 2>/dev/null && continue
		line=$(grep -E "(^|/)$m\.ko:" "$moddir/modules.dep") ||
			{ echo "run.sh: $m not in modules.dep" >&2; return 1; }
		read -r -a deps <<<"${line#*:}"
		for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
			[[ "$seen" == *" ${deps[i]} "* ]] && continue
			seen+="${deps[i]} "
			echo "${deps[i]}"
		done
		seen+="${line%%:*} "
		echo "${line%%:*}"
	done
}

# Build build/vm/initrd-<release>.cpio.gz unless it is newer than its inputs.
make_initrd() {
	local initrd="$top/build/vm/initrd-$release.cpio.gz" stage m tmp

	if [[ -e "$initrd" && "$initrd" -nt "$vmdir/init" &&
	      "$initrd" -nt "$vmdir/run.sh" && "$initrd" -nt "$moddir/modules.dep" ]]; then
		echo "$initrd"
		return
	fi
	stage=$(mktemp -d)
	mkdir -p "$stage/bin" "$stage/modules"
	touch "$stage/modules/order"
	cp /bin/busybox "$stage/bin/busybox"
	cp "$vmdir/init" "$stage/init"
	chmod 755 "$stage/init"
	initrd_modules > "$stage/modules/order.path"
	while read -r m; do
		cp "$moddir/$m" "$stage/modules/"
		basename "$m" >> "$stage/modules/order"
	done < "$stage/modules/order.path"
	rm "$stage/modules/order.path"
	tmp=$(mktemp "$initrd.XXXXXX")
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$tmp"
	mv "$tmp" "$initrd"
	rm -rf "$stage"
	echo "$initrd"
}

initrd=$(make_initrd)

cmdfile=
cleanup() { [[ -z "$cmdfile" ]] || rm -f "$cmdfile"; }
trap cleanup EXIT

append="console=ttyS0 quiet panic=-1 slub_debug=FZPU log_buf_len=4M"
# acpi=noirq: ACPI's _PRT loop outlasts its 30 s timeout on this kernel
# under TCG (the devices use MSI-X anyway).
[[ $kasan == 1 ]] && append+=" kasan_multi_shot acpi=noirq"
[[ $kasan == 1 ]] && export XTCP_TIMEOUT_SCALE=${XTCP_TIMEOUT_SCALE:-10}
append+=" xtcp_dir=$top xtcp_release=$release xtcp_kimg=$kimg"
[[ -z "$ko" ]] || append+=" xtcp_ko=$ko"
[[ -z "${VM_APPEND:-}" ]] || append+=" $VM_APPEND"
if [[ $interactive == 1 ]]; then
	read -r rows cols < <(stty size 2>/dev/null || echo "24 80")
	append+=" xtcp_interactive=1 xtcp_rows=$rows xtcp_cols=$cols xtcp_term=${TERM:-linux}"
else
	cmdfile=$(mktemp "$top/build/vm/cmd.XXXXXX")
	{
		for v in $(compgen -e XTCP_); do
			printf 'export %s=%q\n' "$v" "${!v}"
		done
		printf '%q ' "$@"
		echo
	} > "$cmdfile"
	append+=" xtcp_cmd=$cmdfile"
fi

qemu=(qemu-system-x86_64 -accel tcg -smp 2 -m "$memory" -no-reboot -nodefaults
      -display none -kernel "$kernel" -initrd "$initrd" -append "$append"
      -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
      -serial chardev:con -serial "file:$dmesg_log")

rm -f "$log" "$dmesg_log"
if [[ $interactive == 1 ]]; then
	"${qemu[@]}" -chardev "stdio,id=con,mux=on,signal=off,logfile=$log" -mon chardev=con
	exit 0
fi

echo "vm: booting $release, log in ${log#"$top"/}" >&2
start=$SECONDS
set +e
timeout --foreground -k 10 "$timeout" "${qemu[@]}" -chardev "stdio,id=con,signal=off,logfile=$log" \
	</dev/null | sed -u 's/\r$//'
qemu_rc=${PIPESTATUS[0]}
set -e
sed -i 's/\r$//' "$log" "$dmesg_log"
echo "vm: done in $((SECONDS - start)) s" >&2

problems=()
if [[ $qemu_rc == 124 || $qemu_rc == 137 ]]; then
	problems+=("VM timed out after $timeout s")
elif [[ $qemu_rc != 0 ]]; then
	problems+=("qemu exited with status $qemu_rc")
fi

guest_rc=$(sed -n 's/^XTCP-VM-RC=\([0-9]*\)$/\1/p' "$log" | tail -n1)
if [[ -z "$guest_rc" ]]; then
	problems+=("no exit status from the guest (crash or timeout)")
	guest_rc=1
fi

kernel_lines=$(cat "$log" "$dmesg_log" 2>/dev/null |
	grep -E '^\[ *[0-9]+\.[0-9]+\] ' | grep -E -f "$vmdir/kernel-log-patterns" |
	awk '!seen[$0]++' || true)
if [[ -n "$kernel_lines" ]]; then
	echo "vm: kernel log problems:" >&2
	head -n 100 <<<"$kernel_lines" >&2
	problems+=("kernel log shows a warning, BUG or oops")
fi

for p in "${problems[@]}"; do
	echo "vm: FAIL: $p" >&2
done

if [[ $summary == 1 ]]; then
	re='^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$'
	line=$(grep -E "$re" "$log" | tail -n1 || true)
	passed=0 failed=0 skipped=0
	if [[ "$line" =~ $re ]]; then
		passed=${BASH_REMATCH[1]} failed=${BASH_REMATCH[2]} skipped=${BASH_REMATCH[3]}
	fi
	if [[ $failed == 0 && ( ${#problems[@]} -gt 0 || $guest_rc != 0 ) ]]; then
		failed=1
	fi
	echo "$passed passed, $failed failed, $skipped skipped"
fi

[[ ${#problems[@]} == 0 ]] || exit 1
exit "$guest_rc"
