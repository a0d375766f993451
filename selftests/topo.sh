#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Create or delete a test topology of selftests/lib.sh for the C tests
# (xl_topo() in tools/lib/xtcp_lib.c), in the namespaces named after
# $XTCP_NS_TAG, which xtcp_lib sets:
#
#	selftests/topo.sh veth|veth2|router|interop|clean
set -u
. "$(dirname "$0")/lib.sh"

case "${1:-}" in
veth) xl_topo_veth ;;
veth2) xl_topo_veth2 ;;
router) xl_topo_router ;;
interop) xl_topo_interop ;;
clean) xl_topo_clean ;;
*) echo "usage: $0 veth|veth2|router|interop|clean" >&2; exit 2 ;;
esac
