#!/bin/bash
# run.sh - the pktmon benchmarks, one command (see bench/README.md):
#
#   sudo bench/run.sh                 # the full run (about 20 minutes): bench/RESULTS.md,
#                                     # bench/results.csv and bench/results.json
#   sudo bench/run.sh --smoke         # every section with tiny durations, results in a
#                                     # temporary directory (CTest: bench_smoke)
#
# Options: --rounds N (A/B rounds of the overhead section, default 8), --duration S (seconds
# per overhead run, default 4), --sections LIST (overhead,loss,export,startup,dissector,
# bpfcost,profile,floor,floorcost; default all), --loads udp,tcp (the overhead loads), --out DIR (where
# RESULTS.md etc. go; default bench/), --pktmon PATH, --tools-dir DIR (pm_udpflood,
# pm_encode_bench; default build/bench), --plugin-dir DIR (WIRESHARK_PLUGIN_DIR holding our
# plugin), --before BINDIR (another build's bin/ with pktmon and pktmon-capture: the floor
# section adds its counters-only and capture as modes, for before/after figures in one run),
# --keep (keep the work directory), --stat-rounds N (rounds of the per-program bpf_stats runs of
# the floor section, modes rotating between rounds; default 1), --stat-modes LIST (their modes),
# --modes LIST (the overhead section's monitors, default none,counters,capture,nomatch,tcpdump; the
# floor section's floor, floorcount and floorwrite work there too: the floor under TCP), --floor-modes LIST (the
# floor section's modes, default all of them), --floor-rounds N (its rounds, default --rounds up to
# 5: many short rounds of few modes tell small costs apart), --stat-pps N (the datagrams/s of the
# bpf_stats runs, default 50000; 0 = flat out). BENCH_TRACE=1 traces every step with timestamps.
#
# Everything runs between two network namespaces this script creates (198.19.77.0/24, inside
# the benchmark range 198.18.0.0/15) and deletes on exit. Nothing is sent anywhere else. Exit
# status: 0 done, 1 a step failed, 77 cannot run here (not root, no BPF, no namespaces).
set -u
[ -n "${BENCH_TRACE:-}" ] && { PS4='+ $EPOCHREALTIME '; set -x; } # timestamps of every step, for debugging
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$HERE")

SMOKE=0 ROUNDS=8 DUR=4 SECTIONS=all OUT="" KEEP=0 LOADS="" BEFORE_SRC="" STAT_ROUNDS=1 STAT_MODES="" OVH_MODES=""
FLOOR_MODES="" FLOOR_ROUNDS="" STAT_PPS=50000
PKTMON_SRC=$TOP/build/bin/pktmon TOOLS=$TOP/build/bench PLUGIN_DIR=$TOP/build/plugins
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) SMOKE=1 ;;
	--rounds) ROUNDS=$2; shift ;;
	--duration) DUR=$2; shift ;;
	--sections) SECTIONS=$2; shift ;;
	--loads) LOADS=$2; shift ;;
	--out) OUT=$2; shift ;;
	--pktmon) PKTMON_SRC=$2; shift ;;
	--before) BEFORE_SRC=$2; shift ;;
	--tools-dir) TOOLS=$2; shift ;;
	--plugin-dir) PLUGIN_DIR=$2; shift ;;
	--keep) KEEP=1 ;;
	--stat-rounds) STAT_ROUNDS=$2; shift ;;
	--stat-modes) STAT_MODES=$2; shift ;;
	--modes) OVH_MODES=$2; shift ;;
	--floor-modes) FLOOR_MODES=$2; shift ;;
	--floor-rounds) FLOOR_ROUNDS=$2; shift ;;
	--stat-pps) STAT_PPS=$2; shift ;;
	-h|--help) sed -n '2,26p' "$0"; exit 0 ;;
	*) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done

T_START=$(date +%s)
log() { printf '[bench %s +%4ds] %s\n' "$(date +%H:%M:%S)" $(($(date +%s) - T_START)) "$*" >&2; }
skip() { echo "SKIP: bench: $*"; exit 77; }
die() { log "FAILED: $*"; FAILED=1; exit 1; }
want() { [ "$SECTIONS" = all ] || [[ ",$SECTIONS," == *",$1,"* ]]; }

# --- can we run here? ------------------------------------------------------------------------
[ "$(id -u)" = 0 ] || skip "needs root (BPF programs, network namespaces)"
[ -r /sys/kernel/btf/vmlinux ] || skip "the kernel has no BTF"
[ -x "$PKTMON_SRC" ] || skip "no pktmon binary at $PKTMON_SRC (build first, or --pktmon PATH)"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3 # the distribution's: starts in 40 ms, not via a shim
for c in ip jq $PY taskset awk; do command -v $c >/dev/null || skip "$c is not installed"; done
ip netns add "pmbprobe$$" 2>/dev/null || skip "cannot create network namespaces"
ip netns del "pmbprobe$$"

if [ ! -x "$TOOLS/pm_udpflood" ] || [ ! -x "$TOOLS/pm_encode_bench" ]; then
	[ $SMOKE = 1 ] && skip "bench tools not built in $TOOLS"
	log "building the bench tools in $TOP/build"
	cmake --build "$TOP/build" --target pm_udpflood pm_encode_bench >/dev/null ||
		die "cannot build pm_udpflood and pm_encode_bench (cmake --build build --target ...)"
fi
if [ $SMOKE = 0 ] && ! command -v iperf3 >/dev/null; then
	log "installing iperf3 (apt-get) for the TCP load"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iperf3 >/dev/null 2>&1 ||
		log "cannot install iperf3: the TCP load is skipped"
fi

# --- work area, namespaces and cleanup ---------------------------------------------------------
WORK=$(mktemp -d /dev/shm/pmbench.XXXXXX 2>/dev/null || mktemp -d /tmp/pmbench.XXXXXX)
chmod 755 "$WORK"
RAW=$WORK/raw.jsonl
: >"$RAW"
export PKTMON_RUN_DIR=$WORK/run # our own: no stored filters, no shared background session
mkdir -p "$PKTMON_RUN_DIR"
# A private copy: others may rebuild build/ while we run.
PKTMON=$WORK/pktmon
cp "$PKTMON_SRC" "$PKTMON"
# the capture helper pktmon runs (for `start`), looked for beside it
[ -x "$(dirname "$PKTMON_SRC")/pktmon-capture" ] && cp "$(dirname "$PKTMON_SRC")/pktmon-capture" "$WORK/"
if [ -n "$BEFORE_SRC" ]; then
	mkdir -p "$WORK/before"
	cp "$BEFORE_SRC/pktmon" "$BEFORE_SRC/pktmon-capture" "$WORK/before/" || { echo "bench: no pktmon in $BEFORE_SRC" >&2; exit 1; }
