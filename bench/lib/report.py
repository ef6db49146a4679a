#!/usr/bin/env python3
"""Prints bench/idle.sh's table from its raw results (a TSV, one line per program and run).

Per program, the median over the runs of: CPU as % of one core (Station: console + agent,
and each), peak RSS (console and agent), bytes written to the terminal per second and the
time to first frame; then Station's figures as ratios of each peer's, the issue's targets,
and the peers' reference figures from shared/reference/BASELINES.md.
"""

import argparse
import csv
import statistics
import sys

LABELS = {
    "station-cold": "station (starts its agent)",
    "station-warm": "station (agent running)",
    "htop": "htop (-d 10)",
    "btop": "btop (update_ms 1000)",
    "bottom": "bottom (--rate 1000)",
}
PEERS = ["htop", "btop", "bottom"]

# shared/reference/BASELINES.md: (CPU %, CPU % with 1,000 extra processes, RSS MiB,
# KiB/s to the terminal, first frame ms).
REFERENCE = {
    "htop": (0.38, 4.25, 5.0, 2.0, 150),
    "btop": (0.45, 1.58, 6.1, 22.6, 40),
    "bottom": (0.57, 2.85, 7.7, 1.15, 60),
}


def figures(row, clk_tck):
    """One run's figures, or None when the run failed."""
    if row["error"] or not row["seconds"]:
        return None
    secs = float(row["seconds"])

    def pct(ticks):
        return float(ticks) / clk_tck / secs * 100 if ticks else None

    console = pct(row["cpu_ticks"])
    agent = pct(row["agent_cpu_ticks"])
    return {
        "cpu": console + (agent or 0.0),
        "console_cpu": console,
        "agent_cpu": agent,
        "rss": float(row["rss_kb"]) / 1024,
        "agent_rss": float(row["agent_rss_kb"]) / 1024 if row["agent_rss_kb"] else None,
        "kib_s": float(row["wchar"]) / secs / 1024,
        "frame": float(row["frame_ms"]),
        "procs": int(row["procs"]),
    }


def median_of(runs, key):
    values = [r[key] for r in runs if r[key] is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=2, unit=""):
    return "—" if value is None else f"{value:.{digits}f}{unit}"


def spread(runs, key, digits=2):
    """The median with [min–max] when there are several runs, as BASELINES.md shows them."""
    values = [r[key] for r in runs if r[key] is not None]
    if len(values) < 2:
        return fmt(median_of(runs, key), digits)
    return (f"{fmt(statistics.median(values), digits)} "
            f"[{fmt(min(values), digits)}–{fmt(max(values), digits)}]")


