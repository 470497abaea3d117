#!/bin/bash
# test_install.sh BUILD_DIR EXTCAP_DIR HELPER_DIR SAMPLE
set -u
build=$1 extcap=$2 helperdir=$3 sample=$4
fails=0
eq() { if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: expected [$2], got [$3]"; fails=$((fails + 1)); fi; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

DESTDIR=$work/stage cmake --install "$build" --prefix /usr >"$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }
eq "the extcap binary" "yes" "$([ -x "$work/stage$extcap/pktmon" ] && echo yes)"
eq "the extcap binary is 0755" "755" "$(stat -c %a "$work/stage$extcap/pktmon")"
eq "the capture helper, outside the extcap folder" "yes" "$([ -x "$work/stage$helperdir/pktmon-capture" ] && echo yes)"
eq "nothing else in the extcap folder" "pktmon" "$(ls "$work/stage$extcap")"
eq "pktmon on the PATH links to it" "$extcap/pktmon" "$(readlink "$work/stage/usr/bin/pktmon")"
plugin=$(find "$work/stage" -path '*/plugins/*/epan/pktmon.so' | head -1)
[ -n "$plugin" ] && echo "ok: the plugin: ${plugin#$work/stage}" || { echo "FAIL: no plugin installed"; fails=$((fails + 1)); }
# Where this system's Wireshark looks: plugins/<series>/epan differs per series, and 4.6 moved the
# extcap folder to /usr/libexec/wireshark/extcap.
folders=$(tshark -G folders 2>/dev/null)
ws_plugins=$(sed -n 's/^Global Plugins:[[:space:]]*//p' <<<"$folders")
ws_extcap=$(sed -nE 's/^(Global )?Extcap path:[[:space:]]*//p' <<<"$folders" | head -1)
series=$(tshark --version 2>/dev/null | head -1 | sed -E 's/^TShark \(Wireshark\) ([0-9]+\.[0-9]+).*/\1/')
if [ -n "$ws_plugins" ]; then
	eq "the plugin where tshark -G folders looks" "$ws_plugins/epan/pktmon.so" "${plugin#$work/stage}"
	eq "the extcap where tshark -G folders looks" "$ws_extcap" "$extcap"
fi
# the "Packet Monitor" profile among Wireshark's global profiles
ws_global=$(sed -n 's/^Global configuration:[[:space:]]*//p' <<<"$folders")
profile="${ws_global:-/usr/share/wireshark}/profiles/Packet Monitor"
for f in preferences colorfilters; do
	eq "the profile's $f where Wireshark finds global profiles" "yes" "$([ -s "$work/stage$profile/$f" ] && echo yes)"
done
eq "the staged extcap answers Wireshark" "interface {value=pktmon}{display=Packet Monitor: where packets go and why they drop}" \
	"$("$work/stage$extcap/pktmon" --extcap-interfaces | grep '^interface')"

if command -v cpack >/dev/null && command -v dpkg-deb >/dev/null; then
	(cd "$work" && cpack --config "$build/CPackConfig.cmake" -B "$work/pkg" >"$work/cpack.log" 2>&1) ||
		{ echo "FAIL: cpack: $(tail -5 "$work/cpack.log")"; fails=$((fails + 1)); }
	deb=$(ls "$work"/pkg/pktmon_*.deb 2>/dev/null | head -1)
	if [ -n "$deb" ]; then
		files=$(dpkg-deb -c "$deb" | awk '{print $6}')
		for f in ".$extcap/pktmon" "./usr/bin/pktmon" ".$helperdir/pktmon-capture"; do
			grep -qx "$f" <<<"$files" && echo "ok: the .deb has $f" || { echo "FAIL: the .deb lacks $f"; fails=$((fails + 1)); }
		done
		dpkg-deb -c "$deb" | grep -qF " .$profile/colorfilters" && echo "ok: the .deb has the Packet Monitor profile" ||
			{ echo "FAIL: no Packet Monitor profile in the .deb"; fails=$((fails + 1)); }
		grep -q '/plugins/.*/epan/pktmon.so$' <<<"$files" && echo "ok: the .deb has the plugin" || { echo "FAIL: no plugin in the .deb"; fails=$((fails + 1)); }
		# libpktmon: the library, its development files and the manual (one package, no -dev split)
		for f in '/libpktmon\.so\.0$' '/libpktmon\.so$' '/pkgconfig/pktmon\.pc$' '^\./usr/include/pktmon/pktmon\.h$' \
			'^\./usr/share/man/man3/libpktmon\.3$'; do
			grep -qE "$f" <<<"$files" && echo "ok: the .deb has $f" || { echo "FAIL: the .deb lacks $f"; fails=$((fails + 1)); }
		done
		dpkg-deb -I "$deb" shlibs 2>/dev/null | grep -q '^libpktmon 0 pktmon' && echo "ok: the .deb declares libpktmon's shlibs" ||
			{ echo "FAIL: no shlibs for libpktmon"; fails=$((fails + 1)); }
		eq "the .deb runs ldconfig (trigger)" "activate-noawait ldconfig" "$(dpkg-deb -I "$deb" triggers 2>/dev/null)"
		[ -z "$ws_plugins" ] || eq "the .deb's plugin where tshark looks" "yes" \
			"$(grep -qx ".$ws_plugins/epan/pktmon.so" <<<"$files" && echo yes)"
		# The plugin loads in one Wireshark series only: the package depends on that one.
		depends=$(dpkg-deb -f "$deb" Depends)
		if [ -n "$series" ]; then
			major=${series%.*} minor=${series#*.}
			eq "Depends names this Wireshark series" "yes" "$(grep -qF "wireshark-common (>= $series), wireshark-common (<< $major.$((minor + 1)))" <<<"$depends" && echo yes)"
		fi
		eq "Depends has the libwireshark ABI (dpkg-shlibdeps)" "yes" "$(grep -q 'libwireshark[0-9]' <<<"$depends" && echo yes)"
		# opened at run time (capture-core/src/lazy_lib.h): declared, not found by dpkg-shlibdeps
		eq "Depends has libpcap, opened at run time" "yes" "$(grep -qE '(^|, )libpcap0\.8' <<<"$depends" && echo yes)"
		if grep -qa 'libnftables\.so\.' "$build/bin/pktmon-capture" 2>/dev/null; then
			eq "Recommends libnftables, opened at run time" "yes" \
				"$(dpkg-deb -f "$deb" Recommends | grep -qE '(^|, )libnftables[0-9]' && echo yes)"
		fi
		. /etc/os-release
		[ -z "${VERSION_ID:-}" ] || eq "one version per distribution" "1~deb$VERSION_ID" "$(dpkg-deb -f "$deb" Version | sed 's/^[^-]*-//')"
		dpkg-deb -e "$deb" "$work/ctl"
		grep -q "setcap cap_bpf,cap_perfmon,cap_net_admin,cap_sys_admin,cap_syslog+ep $helperdir/pktmon-capture" "$work/ctl/postinst" &&
			grep -q "chmod 0750 $helperdir/pktmon-capture" "$work/ctl/postinst" &&
			echo "ok: postinst grants the capabilities to one group, on the helper" || { echo "FAIL: postinst"; fails=$((fails + 1)); }
		grep "setcap\|chmod\|chown" "$work/ctl/postinst" | grep -q "$extcap/pktmon" &&
			{ echo "FAIL: postinst gives the extcap binary privileges"; fails=$((fails + 1)); } || echo "ok: postinst leaves pktmon unprivileged"
	fi
else
	echo "(no cpack/dpkg-deb: the package is not checked)"
fi
# the real thing: install into a scratch root's prefix as root, with the privilege script
# (cmake --install without DESTDIR), then check as users in and outside the group
if [ "$(id -u)" = 0 ] && command -v setcap >/dev/null && command -v getcap >/dev/null && command -v setpriv >/dev/null; then
	root=$work/root; mkdir -p "$root"; chmod 755 "$work" "$root"
	cmake -S "$(dirname "$0")/../.." -B "$work/b" -DPKTMON_BUILD_DISSECTOR=OFF -DCMAKE_INSTALL_PREFIX="$root/usr" \
		-DPKTMON_EXTCAP_DIR="$root/extcap" -DPKTMON_HELPER_DIR="$root/libexec/pktmon" >"$work/cfg.log" 2>&1 &&
		cmake --build "$work/b" --target pktmon pktmon-capture pktmon_shared -j2 >"$work/build.log" 2>&1 &&
		cmake --install "$work/b" >"$work/inst.log" 2>&1 || { echo "FAIL: real install"; tail -n 5 "$work"/*.log; exit 1; }
	bin=$root/extcap/pktmon helper=$root/libexec/pktmon/pktmon-capture
	chmod 755 "$root/extcap" "$root/libexec" "$root/libexec/pktmon"
	eq "the helper: root:wireshark 0750" "root:wireshark 750" "$(stat -c '%U:%G %a' "$helper")"
	eq "the helper carries the capabilities" "cap_net_admin,cap_sys_admin,cap_syslog,cap_perfmon,cap_bpf=ep" \
		"$(getcap "$helper" | awk '{print $2}')"
	eq "pktmon: 0755, no capabilities" "755 " "$(stat -c %a "$bin") $(getcap "$bin" | awk '{print $2}')"
	eq "only the helper carries capabilities" "$helper" "$(getcap -r "$root" 2>/dev/null | awk '{print $1}')"
	cp "$sample" "$work/sample.pcapng"; chmod 644 "$work/sample.pcapng"
	outsider() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
	records=$(outsider "$bin" format "$work/sample.pcapng" 2>&1 | grep -c PktGroupId)
	[ "$records" -gt 0 ] && echo "ok: a user outside the group runs pktmon format ($records records)" ||
		{ echo "FAIL: pktmon format as an outsider: $(outsider "$bin" format "$work/sample.pcapng" 2>&1 | head -3)"; fails=$((fails + 1)); }
	out=$(outsider env -u XDG_RUNTIME_DIR PKTMON_RUN_DIR="$work/run-outsider" "$bin" start --foreground --run-for 1 -f /dev/null 2>&1)
	grep -q "cannot run the capture helper $helper: Permission denied (capturing is for root and the members of group wireshark)" <<<"$out" &&
		echo "ok: an outsider may not capture, and is told why" || { echo "FAIL: outsider start: $out"; fails=$((fails + 1)); }
else
	echo "(not root, or no setcap/getcap/setpriv: the privileges of a real install are not checked)"
fi
[ "$fails" = 0 ] && echo "all checks passed" || exit 1
