#!/bin/bash
# guest.sh - PID 1 in the guest, after switch_root to the host root (read-only, over 9p).
# Kernel arguments: pm.src= (the built checkout), pm.cache= (kernel cache), pm.skip= (a regex of the
# tests to leave out), pm.only= (a regex of the
# tests to run, default all). Results: /tmp/matrix-out/{list.json,list.txt,suite.log,suite/*.log}.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p"; }
# The 9p export of / crosses into the host's /proc, /sys and /dev: always mount the guest's own
# (statfs through 9p reports the host's filesystem types, so it cannot tell).
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "guest: $(cat /proc/version)" > /dev/console
mount -t bpf bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mkdir -p /dev/shm /dev/pts; mount -t tmpfs tmpfs /dev/shm; mount -t devpts devpts /dev/pts
# devtmpfs has no /dev/fd: bash's process substitution (< <(...)) needs it
ln -sf /proc/self/fd /dev/fd; ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout; ln -sf /proc/self/fd/2 /dev/stderr
src=$(arg pm.src); cache=$(arg pm.cache); only=$(arg pm.only); skip=$(arg pm.skip)
nfmech=$(arg pm.nfmech)
[ -n "$nfmech" ] && export PKTMON_NF_MECHANISM=$nfmech # force a fallback where several work
export PKTMON_TEST_SLOWDOWN=5 # software emulation: the tests' waits, not their assertions, stretch
[ -n "$(arg pm.debug)" ] && export PKTMON_DEBUG=1       # libbpf's warnings, verifier logs
here=$(cd "$(dirname "$0")" && pwd)
out=/tmp/matrix-out
# The host root has no modules of this kernel: modprobe reads them from the cache.
printf '#!/bin/sh\nexec /usr/sbin/modprobe -d %s/kernels/$(uname -r) "$@"\n' "$cache" > /tmp/modprobe
chmod +x /tmp/modprobe
echo /tmp/modprobe > /proc/sys/kernel/modprobe
for m in veth nf_tables nfnetlink sch_fq_codel; do /tmp/modprobe $m; done
ip link set lo up
uname -r > $out/release
"$src/build/bin/pktmon" list --json > $out/list.json 2>&1
"$src/build/bin/pktmon" list > $out/list.txt 2>&1
cat $out/list.txt > /dev/console
if [ -f $out/script.sh ]; then # a command of one's own instead of the suite (PKTMON_MATRIX_SCRIPT)
	PKTMON=$src/build/bin/pktmon bash $out/script.sh > $out/script.log 2>&1
else
	PKTMON_MATRIX_ONLY=$only PKTMON_MATRIX_SKIP=$skip "$here/suite.sh" "$src" $out 2>&1 | tee $out/suite.log > /dev/console
fi
dmesg | grep -iE 'bpf|bug|warn|oops|call trace' | tail -n 40 > $out/dmesg.log
sync
umount $out
echo o > /proc/sysrq-trigger
sleep 10
