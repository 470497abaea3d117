#!/bin/bash
# Namespaces created, used and deleted during one capture reuse inode numbers:
# every record must still carry its own namespace's name (not a deleted one's,
# which the inode alone would give), every namespace gets its hooks (no
# "Invalid argument" when its /run/netns mount appears late), and the initial
# namespace is "host", also for --netns host, even where /proc/1/ns/net is
# unreadable.
. "$(dirname "$0")/lib.sh"
need_live
need_cmd tshark; need_cmd ping

N=${CHURN_NAMESPACES:-60}
F=$WORK/churn.pcapng
start_capture "$F" --comp dev-rx,dev-tx,nf-input,nf-output --pkt-size 96
prefix="pmc$$"
prefix=${prefix:0:9}
for i in $(seq 1 "$N"); do
	ns="${prefix}_$i"
	addr="10.77.$((i / 200)).$((i % 200 + 1))"
	ip netns add "$ns" && NSES+=("$ns")
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$addr/32" dev lo
	ip netns exec "$ns" ping -c 2 -i 0.2 -W 1 "$addr" >/dev/null 2>&1
	# names are read while a namespace exists (at its first packet, and by the
	# scan for new namespaces every 0.5 s): one gone before either, on a
	# starved machine, can only show its inode number
	sleep 0.4
	ip netns del "$ns"
	[ $((i % 10)) = 0 ] && ping -c 1 -W 1 127.0.0.77 >/dev/null 2>&1
done
stop_capture
grep -v "capturing\|stopped" "$CAP_LOG"

# ip.src -> "[netns NAME]" of each record
tshark_stock -r "$F" -Y 'ip.src == 10.77.0.0/16' -T fields -e ip.src -e frame.interface_name >"$WORK/records"
total=$(wc -l <"$WORK/records")
[ "$total" -ge "$N" ] && pass "$total records of the $N namespaces" || fail "only $total records of $N namespaces"
awk -v prefix="$prefix" '{
	split($1, o, "."); i = o[3] * 200 + o[4] - 1
	match($0, /\[netns [^]]*\]/); got = substr($0, RSTART + 7, RLENGTH - 8)
	want = prefix "_" i
	if (got == want) ok++
	else if (got ~ /^[0-9]+$/) unnamed++
	else { wrong++; if (wrong <= 5) print "wrong: " $0 " (want " want ")" > "/dev/stderr" }
	seen[i] = 1
} END { printf "%d %d %d %d\n", ok, wrong, unnamed, length(seen) }' "$WORK/records" >"$WORK/verdict"
read -r ok wrong unnamed nseen <"$WORK/verdict"
eq "records carrying another namespace's name" "0" "${wrong:-0}"
eq "records without a name (inode number only)" "0" "${unnamed:-0}"
eq "namespaces with records" "$N" "$nseen"
# how many inode numbers the namespaces shared (the reuse the names must survive)
inodes=$(tshark_stock -r "$F" -Y 'ip.src == 10.77.0.0/16' -T fields -e frame.interface_description |
	sed -nE "s/.* netns ([0-9]+) \\(${prefix}_.*/\\1/p" | sort -u | wc -l)
echo "$N namespaces had $inodes distinct inode numbers"
# netfilter hooks: attached in time or not, never refused because of a late mount
grep -q "Invalid argument" "$CAP_LOG" && fail "hooks refused: $(grep -c 'Invalid argument' "$CAP_LOG") namespaces" ||
	pass "no namespace refused its hooks"

# the initial namespace is "host"
hostnames=$(tshark_stock -r "$F" -Y 'ip.dst == 127.0.0.77' -T fields -e frame.interface_name | sed -E 's/.*\[netns ([^]]*)\].*/\1/' | sort -u)
eq "the initial namespace's name" "host" "$hostnames"
F2=$WORK/host.pcapng
start_capture "$F2" --netns host --comp dev-rx
ping -c 2 -i 0.2 -W 1 127.0.0.78 >/dev/null 2>&1
A=$(nsname a); ip netns add "$A" && NSES+=("$A"); ip -n "$A" link set lo up
ip netns exec "$A" ping -c 2 -i 0.2 -W 1 127.0.0.78 >/dev/null 2>&1
stop_capture
eq "--netns host: only the host's records" "host" \
	"$(tshark_stock -r "$F2" -Y 'ip.dst == 127.0.0.78' -T fields -e frame.interface_name | sed -E 's/.*\[netns ([^]]*)\].*/\1/' | sort -u)"
finish
