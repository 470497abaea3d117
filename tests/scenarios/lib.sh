# lib.sh - shared by the drop scenarios of tests/scenarios (sourced, see README.md here).
#
#   NAME.sh PKTMON PLUGINS               live: build the topology in namespaces of its own,
#                                        capture with `pktmon start`, reproduce, stop, assert
#                                        with tshark + our plugin (exit 77: SKIP and why)
#   NAME.sh PKTMON PLUGINS --regenerate  the same with deterministic names; when every check
#                                        passes, the capture replaces samples/NAME.pcapng
#   NAME.sh --sample PLUGINS             the same assertions on the committed
#                                        samples/NAME.pcapng: no root, no capture
#
# A scenario script sets SC_NEEDS (commands it needs live), defines
#   names SUFFIX  its namespace names (into NSLIST); SUFFIX is "" for the sample, "-PID" live
#   run FILE      builds the topology (mkns, veth), captures into FILE, reproduces; may
#                 assert what only a live run can see (the application's errors, kernel counters)
#   check FILE    the assertions on the capture, live or committed
# and ends with `scenario_main`.
set -u
SC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$SC_DIR/../.." && pwd)
SCENARIO=$(basename "$0" .sh)
SAMPLE=$TOP/samples/$SCENARIO.pcapng
MODE=live
case "${1:-}" in
--sample) MODE=sample; PLUGINS=${2:?usage: $0 --sample PLUGIN_DIR}; set -- none ;;
"" | -h | --help) sed -n '3,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
*)
	PLUGINS=${2:?usage: $0 PKTMON PLUGIN_DIR [--regenerate]}
	[ "${3:-}" = --regenerate ] && MODE=regenerate
	set -- "$1"
	;;
esac
# WORK, NSES, CAPTURES, skip/fail/pass/eq/finish, start_capture/stop_capture, cleanup at exit
. "$TOP/tests/live/lib.sh"
trap 'exit 143' TERM INT # cleanup (the EXIT trap) also when CTest or the user stops a run
NSLIST=()
PY=$(command -v /usr/bin/python3 || command -v python3 || true)

# tsp FILE TSHARK_ARGS...: tshark with our plugin; as nobody when root (Wireshark ignores
# plugin folders as root); HOME is the work directory: no personal preferences apply (and
# tshark 4.0 crashes on -Y when it cannot read the profile of HOME)
tsp() {
	local f=$1; shift
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
			env HOME="$WORK" WIRESHARK_PLUGIN_DIR="$PLUGINS" tshark -r "$f" "$@" 2>/dev/null
	else
		env HOME="$WORK" WIRESHARK_PLUGIN_DIR="$PLUGINS" tshark -r "$f" "$@" 2>/dev/null
	fi
}

# ---- topology --------------------------------------------------------------------------
# must CMD...: a setup step; a failure ends the test (namespaces are removed at exit)
must() { "$@" || { fail "setup failed: $*"; finish; }; }
# mkns NS...: new namespaces with lo up, removed at exit (also on failure)
mkns() {
	local n
	for n; do
		must ip netns add "$n"
		NSES+=("$n")
		must ip -n "$n" link set lo up
	done
}
# veth NS1 IF1 MAC1 NS2 IF2 MAC2: a veth pair from NS1 to NS2, both ends up
veth() {
	must ip link add "$2" netns "$1" address "$3" type veth peer name "$5" netns "$4" address "$6"
	must ip -n "$1" link set "$2" up
	must ip -n "$4" link set "$5" up
}
# wait_ping NS [-6] ADDR: until NS reaches ADDR (links, neighbours, routes ready), 3 s at most
wait_ping() {
	local ns=$1 i; shift
	for i in $(seq 1 30); do
		ip netns exec "$ns" ping -c 1 -W 0.2 "$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "setup failed: $ns cannot reach $*"
	finish
}
# bg CMD...: a helper process (server, receiver), stopped at exit
bg() { "$@" & CAPTURES+=("$!"); BG_PID=$!; }
# nft_counter NS FAMILY TABLE CHAIN: packets counted by the rule with a counter in that chain
nft_counter() {
	ip netns exec "$1" nft list chain "$2" "$3" "$4" | sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | head -1
}

