#!/bin/bash
# run-guest.sh KREL OUTDIR [TIMEOUT_S] - boot kernel KREL of the cache under qemu (TCG when there is
# no /dev/kvm) with the host root read-only over 9p, run guest.sh (pktmon list + the suite of the
# built checkout PKTMON_SRC) and power off. PKTMON_MATRIX_ONLY / _SKIP: regexes of the tests to run / leave out;
# PKTMON_NF_MECHANISM (link, fentry, kprobe, none) and PKTMON_DEBUG are passed on to the guest.
# PKTMON_MATRIX_SCRIPT=FILE: run that bash script (with $PKTMON set) instead of the suite; its output
# lands in OUTDIR/script.log. PKTMON_MATRIX_TCG_THREAD=single: one host thread runs every vCPU (no
# multi-threaded TCG, whose cross-modifying code is suspect: see docs/KERNELS.md).
set -uo pipefail
krel=$1; out=$2; tmo=${3:-3600}
cache=${PKTMON_KERNEL_CACHE:-/var/cache/pktmon-kernels}
here=$(cd "$(dirname "$0")" && pwd)
src=${PKTMON_SRC:-$(cd "$here/../../.." && pwd)}
rm -rf "$out"; mkdir -p "$out"
[ -n "${PKTMON_MATRIX_SCRIPT:-}" ] && cp "$PKTMON_MATRIX_SCRIPT" "$out/script.sh"
[ -f "$cache/initramfs-$krel.cpio.gz" ] || "$here/build-initramfs.sh" "$krel" >/dev/null
accel=tcg,thread=${PKTMON_MATRIX_TCG_THREAD:-multi}; [ -w /dev/kvm ] && accel=kvm
start=$(date +%s)
# multidevs=remap: the export crosses mounts (/proc, /sys, /dev); without it inode numbers collide
# and the guest may read the host's files (even its BTF) instead of its own.
timeout "$tmo" qemu-system-x86_64 -machine q35 -accel $accel -cpu max -smp 2 -m 2G -nographic -no-reboot \
	-kernel "$cache/kernels/$krel/boot/vmlinuz-$krel" -initrd "$cache/initramfs-$krel.cpio.gz" \
	-append "console=ttyS0 panic=-1 quiet loglevel=4 net.ifnames=0 mitigations=off pm.harness=$here pm.src=$src pm.cache=$cache pm.only=${PKTMON_MATRIX_ONLY:-} pm.skip=${PKTMON_MATRIX_SKIP:-} pm.nfmech=${PKTMON_NF_MECHANISM:-} ${PKTMON_DEBUG:+pm.debug=1}" \
	-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=root,mount_tag=pmroot \
	-fsdev local,id=out,path="$out",security_model=none -device virtio-9p-pci,fsdev=out,mount_tag=pmout \
	-nic none </dev/null > "$out/console.log" 2>&1
rc=$?
echo "qemu rc=$rc, $(( $(date +%s) - start )) s wall" | tee -a "$out/console.log"
