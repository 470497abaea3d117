#!/bin/bash
# kernels.sh [6.1|6.12|host|all]... - the kernel matrix: run pktmon's live tests and drop scenarios
# under Debian's own kernels (booted under qemu, the host root shared read-only over 9p) and on the
# host, then write the results table to docs/KERNELS.md. Needs root; build first (scripts/setup.sh).
#   6.1   bookworm's newest linux-image-6.1.0-N-amd64
#   6.12  bookworm-security's newest linux-image-6.12.*+deb12-amd64
#   host  the running kernel, no qemu
# PKTMON_NF_MECHANISM=kprobe (or fentry, link, none) forces how pktmon observes the netfilter hooks
# where several mechanisms work (results then in <release>-<mechanism>). PKTMON_MATRIX_TAG=T puts the
# results in <release>-T (e.g. a subset run beside a whole one).
# Kernels are downloaded once into $PKTMON_KERNEL_CACHE (default /var/cache/pktmon-kernels); results
# go to $PKTMON_KERNEL_CACHE/results/<release>/. PKTMON_MATRIX_ONLY=REGEX runs a subset of the tests,
# PKTMON_MATRIX_SKIP=REGEX leaves some out.
# A boot costs ~90 s under TCG (no /dev/kvm) and tests run ~5x slower than natively.
set -euo pipefail

# The whole script is one function: bash reads it completely before running it, so editing this
# file while a (long) run goes on cannot change what that run does.
main() {
	top=$(cd "$(dirname "$0")/../.." && pwd)
	export PKTMON_KERNEL_CACHE=${PKTMON_KERNEL_CACHE:-/var/cache/pktmon-kernels}
	results=$PKTMON_KERNEL_CACHE/results
	[ "$(id -u)" = 0 ] || { echo "kernels.sh: run as root" >&2; exit 1; }
	[ -x "$top/build/bin/pktmon" ] || { echo "kernels.sh: build first (scripts/setup.sh)" >&2; exit 1; }

	need=()
	for p in qemu-system-x86 busybox-static cpio kmod xz-utils zstd; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
	done
	if [ ${#need[@]} -gt 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
	fi

	# The guests run a snapshot of the built checkout: work (and rebuilds) may go on meanwhile.
	# One snapshot per run, so runs for several kernels may go on at once.
	snap=$PKTMON_KERNEL_CACHE/src.$$
	trap 'rm -rf "$snap"' EXIT
	mkdir -p "$snap"
	tar -C "$top" --exclude=./.git -cf - . | tar -C "$snap" -xf -
	export PKTMON_SRC=$snap
	here=$snap/scripts/matrix/kernel
	# how many tests the snapshot has (the table says "N of planned", later trees may have more)
	planned=$(( $(ls "$snap"/tests/live/test_*.sh | wc -l) + $(sed -n 's/^  \([a-z0-9-]*\) *#.*/\1/p' "$snap/tests/scenarios/CMakeLists.txt" | wc -l) ))

	series=("$@"); [ ${#series[@]} -gt 0 ] || series=(all)
	[ "${series[*]}" = all ] && series=(6.1 6.12 host)
	mkdir -p "$results"
	for s in "${series[@]}"; do
		if [ "$s" = host ]; then
			krel=$(uname -r); out=$results/$krel
			rm -rf "$out"; mkdir -p "$out"
			echo "kernels.sh: host $krel"
			uname -r > "$out/release"
			"$snap/build/bin/pktmon" list --json > "$out/list.json" 2>&1
			PKTMON_MATRIX_ONLY=${PKTMON_MATRIX_ONLY:-} PKTMON_MATRIX_SKIP=${PKTMON_MATRIX_SKIP:-} "$here/suite.sh" "$snap" "$out" | tee "$out/suite.log"
			echo host > "$out/how"
			echo "$planned" > "$out/planned"
			continue
		fi
		krel=$("$here/fetch-kernel.sh" "$s")
		# a forced netfilter mechanism gets a results folder of its own
		name=$krel${PKTMON_NF_MECHANISM:+-$PKTMON_NF_MECHANISM}${PKTMON_MATRIX_TAG:+-$PKTMON_MATRIX_TAG}
		echo "kernels.sh: $krel under qemu (results in $results/$name)"
		"$here/run-guest.sh" "$krel" "$results/$name" "${PKTMON_MATRIX_GUEST_TIMEOUT:-5400}"
		echo "qemu (TCG${PKTMON_MATRIX_TCG_THREAD:+, $PKTMON_MATRIX_TCG_THREAD-threaded})${PKTMON_NF_MECHANISM:+, PKTMON_NF_MECHANISM=$PKTMON_NF_MECHANISM}${PKTMON_MATRIX_ONLY:+, subset \`$PKTMON_MATRIX_ONLY\`}${PKTMON_MATRIX_SKIP:+, without \`$PKTMON_MATRIX_SKIP\`}" > "$results/$name/how"
		echo "$planned" > "$results/$name/planned"
		krel=$name
		grep -E '^(RESULT|TOTAL)' "$results/$krel/suite.log" || echo "kernels.sh: no results (see $results/$krel/console.log)"
	done
	# report.sh reads the committed page (rows and notes it keeps): not truncated before it reads
	"$here/report.sh" "$results" > "$top/docs/KERNELS.md.new" && mv "$top/docs/KERNELS.md.new" "$top/docs/KERNELS.md"
	echo "kernels.sh: wrote docs/KERNELS.md"
}
main "$@"
exit
