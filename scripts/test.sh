#!/bin/bash
# test.sh - the whole test suite: install what is missing, build, run every test.
# Live tests need root, BPF and network namespaces; elsewhere they print SKIP and why.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# warnings are errors here (CI runs this), not in quickstart or a packager's build
"$top/scripts/setup.sh" -DPKTMON_FUZZ="${PKTMON_FUZZ:-ON}" -DPKTMON_WERROR=ON
cd "${PKTMON_BUILD_DIR:-$top/build}"
ctest --output-on-failure --timeout 600 "$@"
