#!/bin/bash
# test_deb_system.sh DEB|BUILD_DIR - install the package (made with cpack from BUILD_DIR if given) in this system (host or chroot), check that it fits
# this distribution's Wireshark, capture the demo drop with the installed binary, then purge it.
# It changes the system while it runs (the plugin is global, the extcap is on Wireshark's list), so
# it runs only when asked: PKTMON_TEST_DEB_INSTALL=1 (tests/install/debs.sh sets it). Needs root.
set -u
arg=$(realpath "${1:?usage: test_deb_system.sh DEB|BUILD_DIR}")
[ "${PKTMON_TEST_DEB_INSTALL:-0}" = 1 ] || { echo "skipped: set PKTMON_TEST_DEB_INSTALL=1 to install pktmon here"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "skipped: needs root"; exit 77; }
fails=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }
eq() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: expected [$2], got [$3]"; fi; }
work=$(mktemp -d /tmp/pktmon-deb.XXXXXX); chmod 755 "$work"
if [ -d "$arg" ]; then
	(cd "$work" && cpack --config "$arg/CPackConfig.cmake" -B "$work/pkg" >"$work/cpack.log" 2>&1) ||
		{ echo "FAIL: cpack: $(tail -5 "$work/cpack.log")"; rm -rf "$work"; exit 1; }
	deb=$(ls "$work"/pkg/pktmon_*.deb | head -1)
else
	deb=$arg
fi
a=pmdeb-a b=pmdeb-b
cleanup() {
	ip netns del $a 2>/dev/null; ip netns del $b 2>/dev/null
	dpkg --purge pktmon >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
# One install at a time per system (the lock lives in this system's /run).
exec 9>/run/pktmon-deb-test.lock; flock 9

. /etc/os-release
series=$(tshark --version 2>/dev/null | head -1 | sed -E 's/^TShark \(Wireshark\) ([0-9]+\.[0-9]+).*/\1/')
echo "== $PRETTY_NAME, Wireshark $series: installing $(basename "$deb")"

# The dependencies as this system sees them: apt installs nothing else, dpkg accepts the package.
if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	-o Acquire::Check-Valid-Until=false "$deb" >"$work/apt.log" 2>&1; then
	ok "installed with its dependencies satisfied"
else
	bad "apt-get install: $(tail -5 "$work/apt.log")"; exit 1
fi
eq "dpkg says installed" "install ok installed" "$(dpkg-query -W -f='${Status}' pktmon)"
depends=$(dpkg-query -W -f='${Depends}' pktmon)
echo "   Depends: $depends"
major=${series%.*} minor=${series#*.}
case $depends in
*"wireshark-common (>= $series)"*"wireshark-common (<< $major.$((minor + 1)))"*) ok "depends on Wireshark $series.x only" ;;
*) bad "Depends lacks wireshark-common (>= $series), (<< $major.$((minor + 1)))" ;;
esac
case $depends in *libwireshark*) ok "depends on the libwireshark ABI it links to" ;; *) bad "no libwireshark in Depends" ;; esac

# Where this Wireshark looks (tshark -G folders), the package put its files.
folders=$(tshark -G folders 2>/dev/null)
plugins=$(sed -n 's/^Global Plugins:[[:space:]]*//p' <<<"$folders")
extcap=$(sed -nE 's/^(Global )?Extcap path:[[:space:]]*//p' <<<"$folders" | head -1)
files=$(dpkg -L pktmon)
grep -qx "$plugins/epan/pktmon.so" <<<"$files" && ok "plugin in $plugins/epan" || bad "no plugin in $plugins/epan"
grep -qx "$extcap/pktmon" <<<"$files" && ok "extcap in $extcap" || bad "no extcap in $extcap"
# Whichever binary of the package carries them (pktmon today, a capture helper later).
caps=$(while read -r f; do [ -f "$f" ] && getcap "$f" 2>/dev/null; done <<<"$files")
case $caps in *cap_bpf*) ok "postinst granted capabilities ($caps)" ;; *) bad "no file capabilities on any packaged file" ;; esac

# The global plugin loads for an ordinary user (no WIRESHARK_PLUGIN_DIR).
ts() { setpriv --reuid=nobody --regid=nogroup --clear-groups env -i PATH=/usr/bin:/bin HOME="$work" tshark "$@"; }
ts -G plugins 2>/dev/null | grep -q 'pktmon.so' && ok "tshark loads the installed plugin" || bad "tshark does not list pktmon.so"
# And Wireshark lists the extcap's interface.
tshark -D 2>/dev/null | grep -q 'pktmon' && ok "tshark -D lists the Packet Monitor" || bad "tshark -D lacks pktmon"

# The demo drop, captured with the installed binary (on the PATH): ping blocked on INPUT.
file=$work/ping-blocked.pcapng
ip netns add $a && ip netns add $b &&
	ip link add veth-a netns $a type veth peer name veth-b netns $b &&
	ip -n $a addr add 198.18.0.1/24 dev veth-a && ip -n $b addr add 198.18.0.2/24 dev veth-b &&
	ip -n $a link set veth-a up && ip -n $b link set veth-b up &&
	ip netns exec $b nft add table inet pmdeb &&
	ip netns exec $b nft add chain inet pmdeb input '{ type filter hook input priority 0; }' &&
	ip netns exec $b nft add rule inet pmdeb input icmp type echo-request drop || bad "demo topology"
pktmon start --foreground --filter 'icmp -t ICMP' -f "$file" --pkt-size 0 >"$work/pktmon.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q capturing "$work/pktmon.log" && break; sleep 0.05; done
ip netns exec $a ping -c 2 -i 0.3 -W 1 198.18.0.2 >/dev/null 2>&1
sleep 0.3
kill -TERM $pid; wait $pid
chmod 644 "$file" 2>/dev/null
drops=$(ts -r "$file" -Y 'pktmon.drop_reason == "NETFILTER_DROP"' -T fields -e frame.number 2>/dev/null | wc -l)
[ "$drops" -ge 2 ] && ok "the installed pktmon captured the blocked pings ($drops NETFILTER_DROP)" ||
	bad "expected 2 NETFILTER_DROP drops, got $drops ($(tail -3 "$work/pktmon.log"))"
line=$(ts -r "$file" -Y 'pktmon.dropped' 2>/dev/null | head -1)
case $line in *"[DROP NETFILTER_DROP inet pmdeb input #"*"]"*) ok "summary line names the drop and its rule: $line" ;; *) bad "summary line lacks the prefix: $line" ;; esac

dpkg --purge pktmon >/dev/null 2>&1 && ok "purged" || bad "dpkg --purge"
[ "$fails" = 0 ] && echo "all checks passed" || exit 1
