#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/startup.sh - how long `pktmon start` takes to see its first packet.
#
#   sudo bench/startup.sh [--runs N] [--bindir DIR] [--before DIR] [--out DIR] [--no-filter]
#
# The rows also carry the 1-minute load average of each run and the helper's CPU time
# (user+sys, from the PKTMON_TIMING lines) when its consumer starts (rows starting with ~).
#
# Two namespaces (su<pid>a, su<pid>b, a veth pair, 198.19.78.0/24 in the benchmark range
# 198.18.0.0/15); a sender in the first emits a numbered UDP datagram every millisecond carrying
# its CLOCK_REALTIME send time. Each run execs `pktmon start --foreground --run-for 1 -f F --filter`
# with PKTMON_TIMING=1, notes the exec time ($EPOCHREALTIME just before exec), and reads from F the
# earliest send time of a captured datagram: "first packet" is that minus the exec time (1 ms
# granularity). The PKTMON_TIMING lines give when each start-up phase ended. With --before, the
# two builds alternate run by run. Prints medians (Markdown), keeps the rows in OUT/startup.csv.
# --no-filter: `pktmon start` without --filter (every packet; the programs verify in about a third
# of the time), the first of the sender's datagrams still found by its marker.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=7 bindir=$here/../build/bin before= out= filter=1
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--bindir) bindir=$2; shift 2 ;;
	--before) before=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--no-filter) filter=; shift ;;
	*) echo "usage: $0 [--runs N] [--bindir DIR] [--before DIR] [--out DIR] [--no-filter]" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "startup.sh: needs root (BPF, namespaces)" >&2; exit 77; }

tmp=$(mktemp -d /tmp/pm-startup.XXXXXX)
out=${out:-$tmp}
mkdir -p "$out"
a=su$$a b=su$$b port=40404 sender=
cleanup() {
	[ -n "$sender" ] && kill "$sender" 2>/dev/null || true
	ip netns del "$a" 2>/dev/null || true
	ip netns del "$b" 2>/dev/null || true
	rm -rf "$tmp/bin-"* "$tmp/rundir-"* "$tmp"/*.pcapng "$tmp/exec" "$tmp/err"
	[ "$out" = "$tmp" ] || rm -rf "$tmp" # without --out the rows stay in $tmp
}
trap cleanup EXIT INT TERM

# private copies: others may rebuild build/ meanwhile
variants=after
mkdir -p "$tmp/bin-after" && cp "$bindir/pktmon" "$bindir/pktmon-capture" "$tmp/bin-after/"
if [ -n "$before" ]; then
	variants="before after"
	mkdir -p "$tmp/bin-before" && cp "$before/pktmon" "$before/pktmon-capture" "$tmp/bin-before/"
fi

ip netns add "$a"
ip netns add "$b"
ip link add "v$$a" netns "$a" type veth peer name "v$$b" netns "$b"
ip -n "$a" addr add 198.19.78.1/24 dev "v$$a"
ip -n "$b" addr add 198.19.78.2/24 dev "v$$b"
ip -n "$a" link set "v$$a" up
ip -n "$b" link set "v$$b" up
ip netns exec "$a" python3 "$here/startup.py" send 198.19.78.2 $port 3600 &
sender=$!
# wait until it sends (python's start on a busy machine can take a second)
for _ in $(seq 1 100); do
	[ "$(cat "/proc/$sender/status" >/dev/null 2>&1 && ip netns exec "$a" cat "/sys/class/net/v$$a/statistics/tx_packets")" -gt 20 ] && break
	sleep 0.1
done

csv=$out/startup.csv
: >"$csv"
filter_args=()
[ -n "$filter" ] && filter_args=(--filter "su -t UDP -p $port")
for run in $(seq 1 "$runs"); do
	for v in $variants; do
		bin=$tmp/bin-$v f=$tmp/$v-$run.pcapng
		mkdir -p "$tmp/rundir-$v"
		load=$(cut -d' ' -f1 /proc/loadavg)
		# the exec time, taken by bash itself just before it becomes pktmon
		PKTMON_TIMING=1 PKTMON_RUN_DIR=$tmp/rundir-$v PKTMON_CAPTURE_HELPER=$bin/pktmon-capture \
			bash -c 'echo "$EPOCHREALTIME" >&3; exec "$@"' _ "$bin/pktmon" start --foreground --run-for 1 -q \
			-f "$f" "${filter_args[@]}" 3>"$tmp/exec" 2>"$tmp/err" >/dev/null || {
			echo "startup.sh: pktmon failed ($v, run $run):" >&2
			cat "$tmp/err" >&2
			exit 1
		}
		t0=$(awk '{ split($1, p, "."); printf "%s%06d000\n", p[1], p[2] }' "$tmp/exec")
		# a line: pktmon-timing: NS CPU_US PHASE; the helper's CPU time (user+sys) when the consumer starts
		awk -v t0="$t0" -v v="$v" -v r="$run" -v load="$load" '$1 == "pktmon-timing:" {
			$1 = ""; ns = $2; cpu = $3; $2 = ""; $3 = ""; sub(/^ +/, ""); sub(/ \(.*/, "")
			printf "%s,%s,%s,%.3f\n", v, r, $0, (ns - t0) / 1e6
			if ($0 == "consumer") printf "%s,%s,~cpu ms at consumer (helper user+sys),%.3f\n", v, r, cpu / 1e3 }
			END { printf "%s,%s,~load average (1 min),%s\n", v, r, load }' "$tmp/err" >>"$csv"
		sent=$(python3 "$here/startup.py" first "$f")
		if [ -n "$sent" ]; then
			awk -v s="$sent" -v t0="$t0" -v v="$v" -v r="$run" \
				'BEGIN { printf "%s,%s,FIRST PACKET,%.3f\n", v, r, (s - t0) / 1e6 }' >>"$csv"
		else
			echo "startup.sh: no datagram captured ($v, run $run)" >&2
		fi
		rm -f "$f"
	done
done
echo "# rows: $csv"
echo "# start-up $([ -n "$filter" ] && echo with || echo without) a filter, $runs runs${before:+ interleaved before/after}, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
python3 "$here/startup.py" summary "$csv"
