#!/bin/bash
# SPDX-License-Identifier: MIT
# CLI tests of `pktmon format` and `pktmon pcapng`, run on the real binary and the committed
# sample (samples/ping-blocked-input.pcapng: two pings from pmdemo-a, both dropped by an nft rule on
# INPUT in pmdemo-b). No root, no BPF, no network.
#
# usage: cli_tests.sh CASE PKTMON SAMPLE SRCDIR
# Exit 0 pass, 1 fail, 77 skip (a tool the case needs is missing).
set -u
CASE=$1
PKTMON=$(realpath "$2") SAMPLE=$(realpath "$3") SRCDIR=$(realpath "$4") || exit 1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
cp "$SAMPLE" s.pcapng || exit 1

fails=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }
eq() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: expected [$2], got [$3]"; fi; }
# run NAME EXPECTED_STATUS ARGS...: stdout in out, stderr in err.
run() {
	local name=$1 want=$2
	shift 2
	"$PKTMON" "$@" >out 2>err
	local st=$?
	if [ "$st" = "$want" ]; then ok "$name: exit $st"; else bad "$name: exit $st, expected $want (stderr: $(head -c 300 err))"; fi
}
need() { command -v "$1" >/dev/null || { echo "SKIP: $1 is not installed"; exit 77; }; }

DROP_LINE='Component 7 (ipv4 INPUT [netns pmdemo-b]), Drop: Reason NETFILTER_DROP, Location nft_do_chain+0x46f'

case "$CASE" in
format_sample)
	run "format" 0 format s.pcapng
	eq "nothing on stderr" "" "$(cat err)"
	eq "16 records" 16 "$(grep -c 'PktGroupId' out)"
	eq "exactly two drops" 2 "$(grep -c 'Drop: Reason' out)"
	eq "both NETFILTER_DROP at INPUT of pmdemo-b, nft_do_chain+0x46f" 2 "$(grep -cF "$DROP_LINE" out)"
	eq "the drops are frames 8 and 16" "8,16" \
		"$(grep -A2 'Drop: Reason' out | sed -n 's/^\tFrame \([0-9]*\),.*/\1/p' | paste -sd,)"
	eq "group 1: appearances 1-8 in order" "1,2,3,4,5,6,7,8" \
		"$(grep 'PktGroupId 1,' out | sed 's/.*Appearance \([0-9]*\),.*/\1/' | paste -sd,)"
	eq "group 1: its path" "1 (ipv4 OUTPUT [netns pmdemo-a])|2 (ipv4 POSTROUTING [netns pmdemo-a])|3 (veth-a qdisc enqueue [netns pmdemo-a])|4 (veth-a tx [netns pmdemo-a])|5 (veth-b rx [netns pmdemo-b])|6 (ipv4 PREROUTING [netns pmdemo-b])|7 (ipv4 INPUT [netns pmdemo-b])|7 (ipv4 INPUT [netns pmdemo-b])" \
		"$(grep 'PktGroupId 1,' out | sed 's/.*Component \([0-9]* ([^)]*)\).*/\1/' | paste -sd'|')"
	eq "group 6: the second ping, appearances 1-8" "1,2,3,4,5,6,7,8" \
		"$(grep 'PktGroupId 6,' out | sed 's/.*Appearance \([0-9]*\),.*/\1/' | paste -sd,)"
	eq "the packet line" 16 "$(grep -c $'^\t198.18.0.1 > 198.18.0.2: ICMP echo request, id 27852, seq [12], length 98$' out)"
	eq "timestamp of frame 1" "09:26:26.605831259 PktGroupId 1, Appearance 1, Direction Tx, Component 1 (ipv4 OUTPUT [netns pmdemo-a])" \
		"$(head -1 out)"
	eq "details of frame 8" $'\tFrame 8, 2026-11-22 09:26:26.605911991 UTC, Interface 6, Layer INPUT, IPv4, Netns 4026532245, Ifindex 2, CPU 1, Flags DROPPED, Reason code 12, Address 0xffffffff81fbda3f, Captured 98 of 98 bytes' \
		"$(grep -A2 'PktGroupId 1, Appearance 8' out | tail -1)"
	# The rundown.
	grep -q '^Rundown of session pktmon$' out && ok "rundown header" || bad "rundown header"
	eq "rundown: the filter" "  1  icmp: -t ICMP" "$(sed -n '/^Filters:/{n;p}' out)"
	eq "rundown: counters of component 7" "7|ipv4 INPUT [netns pmdemo-b]|2|168|0|0|2|0" \
		"$(sed -n '/^Counters:/,/^$/p' out | awk '$1==7 {n=NF; name=$2; for (i=3;i<=n-6;i++) name=name" "$i; print $1"|"name"|"$(n-5)"|"$(n-4)"|"$(n-3)"|"$(n-2)"|"$(n-1)"|"$n}')"
	eq "rundown: counters of component 1 (Tx)" "1|0|0|2|168|0|0" \
		"$(sed -n '/^Counters:/,/^$/p' out | awk '$1==1 {n=NF; print $1"|"$(n-5)"|"$(n-4)"|"$(n-3)"|"$(n-2)"|"$(n-1)"|"$n}')"
	eq "rundown: 7 components in the counters table" 7 "$(sed -n '/^Counters:/,/^$/p' out | grep -c '^  [0-9]')"
	eq "rundown: drops by reason" "7 ipv4 INPUT [netns pmdemo-b] NETFILTER_DROP 12 2" \
		"$(sed -n '/^Drops by reason:/,$p' out | grep '^  7 ' | tr -s ' ' | sed 's/^ //')"
	eq "rundown: events" "  Events written: 16, lost: 0" "$(grep 'Events written' out)"
	# -o writes the same text to a file.
	run "format -o" 0 format s.pcapng -o text.txt
	"$PKTMON" format s.pcapng >stdout.txt
	cmp -s text.txt stdout.txt && ok "-o file equals stdout" || bad "-o file differs from stdout"
	eq "-o: nothing on stdout" "" "$(cat out)"
	# Standard input.
	"$PKTMON" format - <s.pcapng >stdin.txt
	cmp -s stdin.txt stdout.txt && ok "format - reads stdin" || bad "format - differs"
	;;

