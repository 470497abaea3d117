#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""report.py - turns the raw records of bench/run.sh into RESULTS.md, results.csv, results.json.

Every ratio is computed inside one round (a mode against the baseline measured in the same
round, minutes apart at most) and then summarised by its median over the rounds, with the
range; absolute figures are medians too.
"""
import argparse
import csv
import json
import os
import statistics

ap = argparse.ArgumentParser()
ap.add_argument("--raw", required=True)
ap.add_argument("--meta", required=True)
ap.add_argument("--out", required=True)
a = ap.parse_args()

meta = json.load(open(a.meta))
recs = [json.loads(l) for l in open(a.raw) if l.strip()]


def sec(name, **kw):
    return [r for r in recs if r.get("section") == name and all(r.get(k) == v for k, v in kw.items())]


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, nd=0, unit=""):
    if x is None:
        return "n/a"
    if isinstance(x, float) and nd == 0 and abs(x) < 10:
        nd = 2
    return f"{x:,.{nd}f}{unit}"


def pct(x, nd=1):
    return "n/a" if x is None else f"{100 * x:.{nd}f} %"


def rng(xs, f=pct):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "n/a"
    return f"{f(min(xs))} .. {f(max(xs))}"


L = []  # the markdown lines
verdicts = []  # (target, measured, status)
P = L.append

P("# pktmon benchmarks: results")
P("")
P(f"Run {meta['date']} .. {meta.get('end', '?')} ({meta.get('total_seconds', 0) // 60} min), "
  f"{'**smoke run** (tiny durations, figures not meaningful)' if meta.get('smoke') else 'full run'}, "
  "by `bench/run.sh` (method, caveats and how to reproduce: [README.md](README.md)). "
  "Raw figures: [results.csv](results.csv), [results.json](results.json).")
P("")
P("| machine | |")
P("|---|---|")
P(f"| CPU | {meta['cpu']}, {meta['ncpu']} CPUs (VM), {meta['mem_gb']} GiB |")
P(f"| OS, kernel | {meta['os']}, Linux {meta['kernel']} |")
P(f"| pktmon | git {meta['git']}, binary sha256 {meta['pktmon_sha']}… built {meta['pktmon_mtime']}; libbpf {meta['libbpf']} |")
P(f"| tools | {meta['tcpdump']}; {meta['iperf3']}; {meta['tshark']} |")
P(f"| machine state | shared: load average {meta['loadavg_at_start']} at start, {meta.get('loadavg_at_end', '?')} at end; "
  f"{meta['netns_at_start']} named netns and {meta['foreign_pm_progs_at_start']} other `pm_` BPF programs (other engineers' "
  "pktmon sessions) at start |")
P("")

parts = {}  # section number -> its markdown lines, printed in order after the summary
body = []
B = body.append


def part(n):
    """Start the lines of section n: B appends to them from now on."""
    global B
    parts[n] = []
    B = parts[n].append

# ---------------------------------------------------------------- overhead
ovh = sec("overhead")
MODES = ["none", "counters", "capture", "nomatch", "tcpdump"]
MODE_NAMES = {
    "none": "no monitor",
    "counters": "pktmon counters-only",
    "capture": "pktmon capture, all components, 128 B, to pcapng",
    "nomatch": "pktmon capture with a filter matching nothing",
    "tcpdump": "tcpdump -s 128 -w, sender's veth (in its netns)",
}
ratios = {}  # (workload, mode) -> list of per-round ratios to baseline
summary_ok_all = all(r.get("summary_ok", 1) == 1 for r in recs if "summary_ok" in r)
if ovh:
    part(1)
    rounds = sorted({r["round"] for r in ovh})
    B("## 1. Overhead: throughput with each monitor, relative to no monitor")
    B("")
    B(f"{len(rounds)} rounds; in each round every mode runs once for {meta['duration']} s per load, in an order "
      "that rotates between rounds; a ratio compares a mode with the no-monitor run **of the same round**; "
      "the table gives the median ratio over the rounds and its range. UDP: 64-byte payloads (106-byte frames), "
      "one sender pinned to CPU 0, one receiver (recvmmsg) on CPU 1, *delivered* datagrams per second. "
      "TCP: one iperf3 stream, client on CPU 0, server on CPU 1; Gbit/s received and the data skbs per second "
      "the sender's veth transmitted (GSO: each skb is up to 64 KiB). The monitors are not pinned. "
      "*Observations per packet*: what the monitor recorded (pktmon: component crossings counted in our two "
      "namespaces; tcpdump: packets captured) divided by the packets that crossed the veth (both directions). "
      "*Per sender CPU-s*: datagrams sent per CPU-second the sender got (its softirq work, i.e. the whole "
      "transmit and receive path up to the socket, is charged to it): a cost measure that other jobs on the "
      "machine disturb less than throughput, but that leaves out the monitor's own process.")
    B("")
    for w in ["udp", "tcp"]:
        rows = [r for r in ovh if r["workload"] == w]
        if not rows:
            continue
        key = "pps_recv" if w == "udp" else "gbps"
        base = {r["round"]: r for r in rows if r["mode"] == "none"}
        if w == "udp":
            B("| UDP flood | delivered pps (median) | ratio to baseline (median) | range over rounds | "
              "per sender CPU-s, ratio | obs / packet | events lost | monitor CPU s | peak RSS |")
            B("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        else:
            B("| TCP stream | Gbit/s (median) | ratio to baseline (median) | range | skb/s ratio (median) | obs / packet | "
              "events lost | monitor CPU s | peak RSS |")
            B("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for m in MODES:
            mr = [r for r in rows if r["mode"] == m]
            if not mr:
                continue
            rs = [r[key] / base[r["round"]][key] for r in mr if r["round"] in base and base[r["round"]][key]]
            ratios[(w, m)] = rs
            lost = sum(r.get("lost", 0) for r in mr)
            if m == "tcpdump":
                lost_s = f"{sum(r.get('td_dropped', 0) for r in mr):,} (kernel drops)"
            elif m == "none":
                lost_s = "–"
            else:
                lost_s = f"{lost:,}"
            cpu = med([r["mon_cpu_s"] for r in mr]) if m != "none" else None
            cpu_s = "–" if cpu is None else f"{cpu:.2f} ({100 * cpu / meta['duration']:.0f} %)"
            rss = "–" if m == "none" else f"{med([r['hwm_kb'] for r in mr]) / 1024:.1f} MiB"
            opp = "–" if m == "none" else fmt(med([r["obs_per_pkt"] for r in mr]), 2)
            if w == "udp":
                rc = [r["pkts_per_sender_cpu_s"] / base[r["round"]]["pkts_per_sender_cpu_s"] for r in mr
                      if r["round"] in base and base[r["round"]].get("pkts_per_sender_cpu_s")]
                B(f"| {MODE_NAMES[m]} | {fmt(med([r[key] for r in mr]))} | {pct(med(rs))} | {rng(rs)} | "
                  f"{pct(med(rc))} | {opp} | {lost_s} | {cpu_s} | {rss} |")
            else:
                rs2 = [r["pps_sent"] / base[r["round"]]["pps_sent"] for r in mr
                       if r["round"] in base and base[r["round"]]["pps_sent"]]
                B(f"| {MODE_NAMES[m]} | {fmt(med([r[key] for r in mr]), 2)} | {pct(med(rs))} | {rng(rs)} | "
                  f"{pct(med(rs2))} | {opp} | {lost_s} | {cpu_s} | {rss} |")
        B("")
        # capture vs tcpdump in the same round
        cap = {r["round"]: r for r in rows if r["mode"] == "capture"}
        td = {r["round"]: r for r in rows if r["mode"] == "tcpdump"}
        both = sorted(set(cap) & set(td))
        if both:
            rr = [cap[k][key] / td[k][key] for k in both if td[k][key]]
            oc = med([cap[k]["obs_per_pkt"] for k in both])
            ot = med([td[k]["obs_per_pkt"] for k in both])
            B(f"pktmon capture vs tcpdump, same round ({w.upper()}): throughput ratio {pct(med(rr))} "
              f"(range {rng(rr)}); observations per packet {fmt(oc, 2)} vs {fmt(ot, 2)} "
              f"(x{fmt(oc / ot if ot else None, 1)}).")
            B("")
            if w == "udp":
                verdicts.append(("full capture keeps at least tcpdump's pps (UDP flood)", f"{pct(med(rr))} of tcpdump's pps",
                                 "met" if med(rr) >= 1.0 else "NOT met"))
                verdicts.append(("... while recording ≥ 3x tcpdump's observation points per packet",
                                 f"{fmt(oc, 2)} vs {fmt(ot, 2)} (x{fmt(oc / ot if ot else 0, 1)})",
                                 "met" if ot and oc / ot >= 3 else "NOT met"))
            else:
                verdicts.append(("full capture keeps at least tcpdump's throughput (TCP stream)",
                                 f"{pct(med(rr))} of tcpdump's Gbit/s", "met" if med(rr) >= 1.0 else "NOT met"))
    cap_rows = [r for r in ovh if r["mode"] in ("capture", "nomatch", "counters")]
    if cap_rows:
        wr = [r for r in ovh if r["mode"] == "capture" and r.get("written")]
        bpe = med([r["file_bytes"] / r["written"] for r in wr]) if wr else None
        B(f"pcapng bytes per event (capture mode): {fmt(bpe, 0)}. Every pktmon run above: "
          f"events written + lost = generated: **{'yes' if all(r.get('summary_ok', 1) == 1 for r in cap_rows) else 'NO'}**. "
          "pktmon hooks every namespace, so its event counts include the (small) traffic of other engineers' "
          "namespaces; the observations per packet count only our two.")
        B("")
    for w in ["udp", "tcp"]:
        if (w, "counters") in ratios:
            c = med(ratios[(w, "counters")])
            verdicts.append((f"counters-only costs ≤ 2 % of baseline ({w.upper()})",
                             f"costs {pct(1 - c)} (range {rng([1 - x for x in ratios[(w, 'counters')]])})",
                             "met" if 1 - c <= 0.02 else "NOT met"))

# ---------------------------------------------------------------- the floor
flo = sec("floor")
FLOOR_NAMES = {
    "none": "no monitor (baseline)",
    "floor": "floor: empty programs at the session's points",
    "floorcount": "counting floor: unchecked per-CPU adds by the component's words at device and netfilter points",
    "tcpdump": "tcpdump -s 128 -w, sender's veth",
    "counters": "pktmon counters-only",
    "floorwrite": "write floor: a bare event at each device and netfilter point, 128 B",
    "capture": "pktmon capture, all components, 128 B",
    "nics": "pktmon capture `--comp nics`, 128 B",
    "counters_before": "*before*: counters-only of the previous build",
    "capture_before": "*before*: capture, all components, of the previous build",
}
fc = sec("floorcost")
# Runs a datagram of the flood causes per program: 4 netfilter hooks (OUTPUT, POSTROUTING,
# PREROUTING, INPUT), one of each device point, one free. pktmon hooks every namespace, so a
# program's run count includes other jobs' traffic: a packet's share is capped at these.
RUNS_PER_PKT = {"pm_nf": 4, "pm_nf_fentry": 4, "pm_nf_kprobe": 4}


def prog_ns_per_pkt(rows):
    """All programs' ns a datagram: of one round's rows, or the median over the rounds given."""
    rounds = sorted({r["round"] for r in rows})
    if len(rounds) > 1:
        return med([prog_ns_per_pkt([r for r in rows if r["round"] == k]) for k in rounds])
    if not rows or not rows[0]["pkts"]:
        return None
    pk = rows[0]["pkts"]
    return sum(r["avg_ns"] * min(r["run_cnt"] / pk, RUNS_PER_PKT.get(r["prog"], 1)) for r in rows if r["run_cnt"])


STAT_RATE = "50 000 datagrams/s"
if fc and fc[0].get("pps") is not None:
    STAT_RATE = "a flat-out flood" if not fc[0]["pps"] else f"{fc[0]['pps']:,} datagrams/s".replace(",", " ")
if flo or fc:
    part(1.5)
    rounds = sorted({r["round"] for r in flo})
    byr = {(r["round"], r["mode"]): r for r in flo}

    def per_round(m, f):
        out = []
        for k in rounds:
            x = f(k, m)
            if x is not None:
                out.append(x)
        return out

    def ratio_to(k, m, ref):
        a_, b_ = byr.get((k, m)), byr.get((k, ref))
        return a_["pps_recv"] / b_["pps_recv"] if a_ and b_ and b_["pps_recv"] else None

    def cost_x_floor(k, m):
        rm, rf = ratio_to(k, m, "none"), ratio_to(k, "floor", "none")
        return (1 - rm) / (1 - rf) if rm is not None and rf is not None and rf < 1 else None

    B("## 1b. Against the floor: pktmon's cost as a multiple of the unavoidable cost")
    B("")
    B(f"{len(rounds)} interleaved rounds of the UDP flood (64-byte datagrams, sender on CPU 0, receiver on CPU 1, "
      f"{meta['duration'] if meta['duration'] <= 10 else 10} s a mode, the order rotating between rounds). "
      "*The floor* is the session itself (`PKTMON_BENCH_FLOOR=1 pktmon start --counters-only`): the same "
      "tp_btf tracepoints, netfilter links (or fallbacks) per hook, family and namespace, attached the same way, "
      "every program returning at once: what any design observing these points pays. Ratios are taken within a "
      "round, then the median over rounds (range in brackets). *Cost* = 1 − pps / baseline pps; "
      "*× floor* = a mode's cost / the floor's cost in the same round. *ns of programs a packet*: a separate run "
      f"per mode at {STAT_RATE} with `kernel.bpf_stats_enabled=1`: each program's average run time "
      "(`run_time_ns / run_cnt`, the stats' own clock reads included, ~25 ns) times its runs per datagram "
      "(at most 4 for the netfilter program, 1 for the others: other jobs' traffic runs the programs too). The machine is shared with other "
      "jobs: absolute figures move, ratios within a round compare.")
    B("")
    if flo:
        B("| mode | delivered pps | % of baseline pps | cost × floor's | % of tcpdump's pps | ns of programs a packet | "
          "events generated / written / lost | written + lost = generated |")
        B("|---|---:|---:|---:|---:|---:|---:|:---:|")
    for m in ["none", "floor", "floorcount", "tcpdump", "counters", "floorwrite", "capture", "nics", "counters_before",
              "capture_before"] if flo else []:
        mr = [r for r in flo if r["mode"] == m]
        if not mr:
            continue
        rb = per_round(m, lambda k, m: ratio_to(k, m, "none"))
        xf = per_round(m, cost_x_floor)
        rt = per_round(m, lambda k, m: ratio_to(k, m, "tcpdump"))
        nsp = prog_ns_per_pkt([r for r in fc if r["mode"] == m])
        ev = "–"
        ok = "–"
        if m == "floorwrite":  # nothing counted: the written events are the whole story
            ev = f"– / {sum(r['written'] for r in mr):,} / –"
        elif m not in ("none", "tcpdump"):
            ev = f"{sum(r['generated'] for r in mr):,} / {sum(r['written'] for r in mr):,} / {sum(r['lost'] for r in mr):,}"
            ok = "yes" if all(r.get("summary_ok", 1) == 1 for r in mr) else "**NO**"
        B(f"| {FLOOR_NAMES[m]} | {fmt(med([r['pps_recv'] for r in mr]))} | "
          f"{pct(med(rb))} ({rng(rb)}) | "
          f"{'–' if m in ('none', 'floor') or not xf else fmt(med(xf), 2) + ' (' + rng(xf, lambda x: fmt(x, 2)) + ')'} | "
          f"{'–' if m in ('none', 'tcpdump') or not rt else pct(med(rt))} | "
          f"{'–' if nsp is None else fmt(nsp, 0)} | {ev} | {ok} |")
    B("")
    if fc:
        B(f"Per program (bpf_stats runs, {STAT_RATE}; over all their rounds): runs, average ns a run, and all "
          "programs' ns a packet (median of the rounds).")
        B("")
        B("| mode | program | runs | avg ns | mode: ns of programs a packet (× floor's) |")
        B("|---|---|---:|---:|---:|")
        fl_ns = prog_ns_per_pkt([r for r in fc if r["mode"] == "floor"])
        for m in ["floor", "floorcount", "counters", "counters_before", "floorwrite", "capture", "capture_before",
                  "nics"]:
            mrows = [r for r in fc if r["mode"] == m]
            if not mrows:
                continue
            tot = prog_ns_per_pkt(mrows)
            agg = {}  # a program's runs and time over all rounds
            for r in mrows:
                a_ = agg.setdefault(r["prog"], {"prog": r["prog"], "run_cnt": 0, "run_time_ns": 0})
                a_["run_cnt"] += r["run_cnt"]
                a_["run_time_ns"] += r["run_time_ns"]
            for a_ in agg.values():
                a_["avg_ns"] = a_["run_time_ns"] / a_["run_cnt"] if a_["run_cnt"] else 0
            rr = sorted(agg.values(), key=lambda r: -r["run_time_ns"])
            for i, r in enumerate(rr):
                tail = ""
                if i == 0:
                    tail = fmt(tot, 0) + (f" ({fmt(tot / fl_ns, 2)}×)" if fl_ns and m != "floor" else "")
                B(f"| {m if i == 0 else ''} | {r['prog']} | {r['run_cnt']:,} | {fmt(r['avg_ns'], 0)} | {tail} |")
        B("")
    xc = per_round("counters", cost_x_floor)
    # the floor's cost in ns a datagram on the flood's CPU, from pps: what every "× floor" divides by
    floor_cost_ns = per_round("floor", lambda k, m: 1e9 / byr[(k, m)]["pps_recv"] - 1e9 / byr[(k, "none")]["pps_recv"]
                              if byr.get((k, m), {}).get("pps_recv") and byr.get((k, "none"), {}).get("pps_recv")
                              else None)
    # counters-only, and the counting floor under it (the least any count per component does)
    for m, name in [("counters", "Counters-only"), ("floorcount", "The counting floor")]:
        xm = per_round(m, cost_x_floor)
        if len(xm) < 8:  # too few rounds for quartiles: how tight the median is
            continue
        q = statistics.quantiles(xm, n=4)
        rc = med(per_round(m, lambda k, m: ratio_to(k, m, "none")))
        rf = med(per_round("floor", lambda k, m: ratio_to(k, m, "none")))
        B(f"{name} against the floor over {len(xm)} rounds: cost × floor's median **{fmt(med(xm), 2)}**, "
          f"quartiles {fmt(q[0], 2)} – {fmt(q[2], 2)}, {sum(x <= 1.25 for x in xm)} of {len(xm)} rounds ≤ 1.25; "
          f"from the medians of the pps ratios (1 − {pct(rc)}) / (1 − {pct(rf)}) = "
          f"{fmt((1 - rc) / (1 - rf), 2) if rf < 1 else 'n/a'}.")
        # the floor's cost, and what the mode adds inside the programs (bpf_stats: the stats'
        # clock reads cancel out in the difference)
        fns = floor_cost_ns

        def ns_by_round(m):
            return {k: prog_ns_per_pkt([r for r in fc if r["mode"] == m and r["round"] == k])
                    for k in {r["round"] for r in fc if r["mode"] == m}}
        fl_r, co_r = ns_by_round("floor"), ns_by_round(m)
        w = [co_r[k] - fl_r[k] for k in sorted(fl_r.keys() & co_r.keys())]
        if w and fns and med(fns) > 0:
            B(f"The floor costs {fmt(med(fns), 0)} ns a datagram on the flood's CPU (median, from pps); "
              f"{'counters-only' if m == 'counters' else 'the counting floor'}'s programs run {fmt(med(w), 0)} ns "
              f"a datagram longer than the empty ones (bpf_stats, {len(w)} rounds: "
              f"{', '.join(fmt(x, 0) for x in w)}): 1 + {fmt(med(w), 0)} / {fmt(med(fns), 0)} = "
              f"**{fmt(1 + med(w) / med(fns), 2)}×** the floor's cost.")
        B("")
    if xc:
        # the floor's own cost divides every ratio: say how much it moved, so a noisy hour's
        # inflated floor (which makes any mode look cheap against it) is seen as such
        note = ""
        if len(floor_cost_ns) >= 4:
            lo, _, hi = statistics.quantiles(floor_cost_ns, n=4)
            note = (f"; the floor's own cost {fmt(med(floor_cost_ns), 0)} ns a datagram "
                    f"(quartiles {fmt(lo, 0)}–{fmt(hi, 0)})")
            if lo <= 0 or hi / lo > 2:
                note += ": noisy, the ratio is not a verdict"
        verdicts.append(("counters-only costs ≤ 1.25× the floor's cost (UDP flood)", f"{fmt(med(xc), 2)}× "
                         f"(range {rng(xc, lambda x: fmt(x, 2))}){note}",
                         ("met" if med(xc) <= 1.25 else "NOT met") + (" (noisy)" if "noisy" in note else "")))
    for m, want, t in [("capture", 0.8, "capture of all components keeps ≥ 80 % of tcpdump's pps"),
                       ("nics", 1.0, "capture `--comp nics` keeps ≥ 100 % of tcpdump's pps")]:
        rt = per_round(m, lambda k, m: ratio_to(k, m, "tcpdump"))
        if rt:
            verdicts.append((t, f"{pct(med(rt))} (range {rng(rt)})", "met" if med(rt) >= want else "NOT met"))
    cl = [r for r in flo if r["mode"] in ("capture", "nics")]
    if cl:
        lost = sum(r["lost"] for r in cl)
        verdicts.append(("zero events lost at the flat-out flood, default ring (floor rounds)",
                         f"{lost:,} lost of {sum(r['generated'] for r in cl):,}", "met" if lost == 0 else "NOT met"))

# ---------------------------------------------------------------- memory
if ovh:
    part(6)
    B("## 6. Memory of the capture process, per mode")
    B("")
    B("Peak resident set (VmHWM of the monitor process, read just before stopping it; median over rounds and "
      "loads) and the kernel memory its BPF maps and programs hold (sum of `memlock` in its fds' fdinfo: the "
      "ring buffer is most of it). tcpdump's kernel side (its TPACKET ring, 2 MiB by default) is not counted.")
    B("")
    B("| mode | peak RSS | BPF maps + programs (kernel) |")
    B("|---|---:|---:|")
    for m in MODES[1:]:
        mr = [r for r in ovh if r["mode"] == m]
        if not mr:
            continue
        km = med([r["bpf_memlock"] for r in mr if r.get("bpf_memlock")])
        B(f"| {MODE_NAMES[m]} | {med([r['hwm_kb'] for r in mr]) / 1024:.1f} MiB (max {max(r['hwm_kb'] for r in mr) / 1024:.1f}) | "
          f"{'–' if not km else f'{km / 1048576:.1f} MiB'} |")
    B("")

# ---------------------------------------------------------------- loss
loss_all = sorted(sec("loss"), key=lambda r: (r.get("ring_bytes", 0) != 0, r["pps_sent"]))
loss = [r for r in loss_all if not r.get("ring_bytes")]
if loss:
    part(2)
    B("## 2. Loss: events generated, written and lost at rising rates (capture mode)")
    B("")
    B("pktmon capture (all components, 128 bytes, default ring) of a paced 64-byte UDP flood (target 0 = "
      "flat out), from pktmon's own summary line. *written + lost = generated* is the no-silent-loss check.")
    B("")
    B("| target pps | ring | sent pps | events/s written | generated | written | lost | loss % | written + lost = generated | consumer CPU |")
    B("|---:|---:|---:|---:|---:|---:|---:|---:|:---:|---:|")
    for r in loss_all:
        ring = "default" if not r.get("ring_bytes") else f"{r['ring_bytes'] // 1024} KiB"
        lp = r["lost"] / r["generated"] if r["generated"] else 0
        B(f"| {'max' if r['target_pps'] == 0 else format(r['target_pps'], ',')} | {ring} | {fmt(r['pps_sent'])} | "
          f"{fmt(r['events_per_s'])} | {r['generated']:,} | {r['written']:,} | {r['lost']:,} | {pct(lp, 2)} | "
          f"{'yes' if r['summary_ok'] else '**NO**'} | {100 * r['mon_cpu_s'] / r['secs']:.0f} % |")
    B("")
    B("The last row uses a 64 KiB ring (`--ring-size 65536`) on purpose, to check the accounting under real loss.")
    B("")
    clean = [r for r in loss if r["lost"] == 0]
    lossy = [r for r in loss if r["lost"] > 0]
    if clean:
        best = max(clean, key=lambda r: r["pps_sent"])
        B(f"Highest rate without loss (default ring): **{fmt(best['pps_sent'])} datagrams/s = {fmt(best['events_per_s'])} events/s** "
          f"({'the flat-out rate of this machine with pktmon attached: no loss at any rate it can produce' if not lossy else 'lowest lossy rate: ' + fmt(min(lossy, key=lambda r: r['pps_sent'])['pps_sent']) + ' pps'}).")
        if not lossy and best["mon_cpu_s"]:
            B(f"At that rate the consumer used {100 * best['mon_cpu_s'] / best['secs']:.0f} % of a CPU: the senders' "
              "CPU (which runs the BPF programs) saturates first here.")
        B("")
    runs = [r for r in recs if "summary_ok" in r and r.get("generated")]
    bad = [r for r in runs if r["summary_ok"] != 1]
    missing = sum(r["generated"] - r["written"] - r["lost"] for r in bad)
    where = "; ".join(f"{r['section']} {r.get('workload', '')} {r.get('mode', 'capture')} round {r.get('round', '-')}"
                      for r in bad[:3])
    verdicts.append(("zero events lost silently (written + lost = generated, every pktmon run)",
                     f"all {len(runs)} runs balance" if not bad else
                     f"{len(bad)} of {len(runs)} runs do not: {missing:,} event(s) unaccounted ({where})",
                     "met" if not bad else "NOT met"))

# ---------------------------------------------------------------- export
exp = sec("export")
if exp:
    part(3)
    B("## 3. Export rate: events per second one consumer core turns into pcapng")
    B("")
    B("`pm_encode_bench` (bench/encode_bench.c) consumes synthetic events shaped like the BPF programs' "
      "(struct pm_event + a 128-byte frame, the eight components of a UDP datagram's path) from an 8 MiB array "
      "(the ring's size), pinned to one CPU, with the session's pure encoders (`pktmon_pure`). Median over rounds.")
    B("")
    B("| stage | what one event costs | events/s (median) | range | ns/event |")
    B("|---|---|---:|---:|---:|")
    desc = {
        "encode": "the generic block and TLV encoders (pm_observation_encode_generic, the reference)",
        "fast": "the session's encoder, pm_observation_encode (one size computation, direct stores; byte-identical)",
        "devnull": "encode + pm_sink_write to /dev/null",
        "consumer": "devnull + on_ring_event's lock, component lookup, ifname copy",
        "consumer_file": "consumer, writing a file on tmpfs",
        "fast_consumer": "its encoder + sink to /dev/null + the bookkeeping (the session's path before 2026-12-01)",
        "fast_file": "fast_consumer, writing a file on tmpfs",
        "inplace_consumer": "what the session runs: fast_consumer with each block encoded in the sink's buffer (no copy)",
        "inplace_file": "inplace_consumer, writing a file on tmpfs",
    }
    eps = {}
    for st in ["encode", "fast", "devnull", "consumer", "consumer_file", "fast_consumer", "fast_file",
               "inplace_consumer", "inplace_file"]:
        rr = [r for r in exp if r["stage"] == st]
        if not rr:
            continue
        e = [r["eps_per_cpu_s"] for r in rr]
        eps[st] = med(e)
        B(f"| {st} | {desc[st]} | {fmt(med(e))} | {rng(e, lambda x: f'{x / 1e6:.2f} M')} | {1e9 / med(e):.0f} |")
    B("")
    bpe = med([r["bytes_per_event"] for r in exp])
    B(f"Block size: {fmt(bpe, 0)} bytes per event (EPB with a 128-byte frame, flags, packet id and the metadata option).")
    B("")
    live = [r for r in loss if r["target_pps"] == 0] if loss else []
    if live:
        r = live[0]
        B(f"Live, for comparison (section 2, flat-out flood): pktmon wrote {fmt(r['events_per_s'])} events/s using "
          f"{r['mon_cpu_s']:.2f} CPU-s in {r['secs']:.1f} s, i.e. {fmt(r['written'] / r['mon_cpu_s'] if r['mon_cpu_s'] else None)} "
          "events per consumer CPU-second (ring buffer reads, encoding, write(2) to tmpfs).")
        B("")
    B("The BPF ring buffer's transport limit, as published (8-byte records, the kernel's "
      "`tools/testing/selftests/bpf/benchs/run_bench_ringbufs.sh`): one producer with one libbpf consumer on "
      "another CPU ≈ 11–12 M records/s (Intel Xeon E5-2680 v4, Andrii Nakryiko, \"selftests/bpf: Add BPF ringbuf "
      "and perf buffer benchmarks\", Linux 5.8, 2020; 11.4 M/s on Sapphire Rapids in Kumar Kartikeya Dwivedi's "
      "\"bpf: Convert ringbuf.c to rqspinlock\", 2025) and up to ≈ 43 M/s on a Ryzen 9 7950X after a 2023 libbpf "
      "consumer fix (Andrew Werner's series on bpf-next); with two or more producers contending for the ring's "
      "lock the same benchmark falls to ≈ 2–3 M records/s (the rqspinlock patch's multi-producer table). So "
      "on 2+ busy CPUs the kernel side, not only the consumer, bounds a single shared ring to a few M events/s.")
    B("")
    session = "inplace_consumer" if "inplace_consumer" in eps else "fast_consumer"
    if session in eps:
        verdicts.append(("≥ 3 M events/s exported per consumer core",
                         f"{eps[session] / 1e6:.1f} M/s (the session's consumer path, synthetic, to /dev/null)"
                         + (f"; live {live[0]['written'] / live[0]['mon_cpu_s'] / 1e6:.2f} M per CPU-s" if live and live[0]['mon_cpu_s'] else ""),
                         "met" if eps[session] >= 3e6 else "NOT met"))
        if "consumer" in eps:
            verdicts.append(("(generic encoders, same bytes)", f"{eps['consumer'] / 1e6:.2f} M/s", "for comparison"))

# ---------------------------------------------------------------- startup
st = sec("startup")
if st:
    part(4)
    B("## 4. Startup and shutdown")
    B("")
    B("`pktmon start` (capture mode, all components) while 2000 datagrams/s flow between the namespaces. "
      "*ready*: until it prints `capturing`; *first packet*: until the timestamp of the earliest packet in the "
      "file (the load's spacing adds up to 0.5 ms); *detached*: from SIGTERM until none of the process's BPF "
      "programs exists any more (`bpftool prog show id N` on the ids in its fds, polled every 2 ms); *exit*: "
      "until the process ended (file finished).")
    B("")
    B("| rep | ready ms | first packet ms | stop → detached ms | stop → exit ms | programs | netns hooked |")
    B("|---:|---:|---:|---:|---:|---:|---:|")
    for r in st:
        B(f"| {r['rep']} | {fmt(r['ready_ms'], 1)} | {fmt(r['first_pkt_ms'], 1)} | {fmt(r['detach_ms'], 1)} | "
          f"{fmt(r['exit_ms'], 1)} | {r['progs']} | {r['netns_hooked']} |")
    fp = [r["first_pkt_ms"] for r in st if r["first_pkt_ms"] >= 0]
    B("")
    B(f"Median start → first packet {fmt(med(fp), 1)} ms (max {fmt(max(fp) if fp else None, 1)}); "
      f"stop → detached {fmt(med([r['detach_ms'] for r in st]), 1)} ms.")
    B("")
    if fp:
        verdicts.append(("start-to-first-packet ≤ 300 ms", f"median {fmt(med(fp), 0)} ms, max {fmt(max(fp), 0)} ms",
                         "met" if max(fp) <= 300 else ("met (median)" if med(fp) <= 300 else "NOT met")))

sp = sec("startup_phases")
if sp:
    if 4 not in parts:
        part(4)
    r = sp[0]
    B("Where the startup time goes (one more start under `strace -f -ttt -e trace=openat,bpf,setns`, which "
      "slows it a little; phases between the first opening of /sys/kernel/btf/vmlinux, of /proc/kallsyms, the "
      "second opening of the BTF (libbpf's CO-RE), the first program load and the first and last link):")
    B("")
    B("| parse vmlinux BTF, drop reasons | read /proc/kallsyms | libbpf open + CO-RE (BTF again) | load programs | "
      "attach (links) | exec → last link |")
    B("|---:|---:|---:|---:|---:|---:|")
    B(f"| {r['btf_parse_ms']:.0f} ms | {r['kallsyms_ms']:.0f} ms | {r['libbpf_open_core_ms']:.0f} ms | "
      f"{r['prog_load_ms']:.0f} ms | {r['attach_ms']:.0f} ms ({r['links']} links) | {r['total_to_attached_ms']:.0f} ms |")
    B("")

gr = sec("grouping")
if gr:
    part(2.5)
    r = gr[0]
    B("## 2b. Packet group ids of a UDP flood")
    B("")
    B(f"In the capture of section 5: {r['datagrams']:,} datagrams sent, {r['epbs']:,} observations, "
      f"**{r['distinct_group_ids']:,} distinct packet group ids** (one per datagram expected, plus a few for "
      f"other namespaces' traffic), appearance numbers up to {r['max_appearance']} (7 expected).")
    B("")

# ---------------------------------------------------------------- dissector
ds = sec("dissector")
if ds:
    part(5)
    d0 = [r for r in ds if r["source"] != "synthetic"][0] if any(r["source"] != "synthetic" for r in ds) else ds[0]
    B("## 5. Dissector: tshark with and without our plugin")
    B("")
    B(f"`tshark -n -r` as user nobody on a capture of {d0['frames']:,} observations "
      f"({d0['file_bytes'] / 1048576:.0f} MiB, {'made by pktmon from a paced UDP flood' if d0['source'] == 'pktmon' else 'synthesized with pm_encode_bench'}), "
      "output to /dev/null. *without*: WIRESHARK_PLUGIN_DIR is an empty directory; *with*: it holds only our "
      "plugin (so the difference is our plugin alone). *summary*: the default one line per packet; *filter*: "
      "`-Y 'udp.port == 7'` (matches nothing: every packet dissected with a tree). *synthetic*: the same number "
      "of observations written by `pm_encode_bench -o` with one packet group id per eight observations, as "
      "pktmon writes a UDP flood (one group per datagram: section 2b). "
      "Ratio within each round, median.")
    B("")
    B("| capture | workload | without (s) | with (s) | plugin adds (median) | range | max RSS without → with |")
    B("|---|---|---:|---:|---:|---:|---:|")
    worst = None
    for src in ["pktmon", "synthetic"]:
        for wl in ["summary", "filter"]:
            wo = {r["round"]: r for r in ds if r["source"] == src and r["workload"] == wl and r["config"] == "without"}
            wi = {r["round"]: r for r in ds if r["source"] == src and r["workload"] == wl and r["config"] == "with"}
            ks = sorted(set(wo) & set(wi))
            if not ks:
                continue
            rr = [wi[k]["secs"] / wo[k]["secs"] - 1 for k in ks if wo[k]["secs"]]
            if src == d0["source"]:
                worst = med(rr) if worst is None else max(worst, med(rr))
            B(f"| {src} | {wl} | {fmt(med([wo[k]['secs'] for k in ks]), 2)} | {fmt(med([wi[k]['secs'] for k in ks]), 2)} | "
              f"{pct(med(rr))} | {rng(rr)} | {med([wo[k]['rss_kb'] for k in ks]) / 1024:.0f} → "
              f"{med([wi[k]['rss_kb'] for k in ks]) / 1024:.0f} MiB |")
    pf = [r for r in ds if r["workload"] == "pktmon_field"]
    if pf:
        B(f"| {pf[0]['source']} | `-Y 'pktmon.pkt_group_id == 42'` (needs the plugin) | – | {fmt(pf[0]['secs'], 2)} | – | – | "
          f"{pf[0]['rss_kb'] / 1024:.0f} MiB |")
    B("")
    if worst is not None:
        verdicts.append(("the plugin adds ≤ 10 % to tshark's time", f"+{100 * worst:.1f} % (worse of the two workloads, "
                         f"{d0['source']} capture)", "met" if worst <= 0.10 else "NOT met"))

# ---------------------------------------------------------------- bpfcost
bc = sec("bpfcost")
if bc:
    part(7)
    B("## 7. Per-program cost in the kernel")
    B("")
    B("A separate run per mode (50 000 datagrams/s for 3 s) with `kernel.bpf_stats_enabled=1` (restored "
      "afterwards): run count and average run time of each of the session's programs (the kernel's "
      "`run_time_ns / run_cnt`, which includes the stats' own clock reads). *ns per packet*: all programs' time "
      "divided by the packets that crossed the veth. Programs shared by all namespaces count other engineers' "
      "traffic too.")
    B("")
    B("| mode | program | runs | avg ns | mode total ns per packet |")
    B("|---|---|---:|---:|---:|")
    for m in ["counters", "nomatch", "capture"]:
        rr = sorted([r for r in bc if r["mode"] == m], key=lambda r: -r["run_time_ns"])
        if not rr:
            continue
        tot = sum(r["run_time_ns"] for r in rr)
        pk = rr[0]["pkts"] or 1
        for i, r in enumerate(rr):
            B(f"| {m if i == 0 else ''} | {r['prog']} | {r['run_cnt']:,} | {fmt(r['avg_ns'], 0)} | "
              f"{fmt(tot / pk, 0) if i == 0 else ''} |")
    B("")

if os.path.exists(os.path.join(a.out, "perf-consumer.txt")) and not meta.get("smoke"):
    part(8)
    B("## 8. Profiles")
    B("")
    B("[perf-consumer.txt](perf-consumer.txt): `perf record -g -p PID` of the capturing pktmon process during a "
      "flat-out flood; [perf-system.txt](perf-system.txt): both CPUs for two seconds of it.")
    B("")

# ---------------------------------------------------------------- summary first
P("## Targets")
P("")
P("| target | measured | |")
P("|---|---|---|")
for t, m, s in verdicts:
    P(f"| {t} | {m} | {'**' + s + '**' if 'NOT' in s else s} |")
P("")
for n in sorted(parts):
    L.extend(parts[n])

os.makedirs(a.out, exist_ok=True)
with open(os.path.join(a.out, "RESULTS.md"), "w") as f:
    f.write("\n".join(L) + "\n")
with open(os.path.join(a.out, "results.json"), "w") as f:
    json.dump({"machine": meta, "records": recs}, f, indent=1)
cols = ["section"]
for r in recs:
    for k in r:
        if k not in cols:
            cols.append(k)
with open(os.path.join(a.out, "results.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=cols)
    w.writeheader()
    for r in recs:
        w.writerow(r)
