#!/bin/bash
# SPDX-License-Identifier: MIT
# `pktmon list` and the extcap dialog's Components choice, without root: the caller's own
# namespace is always readable; the ids follow docs/FORMAT.md ("Component ids").
# usage: comps_tests.sh CASE PKTMON. Exit 0 pass, 1 fail, 77 skip.
set -u
CASE=$1
PKTMON=$(realpath "$2") || exit 1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
fails=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }
eq() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: expected [$2], got [$3]"; fi; }
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: the kernel has no BTF"; exit 77; }
# as a user when run as root: what Wireshark users and shells get
as_user() { if [ "$(id -u)" = 0 ]; then setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; else "$@"; fi; }
chmod 777 "$work"

case "$CASE" in
list)
	# a namespace of root's that nobody may read (as other users' are): made here so the check
	# below always runs as root, and does not depend on other tests' namespaces coming and going
	own_ns=""
	if [ "$(id -u)" = 0 ] && command -v ip >/dev/null && ip netns add "pmcli-$$" 2>/dev/null; then
		own_ns=pmcli-$$
		trap 'ip netns del "$own_ns" 2>/dev/null; rm -rf "$work"' EXIT
	fi
	as_user "$PKTMON" list --json >list.json 2>list.err
	eq "list --json: exit status" 0 "$?"
	as_user "$PKTMON" list --json -a >all.json 2>/dev/null
	as_user "$PKTMON" list >list.txt 2>&1
	python3 - list.json all.json list.txt <<'PY' >check.txt 2>&1 || echo "FAIL: python: $(cat check.txt)" >>check.txt
import json, os, sys
d = json.load(open(sys.argv[1]))
a = json.load(open(sys.argv[2]))
txt = open(sys.argv[3]).read()
own = os.stat("/proc/self/ns/net").st_ino
ns = [n for n in d["namespaces"] if n["inode"] == own]
def say(ok, what): print(("ok: " if ok else "FAIL: ") + what)
say(len(ns) == 1 and ns[0]["readable"], "the own namespace is listed and readable")
n = ns[0]
nspart = 0 if own < 0xF0000000 else own - 0xF0000000 + 1
lo = [i for i in n["interfaces"] if i["name"] == "lo"]
say(len(lo) == 1 and lo[0]["kind"] == "loopback", "lo is a loopback")
for i in n["interfaces"]:
	want = nspart * 1000000 + i["ifindex"] * 100
	say(i["id"] == want, "%s: id %d = NS*1000000 + ifindex*100 (%d)" % (i["name"], i["id"], want))
	comps = {c["layer"]: c["id"] for c in i["components"]}
	say(comps.get("dev-rx") == want + 1 and comps.get("dev-tx") == want + 10,
	    "%s: rx %s, tx %s" % (i["name"], comps.get("dev-rx"), comps.get("dev-tx")))
	say(i["up"], "%s: without -a only interfaces that are up" % i["name"])
layers = {(l["layer"], l["family"]): l["id"] for l in n["layers"]}
say(layers.get(("nf-input", "ipv4")) == nspart * 1000000 + 3 and layers.get(("nf-input", "ipv6")) == nspart * 1000000 + 53,
    "stack layers: ipv4 INPUT = NS+3, ipv6 INPUT = NS+53 (%s)" % layers)
alln = [x for x in a["namespaces"] if x["inode"] == own][0]
say(len(alln["interfaces"]) >= len(n["interfaces"]), "-a lists at least as many interfaces")
say(len(d["sources"]) >= 11, "the layers of this kernel are still listed (sources)")
say(("%-10d %-16s" % (lo[0]["id"], "lo")) in txt, "the text listing shows lo with its id")
say("Namespace " in txt and "Stack layers:" in txt, "the text listing is grouped by namespace")
PY
	cat check.txt
	fails=$((fails + $(grep -c '^FAIL' check.txt)))
	# another user's namespaces (root's /run/netns) are not readable: said, never silent
	if [ -n "$own_ns" ]; then
		grep -q "could not be read" list.err && ok "stderr says what could not be read" ||
			bad "nothing said about unreadable namespaces: $(cat list.err)"
	fi
	"$PKTMON" list --bogus >out 2>err
	eq "list --bogus: exit status" 2 "$?"
	grep -q "unknown option '--bogus'" err && ok "list --bogus names the option" || bad "said $(cat err)"
	;;
extcap_config)
	as_user "$PKTMON" --extcap-interface=pktmon --extcap-config >config.txt 2>/dev/null
	eq "extcap-config: exit status" 0 "$?"
	as_user "$PKTMON" list --json >list.json 2>/dev/null
	python3 - config.txt list.json <<'PY' >check.txt 2>&1 || echo "FAIL: python: $(cat check.txt)" >>check.txt
import json, os, re, sys
lines = open(sys.argv[1]).read().splitlines()
d = json.load(open(sys.argv[2]))
def say(ok, what): print(("ok: " if ok else "FAIL: ") + what)
def fields(l): return dict(re.findall(r"\{([a-z]+)=([^}]*)\}", l))
arg = [fields(l) for l in lines if l.startswith("arg ") and "{call=--comp}" in l]
say(len(arg) == 1 and arg[0]["type"] == "multicheck" and arg[0].get("save") == "false",
    "Components: a multicheck that Wireshark does not save (its defaults stay checked)")
num = arg[0]["number"]
vals = [fields(l) for l in lines if l.startswith("value ") and fields(l).get("arg") == num]
byval = {v["value"]: v for v in vals}
avail = {s["name"] for s in d["sources"] if s["available"]}
for s in d["sources"]:
	if s["name"] in ("stack", "netfilter"):
		continue
	v = byval.get(s["name"])
	say(v is not None and v.get("default") == ("true" if s["name"] in avail else "false"),
	    "layer %s offered, checked iff available (%s)" % (s["name"], v and v.get("default")))
checked = sorted(k for k, v in byval.items() if v.get("default") == "true")
say(",".join(sorted(arg[0]["default"].split(","))) == ",".join(checked), "the arg's default lists the checked layers")
say(byval.get("nics", {}).get("default") == "false", "nics offered, unchecked")
own = os.stat("/proc/self/ns/net").st_ino
ns = [n for n in d["namespaces"] if n["inode"] == own][0]
for i in ns["interfaces"]:
	v = byval.get(str(i["id"]))
	say(v is not None and v.get("parent") == "netns:%d" % own and i["name"] in v.get("display", ""),
	    "interface %s offered with its id %d" % (i["name"], i["id"]))
grp = byval.get("netns:%d" % own, {})
say(grp.get("enabled") == "false", "the namespace is a heading, not a choice")
PY
	cat check.txt
	fails=$((fails + $(grep -c '^FAIL' check.txt)))
	;;
*) echo "unknown case $CASE"; exit 1 ;;
esac
[ "$fails" = 0 ] || { echo "$CASE: $fails check(s) failed"; exit 1; }
echo "$CASE: all checks passed"