# ---- assertions on a capture (F) -------------------------------------------------------
# count FILTER: frames matching the display filter
count() { tsp "$F" -Y "$1" -T fields -e frame.number | grep -c .; }
# groups FILTER: distinct packet groups with a frame matching FILTER
groups() { tsp "$F" -Y "$1" -T fields -e pktmon.pkt_group_id | sort -u | grep -c .; }
# func_of < SYMBOL: the function of symbol+0xoff [module], without compiler suffixes (.constprop.0)
func_of() { sed -e 's/ \[[^]]*\]$//' -e 's/+0x[0-9a-f]*$//' -e 's/\.\(constprop\|isra\|part\|cold\)\(\.[0-9]*\)\{0,1\}//g'; }
# table: every observation of F, one line each, fields separated by '|': frame, group,
# appearance, component, layer, drop reason, drop symbol, path (one tshark run per file:
# tshark takes half a second to start)
table() {
	local t=$F.table
	[ -s "$t" ] || tsp "$F" -Y pktmon.component_id -T fields -E separator='|' -e frame.number \
		-e pktmon.pkt_group_id -e pktmon.appearance -e pktmon.component_name -e pktmon.layer \
		-e pktmon.drop_reason -e pktmon.drop_symbol -e pktmon.path >"$t"
	cat "$t"
}

