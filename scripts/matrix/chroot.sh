#!/bin/bash
# chroot.sh - a cached Debian chroot of one suite with what pktmon builds and tests with,
# and a way to run a command in it with /proc, /sys, /dev, bpffs and tracefs of this host.
#   scripts/matrix/chroot.sh create SUITE      # trixie | sid (debootstrap from Debian's mirror, once)
#   scripts/matrix/chroot.sh run SUITE CMD...  # CMD runs as root in the chroot, in this checkout
#     (same path inside; PKTMON_BUILD_DIR=build-SUITE so the host's build/ is left alone)
# Chroots live in $PKTMON_CHROOTS (default /var/cache/pktmon-chroots). Needs root.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
base=${PKTMON_CHROOTS:-/var/cache/pktmon-chroots}
mirror=${PKTMON_MIRROR:-http://deb.debian.org/debian}
PACKAGES="build-essential cmake pkg-config clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
	libpcap-dev libglib2.0-dev libwireshark-dev wireshark-dev tshark libcap2-bin
	iproute2 nftables libnftables-dev iputils-ping tcpdump bc util-linux python3 procps file dpkg-dev"

usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 2 ] || usage
verb=$1 suite=$2; shift 2
case "$suite" in trixie|sid|bookworm) ;; *) echo "chroot: unknown suite '$suite'" >&2; exit 2;; esac
root=$base/$suite

apt_opts() {
	# sid's Release file may be past its Valid-Until on the mirror
	echo "-o Acquire::Check-Valid-Until=false -o APT::Install-Recommends=false -qq"
}

create() {
	[ "$(id -u)" = 0 ] || { echo "chroot: needs root" >&2; exit 1; }
	if [ -e "$root/.pktmon-ready" ]; then echo "chroot: $root ready"; return; fi
	mkdir -p "$base"
	rm -rf "$root"
	command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null ||
		{ echo "chroot: cannot install debootstrap" >&2; exit 1; }
	debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$base/$suite.debootstrap.log" 2>&1 ||
		{ echo "chroot: debootstrap failed, see $base/$suite.debootstrap.log" >&2; exit 1; }
	echo "deb $mirror $suite main" >"$root/etc/apt/sources.list"
	echo "wireshark-common wireshark-common/install-setuid boolean false" | chroot "$root" debconf-set-selections
	chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get $(apt_opts) update
	# shellcheck disable=SC2086
	chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get $(apt_opts) install -y $PACKAGES >"$base/$suite.apt.log" 2>&1 ||
		{ echo "chroot: apt-get failed, see $base/$suite.apt.log" >&2; exit 1; }
	touch "$root/.pktmon-ready"
	echo "chroot: $root ready"
}

run() {
	[ -e "$root/.pktmon-ready" ] || create
	# The checkout appears at its own path inside the chroot, so several checkouts can use one
	# chroot at once; system mounts are shared and stay (unmounting them would race other runs).
	# The chroot's / must be a mount point: `ip netns exec` (live tests) runs "mount --make-rslave /"
	# in its own mount namespace, which fails with EINVAL on a plain directory.
	mountpoint -q "$root" || mount --rbind "$root" "$root"
	mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
	mountpoint -q "$root/sys" || mount --rbind /sys "$root/sys"
	mountpoint -q "$root/dev" || mount --rbind /dev "$root/dev"
	mkdir -p /run/netns "$root/run/netns"
	mountpoint -q "$root/run/netns" || mount --rbind /run/netns "$root/run/netns"
	mkdir -p "$root$top"
	# The checkout is bound in a mount namespace of this run only: it goes with the run, and never
	# from under another run of the same checkout (a build beside a test run). Mounts of the host
	# still reach the run (slave).
	exec unshare --mount --propagation slave "$top/scripts/matrix/chroot.sh" enter "$suite" "$@"
}

# run's second half, inside the run's own mount namespace.
enter() {
	mountpoint -q "$root$top" || mount --bind "$top" "$root$top"
	exec chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb SHELL=/bin/sh LANG=C.UTF-8 \
		PKTMON_CHROOT="$suite" PKTMON_BUILD_DIR="$top/build-$suite" sh -c 'cd "$0" && "$@"' "$top" "$@"
}

case "$verb" in
create) create ;;
run) run "$@" ;;
enter) enter "$@" ;;
*) usage ;;
esac
