#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Are two builds of the dissector plugin indistinguishable in tshark's output? (issue #13: a faster
# plugin must print the same bytes.)
#
#   bench/plugin_identity.sh BEFORE_DIR AFTER_DIR CAPTURE...
#
# Each DIR holds <major>.<minor>/epan/pktmon.so (a build's plugins/ folder). For every capture, runs
# tshark with each plugin over the outputs a user sees: -V -x, -T json, -T fields with the path
# fields, two passes (-2 -V, -2 -T fields), the summary lines, -z pktmon,tree, -z flow,pktmon,standard
# and -z expert (one run), and a display filter on the path, and compares the outputs byte for byte. tshark runs as nobody when run as root
# (Wireshark ignores plugin folders as root). Prints one line per difference; exit 0 when none.
set -uo pipefail

[ $# -ge 3 ] || { sed -n '6,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
command -v tshark >/dev/null || { echo "SKIP: no tshark" >&2; exit 77; }
SERIES=$(tshark --version 2>/dev/null | sed -n '1s/.* \([0-9]*\.[0-9]*\)\.[0-9]*.*/\1/p')
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/home"
for side in before after; do
	dir=$1
	shift
	[ -f "$dir/$SERIES/epan/pktmon.so" ] || { echo "no plugin in $dir/$SERIES/epan" >&2; exit 2; }
	mkdir -p "$WORK/$side/$SERIES/epan"
	cp "$dir/$SERIES/epan/pktmon.so" "$WORK/$side/$SERIES/epan/"
done
chmod -R a+rwX "$WORK"
chmod a+rx "$WORK"

ts() { # SIDE CAPTURE ARGS...
	local side=$1 cap=$2
	shift 2
	local run=(env HOME="$WORK/home" WIRESHARK_PLUGIN_DIR="$WORK/$side")
	[ "$(id -u)" = 0 ] && run=(setpriv --reuid=nobody --regid=nogroup --clear-groups "${run[@]}")
	# stderr too, without the pid and clock of GLib's messages
	"${run[@]}" tshark -n -r "$cap" "$@" 2>&1 | sed -E 's/\(tshark:[0-9]+\) [0-9:.]+ /(tshark) /'
}

FIELDS=(-T fields -E header=y -e frame.number -e pktmon.component_name -e pktmon.pkt_group_id -e pktmon.path
	-e pktmon.prev_frame -e pktmon.next_frame -e pktmon.dropped -e pktmon.drop_reason -e pktmon.why_text
	-e pktmon.host -e pktmon.flags -e _ws.col.Info -e _ws.expert)
diffs=0 runs=0
for cap in "$@"; do
	cp "$cap" "$WORK/cap.pcapng" && chmod a+r "$WORK/cap.pcapng"
	while IFS= read -r name; do
		case $name in
		Vx) args=(-V -x) ;;
		json) args=(-T json) ;;
		fields) args=("${FIELDS[@]}") ;;
		V2) args=(-2 -V) ;;
		fields2) args=(-2 "${FIELDS[@]}") ;;
		summary) args=() ;;
		stats) args=(-q -z pktmon,tree -z flow,pktmon,standard -z expert) ;;
		pathfilter) args=(-Y 'pktmon.path contains "\xe2\x9c\x96" || pktmon.why') ;;
		esac
		ts before "$WORK/cap.pcapng" "${args[@]}" >"$WORK/out.before" &
		ts after "$WORK/cap.pcapng" "${args[@]}" >"$WORK/out.after"
		wait
		runs=$((runs + 1))
		if ! cmp -s "$WORK/out.before" "$WORK/out.after"; then
			echo "DIFFERS: $(basename "$cap") $name ($(wc -c <"$WORK/out.before") vs $(wc -c <"$WORK/out.after") bytes)"
			diffs=$((diffs + 1))
		fi
	done <<<"$(printf '%s\n' Vx json fields V2 fields2 summary stats pathfilter)"
	echo "compared: $(basename "$cap")" >&2
done
echo "$runs comparisons on $# captures, $diffs differ"
[ $diffs = 0 ]
