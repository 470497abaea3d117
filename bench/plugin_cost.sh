#!/bin/bash
# SPDX-License-Identifier: MIT
#
# What the dissector plugin adds to tshark (issue #13, "Plugin cost"; bench/RESULTS.md "Plugin cost").
#
#   bench/plugin_cost.sh [-n OBSERVATIONS] [-r ROUNDS] [--plugin-dir DIR] [--work DIR] [--csv FILE]
#
# Writes a capture of OBSERVATIONS (default 1,000,000) with bench/make_plugin_capture.py (seven
# components a datagram, one group id each, ~1 % dropped, the rundown at the end) into the work
# folder (default build/plugincost; never into git), then times tshark -n -r on it, interleaved over
# ROUNDS (default 5) rounds, the order of with/without alternating between rounds:
#   without  WIRESHARK_PLUGIN_DIR is an empty folder     with  it holds only our plugin
#   workloads: summary (no option), -Y ip (matches every frame), -Y 'udp.port == 9' (matches none),
#   -Y pktmon.dropped (with only; its baseline is -Y 'udp.port == 9' without: a tree for every
#   frame, few lines out).
# tshark runs as nobody (Wireshark ignores plugin folders as root). Prints per-run lines, then the
# medians of wall and CPU (user+sys) seconds and of the with/without ratio within each round.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
N=1000000 ROUNDS=5 PLUGIN_DIR=$TOP/build/plugins WORK=$TOP/build/plugincost CSV=
while [ $# -gt 0 ]; do
	case $1 in
	-n) N=$2; shift ;;
	-r) ROUNDS=$2; shift ;;
	--plugin-dir) PLUGIN_DIR=$2; shift ;;
	--work) WORK=$2; shift ;;
	--csv) CSV=$2; shift ;;
	*) echo "usage: $0 [-n OBSERVATIONS] [-r ROUNDS] [--plugin-dir DIR] [--work DIR] [--csv FILE]" >&2; exit 2 ;;
	esac
	shift
done
command -v tshark >/dev/null || { echo "SKIP: no tshark" >&2; exit 77; }
SERIES=$(tshark --version 2>/dev/null | sed -n '1s/.* \([0-9]*\.[0-9]*\)\.[0-9]*.*/\1/p')
[ -f "$PLUGIN_DIR/$SERIES/epan/pktmon.so" ] || { echo "no plugin in $PLUGIN_DIR/$SERIES/epan (build first)" >&2; exit 1; }

mkdir -p "$WORK/empty" "$WORK/home"
CAP=$WORK/plugin-cost-$N.pcapng
if [ ! -s "$CAP" ]; then
	python3 "$HERE/make_plugin_capture.py" --header "$TOP/capture-core/include/pktmon/pktmon_format.h" -n "$N" "$CAP"
fi
chmod -R a+rX "$WORK"
chmod 1777 "$WORK/home"
# as nobody, the build tree must be reachable: copy the plugin next to the capture
rm -rf "$WORK/plugins"
mkdir -p "$WORK/plugins/$SERIES/epan"
cp "$PLUGIN_DIR/$SERIES/epan/pktmon.so" "$WORK/plugins/$SERIES/epan/"
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
cnt=$(TSHARK_OUT=1 ts "$WORK/plugins" -Y pktmon.dropped | wc -l)
[ "$cnt" -gt 0 ] || { echo "the plugin does not load from $WORK/plugins (no pktmon.dropped frame)" >&2; exit 1; }
echo "capture: $CAP ($N observations, $(stat -c %s "$CAP") bytes, $cnt drops);" \
	"$(tshark --version 2>/dev/null | head -1 | cut -d' ' -f1-3); load $(cut -d' ' -f1-3 /proc/loadavg)"

OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
for r in $(seq 1 "$ROUNDS"); do
	for wl in summary ip nomatch dropped; do
		case $wl in
		summary) args=() ;;
		ip) args=(-Y ip) ;;
		nomatch) args=(-Y 'udp.port == 9') ;;
		dropped) args=(-Y pktmon.dropped) ;;
		esac
		order="without with"
		[ $((r % 2)) = 0 ] && order="with without"
		for cfg in $order; do
			pd=$WORK/empty
			a=("${args[@]}")
			if [ $cfg = with ]; then
				pd=$WORK/plugins
			elif [ $wl = dropped ]; then
				a=(-Y 'udp.port == 9')
			fi
			read -r wall cpu < <(ts "$pd" "${a[@]}")
			echo "$r $wl $cfg $wall $cpu" >>"$OUT"
			printf 'round %s %-8s %-7s wall %6.2f s  cpu %6.2f s  (load %s)\n' "$r" "$wl" "$cfg" "$wall" "$cpu" \
				"$(cut -d' ' -f1 /proc/loadavg)"
		done
	done
done
[ -n "$CSV" ] && { echo "round,workload,config,wall_s,cpu_s"; tr ' ' , <"$OUT"; } >"$CSV"

python3 - "$OUT" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
t = {}
for r, wl, cfg, wall, cpu in rows:
    t[(int(r), wl, cfg)] = (float(wall), float(cpu))
rounds = sorted({k[0] for k in t})
print("\n| workload | without: wall / cpu (s) | with: wall / cpu (s) | plugin adds, wall (median, range) | cpu (median, range) |")
print("|---|---:|---:|---:|---:|")
names = {"summary": "`tshark -n -r F`", "ip": "`-Y ip` (every frame)", "nomatch": "`-Y 'udp.port == 9'` (no frame)",
         "dropped": "`-Y pktmon.dropped` (1 % of frames; without: `-Y 'udp.port == 9'`)"}
for wl in ["summary", "ip", "nomatch", "dropped"]:
    med = lambda cfg, i: statistics.median(t[(r, wl, cfg)][i] for r in rounds)
    ratio = [[t[(r, wl, "with")][i] / t[(r, wl, "without")][i] - 1 for r in rounds] for i in (0, 1)]
    cell = lambda x: "%+.1f %% (%+.1f .. %+.1f)" % (100 * statistics.median(x), 100 * min(x), 100 * max(x))
    print("| %s | %.2f / %.2f | %.2f / %.2f | %s | %s |" % (names[wl], med("without", 0), med("without", 1),
          med("with", 0), med("with", 1), cell(ratio[0]), cell(ratio[1])))
EOF
