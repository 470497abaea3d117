# lib.sh - shared helpers of the live tests: namespaces, captures, assertions.
# Sourced by each test_*.sh, which gets the pktmon binary as $1.
# A test that cannot run here exits 77 (CTest: skipped) after printing SKIP and why.
set -u

PKTMON=${1:?usage: test.sh PATH_TO_PKTMON}
TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "/tmp/pktmon-${TEST_NAME}.XXXXXX")
chmod 755 "$WORK"
# a private run directory: stored filters and background sessions of other tests
# (or of the user) never leak into this one
export PKTMON_RUN_DIR=$WORK/run
NSES=()
CAPTURES=()
FAILS=0
# PKTMON_TEST_SLOWDOWN=N stretches the tests' waits N times (the kernel matrix's guests run
# under software emulation, about 5x slower); it never loosens what is asserted.
SLOWDOWN=${PKTMON_TEST_SLOWDOWN:-1}
[[ $SLOWDOWN =~ ^[1-9][0-9]?$ ]] || SLOWDOWN=1

skip() { echo "SKIP: $TEST_NAME: $*"; exit 77; }
fail() { echo "FAIL: $TEST_NAME: $*"; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; }

cleanup() {
	local ns pid
	for pid in "${CAPTURES[@]}"; do kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
	for ns in "${NSES[@]}"; do ip netns del "$ns" 2>/dev/null; done
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

need_live() {
	[ "$(id -u)" = 0 ] || skip "needs root (BPF programs, network namespaces)"
	[ -r /sys/kernel/btf/vmlinux ] || skip "the kernel has no BTF (/sys/kernel/btf/vmlinux)"
	command -v ip >/dev/null || skip "iproute2 is not installed"
	ip netns add "pmprobe$$" 2>/dev/null || skip "cannot create network namespaces"
	ip netns del "pmprobe$$"
	local err
	err=$("$PKTMON" start --foreground --counters-only --comp dev-rx --run-for 1 -q 2>&1) ||
		skip "cannot load BPF programs here: $err"
}

need_cmd() { command -v "$1" >/dev/null || skip "$1 is not installed"; }

# need_flood: FLOOD = bench/udpflood.c's program, built with the benchmarks or else compiled here
need_flood() {
	FLOOD=$(dirname "$PKTMON")/../bench/pm_udpflood
	[ -x "$FLOOD" ] && return 0
	FLOOD=$WORK/udpflood
	cc -O2 -o "$FLOOD" "$(dirname "${BASH_SOURCE[0]}")/../../bench/udpflood.c" 2>/dev/null ||
		skip "no udpflood (bench/udpflood.c) and no compiler"
}

# ns_pair A B SUBNET_HOST_A SUBNET_HOST_B: two namespaces joined by a veth pair
# (A has veth "${A}v", B has "${B}v"), IPv4 198.18.x.y/24 and IPv6 2001:db8::/64.
ns_pair() {
	local a=$1 b=$2 ipa=$3 ipb=$4
	ip netns add "$a" && NSES+=("$a")
	ip netns add "$b" && NSES+=("$b")
	ip link add "${a}v" netns "$a" type veth peer name "${b}v" netns "$b"
	ip -n "$a" addr add "$ipa/24" dev "${a}v"
	ip -n "$b" addr add "$ipb/24" dev "${b}v"
	ip -n "$a" link set lo up; ip -n "$b" link set lo up
	ip -n "$a" link set "${a}v" up; ip -n "$b" link set "${b}v" up
}

# Unique, short namespace names (interface names derive from them: <= 15 chars).
nsname() { printf 'pm%s%d' "$1" "$$" | cut -c1-12; }

# start_capture FILE [pktmon start options...]: runs in the background; sets CAP_PID, CAP_LOG.
start_capture() {
	local file=$1; shift
	CAP_LOG="$WORK/capture.$(basename "$file").log"
	"$PKTMON" start --foreground -f "$file" "$@" >"$CAP_LOG" 2>&1 &
	CAP_PID=$!
	CAPTURES+=("$CAP_PID")
	local i
	for i in $(seq 1 $((600 * SLOWDOWN))); do # 30 s: loading and attaching is slow on a loaded machine
		grep -q "capturing" "$CAP_LOG" 2>/dev/null && return 0
		kill -0 "$CAP_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$CAP_LOG"
	fail "capture did not start"
	exit 1
}

# stop_capture: SIGTERM, wait, and fail the test if pktmon failed.
stop_capture() {
	sleep 0.3 # let the last events reach the ring buffer's consumer
	kill -TERM "$CAP_PID"
	local rc=0
	wait "$CAP_PID" || rc=$?
	[ "$rc" = 0 ] || { cat "$CAP_LOG"; fail "pktmon start exited with $rc"; }
}

# IDs of pm_consume programs (attached last, once a capture is complete).
pm_consume_ids() { bpftool prog show 2>/dev/null | sed -nE 's/^([0-9]+): .* name pm_consume .*/\1/p' | sort; }
# tree_pids ROOT: ROOT and all its descendants
tree_pids() {
	ps -e -o pid=,ppid= | awk -v root="$1" '{ kids[$2] = kids[$2] " " $1 }
		END { todo = root; while (todo != "") { split(todo, a, " "); todo = "";
			for (k in a) { print a[k]; todo = todo " " kids[a[k]] } } }'
}
# tree_bpf ROOT WHAT: what ROOT and its descendants hold: WHAT = link-progs (the program of each BPF
# link), links (link ids) or progs (program ids of program fds)
tree_bpf() {
	local p
	for p in $(tree_pids "$1"); do
		awk -v what="$2" 'function out() {
				if (link && what == "link-progs") print prog
				if (link && what == "links") print lid
				if (!link && prog != "" && what == "progs") print prog
				link = 0; prog = ""; lid = "" }
			FNR == 1 { out() } /^link_type:/ { link = 1 } /^link_id:/ { lid = $2 } /^prog_id:/ { prog = $2 }
			END { out() }' /proc/"$p"/fdinfo/* 2>/dev/null
	done | sort -u
}
# wait_attached BASELINE [ROOT]: until a capture not in BASELINE (pm_consume_ids taken before it
# started) has attached everything; for captures started by others (tshark -i pktmon). With ROOT,
# only a capture run by ROOT or its descendants counts (other captures may start meanwhile).
wait_attached() {
	local i id
	for i in $(seq 1 $((300 * SLOWDOWN))); do
		for id in $(comm -13 <(echo "$1") <(pm_consume_ids)); do
			if [ -n "${2:-}" ]; then
				tree_bpf "$2" link-progs | grep -qx "$id" && return 0
			else
				bpftool link show 2>/dev/null | grep -qE " prog $id( |\$)" && return 0
			fi
		done
		sleep 0.1
	done
	fail "no new capture attached within $((30 * SLOWDOWN)) s"
	return 1
}

