#!/bin/bash
# The extcap control toolbar, with this script in Wireshark's place: the capture
# sends live counters on the control-out fifo, and the "Clear counters" button,
# pressed on control-in, zeroes them.
. "$(dirname "$0")/lib.sh"
need_live
need_cmd python3; need_cmd ping; need_cmd tshark

# Wireshark's own parser accepts the control lines
"$PKTMON" --extcap-interfaces | grep -c '^control ' | grep -qx 4 && pass "four controls offered" || fail "controls: $("$PKTMON" --extcap-interfaces)"

A=$(nsname a); B=$(nsname b)
ns_pair "$A" "$B" 198.18.9.1 198.18.9.2
mkfifo "$WORK/data" "$WORK/cin" "$WORK/cout"
cat "$WORK/data" >/dev/null &
base=$(pm_consume_ids)
"$PKTMON" --capture --extcap-interface pktmon --fifo "$WORK/data" --filters '-t ICMP -i 198.18.9.2' \
	--extcap-control-in "$WORK/cin" --extcap-control-out "$WORK/cout" &
cap=$!; CAPTURES+=("$cap")
wait_attached "$base" "$cap"
export A WORK
python3 - <<'PY' >"$WORK/toolbar.log" 2>&1; rc=$?
import os, struct, subprocess, time, select, sys
work = os.environ["WORK"]; a = os.environ["A"]
cin = open(os.path.join(work, "cin"), "wb", 0)      # Wireshark -> extcap
cout = os.open(os.path.join(work, "cout"), os.O_RDONLY)  # extcap -> Wireshark
def send(control, command, payload=b""):
    cin.write(struct.pack(">sBHBB", b"T", 0, len(payload) + 2, control, command) + payload)
buf = b""
values = {}
def pump(seconds):
    global buf
    end = time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([cout], [], [], 0.1)
        if r:
            chunk = os.read(cout, 4096)
            if not chunk:
                break
            buf += chunk
        while len(buf) >= 6:
            sync, hi, lo, control, command = struct.unpack(">sBHBB", buf[:6])
            n = (hi << 16 | lo) - 2
            assert sync == b"T", buf[:6]
            if len(buf) < 6 + n:
                break
            if command == 1:
                values[control] = buf[6:6 + n].decode()
            buf = buf[6 + n:]
send(0, 0)  # initialized
pump(1.5)
print("first", values)
assert values.get(0) == "0" and values.get(1) == "0" and values.get(2) == "0", values
subprocess.run(["ip", "netns", "exec", a, "ping", "-c", "2", "-i", "0.2", "-W", "1", "198.18.9.2"], stdout=subprocess.DEVNULL)
pump(2.5)
print("after ping", values)
assert int(values[0]) >= 14, values   # 2 requests + 2 replies, 7 components each, at least
send(3, 1)  # the "Clear counters" button
pump(2.0)
print("after clear", values)
assert values[0] == "0" and values[1] == "0" and values[2] == "0", values
PY
cat "$WORK/toolbar.log"
eq "toolbar protocol" "0" "$rc"
kill -TERM "$cap"; wait "$cap"; eq "extcap exit status" "0" "$?"
finish
