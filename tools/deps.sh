#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what xtcp needs on Debian 12 and prepare .cache/, then print the
# target kernel release. Idempotent; quiet and quick when all is present.
#
#   tools/deps.sh [build|fetch|all]
#
# build: compiler, kernel headers, kselftest headers (enough for `make`).
# all:   also QEMU, busybox, network tools and the kernel image the test VM
#        boots (.cache/kernel/<release>). The default.
# fetch: as all, but the debug kernel is not built (tools/vm/debug-kernel.sh
#        does that when it is called; .ci/run overlaps it with a VM lane).
#
# KERNEL=6.1 (default), 6.12 or debug selects the lane (tools/release.sh):
# Debian's 6.1 and 6.12 kernels come as headers (installed) and as the
# linux-image-<release>-unsigned package, unpacked into .cache/kernel/ with
# its modules decompressed for busybox insmod; the debug kernel is built
# from linux-source-6.1 into .cache/kernel-debug/ (tools/vm/debug-kernel.sh),
# for `make` as well since xtcp.ko builds against its tree.
# RELEASE=<release> selects another Debian kernel.
set -euo pipefail

mode=${1:-all}
case "$mode" in
build|fetch|all) ;;
*) echo "usage: $0 [build|fetch|all]" >&2; exit 2 ;;
esac
debug=0
[[ -z "${RELEASE:-}" && -z "${KDIR:-}" && "${KERNEL:-}" == debug ]] && debug=1

top=$(cd "$(dirname "$0")/.." && pwd)
cache="$top/.cache"
export DEBIAN_FRONTEND=noninteractive

log() { echo "deps: $*" >&2; }

# quiet CMD... - run CMD, showing its output only if it fails
quiet() {
	local out

	out=$("$@" 2>&1) && return 0
	echo "$out" >&2
	echo "deps: failed: $*" >&2
	return 1
}

updated=
apt_update() {
	[[ -n "$updated" ]] && return 0
	log "apt-get update"
	quiet apt-get update
	updated=1
}

# missing PKG... - print the packages that are not installed
missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null |
			grep -q '^ii' || echo "$p"
	done
}

# need PKG... - install the packages that are missing
need() {
	local todo
	todo=$(missing "$@")
	[[ -z "$todo" ]] && return 0
	apt_update
	if grep -qx tshark <<<"$todo"; then
		echo "wireshark-common wireshark-common/install-setuid boolean false" |
			debconf-set-selections
	fi
	log "installing" $todo
	# shellcheck disable=SC2086
	quiet apt-get install -y --no-install-recommends $todo
}

need_root() {
	[[ $(id -u) -eq 0 ]] && return 0
	echo "deps: missing packages and not root; run as root: $0 $mode" >&2
	exit 1
}

build_pkgs=(gcc make libc6-dev perl xz-utils rsync linux-headers-amd64 linux-source-6.1)
# What building a kernel from linux-source-6.1 takes.
kernel_pkgs=(bc bison flex libelf-dev libssl-dev kmod cpio util-linux)
vm_pkgs=(qemu-system-x86 busybox-static iproute2 ethtool cpio kmod tshark sparse
	 iperf3 python3 iputils-ping procps nftables util-linux)

pkgs=("${build_pkgs[@]}")
[[ "$mode" != build ]] && pkgs+=("${vm_pkgs[@]}")
[[ $debug == 1 ]] && pkgs+=("${kernel_pkgs[@]}")
if [[ -n $(missing "${pkgs[@]}") ]]; then
	need_root
	need "${pkgs[@]}"
fi

release=$("$top/tools/release.sh") || {
	# A meta package (linux-headers-6.12-amd64) not known yet.
	apt_update
	release=$("$top/tools/release.sh")
}
if [[ $debug == 0 && -n $(missing "linux-headers-$release") ]]; then
	need_root
	need "linux-headers-$release"
fi

src="$cache/linux-source"
src_files=(tools/testing/selftests/kselftest_harness.h
	   tools/testing/selftests/kselftest.h
	   scripts/checkpatch.pl scripts/spelling.txt scripts/kernel-doc
	   scripts/const_structs.checkpatch)
for f in "${src_files[@]}"; do
	[[ -e "$src/$f" ]] && continue
	log "extracting kselftest and checkpatch files into $src"
	tarball=/usr/src/linux-source-6.1.tar.xz
	mkdir -p "$src"
	tar -xJf "$tarball" -C "$src" --strip-components=1 \
		"${src_files[@]/#/linux-source-6.1/}"
	break
done

# unpack_modules DIR - decompress the .ko.xz modules of the image in DIR
# (busybox insmod in the initramfs reads plain ELF only) and run depmod
unpack_modules() {
	local kdir=$1 mods="$1/lib/modules/$release"

	if [[ -n $(find "$mods" -name '*.ko.xz' -print -quit) ]]; then
		log "decompressing the modules of $release"
		find "$mods" -name '*.ko.xz' -print0 | xargs -0 -r -P "$(nproc)" -n 64 unxz -f
	fi
	if [[ -n $(find "$mods" -name '*.ko.zst' -print -quit) ]]; then
		need zstd
		log "decompressing the modules of $release"
		find "$mods" -name '*.ko.zst' -print0 |
			xargs -0 -r -P "$(nproc)" -n 64 zstd -q -d -f --rm
	fi
	depmod -b "$kdir" "$release"
}

if [[ "$mode" != build && $debug == 0 ]]; then
	kdir="$cache/kernel/$release"
	if [[ -e "$kdir/lib/modules/$release/modules.dep" ]] &&
	   grep -q '\.ko\.\(xz\|zst\):' "$kdir/lib/modules/$release/modules.dep"; then
		unpack_modules "$kdir"
	fi
	if [[ ! -e "$kdir/boot/vmlinuz-$release" ||
	      ! -e "$kdir/lib/modules/$release/modules.dep" ]]; then
		pkg="linux-image-$release-unsigned"
		mkdir -p "$cache/kernel"
		rm -f "$cache/kernel/${pkg}"_*.deb
		log "downloading $pkg"
		if ! (cd "$cache/kernel" && quiet apt-get download "$pkg"); then
			apt_update
			(cd "$cache/kernel" && quiet apt-get download "$pkg")
		fi
		rm -rf "$kdir" "$kdir.tmp"
		dpkg -x "$cache/kernel/${pkg}"_*.deb "$kdir.tmp"
		rm -f "$cache/kernel/${pkg}"_*.deb
		mv "$kdir.tmp" "$kdir"
		unpack_modules "$kdir"
	fi
fi

if [[ $debug == 1 && "$mode" != fetch ]]; then
	"$top/tools/vm/debug-kernel.sh" build >/dev/null
fi

echo "$release"
