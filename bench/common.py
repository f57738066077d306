"""Shared helpers for benchmarks: where the development data is, resident memory, and table printing."""

from __future__ import annotations

import os
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def shared_data(*parts: str) -> Path | None:
    """Path under ../shared/data (or $NEWSBOT_SHARED_DATA), or None when that data is not on this machine."""
    base = Path(os.environ.get("NEWSBOT_SHARED_DATA", ROOT.parent / "shared" / "data"))
    path = base.joinpath(*parts)
    return path if path.exists() else None


def skip(name: str, why: str) -> None:
    print(f"[{name}] skipped: {why}")


def rss_mb() -> float:
    """Current resident set size in MB (Linux /proc; falls back to the peak from getrusage)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def print_table(title: str, headers: list[str], rows: list[list[object]]) -> None:
    """Print a plain-text table; floats get 3 significant decimals."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    grid = [headers] + [[cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in grid) for i in range(len(headers))]
    print(f"\n== {title}")
    for n, row in enumerate(grid):
        print("  ".join(c.rjust(w) if n and i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if n == 0:
            print("  ".join("-" * w for w in widths))
    sys.stdout.flush()
