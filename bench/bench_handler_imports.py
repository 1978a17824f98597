"""Import time of every Lambda handler module vs `import boto3`, measured in the same run.

A cold start imports the handler module; boto3 is the floor every function pays. Targets:
<= 2.5x boto3 for handlers that use kubernetes, <= 1.3x for the others. Each import runs in a
fresh interpreter (bytecode present, as in the bundles), median of several runs.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

from stacks.catalog import LAMBDA_FUNCTIONS

RUNS = 7
REPO = Path(__file__).resolve().parents[1]
_PROBE = ("import time, importlib; t = time.perf_counter(); importlib.import_module({!r}); "
          "print(time.perf_counter() - t)")


def _import_seconds(module: str) -> float:
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'functions'}:{REPO}"}
    samples = []
    for _ in range(RUNS):
        out = subprocess.run([sys.executable, "-c", _PROBE.format(module)], env=env,
                             capture_output=True, text=True, check=True).stdout
        samples.append(float(out.strip()))
    return statistics.median(samples)


def run() -> dict[str, object]:
    _import_seconds("boto3")  # warm the page cache and bytecode first
    baseline = _import_seconds("boto3")
    handlers: dict[str, dict[str, object]] = {}
    for spec in LAMBDA_FUNCTIONS:
        module = spec.handler.rpartition(".")[0]
        seconds = _import_seconds(module)
        target = 2.5 if spec.uses_kubernetes else 1.3
        ratio = seconds / baseline
        handlers[spec.name] = {"ms": round(seconds * 1000, 1), "ratio": round(ratio, 2),
                               "target": target, "within_target": ratio <= target}
    return {"boto3_ms": round(baseline * 1000, 1), "handlers": handlers,
            "all_within_target": all(h["within_target"] for h in handlers.values())}
