"""Benchmarks for the foundation's performance targets.

1. Routing a point to its responsibility area among 5,000 areas (target: p99 < 1 ms).
2. Deadline arithmetic on the official calendar (target: >= 50,000 deadlines a second).

Run: ``make bench`` (or ``.venv/bin/python bench/bench_core.py``). Prints the figures,
the machine and the data size. Pure workflows code: no database, no Flask."""

from __future__ import annotations

import os
import platform
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workflows.calendar import official_calendar  # noqa: E402
from workflows.deadlines import TimeLimit, Unit, due_at  # noqa: E402
from workflows.geo import AreaIndex  # noqa: E402


def grid_areas(n: int, rng: random.Random):
    """n irregular, non-overlapping areas of about 300 m tiling a box over Wuhan."""
    side = int(n**0.5) + 1
    size = 0.003
    areas = []
    for i in range(n):
        x0 = 114.0 + (i % side) * size
        y0 = 30.3 + (i // side) * size
        j = size * 0.15
        ring = [
            [x0 + rng.uniform(0, j), y0 + rng.uniform(0, j)],
            [x0 + size / 2, y0 + rng.uniform(0, j)],
            [x0 + size - rng.uniform(0, j), y0 + rng.uniform(0, j)],
            [x0 + size - rng.uniform(0, j), y0 + size - rng.uniform(0, j)],
            [x0 + rng.uniform(0, j), y0 + size - rng.uniform(0, j)],
        ]
        ring.append(ring[0])
        areas.append((i + 1, {"type": "Polygon", "coordinates": [ring]}))
    return areas, (114.0, 30.3, 114.0 + side * size, 30.3 + side * size)


def bench_routing(n_areas: int = 5000, n_points: int = 20000) -> None:
    rng = random.Random(1)
    areas, (x0, y0, x1, y1) = grid_areas(n_areas, rng)
    t = time.perf_counter()
    index = AreaIndex(areas)
    build = time.perf_counter() - t
    points = [(rng.uniform(x0, x1), rng.uniform(y0, y1)) for _ in range(n_points)]
    for lng, lat in points[:500]:  # warm up
        index.locate(lng, lat)
    times, found = [], 0
    for lng, lat in points:
        s = time.perf_counter_ns()
        hit = index.locate(lng, lat)
        times.append(time.perf_counter_ns() - s)
        found += hit is not None
    times.sort()
    q = statistics.quantiles(times, n=1000)
    print(f"routing: {n_areas} areas, index built in {build * 1000:.0f} ms; {n_points} random "
          f"points ({found} inside an area)")
    print(f"  per lookup: p50 {q[499] / 1000:.1f} µs, p99 {q[989] / 1000:.1f} µs, "
          f"p99.9 {q[998] / 1000:.1f} µs, max {times[-1] / 1000:.1f} µs  (target p99 < 1000 µs)")


def bench_deadlines(n: int = 200_000) -> None:
    rng = random.Random(2)
    cal = official_calendar([2025, 2026])
    limits = [TimeLimit(2, Unit.WORKING_HOURS), TimeLimit(4, Unit.WORKING_HOURS),
              TimeLimit(1, Unit.WORKING_DAYS), TimeLimit(3, Unit.WORKING_DAYS),
              TimeLimit(15, Unit.WORKING_DAYS), TimeLimit(2, Unit.CALENDAR_HOURS)]
    base = datetime(2025, 1, 1)
    starts = [base + timedelta(minutes=rng.randrange(0, 700 * 24 * 60)) for _ in range(n)]
    chosen = [rng.choice(limits) for _ in range(n)]
    t = time.perf_counter()
    for start, limit in zip(starts, chosen, strict=True):
        due_at(start, limit, cal)
    elapsed = time.perf_counter() - t
    print(f"deadlines: {n} mixed limits (working hours, working days up to 15, calendar hours) "
          f"from random starts in 2025-2026")
    print(f"  {n / elapsed:,.0f} deadlines/s ({elapsed * 1e6 / n:.2f} µs each)  "
          f"(target >= 50,000/s)")


def main() -> None:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    print(f"machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}")
    bench_routing()
    bench_deadlines()


if __name__ == "__main__":
    main()