# Stock tshark (no plugin) as an unprivileged user, as Wireshark users run it.
tshark_stock() { setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$WORK" tshark "$@" 2>/dev/null; }

# eq WHAT EXPECTED ACTUAL
eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected [$2], got [$3]"; fi
}

finish() {
	if [ "$FAILS" -gt 0 ]; then
		echo "$TEST_NAME: $FAILS check(s) failed"
		KEEP_WORK=1
		echo "(work files kept in $WORK)"
		exit 1
	fi
	echo "$TEST_NAME: all checks passed"
	exit 0
}

# install_as_wireshark: the extcap entry without privilege in $EXT, the capture helper with the
# capabilities in $HELPER (as an install lays them out); $OUT is writable by the tshark user.
install_as_wireshark() {
	EXT=$WORK/extcap; mkdir -p "$EXT"; chmod 755 "$EXT"
	cp "$PKTMON" "$EXT/pktmon"
	HELPER=$WORK/libexec/pktmon-capture; mkdir -p "${HELPER%/*}"; chmod 755 "${HELPER%/*}"
	cp "$(dirname "$PKTMON")/pktmon-capture" "$HELPER"
	setcap cap_bpf,cap_perfmon,cap_net_admin,cap_sys_admin,cap_syslog+ep "$HELPER" ||
		skip "cannot set file capabilities on $HELPER"
	OUT=$WORK/out; mkdir -p "$OUT"; chmod 777 "$OUT"
}
