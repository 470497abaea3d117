#!/bin/bash
# demo.sh - the main job (scenario 1): a ping blocked by a firewall rule on INPUT.
# With --save-sample, the capture also replaces samples/ping-blocked-input.pcapng.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${PKTMON_BUILD_DIR:-$top/build}
pktmon=$build/bin/pktmon
[ "$(id -u)" = 0 ] || { echo "demo: run as root: BPF programs and network namespaces need it" >&2; exit 1; }
[ -x "$pktmon" ] || { echo "demo: build first (scripts/setup.sh)" >&2; exit 1; }

out=$build/demo
mkdir -p "$out"; chmod 755 "$build" "$out"
file=$out/ping-blocked.pcapng
a=pmdemo-a; b=pmdemo-b
cleanup() { ip netns del $a 2>/dev/null || true; ip netns del $b 2>/dev/null || true; }
trap cleanup EXIT
cleanup

echo "== topology: netns $a (198.18.0.1) --veth-- netns $b (198.18.0.2)"
ip netns add $a; ip netns add $b
ip link add veth-a netns $a type veth peer name veth-b netns $b
ip -n $a addr add 198.18.0.1/24 dev veth-a; ip -n $b addr add 198.18.0.2/24 dev veth-b
for n in $a $b; do ip -n $n link set lo up; done
ip -n $a link set veth-a up; ip -n $b link set veth-b up
echo "== firewall in $b: nft rule dropping ICMP echo requests on INPUT"
ip netns exec $b nft add table inet demo
ip netns exec $b nft add chain inet demo input '{ type filter hook input priority 0; }'
ip netns exec $b nft add rule inet demo input icmp type echo-request drop

echo "== capture: pktmon start --filter 'icmp -t ICMP' -f $file"
"$pktmon" start --foreground --filter 'icmp -t ICMP' -f "$file" --pkt-size 0 >"$out/pktmon.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q capturing "$out/pktmon.log" && break; sleep 0.05; done
echo "== ping -c 2 198.18.0.2 from $a"
ip netns exec $a ping -c 2 -i 0.3 -W 1 198.18.0.2 || true
sleep 0.3
kill -TERM $pid; wait $pid || true
cat "$out/pktmon.log"
chmod 644 "$file"

# Wireshark ignores plugin folders when it runs as root: run tshark as an ordinary user.
ts() { setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp WIRESHARK_PLUGIN_DIR="$build/plugins" tshark "$@"; }
echo
echo "== the drops, as tshark shows them with the pktmon plugin:"
ts -r "$file" -Y 'pktmon.dropped' -T fields -E header=y \
	-e frame.number -e pktmon.pkt_group_id -e pktmon.component_name -e pktmon.drop_reason -e pktmon.drop_symbol
id=$(ts -r "$file" -Y 'pktmon.drop_reason == "NETFILTER_DROP"' -T fields -e pktmon.pkt_group_id | head -1)
echo
echo "== the whole path of the first blocked ping (pktmon.pkt_group_id == $id):"
ts -r "$file" -Y "pktmon.pkt_group_id == $id" -T fields -E header=y \
	-e frame.number -e pktmon.appearance -e pktmon.component_name -e pktmon.drop_reason
echo
echo "== pktmon.path of that drop:"
ts -r "$file" -Y "pktmon.pkt_group_id == $id && pktmon.dropped" -T fields -e pktmon.path
echo
if [ "${1:-}" = "--save-sample" ]; then
	cp "$file" "$top/samples/ping-blocked-input.pcapng"
	echo "saved samples/ping-blocked-input.pcapng"
fi
echo "Open it in Wireshark: $file  (display filter: pktmon.dropped)"
