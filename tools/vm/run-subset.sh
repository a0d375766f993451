#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run several filters of the test runner in one VM boot, inside the VM:
# tools/vm/run-tests.sh FILTER for each FILTER in turn (each a test name, or a
# part of names, as for `make test T=`), then the sum of their summaries.
#
#   tools/vm/run-subset.sh FILTER...
#
# `make test T="a b c"` (several words) uses it; .ci/run's debug lane runs
# the names in tools/vm/debug-subset this way. The last line is
# "N passed, N failed, N skipped"; a run that prints no summary counts as
# one failure. The exit status is 1 when anything failed.
set -uo pipefail

[[ $# -gt 0 ]] || { echo "usage: $0 FILTER..." >&2; exit 2; }
cd "$(dirname "$0")/../.." || exit 1

out=$(mktemp)
trap 'rm -f "$out"' EXIT
passed=0 failed=0 skipped=0
re='^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$'
for filter in "$@"; do
	echo "# ==== run-tests.sh $filter"
	# Each run's own summary is shown as a comment, the sum is the summary.
	tools/vm/run-tests.sh "$filter" 2>&1 | tee "$out" |
		sed -E "s/$re/# $filter: &/"
	summary=$(grep -E "$re" "$out" | tail -n1)
	if [[ "$summary" =~ $re ]]; then
		passed=$((passed + BASH_REMATCH[1]))
		failed=$((failed + BASH_REMATCH[2]))
		skipped=$((skipped + BASH_REMATCH[3]))
	else
		echo "not ok - $filter: no summary from run-tests.sh"
		failed=$((failed + 1))
	fi
done

echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed == 0 ]]
