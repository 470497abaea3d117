#!/bin/bash
# wireshark.sh - build the dissector plugin and run its tests against each Wireshark series.
#   scripts/matrix/wireshark.sh [all|4.0|4.4|4.6]... [--doc]
# 4.0 is the host (Debian 12), 4.4 the trixie chroot, 4.6 the sid chroot (scripts/matrix/chroot.sh).
# Only the dissector is built, alone (`cmake -S dissector`), into build-wireshark-<series>, so the
# project builds (build/, build-trixie/, build-sid/) are left alone. Prints one row per series;
# --doc also writes the table into docs/WIRESHARK.md (between the matrix markers).
# Exit status: 0 when every series built without a diagnostic and passed all its tests.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)

# --here: build and test in this system (host or chroot), print one RESULT line.
if [ "${1:-}" = --here ]; then
	build=$top/build-wireshark-${2:?series}
	log=$build/build.log
	rm -rf "$build" && mkdir -p "$build"
	# -k: a target that does not compile fails its tests, the others still run.
	cmake -S "$top/dissector" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$log" 2>&1 &&
		cmake --build "$build" -j2 -- -k >>"$log" 2>&1
	built=$?
	version=$(tshark --version 2>/dev/null | head -1 | sed 's/^TShark (Wireshark) //; s/[ ,].*//; s/\.$//')
	# Diagnostics as "file:line (warning|error)", unique, without the build path.
	diags=$(grep -oE '[^ :]+\.[ch]:[0-9]+:[0-9]+: (warning|error)' "$log" | sed -E "s|^$top/||; s|:[0-9]+: | |" |
		sort -u | tr '\n' ';' | sed 's/;$//; s/;/; /g')
	[ "$built" = 0 ] || diags="${diags:-build failed}"
	if [ ! -f "$build/CTestTestfile.cmake" ]; then
		echo "RESULT|${version:-?}|configure failed|${diags:-see $log}|0|0|-"
		exit 1
	fi
	(cd "$build" && ctest --output-on-failure -R '^dissector_' >"$build/ctest.log" 2>&1)
	total=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#' "$build/ctest.log")
	passed=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#.* Passed' "$build/ctest.log")
	failed=$(grep -E '^ *[0-9]+/[0-9]+ Test +#' "$build/ctest.log" | grep -v ' Passed' |
		sed -E 's/.*Test +#[0-9]+: ([^ ]+).*/\1/' | tr '\n' ' ')
	plugin_dir=$(find "$build/plugins" -name pktmon.so -printf '%h\n' | sed "s|^$build/plugins/||")
	echo "RESULT|$version|plugins/${plugin_dir:-?}|${diags:-none}|$passed|$total|${failed:--}"
	[ -z "$diags" ] && [ "$passed" = "$total" ]
	exit
fi

series=() doc=0
for a in "$@"; do
	case $a in
	all) series+=(4.0 4.4 4.6) ;;
	4.0 | 4.4 | 4.6) series+=("$a") ;;
	--doc) doc=1 ;;
	*) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
[ ${#series[@]} -gt 0 ] || series=(4.0 4.4 4.6)

suite_of() { case $1 in 4.0) echo "host (bookworm)" ;; 4.4) echo trixie ;; 4.6) echo sid ;; esac; }

rows=() status=0
for s in "${series[@]}"; do
	suite=$(suite_of "$s")
	echo "== Wireshark $s: $suite" >&2
	if [ "$s" = 4.0 ]; then
		out=$("$0" --here "$s")
	else
		if [ ! -e "${PKTMON_CHROOTS:-/var/cache/pktmon-chroots}/$suite/.pktmon-ready" ]; then
			rows+=("| $s | $suite | - | no chroot (scripts/matrix/chroot.sh create $suite) | - | - | - |")
			status=1
			continue
		fi
		out=$("$top/scripts/matrix/chroot.sh" run "$suite" "$top/scripts/matrix/wireshark.sh" --here "$s")
	fi
	[ $? = 0 ] || status=1
	line=$(grep '^RESULT|' <<<"$out" | tail -1)
	IFS='|' read -r _ version where diags passed total failed <<<"$line"
	case $version in "$s".*) ;; *) status=1; failed="expected $s, found ${version:-nothing}; $failed" ;; esac
	rows+=("| $s | $suite | ${version:-?} | $where | $diags | $passed/$total | $failed |")
done

table=$(printf '%s\n' "| series | system | tshark | plugin built into | compiler warnings/errors | dissector tests passed | failed |" \
	"|---|---|---|---|---|---|---|" "${rows[@]}")
echo "$table"
if [ "$doc" = 1 ]; then
	f=$top/docs/WIRESHARK.md
	stamp="Measured $(date -u +%Y-%m-%d) with \`scripts/matrix/wireshark.sh ${series[*]}\` (kernel $(uname -r))."
	python3 - "$f" "$stamp" "$table" <<'PY'
import sys, re
path, stamp, table = sys.argv[1:]
text = open(path).read()
block = "<!-- matrix:begin -->\n" + stamp + "\n\n" + table + "\n<!-- matrix:end -->"
text = re.sub(r"<!-- matrix:begin -->.*?<!-- matrix:end -->", lambda m: block, text, flags=re.S)
open(path, "w").write(text)
PY
	echo "wrote $f" >&2
fi
exit $status
