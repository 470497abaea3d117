#!/bin/bash
# setup.sh - install the Debian packages pktmon needs (only those missing), then build into ./build.
# Needs root for apt-get when something is missing. Usage: scripts/setup.sh [cmake options...]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

PACKAGES=(build-essential cmake pkg-config clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
	libpcap-dev libnftables-dev libglib2.0-dev libwireshark-dev wireshark-dev tshark libcap2-bin
	iproute2 nftables iputils-ping tcpdump bc util-linux python3 dpkg-dev)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	if [ "$(id -u)" != 0 ]; then
		echo "setup: run as root (or with sudo) to install packages" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture; the answer does not matter to us
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build=${PKTMON_BUILD_DIR:-$top/build}
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
echo "setup: built into $build"