format_filters)
	run "--brief" 0 format --brief s.pcapng
	eq "--brief: one line per observation" 16 "$(grep -c '^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]\{9\} PktGroupId' out)"
	eq "--brief: no detail lines" 0 "$(grep -c $'^\t' out)"
	eq "--brief: drop line" "09:26:26.605911991 PktGroupId 1, Appearance 8, Direction Rx, $DROP_LINE; 198.18.0.1 > 198.18.0.2: ICMP echo request, id 27852, seq 1, length 98" \
		"$(grep 'Drop: Reason' out | head -1)"
	run "--drop-only" 0 format --drop-only s.pcapng
	eq "--drop-only: 2 records" 2 "$(grep -c PktGroupId out)"
	eq "--drop-only: both are drops" 2 "$(grep -cF "$DROP_LINE" out)"
	run "--component-id 5" 0 format --component-id 5 -b s.pcapng
	eq "--component-id 5: 2 records at veth-b rx" 2 "$(grep -c 'Component 5 (veth-b rx \[netns pmdemo-b\])' out)"
	eq "--component-id 5: nothing else" 2 "$(grep -c PktGroupId out)"
	run "-c 1,5 -c 7" 0 format -c 1,5 -c 7 -b s.pcapng
	eq "-c 1,5 -c 7: 8 records" 8 "$(grep -c PktGroupId out)"
	run "-c 7 --drop-only" 0 format -c 7 --drop-only -b s.pcapng
	eq "-c 7 --drop-only: the 2 drops" 2 "$(grep -c 'Drop: Reason' out)"
	run "-c 1 --drop-only" 0 format -c 1 --drop-only -b s.pcapng
	eq "-c 1 --drop-only: none" 0 "$(grep -c PktGroupId out)"
	eq "-c 1 --drop-only: the rundown is still printed" 1 "$(grep -c '^Counters:' out)"
	run "--hex" 0 format --hex -c 1 s.pcapng
	eq "--hex: first dump line of frame 1" \
		$'\t0x0000:  0000 0000 0000 0000 0000 0000 0800 4500  ..............E.' "$(grep -m1 $'^\t0x0000:' out)"
	eq "--hex: 7 lines per 98-byte frame" 14 "$(grep -c $'^\t0x' out)"
	eq "--hex: last line of a frame" $'\t0x0060:  3637                                     67' "$(grep -m1 $'^\t0x0060:' out)"
	;;

format_json)
	need python3
	run "--json" 0 format --json s.pcapng
	python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' <out && ok "every line parses" || bad "JSON does not parse"
	python3 - out <<'EOF' && ok "JSON values" || bad "JSON values"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
pk = [r for r in recs if r["type"] == "packet"]
assert len(pk) == 16, len(pk)
assert [r["frame"] for r in pk] == list(range(1, 17))
drops = [r for r in pk if r["pktmon"]["dropped"]]
assert [r["frame"] for r in drops] == [8, 16], drops
for r in drops:
    m = r["pktmon"]
    assert r["interface_name"] == "ipv4 INPUT [netns pmdemo-b]"
    assert m["component_id"] == 7 and m["layer_name"] == "nf-input" and m["direction"] == "Rx"
    assert m["drop"] == {"reason": "NETFILTER_DROP", "reason_code": 12, "location": "0xffffffff81fbda3f",
                         "symbol": "nft_do_chain+0x46f"}, m["drop"]
    assert m["flags"] & 1
g1 = [r for r in pk if r["pktmon"]["pkt_group_id"] == 1]
assert [r["pktmon"]["appearance"] for r in g1] == list(range(1, 9))
assert [r["pktmon"]["component_id"] for r in g1] == [1, 2, 3, 4, 5, 6, 7, 7]
f1 = pk[0]
assert f1["time"] == "2026-11-22T09:26:26.605831259Z" and f1["ts_ns"] == 1795339586605831259
assert f1["caplen"] == 98 and f1["origlen"] == 98 and f1["packet_id"] == 1 and f1["epb_flags"] == 2
p = f1["packet"]
assert (p["src"], p["dst"], p["proto"], p["icmp_type"], p["echo_seq"]) == ("198.18.0.1", "198.18.0.2", "ICMP", 8, 1)
sess = [r for r in recs if r["type"] == "session"]
assert len(sess) == 1 and sess[0]["events_written"] == 16 and sess[0]["events_lost"] == 0
assert sess[0]["kernel"] == "6.18.44-fc-v769" and sess[0]["capture_type"] == "all"
assert [r["text"] for r in recs if r["type"] == "filter"] == ["icmp: -t ICMP"]
comps = {r["component_id"]: r for r in recs if r["type"] == "component"}
assert len(comps) == 7 and comps[7]["name"] == "ipv4 INPUT [netns pmdemo-b]" and comps[7]["netns_name"] == "pmdemo-b"
cnt = {r["component_id"]: r for r in recs if r["type"] == "counters"}
assert len(cnt) == 7
assert {k: cnt[7][k] for k in ("rx_pkts", "rx_bytes", "tx_pkts", "tx_bytes", "drops", "lost")} == \
    {"rx_pkts": 2, "rx_bytes": 168, "tx_pkts": 0, "tx_bytes": 0, "drops": 2, "lost": 0}
