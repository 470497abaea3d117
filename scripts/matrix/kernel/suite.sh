#!/bin/bash
# suite.sh SRC OUTDIR - the project's live tests and drop scenarios, run directly (no ctest: the
# build folder is read-only in the guest), each with a timeout; logs in OUTDIR/suite/NAME.log and
# one line per test: "NAME PASS|FAIL|SKIP (rc, seconds)". PKTMON_MATRIX_ONLY: a regex of names to run,
# PKTMON_MATRIX_SKIP: a regex of names not to run.
src=$1; out=$2; per=${PKTMON_MATRIX_TIMEOUT:-600}
pktmon=$src/build/bin/pktmon; plugins=$src/build/plugins
mkdir -p "$out/suite"
export PKTMON_PLUGIN_DIR=$plugins
t0=$(date +%s); npass=0; nfail=0; nskip=0
one() { # one NAME CMD...
	local name=$1; shift; local s; s=$(date +%s)
	[ -n "${PKTMON_MATRIX_ONLY:-}" ] && ! [[ $name =~ $PKTMON_MATRIX_ONLY ]] && return 0
	[ -n "${PKTMON_MATRIX_SKIP:-}" ] && [[ $name =~ $PKTMON_MATRIX_SKIP ]] && return 0
	timeout -k 10 "$per" "$@" > "$out/suite/$name.log" 2>&1; local rc=$?
	local v=PASS; [ $rc = 77 ] && v=SKIP; [ $rc != 0 ] && [ $rc != 77 ] && v=FAIL
	case $v in PASS) npass=$((npass+1));; FAIL) nfail=$((nfail+1));; SKIP) nskip=$((nskip+1));; esac
	printf 'RESULT %s %s (rc=%s, %ss)\n' "$name" $v $rc $(( $(date +%s) - s ))
	[ $v = PASS ] || grep -E '^(FAIL|SKIP)' "$out/suite/$name.log" | head -12 | sed 's/^/      /'
}
echo "===== suite on $(uname -r) ====="
for t in "$src"/tests/live/test_*.sh; do n=$(basename "$t" .sh); one "live_${n#test_}" bash "$t" "$pktmon"; done
for s in $(sed -n 's/^  \([a-z0-9-]*\) *#.*/\1/p' "$src/tests/scenarios/CMakeLists.txt"); do
	one "scenario_$s" bash "$src/tests/scenarios/$s.sh" "$pktmon" "$plugins"
done
echo "TOTAL $npass pass, $nfail fail, $nskip skip in $(( $(date +%s) - t0 )) s"
