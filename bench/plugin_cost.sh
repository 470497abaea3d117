#!/bin/bash
# SPDX-License-Identifier: MIT
#
# What the dissector plugin adds to tshark (issue #13, "Plugin cost"; bench/RESULTS.md "Plugin cost").
#
#   bench/plugin_cost.sh [-n OBSERVATIONS] [-r ROUNDS] [--plugin [NAME=]DIR]... [--profile] [--instructions]
#                        [--work DIR] [--csv FILE]
#
# Writes a capture of OBSERVATIONS (default 1,000,000) with bench/make_plugin_capture.py (seven
# components a datagram, one group id each, ~1 % dropped, the rundown at the end) into the work
# folder (default build/plugincost; never into git), then times tshark -n -r on it, interleaved over
# ROUNDS (default 5) rounds, the order of with/without alternating between rounds:
#   without  WIRESHARK_PLUGIN_DIR is an empty folder     with  it holds only our plugin
#   (--plugin, repeated: several builds of the plugin in the same rounds, e.g. before=DIR after=DIR;
#   default with=build/plugins; each DIR holds <major>.<minor>/epan/pktmon.so)
#   workloads: summary (no option), -Y ip (matches every frame), -Y 'udp.port == 9' (matches none),
#   -Y pktmon.dropped (with only; its baseline is -Y 'udp.port == 9' without: a tree for every
#   frame, few lines out).
# tshark runs as nobody (Wireshark ignores plugin folders as root). Prints per-run lines, then the
# medians of wall and CPU (user+sys) seconds and of the with/without ratio within each round, and
# the ratio of the fastest runs (a busy host only adds time).
# On a shared machine those ratios scatter widely; --profile adds a steadier figure: one run per
# plugin and workload under `perf record --call-graph dwarf`, and the share of its samples spent in
# the plugin (dissect_pktmon and below): the plugin adds share / (1 - share) to tshark's CPU time.
# --instructions adds the steadiest figure: the instructions tshark executes (valgrind's callgrind,
# user space only, so page faults and cache misses are not in it) with and without the plugin, on
# a capture of 100,000 observations of the same kind, every workload, two runs at a time. -r 0
# skips the timed rounds.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
N=1000000 ROUNDS=5 WORK=$TOP/build/plugincost CSV= PROFILE=0 INSTR=0
PLUGINS=()
while [ $# -gt 0 ]; do
	case $1 in
	-n) N=$2; shift ;;
	-r) ROUNDS=$2; shift ;;
	--plugin | --plugin-dir) PLUGINS+=("$2"); shift ;;
	--profile) PROFILE=1 ;;
	--instructions) INSTR=1 ;;
	--work) WORK=$2; shift ;;
	--csv) CSV=$2; shift ;;
	*) echo "usage: $0 [-n OBSERVATIONS] [-r ROUNDS] [--plugin [NAME=]DIR]... [--profile] [--instructions] [--work DIR] [--csv FILE]" >&2; exit 2 ;;
	esac
	shift
