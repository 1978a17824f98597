"""Run every bench/bench_*.py module's `run()` and write bench-results.json.

Usage: python -m bench [NAME ...]   (NAME = module name without the `bench_` prefix)
Exit status 1 if a benchmark raised or returned something other than a dict; the others
still run and their results are written. Named benchmarks replace their own entries in an
existing bench-results.json and leave the others'.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
import traceback
from pathlib import Path

import bench

RESULTS_FILE = Path("bench-results.json")


def discover(selected: set[str]) -> list[str]:
    names = sorted(
        info.name for info in pkgutil.iter_modules(bench.__path__)
        if info.name.startswith("bench_")
    )
    if selected:
        unknown = selected - {name.removeprefix("bench_") for name in names}
        if unknown:
            raise SystemExit(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
        names = [name for name in names if name.removeprefix("bench_") in selected]
    return names


def _earlier_results(selected: bool) -> dict[str, object]:
    if not selected or not RESULTS_FILE.exists():
        return {}
    try:
        earlier = json.loads(RESULTS_FILE.read_text())
    except ValueError:
        return {}
    return earlier if isinstance(earlier, dict) else {}


def main(argv: list[str]) -> int:
    results: dict[str, object] = _earlier_results(bool(argv))
    failed = []
    names = discover(set(argv))
    if not names:
        print("no bench/bench_*.py modules defining run()")
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        run = getattr(module, "run", None)
        if not callable(run):
            print(f"{name}: no run() function, skipped")
            continue
        started = time.perf_counter()
        try:
            result = run()
            if not isinstance(result, dict):
                raise TypeError(f"run() returned {type(result).__name__}, not dict")
        except Exception as error:  # one broken benchmark must not hide the others' results
            traceback.print_exc()
            results[name] = {"error": f"{type(error).__name__}: {error}"}
            failed.append(name)
            continue
        elapsed = time.perf_counter() - started
        results[name] = result
        print(f"{name} ({elapsed:.2f} s): {json.dumps(result, sort_keys=True, default=str)}")
    RESULTS_FILE.write_text(json.dumps(results, indent=2, sort_keys=True, default=str) + "\n")
    print(f"wrote {RESULTS_FILE} ({len(results)} benchmark(s), {len(failed)} failed)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
