#!/bin/bash
# Scenario 10: VXLAN. Two VTEPs (namespaces vx-a, vx-b) joined by an underlay veth
# (198.19.10.0/24) carry two overlays: VNI 42 (198.19.110.0/24 on vx42, both sides agree)
# and the "blue" overlay 198.19.111.0/24, where vx-a uses VNI 43 but vx-b was configured
# with VNI 44. A ping over VNI 42 works; a ping over the blue overlay fails ("Destination
# Host Unreachable"): vx-a's ARP requests, sent in VNI 43, are dropped by vx-b with
# VXLAN_VNI_NOT_FOUND (in vxlan_rcv, after the outer UDP datagram reached "ipv4 INPUT" of
# vx-b, where pktmon last saw it).
# The capture (the committed sample) watches the receive side only (dev-rx, nf-prerouting,
# nf-input), as on a host whose first view of the traffic is the encapsulated underlay
# frame: its filters match the INNER headers thanks to -e (VXLAN, UDP 4789). The packet
# keeps its group id when it is decapsulated (eth0 rx → ... → vx42 rx). Live, two more
# sessions at the same time: the same filters without -e catch no encapsulated frame, and
# a capture of every layer follows one packet through the whole tunnel with one group id.
# Usage: see lib.sh.
SC_NEEDS="ping"
. "$(dirname "$0")/lib.sh"

names() {
	A=vx-a$1 B=vx-b$1
	NSLIST=("$A" "$B")
}

RX_COMPS=dev-rx,nf-prerouting,nf-input

run() {
	mkns "$A" "$B"
	veth "$A" eth0 02:00:00:10:00:01 "$B" eth0 02:00:00:10:00:02
	must ip -n "$A" addr add 198.19.10.1/24 dev eth0
	must ip -n "$B" addr add 198.19.10.2/24 dev eth0
	must ip -n "$A" link add vx42 address 02:00:00:10:42:01 type vxlan id 42 local 198.19.10.1 remote 198.19.10.2 dstport 4789 dev eth0
	must ip -n "$B" link add vx42 address 02:00:00:10:42:02 type vxlan id 42 local 198.19.10.2 remote 198.19.10.1 dstport 4789 dev eth0
	must ip -n "$A" link add vx43 address 02:00:00:10:43:01 type vxlan id 43 local 198.19.10.1 remote 198.19.10.2 dstport 4789 dev eth0
	must ip -n "$B" link add vx44 address 02:00:00:10:44:02 type vxlan id 44 local 198.19.10.2 remote 198.19.10.1 dstport 4789 dev eth0
	must ip -n "$A" addr add 198.19.110.1/24 dev vx42
	must ip -n "$B" addr add 198.19.110.2/24 dev vx42
	must ip -n "$A" addr add 198.19.111.1/24 dev vx43
	must ip -n "$B" addr add 198.19.111.2/24 dev vx44
	local l
	for l in "$A vx42" "$B vx42" "$A vx43" "$B vx44"; do must ip -n ${l% *} link set ${l#* } up; done
	# three ARP probes 200 ms apart instead of 1 s
	must ip netns exec "$A" sysctl -qw net.ipv4.neigh.vx43.retrans_time_ms=200
	wait_ping "$A" 198.19.110.2 # the VNI 42 overlay works (and its ARP is resolved)

	local filters=(--filter 'overlay -e -t ICMP -i 198.19.110.0/23' --filter 'blue-arp -e -d ARP -m 02:00:00:10:43:01')
	local f_all=$WORK/all-layers.pcapng f_noe=$WORK/without-e.pcapng p1 l1 p2 l2
	start_capture "$f_all" --filter 'overlay -e -t ICMP -i 198.19.110.0/23'
	p1=$CAP_PID l1=$CAP_LOG
	start_capture "$f_noe" --comp "$RX_COMPS" --filter 'overlay -t ICMP -i 198.19.110.0/23' --filter 'blue-arp -d ARP -m 02:00:00:10:43:01'
	p2=$CAP_PID l2=$CAP_LOG
	start_capture "$1" --comp "$RX_COMPS" "${filters[@]}"
	ip netns exec "$A" ping -c 1 -W 1 198.19.110.2 >/dev/null || fail "the ping over VNI 42 should be answered"
	local out
	out=$(ip netns exec "$A" ping -c 1 -W 3 198.19.111.2 2>&1)
	stop_capture
	CAP_PID=$p2 CAP_LOG=$l2 stop_capture
	CAP_PID=$p1 CAP_LOG=$l1 stop_capture
	chmod 644 "$f_all" "$f_noe"
	case "$out" in
	*"Destination Host Unreachable"*) pass "ping over the blue overlay: Destination Host Unreachable" ;;
	*) fail "ping over the blue overlay: $out" ;;
	esac

	# without -e: the underlay frames (UDP 4789) do not match the filters
	F=$f_noe
	eq "without -e: no encapsulated frame caught" "0" "$(count 'vxlan')"
	# every layer: the echo request through the tunnel, one group id
	F=$f_all
	expect_path "all layers: the echo request through the tunnel" 'icmp.type == 8' \
		"ipv4 OUTPUT [netns $A]" "ipv4 POSTROUTING [netns $A]" "vx42 qdisc enqueue [netns $A]" \
		"vx42 tx [netns $A]" "ipv4 OUTPUT [netns $A]" "ipv4 POSTROUTING [netns $A]" \
		"eth0 qdisc enqueue [netns $A]" "eth0 tx [netns $A]" "eth0 rx [netns $B]" \
		"ipv4 PREROUTING [netns $B]" "ipv4 INPUT [netns $B]" "vx42 rx [netns $B]" \
		"ipv4 PREROUTING [netns $B]" "ipv4 INPUT [netns $B]"
	eq "all layers: encapsulated between vx42 tx and vx42 rx" "0|0|0|0|1|1|1|1|1|1|1|0|0|0" \
		"$(tsp "$F" -Y "pktmon.pkt_group_id == $(group_of 'icmp.type == 8')" -T fields -e vxlan.vni | sed 's/^42$/1/; s/^$/0/' | paste -sd'|')"
}

