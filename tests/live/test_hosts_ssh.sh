#!/bin/bash
# SPDX-License-Identifier: MIT
# Several hosts: a real sshd in a test namespace with its own host name (a UTS namespace) runs
# `pktmon start -f -` as Wireshark's SSH remote capture (sshdump) runs it; a local capture names
# itself with --host-name. Merged with mergecap, every frame keeps its host: pktmon.host, the
# rundown's host and `pktmon format --json` say which capture each frame came from.
. "$(dirname "$0")/lib.sh"
need_live
SSHD=/usr/sbin/sshd
SSHDUMP=/usr/lib/x86_64-linux-gnu/wireshark/extcap/sshdump
[ -x "$SSHD" ] || skip "sshd is not installed (apt-get install openssh-server)"
[ -x "$SSHDUMP" ] || SSHDUMP=$(command -v sshdump) || skip "Wireshark's sshdump is not installed (wireshark-common)"
need_cmd ssh-keygen
need_cmd mergecap
need_cmd tshark

A=$(nsname hca); B=$(nsname hcb)
ns_pair "$A" "$B" 198.18.91.1 198.18.91.2
HOST_A=pm-host-a-$$
HOST_B=pm-host-b-$$

# sshd: own host key, config and authorized key, root by key only, on 198.18.91.2:2222 in $B
ssh-keygen -q -t ed25519 -N '' -f "$WORK/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/id"
cp "$WORK/id.pub" "$WORK/authorized_keys"
cat >"$WORK/sshd_config" <<EOF
Port 2222
ListenAddress 198.18.91.2
HostKey $WORK/hostkey
PidFile $WORK/sshd.pid
AuthorizedKeysFile $WORK/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
EOF
made_run_sshd=
[ -d /run/sshd ] || { mkdir -p /run/sshd && chmod 755 /run/sshd && made_run_sshd=1; }
ip netns exec "$B" unshare --uts sh -c "hostname $HOST_B && exec $SSHD -D -e -f $WORK/sshd_config" \
	>"$WORK/sshd.log" 2>&1 &
SSHD_PID=$!
CAPTURES+=("$SSHD_PID")
stop_sshd() {
	kill -TERM "$SSHD_PID" 2>/dev/null && wait "$SSHD_PID" 2>/dev/null
	[ -z "$made_run_sshd" ] || rmdir /run/sshd 2>/dev/null
}
for _ in $(seq 1 $((100 * SLOWDOWN))); do
	ip netns exec "$B" ss -ltn 2>/dev/null | grep -q '198.18.91.2:2222' && break
	sleep 0.05
done
ip netns exec "$B" ss -ltn | grep -q '198.18.91.2:2222' || { cat "$WORK/sshd.log"; fail "sshd did not listen"; stop_sshd; finish; }

# the remote command, as sshdump's "Remote capture command" field would hold it
REMOTE="env PKTMON_RUN_DIR=$WORK/remote-run $PKTMON start --foreground -f - -q --comp dev-rx,dev-tx \
--capture-filter icmp --run-for $((6 * SLOWDOWN))"

start_capture "$WORK/a.pcapng" --host-name "$HOST_A" --comp dev-rx,dev-tx --capture-filter icmp

base=$(pm_consume_ids)
ip netns exec "$A" "$SSHDUMP" --extcap-interface sshdump --capture --fifo "$WORK/b.pcapng" \
	--remote-host 198.18.91.2 --remote-port 2222 --remote-username root --sshkey "$WORK/id" \
	--remote-capture-command-select other --remote-capture-command "$REMOTE" >"$WORK/sshdump.log" 2>&1 &
DUMP_PID=$!
CAPTURES+=("$DUMP_PID")
wait_attached "$base" "$SSHD_PID" || { cat "$WORK/sshdump.log" "$WORK/sshd.log"; stop_sshd; finish; }
pass "sshdump started pktmon on the remote through sshd"

ip netns exec "$A" ping -c 3 -i 0.2 -W 1 198.18.91.2 >/dev/null || fail "ping $B"
# the remote pktmon stops by itself (--run-for), writes its rundown, sshdump sees the end
for _ in $(seq 1 $((200 * SLOWDOWN))); do kill -0 "$DUMP_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$DUMP_PID" 2>/dev/null && { fail "sshdump did not end after the remote capture"; kill -TERM "$DUMP_PID"; }
wait "$DUMP_PID" 2>/dev/null
stop_capture
stop_sshd

# each file names its host in the SHB
shb_a=$(capinfos -k "$WORK/a.pcapng" 2>/dev/null | sed -n 's/^Capture comment: *//p')
shb_b=$(capinfos -k "$WORK/b.pcapng" 2>/dev/null | sed -n 's/^Capture comment: *//p')
eq "the local file's SHB" "pktmon capture on host $HOST_A" "$shb_a"
eq "the sshdump file's SHB (the remote's UTS host name)" "pktmon capture on host $HOST_B" "$shb_b"

mergecap -w "$WORK/m.pcapng" "$WORK/a.pcapng" "$WORK/b.pcapng" || fail "mergecap"
chmod 644 "$WORK"/*.pcapng
n_a=$(tshark_stock -r "$WORK/a.pcapng" -Y icmp | wc -l)
n_b=$(tshark_stock -r "$WORK/b.pcapng" -Y icmp | wc -l)
[ "$n_a" -ge 6 ] && pass "local: $n_a observations of the pings" || fail "local: $n_a observations"
[ "$n_b" -ge 6 ] && pass "remote: $n_b observations of the pings" || fail "remote: $n_b observations"

# the merged file: per frame its host, from the frame's interface (IDB) description
hosts=$(tshark_stock -r "$WORK/m.pcapng" -Y icmp -T fields -e frame.interface_description |
	sed -n 's/.* host //p' | sort | uniq -c | awk '{ print $2 "=" $1 }' | paste -sd' ')
eq "merged: frames per host (IDB descriptions)" "$(printf '%s\n' "$HOST_A=$n_a" "$HOST_B=$n_b" | sort | paste -sd' ')" "$hosts"
json=$("$PKTMON" format --json "$WORK/m.pcapng" | grep '"type":"packet"' | grep -c "\"host\":\"$HOST_B\"")
eq "merged: pktmon format --json frames of $HOST_B" "$n_b" "$json"
if [ -n "${PKTMON_PLUGIN_DIR:-}" ] && [ -d "$PKTMON_PLUGIN_DIR" ]; then
	tshark_pm() { setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$WORK" \
		WIRESHARK_PLUGIN_DIR="$PKTMON_PLUGIN_DIR" tshark "$@" 2>/dev/null; }
	fields=$(tshark_pm -r "$WORK/m.pcapng" -Y icmp -T fields -e pktmon.host -e pktmon.component_name)
	eq "pktmon.host of $HOST_B's frames" "$n_b" "$(grep -c "^$HOST_B	" <<<"$fields" || true)"
	eq "pktmon.host of $HOST_A's frames" "$n_a" "$(grep -c "^$HOST_A	" <<<"$fields" || true)"
	eq "every frame has a pktmon.host" "0" "$(grep -c "^	" <<<"$fields" || true)"
	rd=$(tshark_pm -r "$WORK/m.pcapng" -Y pktmon.rundown.host -T fields -e pktmon.rundown.host | sort | paste -sd' ')
	eq "merged: the two rundowns' hosts" "$(printf '%s\n' "$HOST_A" "$HOST_B" | sort | paste -sd' ')" "$rd"
else
	echo "(no PKTMON_PLUGIN_DIR: pktmon.host not checked)"
fi
finish
