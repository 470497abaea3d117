#!/bin/bash
# The public API: two sessions of one handle in one process, each with its own
# constraint, each gets only its own packets (api_two_sessions.c).
. "$(dirname "$0")/lib.sh"
API=${PKTMON%/bin/pktmon}/tests/live/api_two_sessions
[ -x "$API" ] || skip "api_two_sessions is not built ($API)"
need_live
need_cmd ping

A=$(nsname a); B=$(nsname b)
ns_pair "$A" "$B" 198.18.7.1 198.18.7.2
"$API" $((3 * SLOWDOWN)) >"$WORK/api.out" 2>"$WORK/api.err" &
pid=$!
for _ in $(seq 1 600); do grep -q ready "$WORK/api.out" && break; sleep 0.05; done
ip netns exec "$A" ping -c 2 -i 0.2 -W 1 198.18.7.2 >/dev/null || true
ip netns exec "$A" bash -c 'for i in 1 2 3; do echo x > /dev/udp/198.18.7.2/9; done'
rc=0; wait "$pid" || rc=$?
cat "$WORK/api.out" "$WORK/api.err"
eq "api program exit status" "0" "$rc"
read -r _ _ _ ea _ ua _ ia _ oa _ la <<<"$(grep '^udp9 session' "$WORK/api.out")"
read -r _ _ _ eb _ ub _ ib _ ob _ lb <<<"$(grep '^icmp session' "$WORK/api.out")"
[ "${ua:-0}" -gt 0 ] && pass "udp9 session saw $ua UDP port 9 events" || fail "udp9 session saw no UDP port 9"
eq "udp9 session: nothing else" "0 0" "${ia:-x} ${oa:-x}"
[ "${ib:-0}" -gt 0 ] && pass "icmp session saw $ib ICMP events" || fail "icmp session saw no ICMP"
eq "icmp session: nothing else" "0 0" "${ub:-x} ${ob:-x}"
finish
