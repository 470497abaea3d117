#!/bin/bash
# The capture ends with its reader. A normal tshark stop (-a duration) is no
# error: exit 0, nothing on stderr. When tshark and its dumpcap are killed
# (SIGKILL) mid-capture, the extcap notices (the fifo's reader is gone, its
# parent is gone) and within 3 s no pktmon process and none of its BPF programs
# or links are left. Same for a plain fifo reader that goes away while no
# packet comes.
. "$(dirname "$0")/lib.sh"
need_live
need_cmd tshark; need_cmd setcap; need_cmd bpftool

# the unprivileged extcap execs the capture helper, which carries the capabilities
install_as_wireshark
export PKTMON_CAPTURE_HELPER=$HELPER
# tshark makes its extcap fifo in TMPDIR and leaves it when killed: in our work folder, then
mkdir -m 1777 "$WORK/tmp"
ts_user() { setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$WORK" TMPDIR="$WORK/tmp" WIRESHARK_EXTCAP_DIR="$EXT" tshark "$@"; }
prog_ids() { bpftool prog show 2>/dev/null | sed -nE 's/^([0-9]+): .* name pm_.*/\1/p' | sort; }
# capture processes of this test (the extcap exec()s our copy of the helper), by pid
ours() {
	local p
	for p in /proc/[0-9]*; do # -ef: no process forked per pid (this runs every 0.1 s)
		[ "$p/exe" -ef "$HELPER" ] 2>/dev/null && echo "${p#/proc/}"
	done | sort
}
# wait_ours: until an extcap of ours has attached pm_consume (attached last); sets EXTCAP_PID
wait_ours() {
	local pid consume end=$((SECONDS + 30 * SLOWDOWN))
	while [ "$SECONDS" -lt "$end" ]; do
		consume=$(pm_consume_ids)
		for pid in $(ours); do
			# a link whose program is a pm_consume (other engineers' captures may run too)
			if tree_bpf "$pid" link-progs | grep -qxF -f <(echo "$consume"); then
				EXTCAP_PID=$pid
				return 0
			fi
		done
		sleep 0.1
	done
	fail "no extcap of ours attached within $((30 * SLOWDOWN)) s"
	return 1
}

A=$(nsname a); B=$(nsname b)
ns_pair "$A" "$B" 198.18.16.1 198.18.16.2

# 1. a normal stop: tshark -a duration ends the capture by closing the fifo
for run in 1 2; do
	rc=0
	ts_user -i pktmon -a duration:$((3 * SLOWDOWN)) -w "$OUT/normal$run.pcapng" >"$WORK/normal$run.out" 2>"$WORK/normal$run.err" &
	tspid=$!
	wait_ours
	ip netns exec "$A" ping -c 3 -i 0.2 198.18.16.2 >/dev/null 2>&1
	wait "$tspid" || rc=$?
	eq "run $run: tshark -a duration exit status" "0" "$rc"
	grep -qi "error" "$WORK/normal$run.err" && fail "run $run: tshark reported an error: $(cat "$WORK/normal$run.err")" ||
		pass "run $run: no error on a normal stop"
	[ "$(tshark_stock -r "$OUT/normal$run.pcapng" -Y icmp -T fields -e frame.number | wc -l)" -gt 0 ] &&
		pass "run $run: ICMP captured" || fail "run $run: no ICMP in the capture"
done
sleep 1
eq "no extcap left after the normal stops" "" "$(ours)"

# 2. tshark and dumpcap killed: nothing left after 3 s
kill_tree_case() { # NAME WHAT-TO-KILL(tshark|both)
	local name=$1 what=$2
	local tspid dc ours_progs links
	ts_user -i pktmon -w "$OUT/$name.pcapng" >/dev/null 2>&1 &
	tspid=$!
	wait_ours || return
	ours_progs=$({ tree_bpf "$EXTCAP_PID" progs; tree_bpf "$EXTCAP_PID" link-progs; } | sort -u)
	links=$(tree_bpf "$EXTCAP_PID" links)
	[ -n "$links" ] && pass "$name: $(echo $links | wc -w) links, programs $(echo $ours_progs)" || fail "$name: no links"
	[ -n "$(ours)" ] && pass "$name: the extcap runs" || fail "$name: no extcap process"
	# $tspid is the subshell running ts_user; tshark is its child (setpriv execs it)
	local ts; ts=$(pgrep -P "$tspid" tshark)
	dc=$(pgrep -P "$ts" dumpcap)
	[ -n "$ts" ] && [ -n "$dc" ] && pass "$name: tshark $ts, dumpcap $dc" || fail "$name: no tshark/dumpcap found"
	kill -KILL $ts
	[ "$what" = both ] && [ -n "$dc" ] && kill -KILL $dc
	wait "$tspid" 2>/dev/null
	sleep 3
	eq "$name: no pktmon process after 3 s" "" "$(ours)"
	eq "$name: no program of ours after 3 s" "" "$(comm -12 <(echo "$ours_progs") <(prog_ids))"
	local left id
	left=$(for id in $links; do bpftool link show id "$id" >/dev/null 2>&1 && echo "$id"; done)
	eq "$name: no link of ours after 3 s" "" "$left"
	[ -n "$dc" ] && kill -KILL $dc 2>/dev/null
	for id in $(ours); do kill -KILL "$id"; done
}
kill_tree_case "tshark+dumpcap SIGKILL" both
kill_tree_case "tshark SIGKILL" tshark

# 3. a fifo whose reader leaves while nothing is captured (no write would notice)
mkfifo "$WORK/fifo"
sleep 30 <"$WORK/fifo" &
reader=$!
"$EXT/pktmon" --capture --extcap-interface pktmon --fifo "$WORK/fifo" --comp nf-forward \
	--netns "$A" 2>"$WORK/idle.err" &
cap=$!; CAPTURES+=("$cap")
wait_ours
t0=$(date +%s%N)
kill -KILL "$reader"; wait "$reader" 2>/dev/null
for i in $(seq 1 250); do kill -0 "$cap" 2>/dev/null || break; sleep 0.02; done
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 1000 ] && pass "idle capture ended ${ms} ms after its reader left" ||
	fail "idle capture still running ${ms} ms after its reader left"
rc=0; wait "$cap" || rc=$?
eq "idle capture: exit status when the reader leaves" "0" "$rc"
eq "idle capture: nothing on stderr" "" "$(cat "$WORK/idle.err")"
finish