assert cnt[3]["tx_bytes"] == 196 and cnt[7]["name"] == "ipv4 INPUT [netns pmdemo-b]"
dc = [r for r in recs if r["type"] == "drop_count"]
assert [(r["component_id"], r["reason"], r["reason_code"], r["count"]) for r in dc] == [(7, "NETFILTER_DROP", 12, 2)]
# The rundown comes after every packet.
assert all(r["type"] == "packet" for r in recs[:16]) and all(r["type"] != "packet" for r in recs[16:])
EOF
	run "--json --drop-only --hex" 0 format --json --drop-only --hex s.pcapng
	python3 - out <<'EOF' && ok "--json --drop-only --hex" || bad "--json --drop-only --hex"
import json, sys
pk = [r for r in map(json.loads, open(sys.argv[1])) if r["type"] == "packet"]
assert [r["frame"] for r in pk] == [8, 16]
assert all(len(r["data_hex"]) == 2 * 98 and r["data_hex"].startswith("be2ffc907668") for r in pk)
EOF
	;;

format_nometa)
	need python3
	python3 "$SRCDIR/make_files.py" . || { bad "make_files.py"; exit 1; }
	run "tcpdump-like pcapng" 0 format --brief nometa.pcapng
	eq "listed without metadata" "22:13:21.000000000 Interface 0 (lo), no pktmon metadata; 127.0.0.1.40000 > 127.0.0.1.9999: UDP, length 46
22:13:22.000000000 Interface 0 (lo), no pktmon metadata; 127.0.0.1.40001 > 127.0.0.1.80: TCP S, length 54
22:13:23.000000000 Interface 0 (lo), no pktmon metadata; 127.0.0.1 > 127.0.0.1: ICMP echo request, id 4660, seq 7, length 46
22:13:24.000000000 Interface 1 (any), no pktmon metadata; ::1.5353 > ::1.5353: UDP, length 70
22:13:25.000000000 Interface 0 (lo), no pktmon metadata; ARP, length 42" "$(cat out)"
	eq "no rundown" 0 "$(grep -c Rundown out)"
	run "big-endian pcapng" 0 format --brief nometa-be.pcapng
	"$PKTMON" format --brief nometa.pcapng >le.txt
	cmp -s out le.txt && ok "big-endian file reads the same" || bad "big-endian file differs: $(diff le.txt out | head -5)"
	run "--drop-only on a file without metadata" 0 format --drop-only nometa.pcapng
	eq "--drop-only selects nothing" "" "$(cat out)"
	run "--json without metadata" 0 format --json nometa.pcapng
	python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert len(r) == 5 and all(x["pktmon"] is None for x in r), r
assert r[3]["linktype"] == 276 and r[3]["packet"]["src"] == "::1" and r[3]["interface_name"] == "any"
' out && ok "--json: pktmon null" || bad "--json without metadata"
	run "a legacy pcap file" 1 format nometa.pcap
	grep -q 'pcap file' err && ok "says it is a pcap file" || bad "pcap message: $(cat err)"
	if command -v editcap >/dev/null; then
		editcap -F pcapng nometa.pcap conv.pcapng
		run "pcapng written by editcap" 0 format -b conv.pcapng
		eq "editcap's file: 4 frames without metadata" 4 "$(grep -c 'Interface 0, no pktmon metadata; ' out)"
	else
		echo "note: editcap not installed, its case skipped"
	fi
	;;

format_hostile)
	need python3
	python3 "$SRCDIR/make_files.py" . || { bad "make_files.py"; exit 1; }
	run "names with control characters and bad UTF-8" 0 format hostile.pcapng
	eq "no raw control character reaches the terminal" 0 "$(tr -d '\t\n' <out | LC_ALL=C grep -c '[[:cntrl:]]')"
	eq "escaped, unambiguous" 'Component 3 (evil\x1b[2J"name"\xff), Drop: Reason BAD"REASON\x0a\x1b[31m, Location sym\\xé\xff' \
		"$(head -1 out | sed 's/^.*Direction Rx, //')"
	run "--json of the same" 0 format --json hostile.pcapng
	python3 -c '
import json, sys
r = json.loads(open(sys.argv[1]).read())
assert r["interface_name"] == "evil\x1b[2J\"name\"\ufffd", r["interface_name"]
assert r["pktmon"]["drop"] == {"reason": "BAD\"REASON\n\x1b[31m", "symbol": "sym\\x\u00e9\ufffd"}, r["pktmon"]
' out && ok "--json: valid, strings exact (U+FFFD for bad bytes)" || bad "--json of hostile names"
	run "malformed and future metadata" 1 format meta-bad.pcapng
	eq "all 3 frames listed" 3 "$(grep -c '^22:13:2' out)"
	eq "the good one" "22:13:20.000000000 PktGroupId 1, Appearance 1, Direction --, Component 1 (comp)" "$(sed -n 1p out)"
	eq "the truncated one: what was decoded, and where it broke" \
		$'22:13:21.000000000 PktGroupId 2, Appearance ?, Direction --, Component ? (comp)|\tFrame 2, 2023-11-14 22:13:21.000000000 UTC, Interface 0, Captured 46 of 46 bytes, Metadata truncated at byte 14 (TLV APPEARANCE)' \
		"$(sed -n '4p;6p' out | paste -sd'|')"
	eq "the future version: reported, not decoded" "22:13:22.000000000 Interface 0 (comp), pktmon metadata version 2 not understood" "$(sed -n 7p out)"
	eq "stderr says which frame and why" "pktmon: format: frame 2 (offset 192): pktmon metadata truncated at byte 14 (TLV APPEARANCE)
