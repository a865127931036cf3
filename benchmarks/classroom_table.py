"""benchmarks/classroom.py's table: a class per row, and what else served it (a hub, its proxy, the servers)."""

from __future__ import annotations

import psutil


def mb(value, unit="MB") -> str:
    """A memory figure, or ``?`` where it could not be read."""
    return "?" if value is None else f"{value:.0f}" if unit == "MB" else f"{value:.2f}"


def print_table(rows: list[dict], cores: int, cold: bool) -> None:
    print(f"\n{cores} cores, {psutil.virtual_memory().total / 2**30:.0f} GB; numba cache "
          f"{'empty (cold image)' if cold else 'warm'}; {rows[0]['transport']}")
    head = (f"{'N':>3} {'1st figure med/max s':>21} {'changes/s':>9} {'p50':>6} {'p95':>6} {'p99':>7} ms "
            f"{'CPU/change':>10} {'idle CPU':>9} {'RSS/PSS per student':>20} {'all RSS/PSS':>14}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['students']:>3} {r['first_figure_median_s']:>10.1f} / {r['first_figure_max_s']:<8.1f} "
              f"{r['changes_per_s']:>9.1f} {r['latency_p50_ms']:>6.0f} {r['latency_p95_ms']:>6.0f} "
              f"{r['latency_p99_ms']:>7.0f}    {r['cpu_ms_per_change']:>7.1f} ms "
              f"{r['idle_cpu_percent_of_a_core']:>7.1f} % {r['rss_mb_median']:>7.0f} / {mb(r['pss_mb_median']):>4} MB "
              f"{r['rss_gb_total']:>5.2f} / {mb(r['pss_gb_total'], 'GB'):>4} GB")
        for name, o in r["others"].items():
            print(f"    {name} ({o['count']}): RSS/PSS {o['rss_mb_median']:.0f} / {mb(o['pss_mb_median'])} MB each, "
                  f"{o['rss_mb_total']:.0f} / {mb(o['pss_mb_total'])} MB in all; CPU {o['cpu_ms_per_change']:.1f} ms "
                  f"per change, idle {o['idle_cpu_percent_of_a_core']:.1f} % of a core")
        for why in {r["pss_error"], *(o["pss_error"] for o in r["others"].values())} - {None}:
            print(f"    PSS could not be read: {why}")
        for line in r["notes"]:
            print("    " + line)
        if r["missing_frames"]:
            late = r["late_s"] or [float("nan")]
            print(f"    {r['missing_frames']} changes brought no frame within {r['missing_after_s']:g} s: "
                  f"{len(r['late_s'])} came later ({late[0]:.1f}–{late[-1]:.1f} s), the others not within "
                  f"{r['late_within_s']:g} s more")
        for e in r["errors"]:
            print("    ", e)
