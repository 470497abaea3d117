#!/bin/bash
# A ping across a veth pair between two namespaces, then the same ping blocked by an
# nft rule on INPUT, then UDP to a closed port: the path of each packet with one
# group id, and each drop with the kernel's reason at the right component.
. "$(dirname "$0")/lib.sh"
need_live
need_cmd nft; need_cmd ping; need_cmd tshark

A=$(nsname a); B=$(nsname b)
ns_pair "$A" "$B" 198.18.0.1 198.18.0.2
F=$WORK/drop_path.pcapng
start_capture "$F" --pkt-size 0 --netns "$A,$B" # only ours: other tests ping too

ip netns exec "$A" ping -c 1 -W 1 198.18.0.2 >/dev/null || fail "the first ping (no rule yet) should be answered"
ip netns exec "$B" nft add table inet pmtest
ip netns exec "$B" nft add chain inet pmtest input '{ type filter hook input priority 0; }'
ip netns exec "$B" nft add rule inet pmtest input icmp type echo-request drop
ip netns exec "$A" ping -c 1 -W 1 198.18.0.2 >/dev/null && fail "the second ping should be dropped"
# UDP to a port nobody listens on in B
ip netns exec "$A" bash -c 'echo hello > /dev/udp/198.18.0.2/9' || true
stop_capture

# Stock tshark must read the whole file without an error.
tshark_stock -r "$F" >/dev/null || fail "stock tshark cannot read the file"
tcpdump -r "$F" -nn >/dev/null 2>&1 || fail "tcpdump cannot read the file"

path_of() { # path_of DISPLAY_FILTER_OF_FIRST_FRAME -> interface names of that packet group, in order
	local id
	id=$(tshark_stock -r "$F" -Y "$1" -T fields -e frame.packet_id | head -1)
	[ -n "$id" ] || { echo "none"; return; }
	tshark_stock -r "$F" -Y "frame.packet_id == $id" -T fields -e frame.interface_name | paste -sd '|'
}

eq "echo request path" \
	"ipv4 OUTPUT [netns $A]|ipv4 POSTROUTING [netns $A]|${A}v qdisc enqueue [netns $A]|${A}v tx [netns $A]|${B}v rx [netns $B]|ipv4 PREROUTING [netns $B]|ipv4 INPUT [netns $B]" \
	"$(path_of 'icmp.type == 8 && icmp.seq == 1')"
# ping reads the reply on a raw socket, which gets a clone (a new skb, so a new
# group seen at "socket rx"); the kernel then frees the original in ping_rcv with
# NO_SOCKET, as no ICMP datagram socket wants it. pktmon reports what the kernel does.
eq "echo reply path" \
	"ipv4 OUTPUT [netns $B]|ipv4 POSTROUTING [netns $B]|${B}v qdisc enqueue [netns $B]|${B}v tx [netns $B]|${A}v rx [netns $A]|ipv4 PREROUTING [netns $A]|ipv4 INPUT [netns $A]|ipv4 INPUT [netns $A]" \
	"$(path_of 'icmp.type == 0 && icmp.seq == 1')"
eq "echo reply read by ping" "socket rx [netns $A]" \
	"$(tshark_stock -r "$F" -Y "icmp.type == 0 && frame.interface_name contains \"socket rx\"" -T fields -e frame.interface_name | head -1)"

# Direction flags: inbound at rx/PREROUTING/INPUT, outbound at OUTPUT/POSTROUTING/qdisc/tx.
eq "direction at INPUT" "0x00000001" \
	"$(tshark_stock -r "$F" -Y "frame.interface_name == \"ipv4 INPUT [netns $B]\"" -T fields -e frame.packet_flags_direction | head -1)"
eq "direction at tx" "0x00000002" \
	"$(tshark_stock -r "$F" -Y "frame.interface_name == \"${A}v tx [netns $A]\"" -T fields -e frame.packet_flags_direction | head -1)"

# The blocked ping: dropped at B's INPUT with NETFILTER_DROP, after the same path as before.
drop=$(tshark_stock -r "$F" -Y 'icmp.type == 8 && icmp.seq == 1 && frame.comment contains "DROP"' -T fields -e frame.interface_name -e frame.comment)
case "$drop" in
"ipv4 INPUT [netns $B]	DROP NETFILTER_DROP at nft_do_chain+0x"*) pass "NETFILTER_DROP at INPUT: $drop" ;;
*) fail "NETFILTER_DROP at INPUT: got [$drop]" ;;
esac
eq "blocked ping path ends at INPUT" \
	"ipv4 OUTPUT [netns $A]|ipv4 POSTROUTING [netns $A]|${A}v qdisc enqueue [netns $A]|${A}v tx [netns $A]|${B}v rx [netns $B]|ipv4 PREROUTING [netns $B]|ipv4 INPUT [netns $B]|ipv4 INPUT [netns $B]" \
	"$(path_of 'icmp.type == 8 && icmp.seq == 1 && frame.comment contains "DROP"')"

# UDP to a closed port: NO_SOCKET, attributed to INPUT of B.
udp=$(tshark_stock -r "$F" -Y 'udp.dstport == 9 && frame.comment contains "DROP"' -T fields -e frame.interface_name -e frame.comment)
case "$udp" in
"ipv4 INPUT [netns $B]	DROP NO_SOCKET at "*) pass "NO_SOCKET: $udp" ;;
*) fail "NO_SOCKET at INPUT: got [$udp]" ;;
esac

# One IDB per component, all Ethernet with the same snaplen.
# (the rundown Custom Block is a row without encapsulation in Wireshark 4.0)
eq "one link type, Ethernet" "1" "$(tshark_stock -r "$F" -T fields -e frame.encap_type | grep . | sort -u | paste -sd,)"
finish