# kernel_at_least MAJOR MINOR: the kernel that recorded the capture $F (its section header's
# "Capture oper-sys", so a committed sample is judged by its own kernel) or, without one, the
# running kernel, is that version or newer
kernel_at_least() {
	local v=""
	[ -n "${F:-}" ] && [ -f "$F" ] && v=$(capinfos -F "$F" 2>/dev/null | sed -n 's/^Capture oper-sys: *Linux //p')
	[ -n "$v" ] || v=$(uname -r)
	local maj=${v%%.*} rest=${v#*.}; local min=${rest%%[.-]*}
	[ "$maj" -gt "$1" ] || { [ "$maj" = "$1" ] && [ "$min" -ge "$2" ]; }
}

# kernel_has_reason NAME: the running kernel has SKB_DROP_REASON_NAME (older kernels say less)
kernel_has_reason() {
	[ "$(bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep -c "'SKB_DROP_REASON_$1' val=")" != 0 ]
}

# expect_drop WHAT FILTER COMPONENT LAYER REASON FUNCTION: at least one drop frame matches
# FILTER, and every one is at COMPONENT (pktmon.layer LAYER) with REASON, freed in FUNCTION
# (an extended regular expression: the kernel's function names vary between builds)
expect_drop() {
	local what=$1 filter=$2 comp=$3 layer=$4 reason=$5 fn=$6 rows n=0 bad=0 c l r s f=""
	rows=$(tsp "$F" -Y "pktmon.dropped && ($filter)" -T fields -E separator='|' \
		-e pktmon.component_name -e pktmon.layer -e pktmon.drop_reason -e pktmon.drop_symbol)
	[ -n "$rows" ] || { fail "$what: no drop frame matches [$filter]"; return; }
	while IFS='|' read -r c l r s; do
		n=$((n + 1))
		f=$(func_of <<<"$s")
		if [ "$c" != "$comp" ] || [ "$l" != "$layer" ] || [ "$r" != "$reason" ] || ! [[ $f =~ ^($fn)$ ]]; then
			fail "$what: expected [$comp|$layer|$reason|$fn], got [$c|$l|$r|$f]"
			bad=1
		fi
	done <<<"$rows"
	[ "$bad" = 1 ] || pass "$what: $n drop(s) $reason at $comp (layer $layer) in $f"
}

# group_of FILTER: the packet group id of the first frame matching FILTER
group_of() { tsp "$F" -Y "$1" -T fields -e pktmon.pkt_group_id | head -1; }
# group_rows GROUP: the observations of that group, as table() writes them
group_rows() { table | awk -F'|' -v g="$1" '$2 == g'; }

# expect_path WHAT FILTER COMPONENT...: the packet group of the first frame matching FILTER
# was seen at exactly these components, in this order (why points, what the kernel did next,
# are not crossings: left out here, see expect_why), with appearances 1, 2, 3 ... (why points
# included); when its last frame is a drop, the plugin's pktmon.path says the same, the why
# points after the drop
expect_path() {
	local what=$1 filter=$2 g rows cross want got apps seq reason want_path w
	shift 2
	g=$(group_of "$filter")
	[ -n "$g" ] || { fail "$what: no frame matches [$filter]"; return; }
	rows=$(group_rows "$g")
	cross=$(awk -F'|' '!($5 >= 13 && $5 <= 16)' <<<"$rows")
	want=$(printf '%s\n' "$@" | paste -sd'|')
	got=$(cut -d'|' -f4 <<<"$cross" | paste -sd'|')
	eq "$what: path of group $g" "$want" "$got"
	apps=$(cut -d'|' -f3 <<<"$rows" | paste -sd,)
	seq=$(seq 1 "$(grep -c . <<<"$rows")" | paste -sd,)
	eq "$what: appearances" "$seq" "$apps"
	reason=$(tail -1 <<<"$rows" | cut -d'|' -f6)
	if [ -n "$reason" ]; then
		want_path="$(head -n -1 <<<"$cross" | cut -d'|' -f4 | sed 's/$/ → /' | tr -d '\n' | sed 's/ → $//') ✖ $reason"
		if grep -q . <<<"$(awk -F'|' '$5 >= 13 && $5 <= 16' <<<"$rows")"; then
			while IFS= read -r w; do
				[ -z "$w" ] || want_path="$want_path → $w"
			done < <(tsp "$F" -Y "pktmon.pkt_group_id == $g && pktmon.why_text" -T fields -e pktmon.why_text)
		fi
		eq "$what: pktmon.path of the drop" "$want_path" "$(tail -1 <<<"$rows" | cut -d'|' -f8-)"
	fi
}

# expect_why WHAT FILTER COMPONENT TEXT [ICMP_TYPE ICMP_CODE]: the packet group of the first drop
# frame matching FILTER has exactly one why point, at COMPONENT, saying TEXT (pktmon.why_text;
# for ICMP errors with pktmon.icmp.type and .code), between its last crossing and its drop,
# and the drop's pktmon.path ends with "✖ REASON → TEXT"
expect_why() {
	local what=$1 filter=$2 comp=$3 text=$4 itype=${5:-} icode=${6:-} g rows wrows n last drop path got
	g=$(group_of "pktmon.dropped && ($filter)")
	[ -n "$g" ] || { fail "$what: no drop frame matches [$filter]"; return; }
	rows=$(group_rows "$g")
	wrows=$(awk -F'|' '$5 >= 13 && $5 <= 16' <<<"$rows")
	n=$(grep -c . <<<"$wrows")
	eq "$what: why points in the drop's group $g" "1" "$n"
	[ "$n" = 1 ] || return
	eq "$what: its component" "$comp" "$(cut -d'|' -f4 <<<"$wrows")"
	drop=$(tail -1 <<<"$rows")
	eq "$what: right before the drop (appearance)" "$(($(cut -d'|' -f3 <<<"$drop") - 1))" "$(cut -d'|' -f3 <<<"$wrows")"
	got=$(tsp "$F" -Y "frame.number == $(cut -d'|' -f1 <<<"$wrows")" -T fields -E separator='|' \
		-e pktmon.why_text -e pktmon.icmp.type -e pktmon.icmp.code)
	if [ -n "$itype" ]; then
		eq "$what: what the kernel did (text|ICMP type|code)" "$text|$itype|$icode" "$got"
	else
		eq "$what: what the kernel did" "$text" "$(cut -d'|' -f1 <<<"$got")"
	fi
	path=$(cut -d'|' -f8- <<<"$drop")
	last=" ✖ $(cut -d'|' -f6 <<<"$drop") → $text"
	if [ "${path%"$last"}" != "$path" ]; then
		pass "$what: the drop's path ends with \"$last\""
	else
		fail "$what: the drop's path [$path] does not end with [$last]"
	fi
}

# Checks every pktmon capture must pass: stock tcpdump reads every observation, every drop
# carries a reason, a location and the comment, the rundown counts the drops of the file by
# reason, and nothing was lost. On committed samples (and when regenerating): every
# component belongs to the scenario's namespaces.
common_checks() {
	local epbs byreason rundown
	epbs=$(table | grep -c .)
	[ "$epbs" -gt 0 ] || fail "the capture has no pktmon observation"
	if command -v tcpdump >/dev/null; then
		eq "tcpdump reads every observation" "$epbs" "$(tcpdump -r "$F" -nn -tt 2>/dev/null | grep -cE '^[0-9]+\.[0-9]+ ')"
	else
		echo "note: tcpdump is not installed, not checked"
	fi
	eq "no malformed metadata, every drop with reason, location and comment" "0" \
		"$(count 'pktmon.malformed || pktmon.unknown_version || (pktmon.dropped && !(pktmon.drop_reason && pktmon.drop_symbol && frame.comment contains "DROP "))')"
	# pktmon.dropped: a buffer freed after a copy reached a socket is no drop (nor counted as one)
	byreason=$(tsp "$F" -Y pktmon.dropped -T fields -e pktmon.drop_reason |
		awk '$0 != "" { n[$0]++ } END { for (r in n) print r "=" n[r] }' | sort | paste -sd' ')
	rundown=$(tsp "$F" -Y pktmon.rundown.record -T fields -E occurrence=a -E aggregator='|' \
		-e pktmon.rundown.drop_reason -e pktmon.rundown.count -e pktmon.rundown.events_lost)
	eq "rundown drops by reason = drop frames" "$byreason" "$(awk -F'\t' '$1 != "" { n = split($1, r, "|"); split($2, c, "|")
			for (i = 1; i <= n; i++) s[r[i]] += c[i] } END { for (k in s) print k "=" s[k] }' <<<"$rundown" | sort | paste -sd' ')"
	eq "rundown: no event lost" "0" "$(cut -f3 <<<"$rundown")"
	if [ "$MODE" != live ]; then
		local foreign ns pat=""
		for ns in "${NSLIST[@]}"; do pat="$pat|\\[netns $ns\\]"; done
		foreign=$(table | cut -d'|' -f4 | sort -u | grep -Ev "(${pat#|})$" | paste -sd,)
		eq "every component is in the scenario's namespaces" "" "$foreign"
	fi
}