done
command -v tshark >/dev/null || { echo "SKIP: no tshark" >&2; exit 77; }
SERIES=$(tshark --version 2>/dev/null | sed -n '1s/.* \([0-9]*\.[0-9]*\)\.[0-9]*.*/\1/p')
[ ${#PLUGINS[@]} -gt 0 ] || PLUGINS=("with=$TOP/build/plugins")
NAMES=()

mkdir -p "$WORK/empty" "$WORK/home"
CAP=$WORK/plugin-cost-$N.pcapng
if [ ! -s "$CAP" ]; then
	python3 "$HERE/make_plugin_capture.py" --header "$TOP/capture-core/include/pktmon/pktmon_format.h" -n "$N" "$CAP"
fi
chmod -R a+rX "$WORK"
chmod 1777 "$WORK/home"
# as nobody, the build tree must be reachable: copy each plugin next to the capture
rm -rf "$WORK/plugins"
for p in "${PLUGINS[@]}"; do
	name=with dir=$p
	case $p in *=*) name=${p%%=*} dir=${p#*=} ;; esac
	[ -f "$dir/$SERIES/epan/pktmon.so" ] || { echo "no plugin in $dir/$SERIES/epan (build first)" >&2; exit 1; }
	mkdir -p "$WORK/plugins/$name/$SERIES/epan"
	cp "$dir/$SERIES/epan/pktmon.so" "$WORK/plugins/$name/$SERIES/epan/"
	NAMES+=("$name")
done
chmod -R a+rX "$WORK/plugins"

ts() { # PLUGINDIR ARGS...: "wall cpu" seconds of tshark -n -r CAP as an unprivileged user
	local pd=$1
	shift
	local run=(env HOME="$WORK/home" WIRESHARK_PLUGIN_DIR="$pd")
	[ "$(id -u)" = 0 ] && run=(setpriv --reuid=nobody --regid=nogroup --clear-groups "${run[@]}")
	if [ -n "${TSHARK_OUT:-}" ]; then # the frames themselves
		"${run[@]}" tshark -n -r "$CAP" "$@" 2>/dev/null
		return
	fi
	"${run[@]}" /usr/bin/time -f 'BENCHTIME %e %U %S' tshark -n -r "$CAP" "$@" >/dev/null 2>"$WORK/tshark.err"
	grep '^BENCHTIME' "$WORK/tshark.err" | tail -1 | awk '{ printf "%s %.2f\n", $2, $3 + $4 }'
}
# the plugin must load in the "with" runs
for name in "${NAMES[@]}"; do
	cnt=$(TSHARK_OUT=1 ts "$WORK/plugins/$name" -Y pktmon.dropped | wc -l)
	[ "$cnt" -gt 0 ] || { echo "the plugin does not load from $WORK/plugins/$name (no pktmon.dropped frame)" >&2; exit 1; }
done
echo "capture: $CAP ($N observations, $(stat -c %s "$CAP") bytes, $cnt drops);" \
	"$(tshark --version 2>/dev/null | head -1 | cut -d' ' -f1-3); load $(cut -d' ' -f1-3 /proc/loadavg)"

OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
workload_args() { # WORKLOAD CONFIG: sets args, tshark's options (pktmon.dropped's baseline: no frame)
	case $1 in
	summary) args=() ;;
	ip) args=(-Y ip) ;;
	nomatch) args=(-Y 'udp.port == 9') ;;
	dropped) args=(-Y pktmon.dropped) ;;
	esac
	[ "$2" = without ] && [ "$1" = dropped ] && args=(-Y 'udp.port == 9')
	return 0
}
for r in $(seq 1 "$ROUNDS"); do
	for wl in summary ip nomatch dropped; do
		order="without ${NAMES[*]}"
		[ $((r % 2)) = 0 ] && order=$(tr ' ' '\n' <<<"$order" | tac | tr '\n' ' ')
		for cfg in $order; do
			workload_args $wl $cfg
			pd=$WORK/empty
			[ $cfg = without ] || pd=$WORK/plugins/$cfg
			read -r wall cpu < <(ts "$pd" "${args[@]}")
			echo "$r $wl $cfg $wall $cpu" >>"$OUT"
			printf 'round %s %-8s %-7s wall %6.2f s  cpu %6.2f s  (load %s)\n' "$r" "$wl" "$cfg" "$wall" "$cpu" \
				"$(cut -d' ' -f1 /proc/loadavg)"
		done
	done
done
[ -n "$CSV" ] && [ "$ROUNDS" -gt 0 ] && { echo "round,workload,config,wall_s,cpu_s"; tr ' ' , <"$OUT"; } >"$CSV"

[ "$ROUNDS" -gt 0 ] && python3 - "$OUT" "${NAMES[@]}" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
t = {}
for r, wl, cfg, wall, cpu in rows:
    t[(int(r), wl, cfg)] = (float(wall), float(cpu))
rounds = sorted({k[0] for k in t})
print("\n| workload | plugin | without: wall / cpu (s) | with: wall / cpu (s) | plugin adds, wall (median, range) | cpu (median, range) | cpu, fastest runs |")
print("|---|---|---:|---:|---:|---:|---:|")
names = {"summary": "`tshark -n -r F`", "ip": "`-Y ip` (every frame)", "nomatch": "`-Y 'udp.port == 9'` (no frame)",
         "dropped": "`-Y pktmon.dropped` (1 % of frames; without: `-Y 'udp.port == 9'`)"}
