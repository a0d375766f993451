#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the kernel release xtcp targets: $RELEASE if set, else the release of
# the kernel build tree $KDIR if set, else the release of the lane $KERNEL:
#
#   KERNEL=6.1 (default)  the Debian release linux-headers-amd64 depends on
#   KERNEL=X.Y            the one linux-headers-X.Y-amd64 depends on (6.12)
#   KERNEL=debug          the debug kernel tools/vm/debug-kernel.sh builds
set -euo pipefail

if [[ -n "${RELEASE:-}" ]]; then
	echo "$RELEASE"
	exit 0
fi

if [[ -n "${KDIR:-}" ]]; then
	uts="$KDIR/include/generated/utsrelease.h"
	[[ -r "$uts" ]] || { echo "release.sh: no $uts" >&2; exit 1; }
	sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$uts"
	exit 0
fi

kernel=${KERNEL:-6.1}
case "$kernel" in
debug)
	exec "$(dirname "$0")/vm/debug-kernel.sh" release ;;
6.1)
	meta=linux-headers-amd64 ;;
[0-9]*.[0-9]*)
	meta=linux-headers-$kernel-amd64 ;;
*)
	echo "release.sh: KERNEL=$kernel: expected 6.1, 6.12 or debug" >&2
	exit 1 ;;
esac

deps=$(dpkg-query -W -f='${Depends}' "$meta" 2>/dev/null ||
       apt-cache depends "$meta" 2>/dev/null || true)
rel=$(grep -o 'linux-headers-[0-9][^ ,]*' <<<"$deps" | head -n1 || true)
if [[ -z "$rel" ]]; then
	echo "release.sh: cannot resolve $meta; set RELEASE=" >&2
	exit 1
fi
echo "${rel#linux-headers-}"
