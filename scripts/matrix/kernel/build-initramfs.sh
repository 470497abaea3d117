#!/bin/bash
# build-initramfs.sh KREL - a small initramfs for kernel KREL of the cache: static busybox, the
# virtio/9p modules of that kernel (with their dependencies, decompressed) and init.
set -euo pipefail
krel=$1
cache=${PKTMON_KERNEL_CACHE:-/var/cache/pktmon-kernels}
kdir=$cache/kernels/$krel
here=$(cd "$(dirname "$0")" && pwd)
w=$(mktemp -d "$cache/initramfs.XXXX")
trap 'rm -rf "$w"' EXIT
mkdir -p "$w/bin" "$w/mods" "$w/proc" "$w/sys" "$w/dev" "$w/newroot"
cp /bin/busybox "$w/bin/busybox"
for a in sh mount umount insmod mkdir switch_root echo cat sleep tr sed; do ln -s busybox "$w/bin/$a"; done
: > "$w/mods/order"
for m in virtio_pci 9pnet_virtio 9p; do
	modprobe -d "$kdir" -S "$krel" --show-depends $m | awk '$1=="insmod"{print $2}'
done | awk '!seen[$0]++' | while read -r f; do
	b=$(basename "$f"); b=${b%.xz}; b=${b%.zst}
	case $f in
	*.xz) xz -dc "$f" > "$w/mods/$b" ;;
	*.zst) zstd -dc "$f" > "$w/mods/$b" ;;
	*) cp "$f" "$w/mods/$b" ;;
	esac
	echo "$b" >> "$w/mods/order"
done
cp "$here/init" "$w/init"
(cd "$w" && find . | cpio -o -H newc --quiet | gzip -1) > "$cache/initramfs-$krel.cpio.gz"
echo "$cache/initramfs-$krel.cpio.gz"