pktmon: format: 1 observation had malformed pktmon metadata" "$(cat err)"
	run "--drop-only: a malformed payload is reported even when filtered out" 1 format --drop-only meta-bad.pcapng
	eq "--drop-only: nothing listed" "" "$(cat out)"
	grep -q 'frame 2 (offset 192)' err && ok "--drop-only: the warning" || bad "--drop-only: $(cat err)"
	;;

format_errors)
	size=$(stat -c %s s.pcapng)
	head -c 3000 s.pcapng >trunc.pcapng # frame 8 (offset 2792, 352 bytes) is cut
	run "truncated file" 1 format trunc.pcapng
	eq "the 7 frames before the cut are printed" 7 "$(grep -c PktGroupId out)"
	eq "no rundown (it was after the cut)" 0 "$(grep -c Rundown out)"
	eq "the message" "pktmon: format: trunc.pcapng: truncated Enhanced Packet Block at offset 2792: it is 352 bytes long, the file ends 208 bytes into it (after 7 frames)" \
		"$(cat err)"
	run "truncated, --json" 1 format --json trunc.pcapng
	eq "--json: 7 objects" 7 "$(wc -l <out)"
	# Cut inside the ISBs that follow the rundown: the rundown is still printed.
	head -c $((size - 10)) s.pcapng >trunc2.pcapng
	run "truncated in the last ISB" 1 format trunc2.pcapng
	eq "all 16 frames" 16 "$(grep -c PktGroupId out)"
	eq "the rundown read before the cut is printed" 1 "$(grep -c '^Counters:' out)"
	grep -q 'truncated Interface Statistics Block at offset' err && ok "names the ISB" || bad "message: $(cat err)"
	# A corrupted trailing length (frame 1's EPB at offset 220, 244 bytes).
	cp s.pcapng corrupt.pcapng
	printf '\x00\x01\x00\x00' | dd of=corrupt.pcapng bs=1 seek=$((220 + 244 - 4)) conv=notrunc status=none
	run "corrupted trailing length" 1 format corrupt.pcapng
	eq "nothing printed before it" 0 "$(grep -c PktGroupId out)"
	eq "the message" "pktmon: format: corrupt.pcapng: Enhanced Packet Block at offset 220: total length 244 at its start but 256 at its end" "$(cat err)"
	: >empty.pcapng
	run "empty file" 1 format empty.pcapng
	eq "empty: message" "pktmon: format: empty.pcapng: not a pcapng file: it is empty" "$(cat err)"
	run "missing file" 1 format does-not-exist.pcapng
	grep -q 'cannot open does-not-exist.pcapng' err && ok "missing: message" || bad "missing: $(cat err)"
	run "a directory" 1 format .
	grep -q 'read error at offset 0' err && ok "directory: message" || bad "directory: $(cat err)"
	# Locale and time zone do not change a byte.
	LC_ALL=C TZ=UTC "$PKTMON" format --hex s.pcapng >c.txt
	LC_ALL=de_DE.UTF-8 LANG=de_DE.UTF-8 LC_NUMERIC=de_DE.UTF-8 TZ=Asia/Tokyo "$PKTMON" format --hex s.pcapng >de.txt 2>/dev/null
	cmp -s c.txt de.txt && ok "locale and TZ independent" || bad "output depends on locale or TZ"
	;;

