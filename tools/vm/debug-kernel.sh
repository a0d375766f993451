#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug kernel of `make test KERNEL=debug` once, from Debian's
# linux-source-6.1: x86_64_defconfig + kvm_guest.config + tools/vm/debug.config
# (KASAN, lockdep, kmemleak, UBSAN, debug objects, ..., and everything the VM
# and the tests need built in), merged with scripts/kconfig/merge_config.sh.
# Every option the fragment sets is checked in the final .config.
#
#   tools/vm/debug-kernel.sh [build|dir|release]
#
# build (default): build unless cached, print the image directory.
# dir:             print the image directory, build nothing.
# release:         print the kernel release, build nothing.
#
# The image directory is .cache/kernel-debug/<linux-source-6.1 version>-<hash>
# (hash of the fragment and of this recipe): boot/vmlinuz-<release>,
# lib/modules/<release>/ (modules_install: modules.builtin, modules.dep),
# obj/ (the build tree, KDIR for external modules), build.log, build-time.
# A complete build (its .complete stamp) is never rebuilt; an interrupted one
# resumes. With no tree yet, the newest complete tree of the same source
# version seeds the build (Kbuild then rebuilds only what the config change
# touches). Source: .cache/kernel-debug/src-<version>, extracted once.
#
# The build runs at the lowest CPU priority (SCHED_IDLE) when
# XTCP_BUILD_IDLE=1, so that it can overlap a VM lane without slowing it.
set -euo pipefail

mode=${1:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
fragment="$top/tools/vm/debug.config"
tarball=/usr/src/linux-source-6.1.tar.xz
base="$top/.cache/kernel-debug"
recipe=1	# bump when the build steps below change what they produce

log() { echo "debug-kernel: $*" >&2; }
die() { log "$*"; exit 1; }

ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || true)
[[ -n "$ver" ]] || die "linux-source-6.1 is not installed; run tools/deps.sh"
# The fragment's LOCALVERSION, and the source's version (6.1.N).
localver=$(sed -n 's/^CONFIG_LOCALVERSION="\(.*\)"$/\1/p' "$fragment")
release="${ver%%-*}$localver"
hash=$( { echo "recipe $recipe"; cat "$fragment"; } | sha256sum | cut -c1-12)
out="$base/$ver-$hash"

case "$mode" in
dir) echo "$out"; exit 0 ;;
release) echo "$release"; exit 0 ;;
build) ;;
*) echo "usage: $0 [build|dir|release]" >&2; exit 2 ;;
esac

if [[ -e "$out/.complete" ]]; then
	echo "$out"
	exit 0
fi

[[ -r "$tarball" ]] || die "no $tarball; run tools/deps.sh"
for tool in bc bison flex; do
	command -v "$tool" >/dev/null || die "$tool is missing; run tools/deps.sh"
done

src="$base/src-$ver"
if [[ ! -e "$src/Makefile" ]]; then
	log "extracting $tarball"
	rm -rf "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
	mv "$src.tmp" "$src"
fi

obj="$out/obj"
if [[ ! -d "$obj" ]]; then
	seed=$(ls -td "$base/$ver"-*/.complete 2>/dev/null | head -n1 || true)
	mkdir -p "$out"
	if [[ -n "$seed" ]]; then
		log "seeding the build tree from ${seed%/.complete}"
		cp -a "${seed%/.complete}/obj" "$obj.tmp"
		mv "$obj.tmp" "$obj"
	fi
fi
mkdir -p "$obj"

prio=()
[[ "${XTCP_BUILD_IDLE:-0}" == 1 ]] && prio=(chrt --idle 0)
jobs=$(($(nproc) + 1))
kmake() {
	"${prio[@]}" make -C "$src" O="$obj" -j"$jobs" "$@"
}

log "building $release in ${out#"$top"/} (log: ${out#"$top"/}/build.log)"
start=$SECONDS
{
	kmake x86_64_defconfig
	(cd "$obj" && "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" .config \
		"$src/kernel/configs/kvm_guest.config" "$fragment")
	kmake olddefconfig
} > "$out/build.log" 2>&1 || die "configuration failed, see $out/build.log"

# Every option the fragment sets must have survived the merge.
bad=()
while IFS= read -r line; do
	if [[ "$line" =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
		grep -qxF "$line" "$obj/.config" ||
			bad+=("$line (have: $(grep -E "^(# )?${BASH_REMATCH[1]}[= ]" "$obj/.config" || echo unset))")
	elif [[ "$line" =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
		! grep -qE "^${BASH_REMATCH[1]}=[ym]$" "$obj/.config" ||
			bad+=("$line (have: $(grep -E "^${BASH_REMATCH[1]}=" "$obj/.config"))")
	fi
done < "$fragment"
if [[ ${#bad[@]} -gt 0 ]]; then
	log "the final .config does not have what tools/vm/debug.config asks for:"
	printf '  %s\n' "${bad[@]}" >&2
	exit 1
fi

kmake bzImage modules >> "$out/build.log" 2>&1 ||
	{ tail -n 40 "$out/build.log" >&2; die "build failed, see $out/build.log"; }
built=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$obj/include/generated/utsrelease.h")
[[ "$built" == "$release" ]] || die "built release $built, expected $release"

rm -rf "$out/lib" "$out/boot"
kmake INSTALL_MOD_PATH="$out" DEPMOD=/sbin/depmod modules_install >> "$out/build.log" 2>&1 ||
	die "modules_install failed, see $out/build.log"
rm -f "$out/lib/modules/$release/build" "$out/lib/modules/$release/source"
[[ -e "$out/lib/modules/$release/modules.builtin" ]] || die "no modules.builtin"
/sbin/depmod -b "$out" "$release"
install -D -m 0644 "$obj/arch/x86/boot/bzImage" "$out/boot/vmlinuz-$release"
cp "$obj/.config" "$out/boot/config-$release"
echo "$((SECONDS - start))" > "$out/build-time"
touch "$out/.complete"
log "built $release in $((SECONDS - start)) s"
echo "$out"
