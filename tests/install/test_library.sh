#!/bin/bash
# test_library.sh MODE BUILD_DIR SOURCE_DIR PKTMON - libpktmon as a user of the installed library gets it:
# a staged `cmake --install` (DESTDIR: nothing lands in the system), then examples/ built out of tree
# with pkg-config only.
#   static  the SONAME, only the functions of pktmon.h exported, headers that stand alone, the .pc
#   live    (root, BPF) drop_watch prints a drop made in a test namespace, with its component and reason
set -u
mode=$1 build=$2 src=$3 pktmon=$4
if [ "$mode" = live ]; then
	# shellcheck source=../live/lib.sh
	. "$src/tests/live/lib.sh" "$pktmon"
else
	TEST_NAME=install_library FAILS=0
	WORK=$(mktemp -d /tmp/pktmon-lib.XXXXXX); trap 'rm -rf "$WORK"' EXIT
	pass() { echo "ok: $*"; }
	fail() { echo "FAIL: $TEST_NAME: $*"; FAILS=$((FAILS + 1)); }
	eq() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected [$2], got [$3]"; fi; }
	finish() { [ "$FAILS" = 0 ] && echo "$TEST_NAME: all checks passed" && exit 0; exit 1; }
fi
for c in pkg-config readelf nm make cc; do command -v $c >/dev/null || { echo "SKIP: $c is not installed"; exit 77; }; done

