"""Benchmarks: each module bench_*.py measures one thing against a baseline run in the same process."""
