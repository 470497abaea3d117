#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The "Packet Monitor" profile as Wireshark finds it among the global profiles (WIRESHARK_DATA_DIR
# stands for the global configuration folder): the Component column, drops coloured by the profile's
# rules, and no TCP retransmission flags for a segment seen at several components.
# usage: profile_test.sh TSHARK PLUGIN_ROOT PROFILE_DIR SAMPLES_DIR
# Wireshark ignores WIRESHARK_* variables as root: as root tshark runs as nobody.
set -u
TSHARK=$1 PLUGINS=$2 PROFILE=$3 SAMPLES=$4
WORK=$(mktemp -d /tmp/pktmon-profile-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/home" "$WORK/data/profiles" "$WORK/plugins" "$WORK/s"
cp -r "$PROFILE" "$WORK/data/profiles/"
cp -r "$PLUGINS/." "$WORK/plugins/"
cp "$SAMPLES/tcp-blocked-output.pcapng" "$SAMPLES/ping-blocked-input.pcapng" "$WORK/s/"
chmod -R a+rwX "$WORK"
FAILS=0
expect() { if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: expected [$3], got [$2]"; FAILS=$((FAILS + 1)); fi; }
ts() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$WORK/home" \
			WIRESHARK_DATA_DIR="$WORK/data" WIRESHARK_PLUGIN_DIR="$WORK/plugins" "$TSHARK" "$@" 2>>"$WORK/err"
	else
		env HOME="$WORK/home" WIRESHARK_DATA_DIR="$WORK/data" WIRESHARK_PLUGIN_DIR="$WORK/plugins" \
			"$TSHARK" "$@" 2>>"$WORK/err"
	fi
}
TCP=$WORK/s/tcp-blocked-output.pcapng PING=$WORK/s/ping-blocked-input.pcapng

# without the profile the repeats look like retransmissions (what the profile is for)
expect "default profile: retransmissions flagged" \
	"$(ts -r "$TCP" -Y tcp.analysis.retransmission | wc -l | tr -d ' ')" "3"
expect "Packet Monitor: no retransmission flagged" \
	"$(ts -C "Packet Monitor" -r "$TCP" -Y tcp.analysis.retransmission | wc -l | tr -d ' ')" "0"
expect "Packet Monitor: no TCP analysis flag at all" \
	"$(ts -C "Packet Monitor" -r "$TCP" -Y tcp.analysis.flags | wc -l | tr -d ' ')" "0"
# The profile's columns, read from PSML (column titles as fields, _ws.col.<title>, exist only up
# to 4.2): col TITLE FILTER prints that column of each matching frame.
col() {
	ts -C "Packet Monitor" -r "$PING" -Y "$2" -T psml | awk -v want="$1" '
		/<structure>/ { hdr = 1; i = 0; next } /<\/structure>/ { hdr = 0; next }
		/<packet>/ { i = 0; next }
		/<section>/ { v = $0; sub(/.*<section>/, "", v); sub(/<\/section>.*/, "", v); i++
			if (hdr && v == want) c = i; else if (!hdr && i == c) print v }'
}
# the Component column: the pktmon component of each frame
expect "Component column = pktmon.component_name" \
	"$(col Component 'frame.number <= 8')" \
	"$(ts -r "$PING" -Y 'frame.number <= 8' -T fields -e pktmon.component_name)"
expect "eight frames, eight component cells" "$(col Component 'frame.number <= 8' | grep -c .)" "8"
expect "the summary line shows the component" \
	"$(ts -C "Packet Monitor" -r "$PING" -Y 'frame.number == 5' | grep -c 'veth-b rx \[netns pmdemo-b\]')" "1"
expect "Drop reason column" "$(col 'Drop reason' pktmon.dropped | sort -u)" "NETFILTER_DROP"
# the profile's colouring rules: drops, the rundown, and the rest by protocol
expect "drops coloured by the profile" \
	"$(ts -C "Packet Monitor" --color -r "$PING" -T fields -e frame.number -e frame.coloring_rule.name |
		awk -F'\t' '$2 == "pktmon drop" {print $1}' | paste -sd, -)" "8,16"
expect "the rundown coloured" \
	"$(ts -C "Packet Monitor" --color -r "$PING" -Y pktmon.rundown.version -T fields -e frame.coloring_rule.name)" \
	"pktmon rundown"
expect "no rule of the profile fails to compile (stderr)" "$(grep -v '^$' "$WORK/err" | head -3)" ""
[ "$FAILS" = 0 ] || { echo "profile: $FAILS failure(s)"; exit 1; }
echo "profile: all passed"