format_hosts)
	# a mergecap'ed file of two hosts: each packet keeps its host, each rundown says its own
	need python3
	python3 "$SRCDIR/make_files.py" . || { bad "make_files.py"; exit 1; }
	run "format --json" 0 format --json two-hosts.pcapng
	eq "hosts of the packets, in order" "web1,db1,db1" \
		"$(grep '"type":"packet"' out | sed -n 's/.*"host":"\([^"]*\)".*/\1/p' | paste -sd,)"
	eq "hosts of the rundowns" "web1,db1" \
		"$(grep '"type":"session"' out | sed -n 's/.*"host":"\([^"]*\)".*/\1/p' | paste -sd,)"
	run "format" 0 format two-hosts.pcapng
	eq "the rundowns' Host lines" "  Host: web1|  Host: db1" "$(grep '^  Host: ' out | paste -sd'|')"
	eq "each frame's details name its host" "Host web1|Host db1|Host db1" \
		"$(grep -o '^	Frame [0-9]*, .*, Interface [0-9]*, Host [a-z0-9]*' out | sed 's/.*, //' | paste -sd'|')"
	run "format --json of a file without hosts" 0 format --json s.pcapng
	eq "no host where the file names none" 0 "$(grep -c '"host"' out)"
	run "start --host-name 'a b'" 2 start --host-name 'a b'
	grep -q "host-name takes 1..64 letters" err && ok "explains --host-name" || bad "message: $(cat err)"
	run "start --host-name of 65 characters" 2 start --host-name "$(printf 'h%.0s' $(seq 65))"
	run "start --host-name ''" 2 start --host-name ''
	;;
usage)
	for v in format pcapng; do
		run "$v --help" 0 "$v" --help
		grep -q "^Usage: pktmon $v FILE.pcapng" out && ok "$v --help: usage line" || bad "$v --help: $(head -1 out)"
		for o in --output --drop-only --component-id --help; do
			grep -q -- "$o" out || bad "$v --help does not mention $o"
		done
		run "$v -h" 0 "$v" -h
	done
	for o in --brief --hex --json; do grep -q -- "$o" <("$PKTMON" format --help) || bad "format --help does not mention $o"; done
	run "format, no file" 2 format
	run "format --bogus" 2 format --bogus s.pcapng
	grep -q "unknown option '--bogus'" err && ok "names the option" || bad "message: $(cat err)"
	run "format -Z" 2 format -Z s.pcapng
	run "format -c abc" 2 format -c abc s.pcapng
	grep -q "component-id takes" err && ok "explains --component-id" || bad "message: $(cat err)"
	run "format -c ''" 2 format -c '' s.pcapng
	run "format -c 1," 2 format -c 1, s.pcapng
	run "format -c -1" 2 format -c -1 s.pcapng
	run "format -c 4294967296" 2 format -c 4294967296 s.pcapng
	run "format -c 0x7" 2 format -c 0x7 s.pcapng
	run "format --component-id without a value" 2 format s.pcapng --component-id
	grep -q "needs a value" err && ok "says it needs a value" || bad "message: $(cat err)"
	run "format --brief --json" 2 format --brief --json s.pcapng
	run "format two files" 2 format s.pcapng s.pcapng
	run "format -o the input" 2 format s.pcapng -o s.pcapng
	cmp -s s.pcapng "$SAMPLE" && ok "input untouched" || bad "format -o overwrote the input"
	run "pcapng from stdin without -o" 2 pcapng - <s.pcapng
	run "pcapng --bogus" 2 pcapng s.pcapng -o x.pcapng --bogus
	run "pcapng -c x" 2 pcapng s.pcapng -o x.pcapng -c x
	run "pcapng, no file" 2 pcapng -o x.pcapng
	run "pcapng -o the input" 2 pcapng s.pcapng -o s.pcapng
	ln -s s.pcapng link.pcapng
	run "pcapng -o a symlink to the input" 2 pcapng s.pcapng -o link.pcapng
	ln s.pcapng hard.pcapng
	run "pcapng -o a hard link of the input" 2 pcapng s.pcapng -o hard.pcapng
	cmp -s s.pcapng "$SAMPLE" && ok "input untouched" || bad "pcapng overwrote the input"
	[ ! -e x.pcapng ] && ok "no output after bad usage" || bad "x.pcapng was created"
	;;

pcapng_drop_only)
	need tshark
	need tcpdump
	run "pcapng --drop-only" 0 pcapng s.pcapng --drop-only -o drops.pcapng
	eq "summary" "pktmon: 2 of 16 packets written to drops.pcapng" "$(cat out)"
	eq "stock tshark: 2 packets with our comment" "1|DROP NETFILTER_DROP at nft_do_chain+0x46f
2|DROP NETFILTER_DROP at nft_do_chain+0x46f" \
		"$(tshark -r drops.pcapng -Y ip -T fields -e frame.number -e frame.comment 2>/dev/null | tr '\t' '|')"
	eq "stock tshark: their interface" "ipv4 INPUT [netns pmdemo-b]" \
		"$(tshark -r drops.pcapng -Y ip -T fields -e frame.interface_name 2>/dev/null | sort -u)"
	tshark -r drops.pcapng >/dev/null 2>tshark.err && ok "tshark reads it without error" || bad "tshark: $(cat tshark.err)"
	eq "stock tcpdump: 2 packets" 2 "$(tcpdump -nn -r drops.pcapng 2>/dev/null | wc -l)"
	tcpdump -nn -r drops.pcapng >/dev/null 2>tcpdump.err && ok "tcpdump reads it without error" || bad "tcpdump: $(cat tcpdump.err)"
	run "format on the copy" 0 format --brief drops.pcapng
	eq "format: the 2 drops, metadata intact" 2 "$(grep -cF "$DROP_LINE" out)"
	eq "format: only those" 2 "$(grep -c PktGroupId out)"
	eq "format: group ids 1 and 6, appearance 8" "1 8|6 8" \
		"$(sed -n 's/.*PktGroupId \([0-9]*\), Appearance \([0-9]*\),.*/\1 \2/p' out | paste -sd'|')"
	eq "format: the same lines as in the original" "$(grep 'Drop: Reason' <("$PKTMON" format -b s.pcapng))" "$(grep 'Drop: Reason' out)"
	eq "format: the rundown is kept" 1 "$(grep -c '^Drops by reason:' out)"
	eq "format: every IDB kept (7 components)" 7 "$(sed -n '/^Components:/,/^$/p' out | grep -c '^  [0-9]')"
	if command -v capinfos >/dev/null; then
		eq "capinfos: 7 interfaces" 7 "$(capinfos drops.pcapng 2>/dev/null | sed -n 's/^Number of interfaces in file: //p')"
	fi
	# Blocks are copied byte for byte: the 2 EPBs are the original's (offsets 2792 and 4828, 352 bytes).
	python3 -c '
import sys
a = open("s.pcapng", "rb").read(); b = open("drops.pcapng", "rb").read()
for off in (2792, 4828):
    assert a[off:off + 352] in b, off
' && ok "the drop EPBs are byte-identical" || bad "EPBs differ"
	;;

pcapng_copies)
	run "pcapng without a filter" 0 pcapng s.pcapng -o all.pcapng
	cmp -s all.pcapng s.pcapng && ok "unfiltered copy is byte-identical" || bad "unfiltered copy differs"
	eq "permissions follow the umask" "$(umask 022; touch ref; stat -c %a ref)" "$(umask 022; "$PKTMON" pcapng -q s.pcapng -o perm.pcapng; stat -c %a perm.pcapng)"
	run "pcapng -c 1,5" 0 pcapng s.pcapng -c 1,5 -o c.pcapng
	"$PKTMON" format -b c.pcapng >c.txt
	eq "-c 1,5: 4 packets at components 1 and 5" "1 1 5 5" "$(grep PktGroupId c.txt | sed 's/.*Component \([0-9]*\) .*/\1/' | sort -n | paste -sd' ')"
	echo junk >existing.pcapng
	run "an existing output is replaced" 0 pcapng -q s.pcapng --drop-only -o existing.pcapng
	eq "-q: no summary" "" "$(cat out)"
	eq "replaced" 2 "$("$PKTMON" format -b existing.pcapng | grep -c PktGroupId)"
	"$PKTMON" pcapng s.pcapng --drop-only -o - 2>summary.txt | "$PKTMON" format -b - >pipe.txt
	eq "-o - through a pipe" 2 "$(grep -cF "$DROP_LINE" pipe.txt)"
	eq "-o -: the summary goes to stderr" "pktmon: 2 of 16 packets written to standard output" "$(cat summary.txt)"
	"$PKTMON" pcapng - -o stdin.pcapng <s.pcapng >/dev/null
	cmp -s stdin.pcapng s.pcapng && ok "input from stdin" || bad "stdin copy differs"
	# A copy of a file without metadata keeps its frames; filters select none.
	if command -v python3 >/dev/null; then
		python3 "$SRCDIR/make_files.py" .
		run "pcapng of a big-endian file" 0 pcapng nometa-be.pcapng -o be-copy.pcapng
		cmp -s be-copy.pcapng nometa-be.pcapng && ok "big-endian copy is byte-identical" || bad "big-endian copy differs"
		run "--drop-only of a file without metadata" 0 pcapng nometa.pcapng --drop-only -o none.pcapng
		eq "summary" "pktmon: 0 of 5 packets written to none.pcapng" "$(cat out)"
		run "and it reads" 0 format none.pcapng
		run "--component-id 1 with malformed metadata" 0 pcapng meta-bad.pcapng -c 1 -o c1.pcapng
		eq "warns about frame 2, copies frame 1" "pktmon: pcapng: warning: frame 2 (offset 192): pktmon metadata truncated at byte 14; judged by what could be decoded" "$(cat err)"
		eq "summary" "pktmon: 1 of 3 packets written to c1.pcapng" "$(cat out)"
	fi
	# A fifo (as /dev/null, a device) is written into, not replaced by a renamed copy.
	mkfifo out.fifo
	timeout 10 cat out.fifo >fromfifo.pcapng & # an open that never finds a writer ends
	run "-o a fifo" 0 pcapng -q s.pcapng -o out.fifo
	wait
	[ -p out.fifo ] && ok "the fifo is still a fifo" || bad "the fifo was replaced: $(ls -l out.fifo)"
	cmp -s fromfifo.pcapng s.pcapng && ok "the copy came through the fifo" || bad "the fifo's copy differs"
	eq "no temporary file beside it" "" "$(ls -A | grep '^\.out\.fifo')"
	# A symbolic link: the copy replaces the file it names; the link stays.
	mkdir linked && ln -s linked/target.pcapng link.pcapng
	run "-o a symbolic link" 0 pcapng -q s.pcapng -o link.pcapng
	[ -L link.pcapng ] && ok "the link is still a link" || bad "the link was replaced: $(ls -l link.pcapng)"
	cmp -s linked/target.pcapng s.pcapng && ok "the copy is in the linked file" || bad "the linked file differs"
	run "-o the same link, its file there now" 0 pcapng -q s.pcapng --drop-only -o link.pcapng
	[ -L link.pcapng ] && ok "still a link" || bad "the link was replaced: $(ls -l link.pcapng)"
	eq "the linked file replaced" 2 "$("$PKTMON" format -b linked/target.pcapng | grep -c PktGroupId)"
	# Failures leave nothing under the output name, and no temporary file.
	head -c 3000 s.pcapng >trunc.pcapng
	mkdir outdir
	run "truncated input" 1 pcapng trunc.pcapng -o outdir/t.pcapng
	grep -q 'truncated Enhanced Packet Block at offset 2792' err && ok "names the offset" || bad "message: $(cat err)"
	eq "nothing written" "" "$(ls -A outdir)"
	run "output in a missing directory" 1 pcapng s.pcapng -o no/such/dir/x.pcapng
	;;

windows_verbs)
	# What a Windows pktmon user types: help in every form, Windows' names, hints.
	for v in list start stop status counters reset filter format pcapng hex2pkt unload etl2txt etl2pcap; do
		run "help $v" 0 help "$v"
		[ -s out ] && ok "help $v prints" || bad "help $v printed nothing"
		grep -qi "^usage: pktmon" out || bad "help $v: no usage line: $(head -1 out)"
		cp out help.txt
		run "$v help" 0 "$v" help
		cmp -s out help.txt && ok "$v help = help $v" || bad "$v help differs from help $v"
		run "$v --help" 0 "$v" --help
		cmp -s out help.txt && ok "$v --help = help $v" || bad "$v --help differs from help $v"
	done
	PKTMON_RUN_DIR=$work/run run "filter add help" 0 filter add help
	grep -q "^Usage: pktmon filter add" out && ok "filter add help: the usage" || bad "filter add help: $(head -2 out)"
	[ ! -e "$work/run/filters" ] && ok "filter add help: no filter named help" || bad "a filter was stored"
	run "start help" 0 start help
	grep -q -- "--log-mode" out && grep -q -- "--etw" out && grep -q memory out && ok "start help: -m, --etw, memory" ||
		bad "start help: $(head -3 out)"
	run "help" 0 help
	for v in hex2pkt unload etl2txt etl2pcap; do grep -q "$v" out || bad "help does not mention $v"; done
	run "comp list" 2 comp list
	eq "comp: a one-line hint" "pktmon: 'comp' is a Windows pktmon verb: \`pktmon comp list\` is \`pktmon list\`, \`pktmon comp counters\` is \`pktmon counters\`" "$(cat err)"
	eq "comp: nothing on stdout" "" "$(cat out)"
	run "an unknown verb" 2 bogus
	eq "one line, no usage dump" "pktmon: unknown verb 'bogus' (\`pktmon help\` lists the verbs)" "$(cat err)"
	run "--capture without a verb, not Wireshark" 2 --capture
	eq "--capture: the hint" "pktmon: '--capture' is not a verb: options follow one, e.g. \`pktmon start --capture\` (\`pktmon help\` lists the verbs)" "$(cat err)"
	run "Wireshark's discovery still works" 0 --extcap-interfaces
	grep -q '^interface {value=pktmon}' out && ok "extcap: the interface" || bad "extcap: $(head -2 out)"
	run "Wireshark's --capture without --fifo" 2 --capture --extcap-interface pktmon
	grep -q "needs --fifo" err && ok "extcap: needs --fifo" || bad "extcap: $(cat err)"
	# a capture that fails before its fifo's reader (dumpcap) opens it still ends that reader:
	# the extcap waits for it and closes the fifo (else it would wait for ever, and tshark 4.0)
	mkfifo fifo
	"$PKTMON" --capture --extcap-interface pktmon --fifo fifo --extcap-capture-filter 'udp prot 9' >out 2>err &
	ext=$!
	sleep 1
	timeout 10 cat fifo >/dev/null
	eq "extcap: a late reader of a failed capture's fifo gets an end of file" 0 $?
	wait "$ext"
	eq "extcap: the failed capture's exit status" 2 $?
	grep -q 'invalid capture filter "udp prot 9"' err && ok "extcap: the failure's message" || bad "extcap: $(cat err)"
	rm -f fifo
	run "help bogus" 2 help bogus
	eq "help bogus: one line" 1 "$(wc -l <err)"
	# start's Windows options that Linux cannot have: refused before any capture, with the reason
	run "start --trace" 2 start --trace
	grep -q "ETW event providers" err && ok "start --trace: why" || bad "start --trace: $(cat err)"
	run "start -m bogus" 2 start -m bogus
	grep -q "circular, multi-file, real-time, memory" err && ok "start -m: the values" || bad "start -m: $(cat err)"
	run "start -m memory -f -" 2 start -m memory -f -
	run "start --flags zz" 2 start --flags zz
	# etl2txt = format, with Windows' options
	"$PKTMON" format s.pcapng >format.txt
	run "etl2txt" 0 etl2txt s.pcapng
	cmp -s out format.txt && ok "etl2txt = format" || bad "etl2txt differs from format"
	run "etl2txt --out" 0 etl2txt s.pcapng --out e.txt
	cmp -s e.txt format.txt && ok "--out = -o" || bad "--out differs"
	run "--stats-only" 0 etl2txt s.pcapng --stats-only
	eq "--stats-only: counts" "Frames: 16; observations shown by the filters: 16; drops: 2; without pktmon metadata: 0" "$(head -1 out)"
	eq "--stats-only: component 7" "7 ipv4 INPUT [netns pmdemo-b] 4 2" "$(sed -n '/^Observations by component:/,/^$/p' out | grep '^  7 ' | tr -s ' ' | sed 's/^ //')"
	eq "--stats-only: no records" 0 "$(grep -c PktGroupId out)"
	grep -q '^Drops by reason:' out && ok "--stats-only: the rundown" || bad "--stats-only: no rundown"
	run "--stats-only --drop-only" 0 format s.pcapng --stats-only --drop-only
	eq "counts what the filters select" "Frames: 16; observations shown by the filters: 2; drops: 2; without pktmon metadata: 0" "$(head -1 out)"
	run "--timestamp-only" 0 format s.pcapng --timestamp-only
	eq "--timestamp-only: the first lines" "$(grep PktGroupId format.txt)" "$(grep -v '^\(Rundown\|  \|$\|[A-Z]\)' out)"
	eq "--timestamp-only: no packet lines" 0 "$(grep -c $'^\t' out)"
	run "-b --metadata" 0 format s.pcapng -b --metadata
	eq "-b -m: the metadata line" 16 "$(grep -c $'^\tFrame ' out)"
	run "-v 2" 0 format s.pcapng -v 2
	eq "-v 2: the header lines" 16 "$(grep -c $'^\tIPv4 198.18.0.1 > 198.18.0.2, protocol ICMP$' out)"
	run "-v 3" 0 format s.pcapng --verbose 3
	eq "-v 3: the hex too" 16 "$(grep -c $'^\t0x0000:  ' out)"
	run "-v 3 --no-ethernet" 0 format s.pcapng -v 3 --no-ethernet
	eq "--no-ethernet: no MAC line" 0 "$(grep -c 'MAC' out)"
	run "-v 4" 2 format s.pcapng -v 4
	run "--tmfpath" 2 format s.pcapng --tmfpath /x
	grep -q "WPP" err && ok "--tmfpath: why" || bad "--tmfpath: $(cat err)"
	run "--json --stats-only" 2 format s.pcapng --json --stats-only
	# etl2pcap = pcapng; the default output never replaces a file
	run "etl2pcap, no -o" 0 etl2pcap s.pcapng
	eq "default name" "pktmon: 16 of 16 packets written to s-converted.pcapng" "$(cat out)"
	cmp -s s-converted.pcapng s.pcapng && ok "the copy" || bad "s-converted.pcapng differs"
	run "pcapng again, no -o" 0 pcapng s.pcapng --drop-only
	eq "the next free name" "pktmon: 2 of 16 packets written to s-converted-2.pcapng" "$(cat out)"
	cmp -s s-converted.pcapng s.pcapng && ok "the first copy untouched" || bad "s-converted.pcapng was replaced"
	run "etl2pcap --out --component-id" 0 etl2pcap s.pcapng --out c7.pcapng --component-id 7
	eq "--component-id 7" 4 "$("$PKTMON" format -b c7.pcapng | grep -c 'Component 7 ')"
	run "pcapng --stats-only" 2 pcapng s.pcapng --stats-only
	grep -q "text option of \`pktmon format\`" err && ok "says it is format's" || bad "pcapng --stats-only: $(cat err)"
	[ ! -e s-converted-3.pcapng ] && ok "nothing written after bad usage" || bad "s-converted-3.pcapng written"
	;;

