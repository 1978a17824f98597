"""Benchmarks: every `bench/bench_*.py` module defining `run() -> dict` is one benchmark.

`make bench` (python -m bench) runs them all and writes bench-results.json.
"""