check() {
	F=$1
	# VNI 42: seen first encapsulated on eth0 rx, then decapsulated on vx42 rx; one group
	expect_path "the echo request (VNI 42)" 'icmp.type == 8 && vxlan.vni == 42' \
		"eth0 rx [netns $B]" "ipv4 PREROUTING [netns $B]" "ipv4 INPUT [netns $B]" \
		"vx42 rx [netns $B]" "ipv4 PREROUTING [netns $B]" "ipv4 INPUT [netns $B]"
	eq "its first sighting is the underlay frame: UDP 4789, VNI 42" "198.19.10.1|198.19.10.2|4789|42" \
		"$(tsp "$F" -Y "pktmon.pkt_group_id == $(group_of 'icmp.type == 8 && vxlan.vni == 42') && pktmon.appearance == 1" \
			-T fields -E separator='|' -E occurrence=f -e ip.src -e ip.dst -e udp.dstport -e vxlan.vni)"
	# the blue overlay: ARP in VNI 43, unknown to vx-b
	# 6.1 has no VXLAN_VNI_NOT_FOUND: the kernel's word there is NOT_SPECIFIED
	vni_reason=NOT_SPECIFIED; kernel_has_reason VXLAN_VNI_NOT_FOUND && vni_reason=VXLAN_VNI_NOT_FOUND
	expect_drop "ARP in VNI 43" 'arp' "ipv4 INPUT [netns $B]" 3 "$vni_reason" vxlan_rcv
	eq "three ARP requests, each dropped" "3|3" "$(groups 'arp.opcode == 1 && vxlan.vni == 43')|$(count 'pktmon.dropped && arp')"
	expect_path "the first ARP request" 'arp && vxlan.vni == 43' \
		"eth0 rx [netns $B]" "ipv4 PREROUTING [netns $B]" "ipv4 INPUT [netns $B]" "ipv4 INPUT [netns $B]"
	# never answered, vx-a gives up: the ping waiting for ARP is dropped in vx-a, where no
	# watched layer saw it before ("stack" of vx43)
	expect_drop "the blue ping" 'icmp.type == 8 && ip.dst == 198.19.111.2 && !(icmp.type == 3)' \
		"vx43 stack [netns $A]" 11 NEIGH_FAILED neigh_invalidate
}

scenario_main
