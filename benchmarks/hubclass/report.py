"""The class's table: one row per student, and the summary line."""

from __future__ import annotations

import math
import statistics
from pathlib import Path

from .student import Student


def used_memory() -> float:
    """The machine's memory in use now, in GB: MemTotal - MemAvailable."""
    kb = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        key, value = line.split(":", 1)
        kb[key] = int(value.split()[0])
    return (kb["MemTotal"] - kb["MemAvailable"]) * 1024 / 1e9


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def table(students: list[Student]) -> str:
    head = (f"{'student':<12} {'1st widget s':>12} {'changes':>7} {'kernel RSS':>10} "
            f"{'PSS':>5} {'USS':>5} {'server PSS':>10} {'ws drops':>8}  error")
    rows = [head, "-" * len(head)]
    for s in students:
        k = s.kernel
        rows.append(f"{s.name:<12} {'-' if s.ttfw is None else f'{s.ttfw:.1f}':>12} "
                    f"{s.changes:>7} {_mb(k and k.rss):>10} {_mb(k and k.pss):>5} "
                    f"{_mb(k and k.uss):>5} {_mb(s.server and s.server.pss):>10} "
                    f"{s.reconnects:>8}  {s.error}")
    return "\n".join(rows)


def summary(students: list[Student], machine_gb: float,
            graded: tuple[int, int] | None) -> str:
    """``classroom: N students, F failed, kernel PSS median X MB / max Y MB, machine memory
    used Z GB, time to first widget p50 A s / p95 B s[, graded G/N correctly]``"""
    failed = sum(bool(s.error) for s in students)
    pss = [s.kernel.pss for s in students if s.kernel]
    ttfw = [s.ttfw for s in students if s.ttfw is not None]
    line = (f"classroom: {len(students)} students, {failed} failed, kernel PSS median "
            f"{statistics.median(pss) if pss else float('nan'):.0f} MB / max "
            f"{max(pss) if pss else float('nan'):.0f} MB, machine memory used "
            f"{machine_gb:.1f} GB, time to first widget p50 "
            f"{percentile(ttfw, 50) if ttfw else float('nan'):.0f} s / p95 "
            f"{percentile(ttfw, 95) if ttfw else float('nan'):.0f} s")
    if graded is not None:
        line += f", graded {graded[0]}/{graded[1]} correctly"
    return line