for wl in ["summary", "ip", "nomatch", "dropped"]:
  for p in sys.argv[2:]:
    med = lambda cfg, i: statistics.median(t[(r, wl, cfg)][i] for r in rounds)
    ratio = [[t[(r, wl, p)][i] / t[(r, wl, "without")][i] - 1 for r in rounds] for i in (0, 1)]
    cell = lambda x: "%+.1f %% (%+.1f .. %+.1f)" % (100 * statistics.median(x), 100 * min(x), 100 * max(x))
    # a busy host only ever adds time: the fastest run of each is the least disturbed
    fastest = min(t[(r, wl, p)][1] for r in rounds) / min(t[(r, wl, "without")][1] for r in rounds) - 1
    print("| %s | %s | %.2f / %.2f | %.2f / %.2f | %s | %s | %+.1f %% |" % (names[wl], p, med("without", 0),
          med("without", 1), med(p, 0), med(p, 1), cell(ratio[0]), cell(ratio[1]), 100 * fastest))
EOF

if [ $INSTR = 1 ]; then
	command -v valgrind >/dev/null || { echo "no valgrind: no instruction counts" >&2; exit 1; }
	ICAP=$WORK/plugin-cost-100000.pcapng
	[ -s "$ICAP" ] || python3 "$HERE/make_plugin_capture.py" --header "$TOP/capture-core/include/pktmon/pktmon_format.h" \
		-n 100000 "$ICAP" >/dev/null
	chmod a+r "$ICAP"
	IDIR=$(mktemp -d)
	chmod 1777 "$IDIR"
	instr() { # OUTFILE PLUGINDIR ARGS...: instructions of tshark -n -r ICAP
		local o=$1 pd=$2
		shift 2
		local run=(env HOME="$WORK/home" WIRESHARK_PLUGIN_DIR="$pd")
		[ "$(id -u)" = 0 ] && run=(setpriv --reuid=nobody --regid=nogroup --clear-groups "${run[@]}")
		"${run[@]}" valgrind --tool=callgrind --callgrind-out-file=/dev/null tshark -n -r "$ICAP" "$@" 2>&1 >/dev/null |
			awk '/Collected :/ { print $NF }' >"$o"
	}
	for wl in summary ip nomatch dropped; do
		for cfg in without "${NAMES[@]}"; do
			workload_args $wl $cfg
			pd=$WORK/empty
			[ $cfg = without ] || pd=$WORK/plugins/$cfg
			instr "$IDIR/$wl.$cfg" "$pd" "${args[@]}" &
			[ "$(jobs -rp | wc -l)" -ge 2 ] && wait -n
		done
	done
	wait
	echo
	echo "Instructions (callgrind, 100,000 observations):"
	echo
	echo "| workload | plugin | without | with | the plugin adds |"
	echo "|---|---|---:|---:|---:|"
	for wl in summary ip nomatch dropped; do
		for name in "${NAMES[@]}"; do
			a=$(cat "$IDIR/$wl.without") b=$(cat "$IDIR/$wl.$name")
			[ -n "$a" ] && [ -n "$b" ] || { echo "callgrind gave no count for $wl/$name" >&2; exit 1; }
			awk -v wl=$wl -v p="$name" -v a="$a" -v b="$b" \
				'BEGIN { printf "| %s | %s | %.0f M | %.0f M | %+.2f %% |\n", wl, p, a / 1e6, b / 1e6, 100 * (b / a - 1) }'
		done
	done
	rm -rf "$IDIR"
fi

[ $PROFILE = 1 ] || exit 0
command -v perf >/dev/null || { echo "no perf: no profile" >&2; exit 0; }
echo
echo "| workload | plugin | samples | in the plugin (dissect_pktmon and below) | the plugin adds |"
echo "|---|---|---:|---:|---:|"
for wl in summary ip; do
	args=()
	[ $wl = ip ] && args=(-Y ip)
	for name in "${NAMES[@]}"; do
		data=$WORK/home/perf-$wl-$name.data # home: writable by the unprivileged user
		rm -f "$data"
		run=(env HOME="$WORK/home" WIRESHARK_PLUGIN_DIR="$WORK/plugins/$name")
		[ "$(id -u)" = 0 ] && run=(setpriv --reuid=nobody --regid=nogroup --clear-groups "${run[@]}")
		"${run[@]}" perf record -q -F 1000 --call-graph dwarf,8192 -o "$data" tshark -n -r "$CAP" "${args[@]}" \
			>/dev/null 2>"$WORK/perf.err"
		perf report -f -i "$data" --children --sort sym --stdio -g none 2>/dev/null | awk -v wl="$wl" -v p="$name" '
			/Samples:/ { n = $3 }
			$NF == "dissect_pktmon" && !share { share = $1 + 0 }
			END { printf "| %s | %s | %s | %.1f %% | %+.1f %% |\n", wl, p, n, share, 100 * share / (100 - share) }'
		rm -f "$data"
	done
done
