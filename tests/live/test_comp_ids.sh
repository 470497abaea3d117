#!/bin/bash
# Component ids: `pktmon list` shows the veth of a namespace created a moment ago with an id;
# `start --comp <that id>` captures only that interface, and the file carries the listed ids.
. "$(dirname "$0")/lib.sh"
need_live
need_cmd python3; need_cmd ping

A=$(nsname a); B=$(nsname b)
ns_pair "$A" "$B" 198.18.14.1 198.18.14.2
"$PKTMON" list --json >"$WORK/list.json" || fail "pktmon list --json"
read -r IFID RXID KIND <<<"$(python3 - "$WORK/list.json" "$B" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ns = [n for n in d["namespaces"] if n["name"] == sys.argv[2]]
f = [i for n in ns for i in n["interfaces"] if i["name"] == sys.argv[2] + "v"]
if f:
	rx = [c["id"] for c in f[0]["components"] if c["layer"] == "dev-rx"]
	print(f[0]["id"], rx[0] if rx else 0, f[0]["kind"])
PY
)"
[ -n "${IFID:-}" ] && pass "list --json shows ${B}v ($KIND) with id $IFID" || { fail "${B}v not in list --json"; finish; }
eq "its rx component id is the interface id + 1 (dev-rx)" "$((IFID + 1))" "$RXID"
line=$("$PKTMON" list | grep -E "^ +$IFID +${B}v ")
case "$line" in *" veth "*" up "*"$RXID dev-rx"*) pass "list shows it as a veth, up, with its components";;
	*) fail "list line [$line]";; esac

F=$WORK/comp.pcapng
start_capture "$F" --comp "$IFID"
ip netns exec "$A" ping -c 2 -i 0.2 -W 1 198.18.14.2 >/dev/null || fail "ping"
stop_capture
"$PKTMON" format "$F" --json >"$WORK/fmt.json" 2>"$WORK/fmt.err" || fail "pktmon format --json"
python3 - "$WORK/fmt.json" "$B" "$IFID" >"$WORK/check.txt" <<'PY'
import json, sys
names, ids = set(), set()
for line in open(sys.argv[1]):
	line = line.strip().rstrip(",")
	if not line.startswith("{"):
		continue
	try:
		r = json.loads(line)
	except ValueError:
		continue
	p = r.get("pktmon", r)
	if "component_id" in p:
		ids.add(p["component_id"])
	if p.get("component"):
		names.add(p["component"])
print("ids", " ".join(str(i) for i in sorted(ids)))
print("names", "|".join(sorted(names)))
print("foreign", " ".join(str(i) for i in sorted(ids) if i - i % 100 != int(sys.argv[3])))
PY
ids=$(sed -n 's/^ids //p' "$WORK/check.txt"); foreign=$(sed -n 's/^foreign //p' "$WORK/check.txt")
names=$(sed -n 's/^names //p' "$WORK/check.txt")
[ -n "$ids" ] && pass "observations captured (ids $ids)" || fail "nothing captured: $(head -c 300 "$WORK/fmt.json")"
eq "only ${B}v's components (ids $IFID + layer)" "" "$foreign"
case " $ids " in *" $RXID "*) pass "the file's rx id is the listed id $RXID";; *) fail "no $RXID in [$ids]";; esac
"$PKTMON" format "$F" >"$WORK/fmt.txt" 2>&1
comps=$(grep -oE 'Component [0-9]+ \([^)]*\)' "$WORK/fmt.txt" | sort -u)
eq "every component named in pktmon format is ${B}v's" "" "$(grep -v "(${B}v [a-z ]*\[netns $B\])" <<<"$comps")"
case "$comps" in *"Component $RXID (${B}v rx [netns $B])"*) pass "format names $RXID";; *) fail "format: [$comps]";; esac

# an id no component has: a clear error, rc 2
out=$("$PKTMON" start --foreground --comp 4000000001 --run-for 1 2>&1); rc=$?
eq "an unknown id: exit status" "2" "$rc"
case "$out" in *"unknown component id 4000000001"*"pktmon list"*) pass "the error says how to find ids";;
	*) fail "said [$out]";; esac
# ids, layer names and nics mixed
out=$("$PKTMON" start --foreground --counters-only -q --comp "$IFID,nf-input,nics" --run-for 1 2>&1); rc=$?
eq "ids and names mixed: exit status" "0" "$rc"

# unprivileged: the own namespace is read, the others are listed as not readable, never silently
if id nobody >/dev/null 2>&1; then
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$PKTMON" list --json >"$WORK/user.json" 2>"$WORK/user.err"
	eq "list as a user: exit status" "0" "$?"
	verdict=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ns = [n for n in d["namespaces"] if n["name"] == sys.argv[2]]
print("missing" if not ns else "readable" if ns[0]["readable"] else "unreadable:" + ns[0]["error"][:20])' \
		"$WORK/user.json" "$B")
	case "$verdict" in unreadable:*) pass "as a user, $B is listed as not readable ($verdict)";;
		*) fail "as a user, $B: $verdict";; esac
	grep -q "could not be read" "$WORK/user.err" && pass "and stderr says so" || fail "stderr: $(cat "$WORK/user.err")"
fi
finish
