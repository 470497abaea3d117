#!/bin/bash
# live_paths.sh [-r ROUNDS] [-d SECONDS] PKTMON... - what a live Wireshark capture shows of a flood
# that it cannot keep up with: the extcap path as Wireshark runs it (pktmon --extcap-interface pktmon
# --fifo F, the fifo read by dumpcap -i F -w FILE), a flat-out 64-byte UDP flood between two
# namespaces, then per datagram (packet group id) how many of its points reached the file.
# Each PKTMON (builds to compare) runs once per round, interleaved. One CSV line per run on stdout:
#   build,round,datagrams_sent,events_in_file,datagrams_in_file,whole,with_holes,points_of_a_whole_path
# Needs root, dumpcap, tshark and bench/udpflood.c's binary (pm_udpflood, built with the benchmarks).
set -euo pipefail
rounds=3 secs=3
while getopts r:d: o; do
	case $o in r) rounds=$OPTARG ;; d) secs=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { sed -n '2,8p' "$0"; exit 2; }
[ "$(id -u)" = 0 ] || { echo "live_paths: needs root" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
flood=${PKTMON_FLOOD:-$(dirname "$1")/../bench/pm_udpflood}
[ -x "$flood" ] || { echo "live_paths: no $flood (build the benchmarks, or set PKTMON_FLOOD)" >&2; exit 1; }
for t in dumpcap tshark; do command -v $t >/dev/null || { echo "live_paths: $t is not installed" >&2; exit 1; }; done

work=$(mktemp -d /tmp/pktmon-live-paths.XXXXXX)
chmod 755 "$work" # dumpcap may drop privileges: it must reach the fifo and its file
A=pmlpa$$ B=pmlpb$$
cleanup() { ip netns del $A 2>/dev/null || true; ip netns del $B 2>/dev/null || true; [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"; }
trap cleanup EXIT
ip netns add $A; ip netns add $B
ip link add ${A}v netns $A type veth peer name ${B}v netns $B
ip -n $A addr add 198.18.21.1/24 dev ${A}v; ip -n $B addr add 198.18.21.2/24 dev ${B}v
for n in $A $B; do ip -n $n link set lo up; ip -n $n link set ${n}v up; done

one_run() { # PKTMON ROUND
	local pm=$1 round=$2 fifo=$work/fifo out=$work/out.pcapng
	rm -f "$fifo" "$out"; mkfifo "$fifo"
	dumpcap -q -i "$fifo" -w "$out" 2>"$work/dumpcap.log" &
	local dc=$!
	"$pm" --capture --extcap-interface pktmon --fifo "$fifo" --pkt-size 128 2>"$work/extcap.log" &
	local cap=$!
	local i
	for i in $(seq 100); do # attached: its programs hold links
		bpftool link show 2>/dev/null | grep -q 'pm_' && break
		sleep 0.1
	done
	sleep 0.5
	ip netns exec $B taskset -c 1 "$flood" recv 9000 $((secs + 5)) >/dev/null 2>&1 &
	local rx=$!
	sleep 0.3 # bound before the first datagram
	local sent
	sent=$(ip netns exec $A taskset -c 0 "$flood" send 198.18.21.2 9000 "$secs" -s 64 2>&1 | sed -nE 's/^send pkts=([0-9]+) .*/\1/p' | head -1)
	kill $rx 2>/dev/null || true
	sleep 0.5
	kill -TERM $cap; wait $cap || true
	wait $dc || true
	tshark -r "$out" -Y 'udp.dstport == 9000' -T fields -e frame.packet_id 2>/dev/null |
		sort | uniq -c | awk '{print $1}' >"$work/points"
	local events full groups whole
	events=$(tshark -r "$out" -Y frame.packet_id -T fields -e frame.number 2>/dev/null | wc -l)
	# a whole path: the number of points most datagrams have (a datagram may show more:
	# a freed packet's address taken by the next one where no tracepoint saw the free)
	full=$(sort -n "$work/points" | uniq -c | sort -k1,1nr | awk 'NR == 1 {print $2}')
	groups=$(wc -l <"$work/points")
	whole=$(awk -v f="${full:-0}" '$1 >= f' "$work/points" | wc -l)
	echo "$pm,$round,${sent:-?},$events,$groups,$whole,$((groups - whole)),${full:-0}"
}

echo "build,round,datagrams_sent,events_in_file,datagrams_in_file,whole,with_holes,points_of_a_whole_path"
for r in $(seq 1 "$rounds"); do
	for pm in "$@"; do one_run "$pm" "$r"; done
done
