#!/bin/bash
# Namespaces created while a capture runs are hooked too; counters-only counts per
# component without writing packets; real-time mode prints one line per event (and a drop's
# nftables rule under it).
. "$(dirname "$0")/lib.sh"
need_live
need_cmd nft; need_cmd ping

block_ping() { # block_ping NS: an nft rule dropping ICMP echo requests on INPUT
	ip netns exec "$1" nft add table inet pmtest
	ip netns exec "$1" nft add chain inet pmtest input '{ type filter hook input priority 0; }'
	ip netns exec "$1" nft add rule inet pmtest input icmp type echo-request drop
}

# 1. counters-only, namespaces made after the start
A=$(nsname a); B=$(nsname b)
LOG=$WORK/counters.log
"$PKTMON" start --foreground --counters-only >"$LOG" 2>&1 &
CAP_PID=$!; CAPTURES+=("$CAP_PID"); CAP_LOG=$LOG
for _ in $(seq 1 600); do grep -q capturing "$LOG" && break; sleep 0.05; done
ns_pair "$A" "$B" 198.18.4.1 198.18.4.2
block_ping "$B"
sleep 1.2 # new namespaces are hooked within 0.5 s
ip netns exec "$A" ping -c 3 -i 0.2 -W 1 198.18.4.2 >/dev/null && fail "pings should be dropped"
stop_capture
# Windows' layout: "Id Name Packets Rx N B | Tx N B", then "Drops - N - | Lost L, last reason R"
row=$(grep -A1 "ipv4 INPUT \[netns $B\]" "$LOG")
read -r _id _counter _rx rxp rxb _bar _tx txp _txb <<<"$(head -1 <<<"$row" | sed -E 's/^([0-9]+) +ipv4 INPUT \[netns [^]]+\] +/\1 /')"
read -r dcounter _dir drops _ _bar2 _lost _l _last _r reason <<<"$(tail -1 <<<"$row")"
eq "counters: Windows' columns" "Packets Rx | Tx Drops" "$_counter $_rx $_bar $_tx $dcounter"
eq "counters: echo requests at INPUT of a namespace made after the start" "3" "$rxp"
# counters-only without a filter takes the lean path (no tracking): bytes are still the skb's
eq "counters: bytes at INPUT (3 echo requests of 84 bytes, IP header on)" "252" "$rxb"
eq "counters: drops at INPUT" "3" "$drops"
eq "counters: last drop reason" "NETFILTER_DROP" "$reason"
eq "counters: nothing sent from INPUT" "0" "$txp"
grep -q "events generated, 0 written" "$LOG" && pass "counters-only writes no events" || fail "counters-only wrote events: $(grep stopped "$LOG")"
[ ! -e PktMon.pcapng ] && pass "counters-only writes no file" || fail "counters-only wrote PktMon.pcapng"

# 2. real-time lines
OUT=$WORK/realtime.out
"$PKTMON" start --foreground --log-mode real-time --filter 'icmp -t ICMP -i 198.18.4.2' >"$OUT" 2>"$WORK/rt.err" &
CAP_PID=$!; CAPTURES+=("$CAP_PID"); CAP_LOG=$WORK/rt.err
for _ in $(seq 1 600); do grep -q capturing "$CAP_LOG" && break; sleep 0.05; done
ip netns exec "$A" ping -c 1 -W 1 198.18.4.2 >/dev/null
stop_capture
grep -Eq "Appearance 1, Direction Tx, Component [0-9]+ \(ipv4 OUTPUT \[netns $A\]\); 198\.18\.4\.1 > 198\.18\.4\.2: ICMP" "$OUT" &&
	pass "real-time: first sighting at OUTPUT" || fail "real-time: no OUTPUT line in: $(head -3 "$OUT")"
# nf_tables may be a module (Debian's kernels): "nft_do_chain+0x47f [nf_tables]"
grep -Eq "Direction Rx, Component [0-9]+ \(ipv4 INPUT \[netns $B\]\), Drop: Reason NETFILTER_DROP, Location nft_do_chain\+0x[0-9a-f]+( \[nf_tables\])?; 198\.18\.4\.1 > 198\.18\.4\.2: ICMP" "$OUT" &&
	pass "real-time: the drop line" || fail "real-time: no drop line in: $(cat "$OUT")"
eq "real-time: one line per event of the one packet" "8" "$(grep -vc $'^\trule: ' "$OUT")"
# the drop's nftables rule under its line (rule tracing: the filter names an address)
eq "real-time: the drop's rule" "1" "$(grep -A1 'Reason NETFILTER_DROP' "$OUT" | grep -c $'^\trule: inet ')"
finish
