#!/bin/bash
# A namespace without an `ip netns` name is named after what runs in it: a container's runtime
# and id from its first process's cgroup (docker:3f2a1b4c5d6e), else that process (sleep:1234).
# The label shows in component names and --netns accepts it.
. "$(dirname "$0")/lib.sh"
need_live
need_cmd tshark; need_cmd ping; need_cmd unshare; need_cmd nsenter

A=$(nsname a)
ip netns add "$A" && NSES+=("$A")
unshare --net sleep 120 &
P=$!
CGROUP=""
cleanup_labels() {
	kill "$P" 2>/dev/null; wait "$P" 2>/dev/null
	[ -n "$CGROUP" ] && rmdir "$CGROUP" "${CGROUP%/*}" 2>/dev/null
	cleanup
}
trap cleanup_labels EXIT
for i in $(seq 1 50); do [ "$(readlink /proc/$P/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break; sleep 0.1; done
ip link add "${A}v" netns "$A" type veth peer name "pml$$" || fail "veth"
ip link set "pml$$" netns "$P" || fail "veth into the process's namespace"
ip -n "$A" addr add 198.18.13.1/24 dev "${A}v"; ip -n "$A" link set "${A}v" up; ip -n "$A" link set lo up
nsenter -t "$P" -n sh -c "ip addr add 198.18.13.2/24 dev pml$$ && ip link set pml$$ up && ip link set lo up" || fail "address"

# capture_names LABEL [start options]: the namespaces of the components that saw our pings
capture_names() {
	local f=$WORK/$1.pcapng; shift
	start_capture "$f" --filter 'l -t ICMP -i 198.18.13.2' "$@"
	ip netns exec "$A" ping -c 2 -i 0.2 -W 1 198.18.13.2 >/dev/null || fail "ping"
	stop_capture
	tshark_stock -r "$f" -Y frame.packet_id -T fields -e frame.interface_name | sed -n 's/.*\[netns \(.*\)\]$/\1/p' | sort -u | tr '\n' ' '
}

sorted() { printf '%s\n' "$@" | sort -u | tr '\n' ' '; }
eq "a process's namespace is named after it" "$(sorted "$A" "sleep:$P")" "$(capture_names plain)"
eq "--netns takes the label" "sleep:$P " "$(capture_names selected --netns "sleep:$P")"

# the same process in a container runtime's cgroup (docker's cgroupfs layout)
ID=3f2a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7$(printf '%02x' $(($$ % 256)))
for root in /sys/fs/cgroup/pids /sys/fs/cgroup; do
	[ -w "$root/cgroup.procs" ] || continue
	mkdir -p "$root/pmtest-docker$$/docker/$ID" 2>/dev/null || continue
	rmdir "$root/pmtest-docker$$/docker/$ID" "$root/pmtest-docker$$/docker" "$root/pmtest-docker$$"
	# /docker/ID itself, as docker's cgroupfs driver makes it
	if mkdir -p "$root/docker/$ID" 2>/dev/null && echo "$P" >"$root/docker/$ID/cgroup.procs" 2>/dev/null; then
		CGROUP=$root/docker/$ID
		break
	fi
	rmdir "$root/docker/$ID" 2>/dev/null
done
if [ -n "$CGROUP" ]; then
	eq "a container's namespace is named after its runtime and id" "$(sorted "$A" "docker:${ID:0:12}")" "$(capture_names docker)"
	eq "--netns takes a container label" "docker:${ID:0:12} " "$(capture_names docker-selected --netns "docker:${ID:0:12}")"
	echo "$P" >"${CGROUP%/docker/*}/cgroup.procs" 2>/dev/null # back out, so the folder can go
else
	echo "note: no writable cgroup hierarchy here: the container case is left to unit_container_name"
fi
out=$("$PKTMON" start --foreground --netns docker:000000000000 --run-for 1 2>&1); rc=$?
eq "an unknown label: exit status" "2" "$rc"
case "$out" in *"no network namespace 'docker:000000000000'"*) pass "an unknown label is named";; *) fail "said [$out]";; esac
finish