def ratio(a, b):
    return "—" if a is None or not b else f"{a / b:.2f}×"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results")
    parser.add_argument("--clk-tck", type=int, default=100)
    parser.add_argument("--extra-procs", type=int, default=0)
    args = parser.parse_args()

    with open(args.results, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    order = list(dict.fromkeys(r["program"] for r in rows))
    versions = {r["program"]: r["version"] for r in rows}
    errors = {}
    per_program = {}
    for r in rows:
        fig = figures(r, args.clk_tck)
        if fig is None:
            errors.setdefault(r["program"], []).append(f"run {r['run']}: {r['error']}")
        else:
            per_program.setdefault(r["program"], []).append(fig)
    med = {
        p: {k: median_of(runs, k) for k in runs[0]} for p, runs in per_program.items()
    }

    n_runs = max(int(r["run"]) for r in rows) if rows else 0
    procs = [f["procs"] for runs in per_program.values() for f in runs]
    secs = sorted({r["seconds"] for r in rows if r["seconds"]})
    print()
    print(
        f"Idle cost: 200×50 tmux pane, 1 s refresh; median of {n_runs} run(s) of "
        f"~{float(secs[0]) if secs else 0:.0f} s; "
        f"~{round(statistics.median(procs)) if procs else '?'} processes"
        + (f" ({args.extra_procs} extra idle sleeps)" if args.extra_procs else "")
    )
    print()
    head = ["program", "version", "CPU % (total)", "console / agent CPU %",
            "RSS MiB console / agent", "terminal KiB/s", "first frame ms"]
    table = [head]
    for p in order:
        label = LABELS.get(p, p)
        if p not in med:
            table.append([label, versions.get(p, ""), "failed (below)"])
            continue
        m = med[p]
        station = p.startswith("station")
        table.append([
            label,
            versions.get(p, ""),
            spread(per_program[p], "cpu"),
            f"{fmt(m['console_cpu'])} / {fmt(m['agent_cpu'])}" if station else "",
            f"{fmt(m['rss'], 1)} / {fmt(m['agent_rss'], 1)}" if station else fmt(m["rss"], 1),
            spread(per_program[p], "kib_s"),
            spread(per_program[p], "frame", 0),
        ])
    print_table(table)
    for p, messages in errors.items():
        print(f"  {LABELS.get(p, p)} failed: {'; '.join(messages)}")

    station = med.get("station-warm") or med.get("station-cold")
    peers = [p for p in PEERS if p in med]
    if station and peers:
        print()
        print("Station (agent running) as a ratio of each peer (below 1× is better):")
        table = [["peer", "CPU", "RSS (console)", "RSS (console + agent)",
                  "terminal bytes", "first frame"]]
        for p in peers:
            m = med[p]
            both = station["rss"] + (station["agent_rss"] or 0)
            table.append([p, ratio(station["cpu"], m["cpu"]), ratio(station["rss"], m["rss"]),
                          ratio(both, m["rss"]), ratio(station["kib_s"], m["kib_s"]),
                          ratio(station["frame"], m["frame"])])
        print_table(table)

    print()
    print("Targets (issue 2):")
    many = args.extra_procs >= 1000
    cpu_target = 1.2 if many else 0.35
    warm, cold = med.get("station-warm"), med.get("station-cold")
    checks = [
        (f"CPU, console + agent ≤ {cpu_target} % of one core", cpu_target,
         [("agent running", warm and warm["cpu"]), ("starts agent", cold and cold["cpu"])]),
        ("console peak RSS ≤ 8 MiB", 8.0,
         [("agent running", warm and warm["rss"]), ("starts agent", cold and cold["rss"])]),
        ("agent peak RSS ≤ 12 MiB", 12.0,
         [("agent running", warm and warm["agent_rss"]),
          ("starts agent", cold and cold["agent_rss"])]),
        ("terminal output ≤ 1 KiB/s", 1.0,
         [("agent running", warm and warm["kib_s"]), ("starts agent", cold and cold["kib_s"])]),
        ("first frame ≤ 50 ms with the agent running", 50.0,
         [("agent running", warm and warm["frame"])]),
        ("first frame ≤ 200 ms when the console starts the agent", 200.0,
         [("starts agent", cold and cold["frame"])]),
    ]
    for name, limit, values in checks:
        shown = [
            f"{label} {fmt(v)} {'ok' if v <= limit else 'MISSED'}"
            for label, v in values if v is not None
        ]
        print(f"  {name}: {'; '.join(shown) if shown else 'not measured'}")

    if peers:
        print()
        print("Peers' reference figures (BASELINES.md, another day and load: compare ratios):")
        for p in peers:
            cpu, cpu_many, rss, kib, frame = REFERENCE[p]
            print(f"  {p}: CPU {cpu_many if many else cpu} %, RSS {rss} MiB, "
                  f"{kib} KiB/s, first frame {frame} ms")
    return 0 if not errors else 1


def print_table(table):
    widths = [max(len(row[i]) for row in table if i < len(row)) for i in range(len(table[0]))]
    for n, row in enumerate(table):
        print("  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))


if __name__ == "__main__":
    sys.exit(main())
