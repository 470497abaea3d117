#!/bin/bash
# report.sh RESULTS_DIR - the markdown of docs/KERNELS.md from the results of kernels.sh: one row per
# kernel (mechanism per observation point, tests passed/failed/skipped), then the failures.
# Rows of the committed docs/KERNELS.md whose results are not in RESULTS_DIR (runs on another
# machine, whose cache this one does not have) are kept as they are.
top=$(cd "$(dirname "$0")/../../.." && pwd)
planned=$(( $(ls "$top"/tests/live/test_*.sh | wc -l) + $(sed -n 's/^  \([a-z0-9-]*\) *#.*/\1/p' "$top/tests/scenarios/CMakeLists.txt" | wc -l) ))
exec python3 - "$1" "$planned" "$top/docs/KERNELS.md" <<'PY'
import json, os, re, sys
root = sys.argv[1]
PLANNED = int(sys.argv[2])
def key(rel):  # natural order: 6.1 before 6.12, -s9 before -s15
    return [int(x) if x.isdigit() else x for x in re.split(r'(\d+)', rel)]
runs = {rel for rel in os.listdir(root) if os.path.isdir(os.path.join(root, rel))}
kept_rows, kept_details = {}, {}  # by run name, from the committed page
notes = []  # the committed page's notes on the runs (written by hand): kept, after the tables
if os.path.exists(sys.argv[3]):
    in_details = False
    for line in open(sys.argv[3], errors='replace'):
        if notes or line.startswith('## Notes'):
            notes.append(line.rstrip('\n'))
            continue
        m = re.match(r'\| (\S+) \| qemu|\| (\S+) \| host', line)
        if m and (m.group(1) or m.group(2)) not in runs:
            kept_rows[m.group(1) or m.group(2)] = line.rstrip('\n')
        in_details = in_details or line.startswith('Not passed:')
        m = re.match(r'- (\S+) `', line)
        if in_details and m and m.group(1) not in runs:
            kept_details.setdefault(m.group(1), []).append(line.rstrip('\n'))
rows, details = [], []
for rel in sorted(runs | set(kept_rows), key=key):
    if rel in kept_rows:
        rows.append(kept_rows[rel])
        details += kept_details.get(rel, [])
        continue
    d = os.path.join(root, rel)
    how = open(os.path.join(d, 'how')).read().strip() if os.path.exists(os.path.join(d, 'how')) else '?'
    how = how.replace('|', '\\|')  # a subset's regex inside a table cell
    mech = {}
    try:
        for s in json.load(open(os.path.join(d, 'list.json')))['sources']:
            mech[s['name']] = s.get('mechanism', 'yes' if s['available'] else 'unavailable')
    except Exception:
        pass
    nf = sorted({mech[k] for k in mech if k.startswith('nf-')})
    tp = [k for k in mech if not k.startswith('nf-')]
    tps = 'all tracepoint' if tp and all(mech[k] == 'tracepoint' for k in tp) else \
        ', '.join(f'{k}: {mech[k]}' for k in tp if mech[k] != 'tracepoint') or '?'
    res = {'PASS': [], 'FAIL': [], 'SKIP': []}
    log = os.path.join(d, 'suite.log')
    if os.path.exists(log):
        for line in open(log, errors='replace'):
            m = re.match(r'RESULT (\S+) (PASS|FAIL|SKIP)', line)
            if m:
                res[m.group(2)].append(m.group(1))
    total = sum(len(v) for v in res.values())
    pf = os.path.join(d, 'planned')  # the tests of the tree that ran (kernels.sh), else today's
    planned = int(open(pf).read()) if os.path.exists(pf) else PLANNED
    ran = f"{total} of {planned}" + (" (cut short)" if total < planned else "")
    rows.append(f"| {rel} | {how} | {', '.join(nf) or '?'} | {tps} | {len(res['PASS'])} | {len(res['FAIL'])} | {len(res['SKIP'])} | {ran} |")
    for name in res['FAIL'] + res['SKIP']:
        lines = []
        p = os.path.join(d, 'suite', name + '.log')
        if os.path.exists(p):
            lines = [l.rstrip() for l in open(p, errors='replace') if l.startswith(('FAIL', 'SKIP'))][:4]
        details.append(f"- {rel} `{name}`: " + ('; '.join(lines) if lines else 'see its log'))
print("""# Kernel matrix

pktmon's live tests (`tests/live`) and drop scenarios (`tests/scenarios`) on Debian's own kernels,
booted under qemu (TCG) with the host root shared read-only over 9p, and on the development host.
Regenerate with `scripts/matrix/kernels.sh [6.1|6.12|host|all]` (root; see the script's header; a
guest run of the whole suite takes 30-60 min without KVM). The netfilter points are served by the
first mechanism that works: BPF netfilter link (6.4+), else fentry on `nf_hook_slow`, else a kprobe
on it (both with an empty nftables table owned by the capture in every namespace, so every hook
point runs `nf_hook_slow`); `pktmon list` says which one.

| kernel | how | netfilter points (nf-*) | other points | passed | failed | skipped | tests run |
|---|---|---|---|---|---|---|---|""")
print('\n'.join(rows))
if details:
    print('\nNot passed:\n')
    print('\n'.join(details))
print("""
What the kernels offer (checked with a probe program per mechanism, 2026-11-30):

| kernel | BPF netfilter link | fentry/fexit | kprobe | kprobe.multi | `kfree_skb` |
|---|---|---|---|---|---|
| Debian 12 6.1.0-57 | no (6.4+) | yes | yes | no (no CONFIG_FPROBE) | (skb, location, reason) |
| Debian 12 6.12.117+deb12 | yes | yes | yes | yes | (skb, location, reason, rx_sk) |
| development host 6.18 | yes | refused (EPERM) | not built | no | (skb, location, reason, rx_sk) |

Kernels before 5.17 have `kfree_skb(skb, location)` without a reason: pktmon loads a drop program
of that shape there (chosen from the tracepoint's BTF prototype); none of the kernels above needs it.
pktmon does not probe `kfree_skb_reason` / `sk_skb_reason_drop` (renamed in 6.11): the tracepoint
carries the same reason.""")
if notes:
    print()
    print('\n'.join(notes).rstrip('\n'))
PY
