"""Run benchmarks: `python -m bench` runs all, `python -m bench store topics` runs the named ones.

Each bench/bench_<name>.py defines run(quick: bool) that prints its tables, each with a baseline
measured in the same run. `--quick` shrinks sizes for a smoke run.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time

import bench


def main(argv: list[str] | None = None) -> int:
    names = sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all of {', '.join(names)})")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in names]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(names)}")
    for name in args.names or names:
        started = time.perf_counter()
        module = importlib.import_module(f"bench.bench_{name}")
        module.run(quick=args.quick)
        print(f"[{name}] done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