hex2pkt)
	# an ICMP echo request from the sample, Ethernet then IP
	ETH='02 00 00 00 00 02 02 00 00 00 00 01 08 00'
	IP='4500001c000100004001f98dc0a80001c0a80002 0800f7ff00000000'
	run "hex2pkt -t IP" 0 hex2pkt "$IP" -t IP
	eq "decoded" "IP, 28 bytes
	192.168.0.1 > 192.168.0.2: ICMP echo request, id 0, seq 0, length 28
	EtherType 0x0800
	IPv4 192.168.0.1 > 192.168.0.2, protocol ICMP
	ICMP type 8, code 0" "$(cat out)"
	run "hex2pkt Ethernet (default)" 0 hex2pkt $ETH $IP
	eq "the MACs" "	Destination MAC 02:00:00:00:00:02|	Source MAC      02:00:00:00:00:01" "$(grep MAC out | paste -sd'|')"
	grep -q "192.168.0.1 > 192.168.0.2: ICMP echo request" out && ok "and the packet" || bad "$(cat out)"
	# format --hex output is read back
	"$PKTMON" format s.pcapng --hex | awk '/PktGroupId 1, Appearance 8,/ {f = 1; next} /^[^\t]/ {f = 0} f && /^\t0x/' >dump.txt
	run "hex2pkt -f a format --hex dump" 0 hex2pkt -f dump.txt
	eq "decoded the dump" "Ethernet, 98 bytes|	198.18.0.1 > 198.18.0.2: ICMP echo request, id 27852, seq 1, length 98" "$(head -2 out | paste -sd'|')"
	run "hex2pkt -f - (stdin)" 0 hex2pkt -t Ethernet -f - <dump.txt
	eq "the same from stdin" "Ethernet, 98 bytes" "$(head -1 out)"
	printf '0000: 4500 001c 0001 0000 4001 f98d c0a8 0001  E.......@.......\n0010: c0a8 0002 0800 f7ff 0000 0000  ............\n' >xxd.txt
	run "an xxd-like dump" 0 hex2pkt -t IP -f xxd.txt
	eq "28 bytes, text column ignored" "IP, 28 bytes" "$(head -1 out)"
	run "bad hex" 2 hex2pkt 45zz
	eq "bad hex: the message" "pktmon: hex2pkt: '45zz' is not hex (the character 'z')" "$(cat err)"
	run "odd digits" 2 hex2pkt 450
	grep -q "odd number of hex digits" err && ok "says odd" || bad "$(cat err)"
	run "no hex" 2 hex2pkt
	run "-t WiFi" 2 hex2pkt -t WiFi 00
	grep -q "no Linux equivalent" err && ok "WiFi: why" || bad "$(cat err)"
	run "not IP" 1 hex2pkt -t IP 00112233
	run "too short for Ethernet" 1 hex2pkt 0011
	run "missing file" 1 hex2pkt -f no-such-file
	;;

