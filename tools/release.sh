#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the kernel release xtcp targets: $RELEASE if set, else the release of
# the kernel build tree $KDIR if set, else the one Debian's linux-headers-amd64
# depends on.
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

deps=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null ||
       apt-cache depends linux-headers-amd64 2>/dev/null || true)
rel=$(grep -o 'linux-headers-[0-9][^ ,]*' <<<"$deps" | head -n1 || true)
if [[ -z "$rel" ]]; then
	echo "release.sh: cannot resolve linux-headers-amd64; set RELEASE=" >&2
	exit 1
fi
echo "${rel#linux-headers-}"
