#!/bin/bash
# SPDX-License-Identifier: MIT
# The run folder takeover, as two local users: without XDG_RUNTIME_DIR the victim's run folder
# is /tmp/pktmon-UID; the attacker pre-creates it (0777) with session.log a symlink to the
# victim's file and a planted filters file. pktmon must refuse the folder, say so, and leave
# the victim's file alone. Needs root (to make the users); no BPF: the refusal comes first.
#
# usage: rundir_takeover.sh PKTMON
set -u
PKTMON=$(realpath "$1") || exit 1
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root to act as two users"; exit 77; }
command -v useradd >/dev/null && command -v runuser >/dev/null || { echo "SKIP: no useradd/runuser"; exit 77; }
for u in pmtest-victim pmtest-attacker; do
	id "$u" >/dev/null 2>&1 || useradd --system --no-create-home --shell /bin/sh "$u" || exit 1
done
victim=$(id -u pmtest-victim)
fails=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }
as() { local u=$1; shift; runuser -u "$u" -- env -u XDG_RUNTIME_DIR -u PKTMON_RUN_DIR "$@"; }

# the binary must be reachable by both users
bin=$(mktemp -d /tmp/pmtest-bin.XXXXXX)
trap 'rm -rf "$bin" "/tmp/pktmon-$victim" "$secret_dir"' EXIT
cp "$PKTMON" "$bin/pktmon" && chmod 0755 "$bin" "$bin/pktmon"
secret_dir=$(mktemp -d /tmp/pmtest-victim.XXXXXX)
chown pmtest-victim "$secret_dir"
as pmtest-victim sh -c "echo precious > $secret_dir/notes"

rm -rf "/tmp/pktmon-$victim"
as pmtest-attacker sh -c "mkdir /tmp/pktmon-$victim && chmod 0777 /tmp/pktmon-$victim &&
	ln -s $secret_dir/notes /tmp/pktmon-$victim/session.log && echo '-t TCP -p 4444' > /tmp/pktmon-$victim/filters"

out=$(as pmtest-victim "$bin/pktmon" start -f "$secret_dir/cap.pcapng" 2>&1); rc=$?
[ "$rc" = 1 ] && ok "start refuses (exit 1)" || bad "start: exit $rc ($out)"
grep -q "refusing the run folder /tmp/pktmon-$victim: it belongs to another user" <<<"$out" &&
	ok "start says why" || bad "start message: $out"
[ "$(cat "$secret_dir/notes")" = precious ] && ok "the victim's file is untouched" || bad "the victim's file was changed"
for verb in "filter list" stop status; do
	out=$(as pmtest-victim "$bin/pktmon" $verb 2>&1); rc=$?
	[ "$rc" = 1 ] && grep -q "refusing the run folder" <<<"$out" && ok "$verb refuses" || bad "$verb: exit $rc ($out)"
done

# the same folder, owned by the victim but writable by others: refused too
rm -rf "/tmp/pktmon-$victim"
as pmtest-victim sh -c "mkdir /tmp/pktmon-$victim && chmod 0777 /tmp/pktmon-$victim"
out=$(as pmtest-victim "$bin/pktmon" filter list 2>&1)
grep -q "others may write to it" <<<"$out" && ok "a world-writable folder is refused" || bad "world-writable: $out"

# a symlink to a folder of the victim's: refused
rm -rf "/tmp/pktmon-$victim"
as pmtest-attacker ln -s "$secret_dir" "/tmp/pktmon-$victim"
out=$(as pmtest-victim "$bin/pktmon" filter add -p 80 2>&1)
grep -q "not a directory" <<<"$out" && ok "a symlinked folder is refused" || bad "symlink: $out"
rm -f "/tmp/pktmon-$victim"

# and a folder pktmon makes itself is the victim's, 0700
as pmtest-victim "$bin/pktmon" filter add -p 80 >/dev/null 2>&1
st=$(stat -c '%U %a' "/tmp/pktmon-$victim" 2>/dev/null)
[ "$st" = "pmtest-victim 700" ] && ok "a new run folder is the caller's, 0700" || bad "new folder: [$st]"
[ "$fails" = 0 ] && echo "all checks passed" || exit 1
