#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what xtcp needs on Debian 12 and prepare .cache/, then print the
# target kernel release. Idempotent; quiet and quick when all is present.
#
#   tools/deps.sh [build|all]
#
# build: compiler, kernel headers, kselftest headers (enough for `make`).
# all:   also QEMU, busybox, network tools and the kernel image the test VM
#        boots (.cache/kernel/<release>). The default.
#
# RELEASE=<release> selects another Debian kernel than linux-headers-amd64's.
set -euo pipefail

mode=${1:-all}
case "$mode" in
build|all) ;;
*) echo "usage: $0 [build|all]" >&2; exit 2 ;;
esac

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

build_pkgs=(gcc make libc6-dev perl xz-utils linux-headers-amd64 linux-source-6.1)
vm_pkgs=(qemu-system-x86 busybox-static iproute2 ethtool cpio kmod tshark sparse
	 iperf3 python3 iputils-ping procps)

pkgs=("${build_pkgs[@]}")
[[ "$mode" == all ]] && pkgs+=("${vm_pkgs[@]}")
if [[ -n $(missing "${pkgs[@]}") ]]; then
	need_root
	need "${pkgs[@]}"
fi

release=$("$top/tools/release.sh")
if [[ -n $(missing "linux-headers-$release") ]]; then
	need_root
	need "linux-headers-$release"
fi

src="$cache/linux-source"
src_files=(tools/testing/selftests/kselftest_harness.h
	   tools/testing/selftests/kselftest.h
	   scripts/checkpatch.pl scripts/spelling.txt
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

if [[ "$mode" == all ]]; then
	kdir="$cache/kernel/$release"
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
		rm -rf "$kdir"
		dpkg -x "$cache/kernel/${pkg}"_*.deb "$kdir"
		depmod -b "$kdir" "$release"
		rm -f "$cache/kernel/${pkg}"_*.deb
	fi
fi

echo "$release"