fi
FG=""
"$PKTMON" start --help 2>&1 | grep -q -- '--foreground' && FG=--foreground

# not "pm...": the live tests name theirs pm<x><pid>; <= 10 characters, the veths add "v"
NA=bnch$(($$ % 100000))a NB=bnch$(($$ % 100000))b
VA=${NA}v VB=${NB}v
IPA=198.19.77.1 IPB=198.19.77.2
PIDS=()
NSES=()
BPF_STATS_OLD=""
FAILED=0

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.2
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for p in "${NSES[@]}"; do ip netns del "$p" 2>/dev/null; done
	[ -n "$BPF_STATS_OLD" ] && sysctl -qw kernel.bpf_stats_enabled="$BPF_STATS_OLD"
	if [ $KEEP = 1 ] || [ $FAILED = 1 ]; then
		echo "bench: work files kept in $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

track() { PIDS+=("$1"); }
untrack() {
	local p keep=()
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

ip netns add "$NA" && NSES+=("$NA") || die "ip netns add $NA"
ip netns add "$NB" && NSES+=("$NB") || die "ip netns add $NB"
ip link add "$VA" netns "$NA" type veth peer name "$VB" netns "$NB" || die "veth pair"
ip -n "$NA" addr add $IPA/24 dev "$VA"
ip -n "$NB" addr add $IPB/24 dev "$VB"
for n in "$NA" "$NB"; do ip -n "$n" link set lo up; done
ip -n "$NA" link set "$VA" up
ip -n "$NB" link set "$VB" up
# no IPv6 chatter (router solicitations, DAD) on the measured link
ip netns exec "$NA" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
ip netns exec "$NB" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null

# Sender on CPU 0, receiver on CPU 1 (the monitors are not pinned: they go where a user's would).
if [ "$(nproc)" -ge 2 ]; then CPU_TX="taskset -c 0" CPU_RX="taskset -c 1"; else CPU_TX="" CPU_RX=""; fi

# emit KEY=VALUE ...: one raw record (a JSON object) in raw.jsonl
emit() {
	local kv k v out="{"
	for kv in "$@"; do
		k=${kv%%=*} v=${kv#*=}
		if [[ $v =~ ^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]]; then out+="\"$k\":$v,"
		else v=${v//\\/\\\\}; out+="\"$k\":\"${v//\"/\\\"}\","; fi
	done
	echo "${out%,}}" >>"$RAW"
}

now_ns() { date +%s%N; }
fdiv() { awk -v a="$1" -v b="$2" 'BEGIN {if (b + 0 == 0) print 0; else printf "%.6g\n", a / b}'; }
veth_pkts() { # NS DEV: tx packets + rx packets of the device
	ip -n "$1" -s -j link show dev "$2" | jq '.[0].stats64.tx.packets + .[0].stats64.rx.packets'
}
veth_tx() { ip -n "$1" -s -j link show dev "$2" | jq '.[0].stats64.tx.packets'; }
foreign_pm_progs() { bpftool prog show 2>/dev/null | grep -c 'name pm_' || true; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
TICK=$(getconf CLK_TCK)

# Kernel memory the process holds through BPF fds (maps and programs, fdinfo "memlock"), each map
# or program once (the capture's two objects hold the same maps through two fds each), and its
# program ids.
bpf_memlock() {
	local f
	for f in /proc/"$1"/fdinfo/*; do
		awk '/^memlock:/ {m = $2} /^(map_id|prog_id):/ {id = $1 $2} END {if (m != "") print (id ? id : FILENAME), m}' "$f" 2>/dev/null
	done | sort -u -k1,1 | awk '{s += $2} END {print s + 0}'
}
bpf_prog_ids() { cat /proc/"$1"/fdinfo/* 2>/dev/null | awk '/^prog_id:/ {print $2}' | sort -un; }

# --- monitors ----------------------------------------------------------------------------------
# mon_start MODE TAG: starts a monitor in the background, waits until it captures.
# Sets MON_PID (empty for "none"), MON_LOG (stderr), MON_OUT (stdout), MON_FILE, MON_T0/MON_T1
# (ns, before exec and when ready).
mon_start() {
	local mode=$1 tag=$2
	MON_MODE=$mode MON_PID="" MON_LOG=$WORK/$tag.err MON_OUT=$WORK/$tag.out MON_FILE=$WORK/$tag.cap
	rm -f "$MON_FILE"
	local ready=capturing
	MON_T0=$(now_ns)
	case $mode in
	none) MON_T1=$MON_T0; return 0 ;;
	counters) "$PKTMON" start $FG --counters-only >"$MON_OUT" 2>"$MON_LOG" & ;;
	# the floor: the session's own programs at the session's points, attached as it attaches
	# them, each returning at once (PKTMON_BENCH_FLOOR, read by attach.c as root only)
	floor) PKTMON_BENCH_FLOOR=1 "$PKTMON" start $FG --counters-only >"$MON_OUT" 2>"$MON_LOG" & ;;
	# the write floor: a bare event (timestamp, component words, 128 bytes) written at each
	# device and netfilter point, nothing followed or counted: what any design writing them pays
	floorwrite) PKTMON_BENCH_FLOOR=write "$PKTMON" start $FG -f "$MON_FILE" --pkt-size 128 >"$MON_OUT" 2>"$MON_LOG" & ;;
	# the counting floor: the component's words read and added to an unchecked per-CPU slot at
	# each device and netfilter point: the least any count per component pays (no compare, no
	# hash map, no last-seen record); it reports no counters
	floorcount) PKTMON_BENCH_FLOOR=count "$PKTMON" start $FG --counters-only >"$MON_OUT" 2>"$MON_LOG" & ;;
	counters_before) "$WORK/before/pktmon" start $FG --counters-only >"$MON_OUT" 2>"$MON_LOG" & ;;
	capture_before) "$WORK/before/pktmon" start $FG -f "$MON_FILE" --pkt-size 128 --show-counters >"$MON_OUT" 2>"$MON_LOG" & ;;
	nics) "$PKTMON" start $FG -f "$MON_FILE" --pkt-size 128 --show-counters --comp nics >"$MON_OUT" 2>"$MON_LOG" & ;;
	capture) "$PKTMON" start $FG -f "$MON_FILE" --pkt-size 128 --show-counters ${MON_EXTRA:-} >"$MON_OUT" 2>"$MON_LOG" & ;;
	nomatch) "$PKTMON" start $FG -f "$MON_FILE" --pkt-size 128 --show-counters \
			--filter 'nomatch -i 192.0.2.1' >"$MON_OUT" 2>"$MON_LOG" & ;;
	tcpdump)
		ready="listening on"
		ip netns exec "$NA" tcpdump -i "$VA" -s 128 -n -w "$MON_FILE" >"$MON_OUT" 2>"$MON_LOG" & ;;
	*) die "unknown monitor $mode" ;;
	esac
	MON_PID=$!
	track "$MON_PID"
	local i
	for i in $(seq 1 2000); do
		grep -q "$ready" "$MON_LOG" 2>/dev/null && { MON_T1=$(now_ns); return 0; }
		kill -0 "$MON_PID" 2>/dev/null || break
		sleep 0.005
	done
	cat "$MON_LOG" >&2
	die "monitor $mode did not start"
}

# mon_stop: stops the monitor; sets the M_* figures parsed from its output.
mon_stop() {
	M_GEN=0 M_WRITTEN=0 M_LOST=0 M_DROPS=0 M_NETNS=0 M_OBS=0 M_FILE=0 M_TD_CAPT=0 M_TD_DROP=0 M_SUMMARY_OK=1
	[ -n "$MON_PID" ] || return 0
	kill -TERM "$MON_PID" 2>/dev/null
	local rc=0
	wait "$MON_PID" || rc=$?
	untrack "$MON_PID"
	[ "$rc" = 0 ] || { cat "$MON_LOG" >&2; die "monitor exited with $rc"; }
	[ -f "$MON_FILE" ] && M_FILE=$(stat -c %s "$MON_FILE")
	local line
	line=$(grep 'pktmon: stopped' "$MON_LOG" | tail -1)
	if [ -n "$line" ]; then
		read -r M_GEN M_WRITTEN M_LOST M_DROPS M_NETNS < <(sed -E \
			's/.* ([0-9]+) events generated, ([0-9]+) written, ([0-9]+) lost .*, ([0-9]+) drops, ([0-9]+) netns.*/\1 \2 \3 \4 \5/' <<<"$line")
		# the write floor counts nothing (0 generated): its written events are the whole story
		[ "$M_GEN" = "$((M_WRITTEN + M_LOST))" ] || [ "$MON_MODE" = floorwrite ] || M_SUMMARY_OK=0
		# observations (crossings) counted in our two namespaces: Rx pkts + Tx pkts columns
		M_OBS=$(grep -E "\[netns ($NA|$NB)\]" "$MON_OUT" | sed -E 's/.*\] +//' |
			awk '{s += $1 + $3} END {print s + 0}')
	fi
	if grep -q 'packets captured' "$MON_LOG"; then
		M_TD_CAPT=$(awk '/packets captured/ {print $1}' "$MON_LOG")
		M_TD_DROP=$(awk '/dropped by kernel/ {print $1}' "$MON_LOG")
		M_OBS=$M_TD_CAPT
	fi
	rm -f "$MON_FILE"
}

# --- loads -----------------------------------------------------------------------------------
# udp_load SECONDS [PPS]: a flood of 64-byte datagrams A -> B; sets L_SENT L_RECV L_SECS L_PKTS.
udp_load() {
	local secs=$1 rate=${2:-0} out=$WORK/udp.recv
	ip netns exec "$NB" $CPU_RX "$TOOLS/pm_udpflood" recv 9000 $(($(printf %.0f "$secs") + 10)) >"$out" 2>"$out.err" &
	local rpid=$!
	track $rpid
	local i
	for i in $(seq 1 400); do grep -q receiving "$out.err" 2>/dev/null && break; sleep 0.005; done
	local p0 s
	p0=$(veth_pkts "$NA" "$VA")
	s=$(ip netns exec "$NA" $CPU_TX "$TOOLS/pm_udpflood" send $IPB 9000 "$secs" -s 64 -r "$rate")
	sleep 0.3
	kill -TERM $rpid 2>/dev/null
	wait $rpid 2>/dev/null
	untrack $rpid
	L_PKTS=$(($(veth_pkts "$NA" "$VA") - p0))
	L_SENT=$(sed -E 's/.*pkts=([0-9]+).*/\1/' <<<"$s")
	L_SECS=$(sed -E 's/.*secs=([0-9.]+).*/\1/' <<<"$s")
	L_RECV=$(sed -E 's/.*pkts=([0-9]+).*/\1/' "$out")
	L_CPU=$(sed -E 's/.*cpu_s=([0-9.]+).*/\1/' <<<"$s") # the sender's, softirq work included
	L_GBPS=0
}

# tcp_load SECONDS: one iperf3 TCP stream A -> B; sets L_GBPS L_PKTS L_SECS L_SENT L_RECV.
tcp_load() {
	local secs=$1 out=$WORK/iperf.json
	ip netns exec "$NB" $CPU_RX iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
	local spid=$!
	track $spid
	local i
	for i in $(seq 1 200); do
		ip netns exec "$NB" ss -ltn 2>/dev/null | grep -q ':5201 ' && break
		sleep 0.01
	done
	local p0 t0
	p0=$(veth_pkts "$NA" "$VA")
	t0=$(veth_tx "$NA" "$VA")
	ip netns exec "$NA" $CPU_TX iperf3 -c $IPB -p 5201 -t "$secs" -J >"$out" 2>/dev/null
	wait $spid 2>/dev/null
	untrack $spid
	L_PKTS=$(($(veth_pkts "$NA" "$VA") - p0))
	L_SENT=$(($(veth_tx "$NA" "$VA") - t0)) # data segments (GSO skbs) A -> B
	L_GBPS=$(jq '.end.sum_received.bits_per_second / 1e9' "$out" 2>/dev/null || echo 0)
	L_SECS=$(jq '.end.sum_received.seconds' "$out" 2>/dev/null || echo "$secs")
	L_RECV=$L_SENT
	# the sender's CPU (iperf3's own process, % of one CPU)
	L_CPU=$(jq '.end.cpu_utilization_percent.host_total * .end.sum_received.seconds / 100' "$out" 2>/dev/null || echo 0)
}

# quiet_wait: other engineers share this machine; before a measurement, wait (a bounded time)
# until both CPUs are mostly idle. Sets Q_BUSY (busy fraction seen last) and Q_WAITED (s).
QUIET_BUDGET=90 # seconds of waiting per run.sh, at most (5 s per measurement)
cpu_busy() { # busy fraction of all CPUs over 0.5 s
	local a b
	a=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat)
	sleep 0.5
	b=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat)
	awk -v a="$a" -v b="$b" 'BEGIN {split(a, x, " "); split(b, y, " "); bu = y[1] - x[1]; id = y[2] - x[2];
		printf "%.2f\n", (bu + id) ? bu / (bu + id) : 0}'
}
quiet_wait() {
	local t0=$SECONDS
	Q_BUSY=-1 Q_WAITED=0
	[ $SMOKE = 1 ] && return 0
	Q_BUSY=$(cpu_busy)
	while awk -v b="$Q_BUSY" 'BEGIN {exit !(b > 0.25)}' && [ "$QUIET_BUDGET" -gt 0 ] && [ $((SECONDS - t0)) -lt 5 ]; do
		sleep 0.5
		QUIET_BUDGET=$((QUIET_BUDGET - 1))
		Q_BUSY=$(cpu_busy)
	done
	Q_WAITED=$((SECONDS - t0))
	[ "$Q_WAITED" -gt 2 ] && log "  (waited ${Q_WAITED}s for other jobs on this machine; busy $Q_BUSY)"
	return 0
}

if [ $SMOKE = 1 ]; then
	ROUNDS=1 DUR=1
	LOSS_RATES="0" LOSS_DUR=1 BISECT=0 STARTUP_REPS=1 DISS_OBS=20000 DISS_ROUNDS=1
	ENC_N=200000 ENC_ROUNDS=1
else
	LOSS_RATES="10000 25000 50000 75000 100000 150000 0" LOSS_DUR=4 BISECT=2 STARTUP_REPS=5
	DISS_OBS=1100000 DISS_ROUNDS=3 ENC_N=4000000 ENC_ROUNDS=5
fi
MODES=(none counters capture nomatch tcpdump)
command -v tcpdump >/dev/null || MODES=(none counters capture nomatch)
[ -n "$OVH_MODES" ] && IFS=, read -r -a MODES <<<"$OVH_MODES"
WORKLOADS=udp
command -v iperf3 >/dev/null && WORKLOADS="udp tcp"
[ -n "$LOADS" ] && WORKLOADS=${LOADS//,/ }

# --- machine ---------------------------------------------------------------------------------
{
	echo "{"
	echo "\"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\","
	echo "\"host\": \"$(hostname)\","
	echo "\"kernel\": \"$(uname -r)\","
	echo "\"cpu\": \"$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)\","
	echo "\"ncpu\": $(nproc),"
	echo "\"mem_gb\": $(awk '/MemTotal/ {printf "%.1f", $2/1048576}' /proc/meminfo),"
	echo "\"os\": \"$(. /etc/os-release; echo "$PRETTY_NAME")\","
	echo "\"git\": \"$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo unknown)\","
	echo "\"pktmon_sha\": \"$(sha256sum "$PKTMON" | cut -c1-12)\","
	echo "\"pktmon_mtime\": \"$(date -u -r "$PKTMON_SRC" +%Y-%m-%dT%H:%M:%SZ)\","
	echo "\"tcpdump\": \"$(tcpdump --version 2>&1 | head -1)\","
	echo "\"iperf3\": \"$(iperf3 --version 2>/dev/null | head -1)\","
	echo "\"tshark\": \"$(tshark --version 2>/dev/null | head -1)\","
	echo "\"libbpf\": \"$(pkg-config --modversion libbpf 2>/dev/null)\","
	echo "\"netns_at_start\": $(ls /run/netns 2>/dev/null | wc -l),"
	echo "\"foreign_pm_progs_at_start\": $(foreign_pm_progs),"
	echo "\"loadavg_at_start\": \"$(cut -d' ' -f1-3 /proc/loadavg)\","
	echo "\"smoke\": $SMOKE, \"rounds\": $ROUNDS, \"duration\": $DUR"
	echo "}"
} >"$WORK/meta.json"
log "pktmon benchmarks: $(jq -r '.cpu + ", " + (.ncpu|tostring) + " CPUs, kernel " + .kernel' "$WORK/meta.json"); work dir $WORK"


# --- 1. overhead ------------------------------------------------------------------------------
if want overhead; then
	log "overhead: ${#MODES[@]} modes x workloads [$WORKLOADS] x $ROUNDS rounds x ${DUR}s, interleaved"
	for r in $(seq 1 "$ROUNDS"); do
		for w in $WORKLOADS; do
			modes=("${MODES[@]}")
			[ $SMOKE = 1 ] && [ "$w" = tcp ] && modes=(none capture) # keep the smoke run short
			n=${#modes[@]}
			for k in $(seq 0 $((n - 1))); do
				mode=${modes[$(((k + r - 1) % n))]} # the order rotates every round
				quiet_wait
				foreign=$(foreign_pm_progs)
				mon_start "$mode" "ovh-$w-$mode-$r"
				c0=0
				[ -n "$MON_PID" ] && c0=$(cpu_ticks "$MON_PID")
				if [ "$w" = udp ]; then udp_load "$DUR"; else tcp_load "$DUR"; fi
				hwm=0 cpu=0 kmem=0
				if [ -n "$MON_PID" ]; then
					hwm=$(hwm_kb "$MON_PID")
					cpu=$(fdiv $(($(cpu_ticks "$MON_PID") - c0)) "$TICK")
					kmem=$(bpf_memlock "$MON_PID")
				fi
				mon_stop
				pps_sent=$(fdiv "$L_SENT" "$L_SECS")
				pps_recv=$(fdiv "$L_RECV" "$L_SECS")
				opp=$(fdiv "$M_OBS" "$L_PKTS")
				per_cpu=$(fdiv "$L_SENT" "$L_CPU")
				emit section=overhead workload="$w" mode="$mode" round="$r" order="$k" secs="$L_SECS" \
					pkts="$L_PKTS" sent="$L_SENT" recv="$L_RECV" pps_sent="$pps_sent" pps_recv="$pps_recv" \
					gbps="$L_GBPS" obs="$M_OBS" obs_per_pkt="$opp" generated="$M_GEN" written="$M_WRITTEN" \
					lost="$M_LOST" summary_ok="$M_SUMMARY_OK" drops="$M_DROPS" netns_hooked="$M_NETNS" td_captured="$M_TD_CAPT" td_dropped="$M_TD_DROP" \
					file_bytes="$M_FILE" mon_cpu_s="$cpu" hwm_kb="$hwm" bpf_memlock="$kmem" \
					foreign_pm_progs="$foreign" loadavg="$(cut -d' ' -f1 /proc/loadavg)" \
					sender_cpu_s="$L_CPU" pkts_per_sender_cpu_s="$per_cpu" busy_before="$Q_BUSY" waited_s="$Q_WAITED"
				if [ "$w" = udp ]; then
					log "overhead r$r $w $(printf %-8s "$mode"): $(printf %8.0f "$pps_recv") pps delivered, obs/pkt $opp, lost $M_LOST, monitor cpu ${cpu}s, rss ${hwm} kB"
				else
					log "overhead r$r $w $(printf %-8s "$mode"): $(printf %6.2f "$L_GBPS") Gbit/s, $(printf %7.0f "$pps_sent") skb/s, obs/pkt $opp, lost $M_LOST"
				fi
			done
		done
	done
fi

# --- 1b. the floor: pktmon's cost as a multiple of the cost no design avoids ------------------
# Interleaved rounds of the UDP flood; in each round: no monitor, the floor (empty programs at
# the session's points), tcpdump, counters-only, capture of all components, capture --comp nics.
# Then one paced run per BPF mode with kernel.bpf_stats_enabled=1 for each program's run time
# (the stats' clock reads slow the programs, so the throughput rounds run without them).
# Program ids of a monitor: its own fds and its children's (the capture helper).
mon_prog_ids() {
	local p
	for p in "$1" $(pgrep -P "$1" 2>/dev/null); do bpf_prog_ids "$p"; done | sort -un
}
if want floor; then
	FMODES=(none floor floorcount tcpdump counters floorwrite capture nics)
	command -v tcpdump >/dev/null || FMODES=(none floor floorcount counters floorwrite capture nics)
	[ -n "$BEFORE_SRC" ] && FMODES+=(counters_before capture_before)
	[ -n "$FLOOR_MODES" ] && IFS=, read -r -a FMODES <<<"$FLOOR_MODES"
	[ $SMOKE = 1 ] && FMODES=(none floor floorcount counters floorwrite) # the smoke run checks the mechanics only
	FROUNDS=$ROUNDS
	[ "$FROUNDS" -gt 5 ] && FROUNDS=5
	[ -n "$FLOOR_ROUNDS" ] && FROUNDS=$FLOOR_ROUNDS
	FDUR=$DUR
	[ "$FDUR" -gt 10 ] && FDUR=10
	log "floor: ${#FMODES[@]} modes x $FROUNDS rounds x ${FDUR}s UDP flood, interleaved"
	for r in $(seq 1 "$FROUNDS"); do
		n=${#FMODES[@]}
		for k in $(seq 0 $((n - 1))); do
			mode=${FMODES[$(((k + r - 1) % n))]}
			quiet_wait
			mon_start "$mode" "floor-$mode-$r"
			udp_load "$FDUR"
			mon_stop
			pps_recv=$(fdiv "$L_RECV" "$L_SECS")
			emit section=floor foreign_pm_progs="$(foreign_pm_progs)" mode="$mode" round="$r" order="$k" secs="$L_SECS" pkts="$L_PKTS" sent="$L_SENT" \
				recv="$L_RECV" pps_recv="$pps_recv" obs="$M_OBS" generated="$M_GEN" written="$M_WRITTEN" \
				lost="$M_LOST" summary_ok="$M_SUMMARY_OK" td_captured="$M_TD_CAPT" td_dropped="$M_TD_DROP" \
				busy_before="$Q_BUSY" loadavg="$(cut -d' ' -f1 /proc/loadavg)"
			log "floor r$r $(printf %-8s "$mode"): $(printf %8.0f "$pps_recv") pps delivered, events $M_GEN generated, $M_WRITTEN written, $M_LOST lost"
		done
	done
fi
# per-program time (its own section: the kernel's figures move far less with other jobs than pps)
if want floor || want floorcost; then
	if command -v bpftool >/dev/null; then
		FSTAT_PPS=$STAT_PPS FSTAT_DUR=3
		[ $SMOKE = 1 ] && FSTAT_DUR=1
		BPF_STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)
		sysctl -qw kernel.bpf_stats_enabled=1
		SMODES=(floor floorcount counters floorwrite capture nics)
		[ -n "$BEFORE_SRC" ] && SMODES+=(counters_before capture_before)
		[ $SMOKE = 1 ] && SMODES=(floor floorcount counters)
		[ -n "$STAT_MODES" ] && IFS=, read -r -a SMODES <<<"$STAT_MODES"
		SRUN=()
		for r in $(seq 1 "$STAT_ROUNDS"); do # A/B interleaved: the order rotates each round
			n=${#SMODES[@]}
			for k in $(seq 0 $((n - 1))); do SRUN+=("${SMODES[$(((k + r - 1) % n))]}:$r"); done
		done
		for mr in "${SRUN[@]}"; do
			mode=${mr%:*} r=${mr#*:}
			mon_start "$mode" "fstat-$mode-$r"
			udp_load "$FSTAT_DUR" "$FSTAT_PPS"
			for id in $(mon_prog_ids "$MON_PID"); do
				bpftool prog show id "$id" -j 2>/dev/null | jq -r '[.name, .run_cnt // 0, .run_time_ns // 0] | @tsv'
			done | awk '{c[$1] += $2; t[$1] += $3} END {for (n in c) print n, c[n], t[n]}' >"$WORK/fcost.txt"
			mon_stop
			while read -r name cnt ns; do
				emit section=floorcost mode="$mode" round="$r" prog="$name" run_cnt="$cnt" run_time_ns="$ns" \
					avg_ns="$(fdiv "$ns" "$cnt")" pkts="$L_PKTS" pps="$FSTAT_PPS" foreign_pm_progs="$(foreign_pm_progs)"
			done <"$WORK/fcost.txt"
			log "floor bpf_stats r$r $mode: $(awk -v p="$L_PKTS" '{t += $3} END {printf "%.0f", p ? t / p : 0}' "$WORK/fcost.txt") ns of programs a packet"
		done
		sysctl -qw kernel.bpf_stats_enabled="$BPF_STATS_OLD"
		BPF_STATS_OLD=""
	fi
fi

# --- 2. loss at rising rates -------------------------------------------------------------------
loss_run() { # RATE (0 = flat out) [RING_BYTES]
	local rate=$1 ring=${2:-0}
	[ "$ring" != 0 ] && MON_EXTRA="--ring-size $ring"
	quiet_wait
	mon_start capture "loss-$rate"
	local c0
	c0=$(cpu_ticks "$MON_PID")
	udp_load "$LOSS_DUR" "$rate"
	local cpu
	cpu=$(fdiv $(($(cpu_ticks "$MON_PID") - c0)) "$TICK")
	mon_stop
	MON_EXTRA=""
	local pps eps
	pps=$(fdiv "$L_SENT" "$L_SECS")
	eps=$(fdiv "$M_WRITTEN" "$L_SECS")
	emit section=loss target_pps="$rate" ring_bytes="$ring" pps_sent="$pps" secs="$L_SECS" sent="$L_SENT" recv="$L_RECV" \
		generated="$M_GEN" written="$M_WRITTEN" lost="$M_LOST" summary_ok="$M_SUMMARY_OK" obs="$M_OBS" \
		events_per_s="$eps" mon_cpu_s="$cpu" foreign_pm_progs="$(foreign_pm_progs)" busy_before="$Q_BUSY"
	log "loss $(printf %7s "${rate/#0/max}") pps$([ "$ring" != 0 ] && echo ", ring $ring B"): sent $(printf %7.0f "$pps") pps, events generated $M_GEN written $M_WRITTEN lost $M_LOST ($([ $M_SUMMARY_OK = 1 ] && echo 'written + lost = generated' || echo 'MISMATCH')), consumer cpu ${cpu}s"
	LAST_LOST=$M_LOST
}
if want loss; then
	log "loss: capture mode (all components, 128 bytes, default ring) at rising UDP rates, ${LOSS_DUR}s each"
	ok_rate=0 bad_rate=0
	for rate in $LOSS_RATES; do
		loss_run "$rate"
		if [ "$LAST_LOST" = 0 ]; then
			ok_rate=$rate
		elif [ "$bad_rate" = 0 ]; then
			bad_rate=$rate
		fi
	done
	# bisect between the highest clean rate and the first lossy one
	if [ "$bad_rate" != 0 ]; then
		for b in $(seq 1 "$BISECT"); do
			mid=$(((ok_rate + bad_rate) / 2))
			loss_run "$mid"
			if [ "$LAST_LOST" = 0 ]; then ok_rate=$mid; else bad_rate=$mid; fi
		done
	fi
	# the accounting under real loss: a ring far too small for the flood
	loss_run 0 65536
fi

# --- 3. export rate: synthetic producer, one consumer core --------------------------------------
if want export; then
	log "export: pm_encode_bench, $ENC_N events x $ENC_ROUNDS rounds per stage, pinned to one CPU"
	$CPU_RX "$TOOLS/pm_encode_bench" -n "$ENC_N" -r "$ENC_ROUNDS" -f "$WORK/enc.pcapng" >"$WORK/enc.out" ||
		die "pm_encode_bench failed: $(cat "$WORK/enc.out")"
	grep -q 'fast_identical=1' "$WORK/enc.out" || die "the prototype encoder does not write the same bytes"
	while read -r line; do
		# shellcheck disable=SC2086
		emit section=export $line
		log "export $line"
	done < <(grep '^stage=' "$WORK/enc.out")
fi

# --- 4. startup and shutdown ---------------------------------------------------------------------
first_epb_ns() { $PY "$HERE/pcapng_stats.py" "$1" --first 200 | jq '.first_ts_ns'; }

if want startup; then
	log "startup: $STARTUP_REPS x (start -> first packet in the file, stop -> none of its programs left), with 2000 pps of background UDP"
	ip netns exec "$NB" "$TOOLS/pm_udpflood" recv 9001 $((STARTUP_REPS * 8 + 10)) >/dev/null 2>&1 &
	bg_r=$!
	track $bg_r
	ip netns exec "$NA" "$TOOLS/pm_udpflood" send $IPB 9001 $((STARTUP_REPS * 8 + 8)) -s 64 -r 2000 >/dev/null &
	bg_s=$!
	track $bg_s
	sleep 0.3
	for i in $(seq 1 "$STARTUP_REPS"); do
		mon_start capture "startup-$i"
		sleep 1
		ids=$(bpf_prog_ids "$MON_PID")
		nids=$(wc -w <<<"$ids")
		pid=$MON_PID
		t_stop=$(now_ns)
		kill -TERM "$pid"
		gone=0 t_gone=0
		for _ in $(seq 1 4000); do
			left=0
			for id in $ids; do bpftool prog show id "$id" >/dev/null 2>&1 && { left=1; break; }; done
			[ $left = 0 ] && { t_gone=$(now_ns); gone=1; break; }
			sleep 0.002
		done
		wait "$pid"
		t_exit=$(now_ns)
		untrack "$pid"
		first=$(first_epb_ns "$MON_FILE")
		netns=$(sed -nE 's/.* ([0-9]+) netns hooked.*/\1/p' "$MON_LOG")
		rm -f "$MON_FILE"
		ready_ms=$(fdiv $((MON_T1 - MON_T0)) 1000000)
		first_ms=$(fdiv $((first - MON_T0)) 1000000)
		detach_ms=$(fdiv $((t_gone - t_stop)) 1000000)
		exit_ms=$(fdiv $((t_exit - t_stop)) 1000000)
		[ "$first" = 0 ] && first_ms=-1
		[ $gone = 0 ] && detach_ms=-1
		emit section=startup rep="$i" ready_ms="$ready_ms" first_pkt_ms="$first_ms" detach_ms="$detach_ms" \
			exit_ms="$exit_ms" progs="$nids" netns_hooked="${netns:-0}" netns_listed="$(ls /run/netns | wc -l)"
		log "startup #$i: ready ${ready_ms} ms, first packet ${first_ms} ms after start; stop -> ${nids} programs gone ${detach_ms} ms, exit ${exit_ms} ms (${netns:-?} netns hooked)"
	done
	kill -TERM $bg_s $bg_r 2>/dev/null
	wait $bg_s $bg_r 2>/dev/null
	untrack $bg_s
	untrack $bg_r
	# where the startup time goes: one more start under strace (which slows it somewhat), with the
	# times of the files and bpf() calls that mark its phases
	if command -v strace >/dev/null; then
		strace -f -ttt -e trace=execve,openat,bpf,setns -o "$WORK/startup.strace" \
			"$PKTMON" start $FG -f "$WORK/st.cap" --pkt-size 128 --run-for 1 >/dev/null 2>"$WORK/st.err"
		rm -f "$WORK/st.cap"
		awk '
			NR == 1 {t0 = $2}
			/openat\(.*\/sys\/kernel\/btf\/vmlinux/ {if (!btf1) btf1 = $2; else if (!btf2) btf2 = $2}
			/openat\(.*\/proc\/kallsyms/ && !ks {ks = $2}
			/BPF_PROG_LOAD.*prog_name="pm_/ {if (!pl1) pl1 = $2; pl2 = $2}
			/BPF_LINK_CREATE|BPF_RAW_TRACEPOINT_OPEN/ {if (!lk1) lk1 = $2; lk2 = $2}
			/BPF_MAP_LOOKUP_ELEM|exited/ {last = $2}
			END {
				ms = 1000
				printf "btf_parse_ms=%.1f kallsyms_ms=%.1f libbpf_open_core_ms=%.1f prog_load_ms=%.1f attach_ms=%.1f total_to_attached_ms=%.1f\n",
					(ks - btf1) * ms, (btf2 - ks) * ms, (pl1 - btf2) * ms, (lk1 - pl1) * ms, (lk2 - lk1) * ms, (lk2 - t0) * ms
			}' "$WORK/startup.strace" >"$WORK/startup.phases"
		# shellcheck disable=SC2046
		emit section=startup_phases $(cat "$WORK/startup.phases") links="$(grep -c 'BPF_LINK_CREATE' "$WORK/startup.strace")"
		log "startup phases (under strace): $(cat "$WORK/startup.phases")"
	fi
fi

# --- 5. dissector: tshark with and without our plugin -------------------------------------------
if want dissector && command -v tshark >/dev/null && command -v setpriv >/dev/null; then
	# a capture made by pktmon from a paced flood: 7 observations per datagram
	rate=40000
	[ $SMOKE = 1 ] && rate=10000
	secs=$($PY -c "print(round($DISS_OBS / 7 / $rate + 0.5, 1))")
	log "dissector: capturing >= $DISS_OBS observations with pktmon ($rate pps for ${secs}s)"
	mon_start capture diss
	udp_load "$secs" "$rate"
	capfile=$MON_FILE
	MON_FILE=$WORK/none # keep the capture: mon_stop removes MON_FILE
	mon_stop
	DISS=$WORK/diss.pcapng
	mv "$capfile" "$DISS"
	chmod 644 "$DISS"
	source=pktmon
	if [ "$M_WRITTEN" -lt "$DISS_OBS" ]; then
		log "dissector: pktmon wrote $M_WRITTEN events (< $DISS_OBS); synthesizing the capture with pm_encode_bench instead"
		"$TOOLS/pm_encode_bench" -n "$DISS_OBS" -o "$DISS" >/dev/null || die "cannot synthesize the capture"
		chmod 644 "$DISS"
		source=synthetic
		M_WRITTEN=$DISS_OBS
	fi
	frames=$M_WRITTEN
	dsize=$(stat -c %s "$DISS")
	if [ $source = pktmon ]; then
		# one packet group id per datagram? (the file also holds other namespaces' traffic, a little)
		st=$($PY "$HERE/pcapng_stats.py" "$DISS")
		emit section=grouping datagrams="$L_SENT" epbs="$(jq .epbs <<<"$st")" \
			distinct_group_ids="$(jq .distinct_packet_ids <<<"$st")" max_appearance="$(jq .max_appearance <<<"$st")"
		log "grouping: $L_SENT datagrams sent, $(jq .epbs <<<"$st") observations, $(jq .distinct_packet_ids <<<"$st") distinct packet group ids, appearance up to $(jq .max_appearance <<<"$st")"
	fi
	EMPTY=$WORK/noplugins
	mkdir -p "$EMPTY"
	chmod 755 "$EMPTY"
	# the same number of observations synthesized by pm_encode_bench: one group id per datagram
	# (eight observations each), as pktmon should write them (see section 2b)
	SYN=$WORK/diss-synthetic.pcapng
	"$TOOLS/pm_encode_bench" -n "$frames" -o "$SYN" >/dev/null || die "cannot synthesize a capture"
	chmod 644 "$SYN"
	ssize=$(stat -c %s "$SYN")
	ts() { # FILE PLUGINDIR ARGS...: wall seconds and max RSS (kB) of tshark as nobody
		local f=$1 pd=$2
		shift 2
		setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$WORK" WIRESHARK_PLUGIN_DIR="$pd" \
			/usr/bin/time -f 'BENCHTIME %e %M' tshark -n -r "$f" "$@" >/dev/null 2>"$WORK/tshark.err"
		grep '^BENCHTIME' "$WORK/tshark.err" | tail -1 | cut -d' ' -f2-
	}
	# the plugin must load in the "with" runs: check once
	setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$WORK" WIRESHARK_PLUGIN_DIR="$PLUGIN_DIR" \
		tshark -G protocols 2>/dev/null | grep -q '	pktmon$' || die "our plugin does not load from $PLUGIN_DIR"
	for r in $(seq 1 "$DISS_ROUNDS"); do
		for job in "$source summary" "$source filter" "synthetic summary"; do
			read -r src wl <<<"$job"
			[ $SMOKE = 1 ] && [ "$wl" = filter ] && continue
			f=$DISS sz=$dsize
			[ "$src" = synthetic ] && f=$SYN sz=$ssize
			args=()
			[ $wl = filter ] && args=(-Y 'udp.port == 7')
			for cfg in without with; do
				pd=$EMPTY
				[ $cfg = with ] && pd=$PLUGIN_DIR
				read -r secs rss < <(ts "$f" "$pd" "${args[@]}")
				emit section=dissector workload="$wl" config="$cfg" round="$r" secs="$secs" rss_kb="$rss" \
					frames="$frames" file_bytes="$sz" source="$src"
				log "dissector r$r $src $wl $(printf %-7s $cfg): ${secs}s, max RSS ${rss} kB ($frames frames)"
			done
		done
	done
	# for information: a pktmon field (needs the plugin)
	read -r secs rss < <(ts "$DISS" "$PLUGIN_DIR" -Y 'pktmon.pkt_group_id == 42')
	emit section=dissector workload=pktmon_field config=with round=1 secs="$secs" rss_kb="$rss" frames="$frames" \
		file_bytes="$dsize" source="$source"
	log "dissector pktmon.pkt_group_id == 42 (with): ${secs}s"
	rm -f "$DISS" "$SYN"
fi

# --- 6. per-program BPF cost (kernel.bpf_stats_enabled, a separate run) --------------------------
if want bpfcost && [ $SMOKE = 0 ] && command -v bpftool >/dev/null; then
	log "bpfcost: average run time of each program (kernel.bpf_stats_enabled for this step only)"
	BPF_STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1
	for mode in counters capture nomatch; do
		mon_start "$mode" "cost-$mode"
		udp_load 3 50000
		for id in $(bpf_prog_ids "$MON_PID"); do
			bpftool prog show id "$id" -j 2>/dev/null | jq -r '[.name, .run_cnt // 0, .run_time_ns // 0] | @tsv'
		done | awk '{c[$1] += $2; t[$1] += $3} END {for (n in c) print n, c[n], t[n]}' >"$WORK/cost.txt"
		mon_stop
		while read -r name cnt ns; do
			emit section=bpfcost mode="$mode" prog="$name" run_cnt="$cnt" run_time_ns="$ns" \
				avg_ns="$(fdiv "$ns" "$cnt")" pkts="$L_PKTS"
			log "bpfcost $mode $name: $cnt runs, $(fdiv "$ns" "$cnt") ns each"
		done <"$WORK/cost.txt"
	done
	sysctl -qw kernel.bpf_stats_enabled="$BPF_STATS_OLD"
	BPF_STATS_OLD=""
fi

# --- 7. where the consumer's time goes (perf) ----------------------------------------------------
if want profile && [ $SMOKE = 0 ] && command -v perf >/dev/null; then
	log "profile: perf record -g on the pktmon process during a flat-out UDP flood (capture mode)"
	mon_start capture prof
	ip netns exec "$NB" $CPU_RX "$TOOLS/pm_udpflood" recv 9000 16 >/dev/null 2>&1 &
	p1=$!
	track $p1
	sleep 0.2
	ip netns exec "$NA" $CPU_TX "$TOOLS/pm_udpflood" send $IPB 9000 9 -s 64 >/dev/null &
	p2=$!
	track $p2
	sleep 1
	perf record -q -g -p "$MON_PID" -o "$WORK/perf.data" -- sleep 4 >/dev/null 2>&1
	perf record -q -a -g -o "$WORK/perf-all.data" -- sleep 2 >/dev/null 2>&1
	wait $p2
	untrack $p2
	kill -TERM $p1
	wait $p1 2>/dev/null
	untrack $p1
	mon_stop
	{
		echo "# perf report of the pktmon process (capture mode, all components, 128 bytes) during a"
		echo "# flat-out 64-byte UDP flood between two namespaces; self time, no children. $(date -u +%F)"
		perf report -i "$WORK/perf.data" --stdio --no-children -g none --percent-limit 0.7 2>/dev/null |
			grep -v '^$' | grep -v '^# \(Samples\|Event count\|Total Lost\)' | head -60
		echo
		echo "# The same samples, time including callees (what each call costs in all)"
		perf report -i "$WORK/perf.data" --stdio --children -g none --sort symbol --percent-limit 4 2>/dev/null |
			grep -E '^ +[0-9]' | head -40
	} >"$WORK/perf-consumer.txt"
	{
		echo "# perf report, whole machine (both CPUs), 2 s of the same flood; self time. $(date -u +%F)"
		echo "# In this VM samples taken with interrupts off are charged to pvm_irq_enable / irq-enable points."
		echo "# Other engineers' jobs on this shared machine appear here too."
		perf report -i "$WORK/perf-all.data" --stdio --no-children -g none --sort comm,dso,symbol \
			--percent-limit 0.7 2>/dev/null | grep -v '^$' | head -70
	} >"$WORK/perf-system.txt"
	log "profile: top of the consumer's profile:"
	grep -E '^ +[0-9]' "$WORK/perf-consumer.txt" | head -8 >&2
fi

# --- report ----------------------------------------------------------------------------------------
jq --arg stop "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg la "$(cut -d' ' -f1-3 /proc/loadavg)" \
	--argjson secs $(($(date +%s) - T_START)) \
	'. + {"end": $stop, "loadavg_at_end": $la, "total_seconds": $secs}' "$WORK/meta.json" >"$WORK/meta2.json"
if [ -z "$OUT" ]; then
	if [ $SMOKE = 1 ]; then OUT=$WORK/out; else OUT=$HERE; fi
fi
mkdir -p "$OUT"
for f in perf-consumer.txt perf-system.txt; do [ -f "$WORK/$f" ] && cp "$WORK/$f" "$OUT/$f"; done
$PY "$HERE/report.py" --raw "$RAW" --meta "$WORK/meta2.json" --out "$OUT" || die "report.py failed"
log "done in $(($(date +%s) - T_START))s: $OUT/RESULTS.md, $OUT/results.csv, $OUT/results.json"
if [ $SMOKE = 1 ]; then
	# the smoke run checks that every section produced figures and that nothing was lost silently
	for s in overhead loss export startup floor; do
		want $s || continue
		grep -q "\"section\":\"$s\"" "$RAW" || die "smoke: no $s figures"
	done
	grep '"summary_ok":0' "$RAW" && die "smoke: written + lost != generated"
	if want floor; then # the write floor must write: its figures are a bound the report leans on
		grep '"section":"floor"' "$RAW" | grep '"mode":"floorwrite"' | grep -q '"written":[1-9]' ||
			die "smoke: the write floor wrote no event"
	fi
	if want floorcost; then # the counting floor's programs must run: its figure bounds counters-only's
		grep '"section":"floorcost"' "$RAW" | grep '"mode":"floorcount"' | grep '"prog":"pm_dev_rx"' |
			grep -q '"run_cnt":[1-9]' || die "smoke: the counting floor's programs did not run"
	fi
	sed -n '1,40p' "$OUT/RESULTS.md"
fi
exit 0
