#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Where the kernel of a lane of `make test` is, for the Makefile, deps.sh and
# tools/vm/run.sh. The lane is $KERNEL (6.1, the default; 6.12; debug), or
# the kernel $RELEASE / $KDIR select as for tools/release.sh.
#
#   tools/kernel.sh release   the kernel release
#   tools/kernel.sh kdir      the build tree external modules build against
#   tools/kernel.sh image     the directory with boot/vmlinuz-<release> and
#                             lib/modules/<release>/ that the VM boots
#   tools/kernel.sh name      the lane's name in file names: "" for the
#                             default lane, else "-<KERNEL>" or "-<release>"
#
# Nothing is built or downloaded here; tools/deps.sh does that.
set -euo pipefail

tools=$(cd "$(dirname "$0")" && pwd)
top=${tools%/tools}
release=$("$tools/release.sh")
debug=0
[[ -z "${RELEASE:-}" && -z "${KDIR:-}" && "${KERNEL:-}" == debug ]] && debug=1

case "${1:-}" in
release)
	echo "$release" ;;
kdir)
	if [[ -n "${KDIR:-}" ]]; then
		echo "$KDIR"
	elif [[ $debug == 1 ]]; then
		echo "$("$tools/vm/debug-kernel.sh" dir)/obj"
	else
		echo "/lib/modules/$release/build"
	fi ;;
image)
	if [[ $debug == 1 ]]; then
		"$tools/vm/debug-kernel.sh" dir
	else
		echo "$top/.cache/kernel/$release"
	fi ;;
name)
	if [[ -n "${RELEASE:-}" || -n "${KDIR:-}" ]]; then
		echo "-$release"
	elif [[ "${KERNEL:-6.1}" != 6.1 ]]; then
		echo "-$KERNEL"
	fi ;;
*)
	echo "usage: $0 release|kdir|image|name" >&2
	exit 2 ;;
esac
