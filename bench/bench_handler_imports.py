"""Import time of every Lambda handler module vs `import boto3`, measured in the same run.

A cold start imports the handler module; boto3 is the floor every function pays. Targets:
<= 2.5x boto3 for handlers that use kubernetes, <= 1.3x for the others. Each import runs in a
fresh interpreter (bytecode present, as in the bundles). The machine is shared and noisy, so
the ratio is judged on the CPU time of the importing process (other processes' load barely
moves it) and each handler is measured interleaved with a boto3 baseline, round by round; the
median of the per-round ratios is reported, with wall-clock medians alongside. Handlers that
use kubernetes import it lazily, on their first call; their figure includes that import
(`hcp_dr.adapters.cluster_clients`), since a cold start pays it before any work is done.
The same method measures the stack's floor (boto3 + Powertools Logger + one pydantic model):
no handler that logs with Powertools and validates its input with pydantic can go below it.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

from stacks.catalog import LAMBDA_FUNCTIONS

ROUNDS = 7
KUBERNETES_ADAPTER = "hcp_dr.adapters.cluster_clients"
# What any handler of this stack imports before its own code: boto3, Powertools' Logger and
# pydantic with one model built (`bench/stack_floor_model.py`). Its ratio is the floor the
# handlers' ratios should be read against.
STACK_FLOOR = ("boto3", "aws_lambda_powertools.logging", "bench.stack_floor_model")
REPO = Path(__file__).resolve().parents[1]
_PROBE = ("import time, importlib; w = time.perf_counter(); c = time.process_time(); "
          "[importlib.import_module(m) for m in {!r}]; "
          "print(time.process_time() - c, time.perf_counter() - w)")
_ENV = {**os.environ, "PYTHONPATH": f"{REPO / 'functions'}:{REPO}"}


def _import_once(*modules: str) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of importing `modules` in a fresh interpreter."""
    out = subprocess.run([sys.executable, "-c", _PROBE.format(modules)], env=_ENV,
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1])


def _compare(modules: tuple[str, ...]) -> dict[str, float]:
    ratios, cpu, wall, base_cpu, base_wall = [], [], [], [], []
    for _ in range(ROUNDS):
        baseline = _import_once("boto3")
        measured = _import_once(*modules)
        ratios.append(measured[0] / baseline[0])
        cpu.append(measured[0])
        wall.append(measured[1])
        base_cpu.append(baseline[0])
        base_wall.append(baseline[1])
    return {"ratio": statistics.median(ratios), "cpu_ms": statistics.median(cpu) * 1000,
            "wall_ms": statistics.median(wall) * 1000,
            "boto3_cpu_ms": statistics.median(base_cpu) * 1000,
            "boto3_wall_ms": statistics.median(base_wall) * 1000}


def run() -> dict[str, object]:
    _import_once("boto3")  # warm the page cache and bytecode first
    floor = _compare(STACK_FLOOR)
    handlers: dict[str, dict[str, object]] = {}
    baselines = []
    for spec in LAMBDA_FUNCTIONS:
        modules = (spec.handler.rpartition(".")[0],)
        if spec.uses_kubernetes:
            modules += (KUBERNETES_ADAPTER,)
        figures = _compare(modules)
        target = 2.5 if spec.uses_kubernetes else 1.3
        baselines.append(figures["boto3_cpu_ms"])
        handlers[spec.name] = {
            "cpu_ms": round(figures["cpu_ms"], 1), "wall_ms": round(figures["wall_ms"], 1),
            "ratio": round(figures["ratio"], 2), "target": target,
            "uses_kubernetes": spec.uses_kubernetes, "within_target": figures["ratio"] <= target,
        }
    return {"boto3_cpu_ms": round(statistics.median(baselines), 1),
            "stack_floor": {"modules": list(STACK_FLOOR), "ratio": round(floor["ratio"], 2),
                            "cpu_ms": round(floor["cpu_ms"], 1)},
            "handlers": handlers,
            "all_within_target": all(h["within_target"] for h in handlers.values())}
