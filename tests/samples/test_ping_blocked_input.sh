#!/bin/bash
# samples/ping-blocked-input.pcapng, written by capture-core (scripts/demo.sh --save-sample):
# two pings from pmdemo-a, both dropped by an nft rule on INPUT in pmdemo-b. With our
# plugin, tshark must show exactly the two drops, the path, the statistics and the rundown.
set -u
SAMPLE=$1 PLUGINS=$2
command -v tshark >/dev/null || { echo "SKIP: tshark is not installed"; exit 77; }
work=$(mktemp -d); chmod 755 "$work"; trap 'rm -rf "$work"' EXIT
cp "$SAMPLE" "$work/s.pcapng"; chmod 644 "$work/s.pcapng"
# Wireshark ignores WIRESHARK_PLUGIN_DIR when root: run it as an ordinary user
if [ "$(id -u)" = 0 ]; then
	ts() { setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$work" WIRESHARK_PLUGIN_DIR="$PLUGINS" tshark -r "$work/s.pcapng" "$@" 2>/dev/null; }
else
	ts() { env WIRESHARK_PLUGIN_DIR="$PLUGINS" tshark -r "$work/s.pcapng" "$@" 2>/dev/null; }
fi
fails=0
eq() { if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: expected [$2], got [$3]"; fails=$((fails + 1)); fi; }

eq "the NETFILTER_DROP frames" "8,16" "$(ts -Y 'pktmon.drop_reason == "NETFILTER_DROP"' -T fields -e frame.number | paste -sd,)"
eq "pktmon.dropped selects the same" "8,16" "$(ts -Y 'pktmon.dropped' -T fields -e frame.number | paste -sd,)"
eq "where they dropped" "ipv4 INPUT [netns pmdemo-b]|nft_do_chain+0x46f" \
	"$(ts -Y 'pktmon.dropped' -T fields -e pktmon.component_name -e pktmon.drop_symbol | sort -u | tr '\t' '|')"
eq "appearances of the first ping" "1,2,3,4,5,6,7,8" "$(ts -Y 'pktmon.pkt_group_id == 1' -T fields -e pktmon.appearance | paste -sd,)"
eq "its components" "ipv4 OUTPUT [netns pmdemo-a]|ipv4 POSTROUTING [netns pmdemo-a]|veth-a qdisc enqueue [netns pmdemo-a]|veth-a tx [netns pmdemo-a]|veth-b rx [netns pmdemo-b]|ipv4 PREROUTING [netns pmdemo-b]|ipv4 INPUT [netns pmdemo-b]|ipv4 INPUT [netns pmdemo-b]" \
	"$(ts -Y 'pktmon.pkt_group_id == 1' -T fields -e pktmon.component_name | paste -sd'|')"
eq "the path of the drop" "ipv4 OUTPUT [netns pmdemo-a] → ipv4 POSTROUTING [netns pmdemo-a] → veth-a qdisc enqueue [netns pmdemo-a] → veth-a tx [netns pmdemo-a] → veth-b rx [netns pmdemo-b] → ipv4 PREROUTING [netns pmdemo-b] → ipv4 INPUT [netns pmdemo-b] ✖ NETFILTER_DROP" \
	"$(ts -Y 'frame.number == 8' -T fields -e pktmon.path)"
eq "the Info column" "[DROP NETFILTER_DROP]" "$(ts -Y 'frame.number == 8' -T fields -e _ws.col.Info | cut -d' ' -f1-2)"
stats=$(ts -q -z pktmon,tree)
eq "stats: observations" "16" "$(awk '/^Observations by component/{print $4}' <<<"$stats")"
eq "stats: NETFILTER_DROP" "2" "$(awk '$1=="NETFILTER_DROP"{print $2}' <<<"$stats")"
eq "rundown: the filter in force" "icmp: -t ICMP" "$(ts -Y pktmon.rundown.record -T fields -e pktmon.rundown.filter_text)"
eq "rundown: drops per component" "0,0,0,0,0,0,2" "$(ts -Y pktmon.rundown.record -T fields -e pktmon.rundown.drops -E occurrence=a)"
eq "rundown: drop count by reason" "NETFILTER_DROP 2" "$(ts -Y pktmon.rundown.record -T fields -e pktmon.rundown.drop_reason -e pktmon.rundown.count | tr '\t' ' ')"
# stock tools read it too
eq "tcpdump reads all 16 packets" "16" "$(tcpdump -r "$work/s.pcapng" -nn 2>/dev/null | wc -l)"
[ "$fails" = 0 ] && echo "all checks passed" || exit 1
