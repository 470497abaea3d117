#!/bin/bash
# fetch-kernel.sh SERIES - download Debian's own kernel image for SERIES (6.1: bookworm's newest
# linux-image-6.1.0-N-amd64; 6.12: bookworm-security's newest linux-image-6.12.*+deb12-amd64) with
# apt-get download (the host's apt config is only read), unpack it into the cache and run depmod.
# Prints the kernel release. Cache: $PKTMON_KERNEL_CACHE (default /var/cache/pktmon-kernels).
set -euo pipefail
series=$1
cache=${PKTMON_KERNEL_CACHE:-/var/cache/pktmon-kernels}
mkdir -p "$cache/debs" "$cache/kernels"
case $series in
6.1) pattern='^linux-image-6\.1\.0-[0-9]+-amd64$' ;;
6.12) pattern='^linux-image-6\.12\.[0-9]+\+deb12-amd64$' ;;
*) echo "fetch-kernel: unknown series $series (6.1 or 6.12)" >&2; exit 2 ;;
esac
pkg=$(apt-cache search --names-only "$pattern" | awk '{print $1}' | sort -V | tail -1)
[ -n "$pkg" ] || { echo "fetch-kernel: no package matches $pattern (apt-get update?)" >&2; exit 1; }
krel=${pkg#linux-image-}
if [ ! -f "$cache/kernels/$krel/boot/vmlinuz-$krel" ]; then
	deb=$(ls "$cache/debs/${pkg}"_*.deb 2>/dev/null | head -1 || true)
	if [ -z "$deb" ]; then
		(cd "$cache/debs" && apt-get download -q "$pkg" >&2)
		deb=$(ls "$cache/debs/${pkg}"_*.deb | head -1)
	fi
	rm -rf "$cache/kernels/$krel.tmp"
	dpkg-deb -x "$deb" "$cache/kernels/$krel.tmp"
	# usr-merged packages keep modules in usr/lib
	[ -d "$cache/kernels/$krel.tmp/lib" ] || ln -s usr/lib "$cache/kernels/$krel.tmp/lib"
	depmod -b "$cache/kernels/$krel.tmp" "$krel"
	mv "$cache/kernels/$krel.tmp" "$cache/kernels/$krel"
fi
echo "$krel"