stage=$WORK/stage
DESTDIR=$stage cmake --install "$build" --prefix /usr >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; exit 1; }
pc=$(find "$stage" -name pktmon.pc | head -1)
[ -n "$pc" ] || { echo "FAIL: no pktmon.pc installed"; exit 1; }
libdir=$(dirname "$(dirname "$pc")")
export PKG_CONFIG_PATH=${pc%/*} PKG_CONFIG_SYSROOT_DIR=$stage
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")

if [ "$mode" = static ]; then
	so=$libdir/libpktmon.so.$version
	eq "the library: libpktmon.so -> libpktmon.so.0 -> libpktmon.so.$version" "libpktmon.so.0 libpktmon.so.$version" \
		"$(readlink "$libdir/libpktmon.so") $(readlink "$libdir/libpktmon.so.0")"
	eq "SONAME" "libpktmon.so.0" "$(readelf -d "$so" | sed -nE 's/.*\(SONAME\).*\[(.*)\]/\1/p')"
	eq "the headers under include/pktmon" "pktmon.h pktmon_filter.h pktmon_format.h pktmon_version.h" \
		"$(ls "$stage/usr/include/pktmon" | xargs)"
	eq "pktmon.pc: the install prefix" "prefix=/usr" "$(grep '^prefix=' "$pc")"
	eq "pkg-config --modversion pktmon" "$version" "$(pkg-config --modversion pktmon)"
	# Exported: exactly the functions pktmon.h declares (and the version node PKTMON_0).
	nm -D --defined-only "$so" | awk '{print $3}' | sed 's/@.*//' | sort >"$WORK/exported"
	grep -oE '\bpktmon_[a-z0-9_]+\(' "$stage/usr/include/pktmon/pktmon.h" | tr -d '(' | sort -u >"$WORK/declared"
	echo PKTMON_0 >>"$WORK/declared"; sort -o "$WORK/declared" "$WORK/declared"
	eq "no exported symbol outside pktmon_" "" "$(grep -v -e '^pktmon_' -e '^PKTMON_0$' "$WORK/exported" | xargs)"
	eq "exported = declared in pktmon.h ($(grep -c '^pktmon_' "$WORK/exported") functions)" "" \
		"$(diff "$WORK/declared" "$WORK/exported" | grep '^[<>]' | xargs)"
	# A user's file, strict C11 and C++, with nothing but the installed include folder.
	printf '#include <pktmon/pktmon.h>\nint main(void) { static struct pktmon_protocol_constraint c; (void)c;\n return PKTMON_MAX_CONSTRAINTS + PKTMON_VERSION_MAJOR; }\n' >"$WORK/alone.c"
	cc -std=c11 -pedantic -Wall -Wextra -Werror -I"$stage/usr/include" -c "$WORK/alone.c" -o "$WORK/alone.o" 2>"$WORK/alone.err" &&
		pass "pktmon.h compiles alone with the installed include folder (strict C11)" || fail "pktmon.h alone: $(cat "$WORK/alone.err")"
	if command -v c++ >/dev/null; then
		c++ -Wall -Wextra -Werror -I"$stage/usr/include" -x c++ -c "$WORK/alone.c" -o "$WORK/alone.o" 2>"$WORK/alone.err" &&
			pass "pktmon.h compiles as C++" || fail "pktmon.h in C++: $(cat "$WORK/alone.err")"
	fi
fi

# The example, out of tree, through pkg-config alone.
cp -r "$src/examples" "$WORK/examples"
make -C "$WORK/examples" CFLAGS="-O2 -std=c11 -Wall -Wextra -Werror" >"$WORK/make.log" 2>&1 &&
	pass "examples/ builds out of tree with pkg-config --cflags --libs pktmon" || { fail "examples: $(tail -5 "$WORK/make.log")"; finish; }
ex=$WORK/examples/drop_watch
eq "drop_watch links the installed libpktmon.so.0" "libpktmon.so.0" \
	"$(readelf -d "$ex" | sed -nE 's/.*\(NEEDED\).*\[(libpktmon.*)\]/\1/p')"
export LD_LIBRARY_PATH=$libdir
eq "drop_watch runs on the installed library" "libpktmon $version (headers $version)" "$("$ex" 0 2>/dev/null | head -1)"
# data-source enumeration: interfaces, their points (parent: the interface), layers
comps=$("$ex" --list 2>&1)
lo=$(awk '$3 == "interface" && $4 == "host" && $5 == "lo" { print $1 }' <<<"$comps")
[ -n "$lo" ] && pass "components: lo is an interface with id $lo" || fail "components: no lo in [$comps]"
eq "components: lo's points have it as parent" "$lo $lo" \
	"$(awk '$3 == "point" && $4 == "host" && $5 == "lo" && ($6 == "rx" || $6 == "tx") { print $2 }' <<<"$comps" | tr '\n' ' ' | sed 's/ $//')"
grep -qE '^[0-9]+ +0 +layer +host +ipv4 INPUT \[netns host\]' <<<"$comps" && pass "components: the namespace's layers" ||
	fail "components: no ipv4 INPUT layer in [$comps]"
if [ "$mode" = static ] && [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	# Without privilege: -EPERM and the whole sentence of what is missing (it fits PKTMON_ERRLEN).
	chmod -R a+rX "$WORK"
	out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups env LD_LIBRARY_PATH="$libdir" "$ex" 1 2>&1 >/dev/null)
	grep -qE '^drop_watch: cannot load the BPF programs: Operation not permitted; .*cap_syslog\+ep BINARY\) \(-1\)$' <<<"$out" &&
		pass "without privilege: -EPERM with the whole message" || fail "without privilege: [$out]"
fi
[ "$mode" = static ] && finish

# live: drop_watch during an nft drop of UDP to a port of this run in a test namespace (other tests'
# traffic may drop too: the assertions count this namespace's drops).
need_live
need_cmd nft
A=$(nsname a); B=$(nsname b)
ns_pair "$A" "$B" 198.18.9.1 198.18.9.2
ip netns exec "$B" nft add table inet pmlib
ip netns exec "$B" nft add chain inet pmlib input '{ type filter hook input priority 0; }'
port=$((40000 + $$ % 20000))
ip netns exec "$B" nft add rule inet pmlib input udp dport $port drop
"$ex" 4 "-t UDP -p $port" >"$WORK/watch.out" 2>"$WORK/watch.err" &
pid=$!; CAPTURES+=("$pid")
for _ in $(seq 1 600); do grep -q '^watching' "$WORK/watch.out" && break; kill -0 $pid 2>/dev/null || break; sleep 0.05; done
# 200 bytes of payload: a 242-byte frame, of which the stream's truncation_size (64) is handed over
for _ in 1 2 3; do ip netns exec "$A" bash -c 'printf "%200s" drop-me > /dev/udp/198.18.9.2/'"$port"; sleep 0.2; done
rc=0; wait "$pid" || rc=$?
cat "$WORK/watch.out" "$WORK/watch.err"
eq "drop_watch exit status" "0" "$rc"
drops=$(grep -c "^drop: component [0-9]* \"ipv4 INPUT \[netns $B\]\" (nf-input) reason NETFILTER_DROP at nft_do_chain.*, 242 bytes (64 captured)$" "$WORK/watch.out")
eq "each UDP datagram's drop printed with component, reason, size and truncation" "3" "$drops"
read -r printed counted < <(sed -nE 's/^totals: ([0-9]+) drops printed, ([0-9]+) drops counted.*/\1 \2/p' "$WORK/watch.out")
[ "${printed:-0}" -ge 3 ] && [ "$printed" = "$counted" ] && pass "totals: $printed drops printed = $counted counted by the kernel" ||
	fail "totals: printed [${printed:-}] counted [${counted:-}]"
finish