# ---- main ------------------------------------------------------------------------------
show_capture() { # the capture as a table, for the log (and for writing the walk-through)
	tsp "$1" -T fields -E header=y -e frame.number -e pktmon.pkt_group_id -e pktmon.appearance \
		-e pktmon.component_name -e pktmon.drop_reason -e pktmon.drop_symbol -e _ws.col.Info |
		sed 's/^/    /'
}

# rx_totals: "UDP TCP" datagrams and segments received so far by the initial namespace and
# every named one (a failing live run says how busy the machine was: see README.md here)
rx_totals() {
	local n
	for n in "" $(ip netns list 2>/dev/null | awk '{print $1}'); do
		if [ -n "$n" ]; then ip netns exec "$n" cat /proc/net/snmp 2>/dev/null; else cat /proc/net/snmp; fi
	done | awk '$1 == "Udp:" && $2 ~ /^[0-9]/ { u += $2 } $1 == "Tcp:" && $11 ~ /^[0-9]/ { t += $11 }
		END { printf "%d %d\n", u, t }'
}

need_plugin() {
	command -v tshark >/dev/null || skip "tshark is not installed"
	[ -n "$(find "$PLUGINS" -name 'pktmon.so' 2>/dev/null | head -1)" ] ||
		skip "the pktmon Wireshark plugin is not built in $PLUGINS"
}

scenario_main() {
	local c f
	need_plugin
	if [ "$MODE" = sample ]; then
		[ -f "$SAMPLE" ] || { fail "no committed sample $SAMPLE"; finish; }
		names ""
		F=$WORK/$SCENARIO.pcapng
		cp "$SAMPLE" "$F" && chmod 644 "$F"
		echo "== $SCENARIO: checking the committed sample samples/$SCENARIO.pcapng"
		check "$F"
		common_checks
		finish
	fi
	need_live
	need_cmd tcpdump
	for c in ${SC_NEEDS:-}; do need_cmd "$c"; done
	if [ "$MODE" = regenerate ]; then
		names ""
		for c in "${NSLIST[@]}"; do
			[ ! -e "/run/netns/$c" ] || { fail "namespace $c exists: remove it first (ip netns del $c)"; finish; }
		done
	else
		names "-$$"
	fi
	f=$WORK/$SCENARIO.pcapng
	F=$f
	echo "== $SCENARIO: live run (namespaces: ${NSLIST[*]})"
	local rx0 rx1 t0=$SECONDS
	rx0=$(rx_totals)
	run "$f"
	rx1=$(rx_totals)
	[ -s "$f" ] || { fail "no capture file"; finish; }
	chmod 644 "$f"
	F=$f
	[ -n "${SC_VERBOSE:-}" ] && show_capture "$f"
	check "$f"
	common_checks
	if [ "$FAILS" != 0 ]; then
		echo "NOTE: a packet missing from the capture, or another packet inside its group, is most likely"
		echo "      pktmon's tracking by buffer address: a buffer freed without a tracepoint (UDP and TCP"
		echo "      receive paths) is reused for the next packet, which inherits its group and filter"
		echo "      decision (tests/scenarios/README.md). During these $((SECONDS - t0)) s the machine's namespaces received"
		echo "      $((${rx1% *} - ${rx0% *})) UDP datagrams and $((${rx1#* } - ${rx0#* })) TCP segments (namespaces that came and went not counted)."
		local missed
		missed=$(tsp "$f" -Y pktmon.rundown.events_missed -T fields -e pktmon.rundown.events_missed)
		[ -n "$missed" ] && echo "      The kernel skipped ${missed} observations (a pktmon program already running on that CPU)."
	fi
	if [ "$MODE" = regenerate ]; then
		if [ "$FAILS" = 0 ]; then
			cp "$f" "$SAMPLE" && chmod 644 "$SAMPLE"
			echo "regenerated samples/$SCENARIO.pcapng ($(count 'frame') frames); update samples/$SCENARIO.md:"
			show_capture "$SAMPLE"
		else
			echo "not regenerating samples/$SCENARIO.pcapng: checks failed"
		fi
	fi
	finish
}