man_page)
	# man/pktmon.8 renders without warnings and documents every verb `pktmon help` lists
	need man
	PAGE=$SRCDIR/../../man/pktmon.8
	MANWIDTH=80 man --warnings -l "$PAGE" >man.txt 2>man.err
	eq "man: exit status" 0 "$?"
	eq "man: no warnings" "" "$(cat man.err)"
	grep -q '^NAME' man.txt && ok "man: rendered" || bad "man: $(head -3 man.txt)"
	"$PKTMON" help | sed -n '/^Verbs:/,/^$/p' | awk 'NF {print $1}' | grep -v Verbs: >verbs.txt
	[ "$(wc -l <verbs.txt)" -ge 12 ] && ok "$(wc -l <verbs.txt) verbs in pktmon help" || bad "verbs: $(cat verbs.txt)"
	while read -r v; do
		grep -qE "^       $v( |\$)" man.txt && ok "man documents $v" || bad "man does not document the verb $v"
	done <verbs.txt
	for v in etl2txt etl2pcap; do grep -qE "^       $v " man.txt || bad "man does not document $v"; done
	for o in --etw --log-mode memory --stats-only --timestamp-only --metadata --no-ethernet --verbose; do
		grep -q -- "$o" man.txt || bad "man does not mention $o"
	done
	for s in "EXIT STATUS" FILES FILTERS EXAMPLES; do grep -q "^$s" man.txt || bad "man has no $s section"; done
	grep -q "pktmon format PktMon.pcapng -o capture.txt" man.txt && ok "man: the tutorial workflow" || bad "man: no workflow"
	;;

*)
	echo "unknown case $CASE"
	exit 1
	;;
esac
[ "$fails" = 0 ] && echo "all checks passed" || { echo "$fails check(s) failed"; exit 1; }
