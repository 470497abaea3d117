#!/bin/bash
# debs.sh - the .deb of each Debian release, built there, installed there, capturing the demo drop.
#   tests/install/debs.sh [bookworm] [trixie]     (default: both)
# bookworm is this host (Debian 12, build dir $PKTMON_BUILD_DIR or build/), trixie the cached chroot
# (scripts/matrix/chroot.sh, build-trixie/). In each: the full build (scripts/setup.sh), the staged
# install and package contents (test_install.sh), then the package installed for real, the demo drop
# captured with the installed pktmon, and the package purged (test_deb_system.sh). Needs root.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(bookworm trixie)

# in_suite SUITE CMD...: CMD in that system, PKTMON_BUILD_DIR set to its build directory.
in_suite() {
	local suite=$1; shift
	if [ "$suite" = bookworm ]; then
		PKTMON_BUILD_DIR=${PKTMON_BUILD_DIR:-$top/build} "$@"
	else
		"$top/scripts/matrix/chroot.sh" run "$suite" "$@"
	fi
}

rows=() status=0
for suite in "${suites[@]}"; do
	log=/tmp/pktmon-debs-$suite.log
	echo "== $suite (log $log)" >&2
	# shellcheck disable=SC2016
	in_suite "$suite" bash -c '
		set -u
		cd "$0"
		b=$PKTMON_BUILD_DIR
		echo "## build"; scripts/setup.sh || exit 10
		extcap=$(sed -n "s/^PKTMON_EXTCAP_DIR:PATH=//p" "$b/CMakeCache.txt")
		helperdir=$(sed -n "s/^PKTMON_HELPER_DIR:PATH=//p" "$b/CMakeCache.txt")
		echo "## test_install.sh"; bash tests/install/test_install.sh "$b" "$extcap" "$helperdir" samples/ping-blocked-input.pcapng; r1=$?
		echo "## test_deb_system.sh"; PKTMON_TEST_DEB_INSTALL=1 bash tests/install/test_deb_system.sh "$b"; r2=$?
		echo "RESULT $r1 $r2"' "$top" >"$log" 2>&1
	read -r _ staged system < <(grep '^RESULT ' "$log" | tail -1)
	ws=$(grep -m1 -oE 'Wireshark [0-9]+\.[0-9]+: installing [^ ]+' "$log")
	checks=$(awk '/^## test_deb_system/ { on = 1 } on && /^ok: / { n++ } END { print n + 0 }' "$log")
	fails=$(grep -c '^FAIL' "$log")
	res() { case ${1:-x} in 0) echo passed ;; 77) echo skipped ;; x) echo "not run" ;; *) echo FAILED ;; esac; }
	[ "${staged:-1}" = 0 ] && [ "${system:-1}" = 0 ] || status=1
	rows+=("| $suite | ${ws:-build failed, see $log} | $(res "${staged:-x}") | $(res "${system:-x}") ($checks checks ok, $fails FAIL lines) |")
done
printf '%s\n' "| Debian | package | staged install + .deb contents | installed, demo drop captured |" "|---|---|---|---|" "${rows[@]}"
exit $status
