#!/bin/bash
# A disk that fills up: the capture stops at once (not when --run-for ends),
# the file holds whole blocks only (a valid pcapng file), the error is reported
# with true counts (written = frames in the file, generated = written + lost +
# not written), and pktmon exits non-zero.
. "$(dirname "$0")/lib.sh"
need_live
need_cmd tshark; need_cmd ping

MNT=$WORK/small; mkdir -p "$MNT"
mount -t tmpfs -o size=1m tmpfs "$MNT" 2>/dev/null || skip "cannot mount a tmpfs"
trap 'umount "$MNT" 2>/dev/null; cleanup' EXIT

A=$(nsname a); B=$(nsname b)
ns_pair "$A" "$B" 198.18.17.1 198.18.17.2
F=$MNT/full.pcapng
LOG=$WORK/full.log
"$PKTMON" start --foreground -f "$F" --pkt-size 0 --run-for 30 --comp dev-rx,dev-tx >"$LOG" 2>&1 &
cap=$!; CAPTURES+=("$cap")
for i in $(seq 1 600); do grep -q capturing "$LOG" && break; sleep 0.05; done
t0=$(date +%s)
# ~1.5 KB per event, several events per packet: 1 MiB fills within a second or two
ip netns exec "$A" ping -f -c 20000 -s 1400 198.18.17.2 >/dev/null 2>&1 &
pinger=$!
rc=0; wait "$cap" || rc=$?
secs=$(($(date +%s) - t0))
kill "$pinger" 2>/dev/null; wait "$pinger" 2>/dev/null
cat "$LOG"
[ "$rc" != 0 ] && pass "exit status $rc (non-zero)" || fail "exit status 0 on a full disk"
[ "$secs" -lt 10 ] && pass "stopped ${secs} s after the traffic started (not at --run-for 30)" ||
	fail "ran on for ${secs} s after the disk was full"
grep -q "pktmon: error: pcapng output: .*No space left on device" "$LOG" && pass "ENOSPC reported" ||
	fail "no ENOSPC error on stderr"
# whole blocks only: tshark reads it to the end without "cut short"
err=$(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$WORK" tshark -r "$F" 2>&1 >/dev/null)
eq "the file reads without error" "" "$err"
frames=$(tshark_stock -r "$F" -Y frame.packet_id -T fields -e frame.number | wc -l)
line=$(grep 'pktmon: stopped' "$LOG")
gen=$(sed -E 's/.* ([0-9]+) events generated.*/\1/' <<<"$line")
written=$(sed -E 's/.* ([0-9]+) written.*/\1/' <<<"$line")
lost=$(sed -E 's/.* ([0-9]+) lost .*/\1/' <<<"$line")
notw=$(sed -nE 's/.* ([0-9]+) events were not written.*/\1/p' "$LOG")
[ "$frames" -gt 0 ] && pass "$frames frames in the file" || fail "no frame in the file"
eq "written = frames in the file" "$frames" "$written"
[ "${notw:-0}" -gt 0 ] && pass "$notw events reported as not written" || fail "no 'not written' count"
eq "generated = written + lost + not written" "$gen" "$((written + lost + ${notw:-0}))"
finish
