#!/bin/bash
# rule_trace_cost.sh - what naming the nftables rule of a drop costs (README "Which rule dropped
# it"): a 64-byte UDP flood A -> B (veth, B has a few nft rules), received packets per second with
# no capture, a capture with --no-rule-trace, the same capture with rule tracing on for every
# packet (a port filter: the tracing rules compare no ports), and with tracing scoped by an
# address filter (the flood is not traced). No filter matches the flood: what differs is the
# tracing. Root. Usage: bench/rule_trace_cost.sh [BUILD_DIR] [SECONDS=4] [ROUNDS=2] [RATE=0]
# RATE 0: as fast as possible, prints received pps; RATE N: N packets per second, prints the CPU
# time per packet of the sender (the stack of both namespaces runs in its context on veth) and of
# the capture process (draining the traces), in ns: on a busy machine CPU time is steadier than pps.
set -u
BUILD=${1:-$(dirname "$0")/../build}
SECS=${2:-4}
ROUNDS=${3:-2}
RATE=${4:-0}
PKTMON=$BUILD/bin/pktmon
FLOOD=$BUILD/bench/pm_udpflood
NA=pmrtc-a$$ NB=pmrtc-b$$
WORK=$(mktemp -d)
cleanup() {
	[ -n "${CAP:-}" ] && kill -TERM "$CAP" 2>/dev/null && wait "$CAP" 2>/dev/null
	ip netns del "$NA" 2>/dev/null
	ip netns del "$NB" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
ip netns add "$NA" && ip netns add "$NB" || exit 1
ip link add eth0 netns "$NA" type veth peer name eth0 netns "$NB"
ip -n "$NA" addr add 198.18.15.1/24 dev eth0 && ip -n "$NB" addr add 198.18.15.2/24 dev eth0
for n in "$NA" "$NB"; do ip -n "$n" link set lo up; ip -n "$n" link set eth0 up; done
ip netns exec "$NB" nft -f - <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority 0; policy accept;
		ip saddr 192.0.2.1 drop comment "never matches 1"
		tcp dport 22 accept
		tcp dport 80 accept
		ip saddr 192.0.2.2 drop comment "never matches 2"
		udp dport 53 accept
	}
}
NFT
ip netns exec "$NA" ping -c 1 -W 1 198.18.15.2 >/dev/null || { echo "no link"; exit 1; }

cpu_ticks() { [ -n "${CAP:-}" ] && awk '{print $14 + $15}' /proc/"$CAP"/stat || echo 0; }
flood() { # prints received pps, or with RATE: sender ns/packet + capture ns/packet
	ip netns exec "$NB" "$FLOOD" recv 9000 $((SECS + 5)) >"$WORK/recv" 2>/dev/null &
	local r=$!
	sleep 0.3
	local c0 out
	c0=$(cpu_ticks)
	out=$(ip netns exec "$NA" "$FLOOD" send 198.18.15.2 9000 "$SECS" -s 64 -r "$RATE")
	sleep 0.3
	local c1 p sent cpu
	c1=$(cpu_ticks)
	kill -TERM $r; wait $r 2>/dev/null
	p=$(sed -E 's/.*pkts=([0-9]+).*/\1/' "$WORK/recv")
	if [ "$RATE" = 0 ]; then echo $((p / SECS)); return; fi
	sent=$(sed -E 's/.*pkts=([0-9]+).*/\1/' <<<"$out")
	cpu=$(sed -E 's/.*cpu_s=([0-9.]+).*/\1/' <<<"$out")
	awk -v c="$cpu" -v n="$sent" -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%d+%d", c * 1e9 / n, t / hz * 1e9 / n }'
}
capture() { # options...: a capture whose filter matches none of the flood
	"$PKTMON" start --foreground -f "$WORK/c.pcapng" "$@" >"$WORK/cap.log" 2>&1 &
	CAP=$!
	local i
	for i in $(seq 1 600); do grep -q capturing "$WORK/cap.log" && return; sleep 0.05; done
	cat "$WORK/cap.log"; exit 1
}
stop() { kill -TERM "$CAP"; wait "$CAP" 2>/dev/null; CAP=; }

[ "$RATE" = 0 ] && what="received pps" || what="ns/packet sender+capture at $RATE pps"
printf '%-36s%s\n' "condition" "$what (per round)"
declare -A R
for round in $(seq 1 "$ROUNDS"); do
	R[none]+=" $(flood)"
	capture --no-rule-trace --filter 'none -p 7777'; R[notrace]+=" $(flood)"; stop
	capture --filter 'none -p 7777'; R[trace]+=" $(flood)"; stop
	grep -h "traces were lost" "$WORK/cap.log" | head -1
	capture --filter 'none -i 192.0.2.99'; R[scoped]+=" $(flood)"; stop
done
printf '%-36s%s\n' "no capture" "${R[none]}" "capture, --no-rule-trace" "${R[notrace]}" \
	"capture, every packet traced" "${R[trace]}" "capture, tracing scoped (flood not)" "${R[scoped]}"
