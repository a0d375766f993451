#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Create a test topology (see selftests/lib.sh) for the C tests:
#
#	selftests/topo.sh veth|router|interop|clean
. "$(dirname "$0")/lib.sh"

case "${1:-}" in
veth) topo_veth ;;
router) topo_router ;;
interop) topo_interop ;;
clean) topo_clean ;;
*) echo "usage: $0 veth|router|interop|clean" >&2; exit 2 ;;
esac
