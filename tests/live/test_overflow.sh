#!/bin/bash
# A ring buffer far too small for the traffic: every event is either written or
# counted as lost, never lost silently (generated = written + lost), and the
# file holds exactly the written ones.
. "$(dirname "$0")/lib.sh"
need_live
need_cmd tshark; need_cmd ping; need_cmd taskset

A=$(nsname a); B=$(nsname b)
ns_pair "$A" "$B" 198.18.2.1 198.18.2.2
F=$WORK/overflow.pcapng
start_capture "$F" --ring-size 4096 --pkt-size 0
# on one CPU: a component's losses are reported by its next event written from the same CPU
ip netns exec "$A" taskset -c 0 ping -f -c 3000 -s 1200 -W 1 198.18.2.2 >/dev/null 2>&1 || true
# a few slow pings after the flood: the consumer has drained the ring between them, so their first
# events are written and carry their components' losses (epb_dropcount below); without them, the few
# events written during the flood may all precede their components' losses
ip netns exec "$A" taskset -c 0 ping -c 3 -i 0.3 -s 1200 -W 1 198.18.2.2 >/dev/null 2>&1 || true
stop_capture
cat "$CAP_LOG"

line=$(grep 'pktmon: stopped' "$CAP_LOG")
gen=$(sed -E 's/.* ([0-9]+) events generated.*/\1/' <<<"$line")
written=$(sed -E 's/.* ([0-9]+) written.*/\1/' <<<"$line")
lost=$(sed -E 's/.* ([0-9]+) lost .*/\1/' <<<"$line")
[ "$lost" -gt 0 ] && pass "the tiny ring lost $lost events" || fail "expected losses with a 4 KiB ring, got [$line]"
eq "generated = written + lost" "$gen" "$((written + lost))"
grep -q "warning: .* events were lost" "$CAP_LOG" && pass "loss reported on stderr" || fail "no loss warning on stderr"
# every written event is a frame in the file (the Custom Block adds one row without a packet id)
eq "frames in the file" "$written" "$(tshark_stock -r "$F" -Y frame.packet_id -T fields -e frame.number | wc -l)"
# the losses are in the file too: epb_dropcount on the next EPB of the component
dc=$(tshark_stock -r "$F" -Y 'frame.drop_count > 0' -T fields -e frame.drop_count | paste -sd+ | bc)
[ "${dc:-0}" -gt 0 ] && [ "${dc:-0}" -le "$lost" ] && pass "epb_dropcount reports $dc of the $lost lost events" ||
	fail "epb_dropcount sum [$dc] should be in 1..$lost"
finish
