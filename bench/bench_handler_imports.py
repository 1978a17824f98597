"""Import time of every Lambda handler module vs `import boto3`, measured in the same run.

A cold start imports the handler module; boto3 is the floor every function pays. Targets:
<= 2.5x boto3 for handlers that use kubernetes, <= 1.3x for the others.

The targets are judged on what a function imports on Lambda, not on the development venv.
Each import runs in a fresh CPython 3.12 (the runtime's version, `bundling.python312()`)
started with `-I -S`, whose sys.path starts with `functions/` (hcp_dr), then the function's
bundle dependency layer (`bundling.dependency_layer`: the same pip install, trim and
precompiled bytecode as the deployed asset), then a stand-in for the boto3 the Lambda
runtime provides (`bundling.runtime_layer`, same versions and bytecode). The environment is
the one every deployed function gets (`catalog.FUNCTION_ENVIRONMENT`) plus the region. The
development venv (Python 3.11, ~100 distributions: moto, aws-cdk, pytest...) is not measured:
it is not what a function imports. Its figures differ little, though: counted in instructions
(valgrind), its ratios came out 1-3% above the bundles'; pydantic's plugin lookup, which reads
every distribution's entry points, is ~3% of a boto3 import there and under 1% with a bundle.

The machine is shared and noisy, so the ratio is judged on the CPU time of the importing
process (other processes' load barely moves it) and each handler is measured interleaved with
a boto3 baseline (same interpreter, same sys.path), round by round; the median of the
per-round ratios is reported, with wall-clock medians alongside. What a handler imports on
its first call is part of its cold start, so its figure includes it: the kubernetes client
(`hcp_dr.adapters.cluster_clients`) for the functions that use kubernetes, the kubeconfig
parser (with yaml) for the ones that read kubeconfig secrets, the restore-URL signer for the
one granted its secret.

The same method measures the stack's floor (boto3 + Powertools Logger + one pydantic model,
`bench/import_floor/`, with the lite bundle): no handler that calls AWS through boto3, logs
with Powertools and validates its input with pydantic can go below it, so read the handlers'
ratios against it (a handler that calls no AWS API, such as RecordMigrationOutcome, never
imports boto3 and can).
"""

from __future__ import annotations

import statistics
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from stacks import bundling, catalog

ROUNDS = 7
REGION = "us-east-1"
FLOOR_DIR = Path(__file__).resolve().parent / "import_floor"
# What any handler of this stack imports before its own code: boto3, Powertools' Logger and
# pydantic with one model built. Its ratio is the floor the handlers' ratios are read against.
STACK_FLOOR = ("boto3", "aws_lambda_powertools.logging", "stack_floor_model")
KUBERNETES_ADAPTER = "hcp_dr.adapters.cluster_clients"
# Modules `hcp_dr.dependencies` / `migration_dependencies` import on first use, by the grant
# that makes a function use them.
LAZY_IMPORTS_BY_GRANT = {
    catalog.KUBECONFIG_READ: "hcp_dr.adapters.kubeconfig_secrets",
    catalog.RESTORE_URL_SIGNER_READ: "hcp_dr.adapters.restore_url_signer",
}
_PROBE = ("import importlib, sys, time; sys.path[:0] = {paths!r}; "
          "w = time.perf_counter(); c = time.process_time(); "
          "[importlib.import_module(m) for m in {modules!r}]; "
          "print(time.process_time() - c, time.perf_counter() - w)")


@dataclass(frozen=True)
class LambdaImports:
    """Fresh interpreters importing modules from one bundle variant, as on Lambda."""

    interpreter: str
    paths: tuple[str, ...]
    environment: dict[str, str]

    def measure(self, modules: Sequence[str]) -> tuple[float, float]:
        """(CPU seconds, wall seconds) of importing `modules` in a fresh interpreter."""
        probe = _PROBE.format(paths=list(self.paths), modules=list(modules))
        result = subprocess.run([self.interpreter, "-I", "-S", "-c", probe],
                                env=self.environment, capture_output=True, text=True,
                                check=False)
        if result.returncode != 0:
            raise RuntimeError(f"importing {', '.join(modules)} failed:\n{result.stderr}")
        cpu, wall = result.stdout.split()
        return float(cpu), float(wall)


def lambda_imports(variant: bundling.BundleVariant, first: Path) -> LambdaImports:
    """`first` (functions/ or the floor's directory), the variant's dependencies, boto3."""
    interpreter = bundling.python312()
    if interpreter is None:
        raise RuntimeError(f"no python{bundling.LAMBDA_PYTHON} here (set HCP_DR_PYTHON312): "
                           "the bundles' cp312 wheels cannot be imported by another version")
    paths = (first, bundling.dependency_layer(variant), bundling.runtime_layer())
    environment = {"AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
                   **catalog.FUNCTION_ENVIRONMENT}
    return LambdaImports(interpreter, tuple(map(str, paths)), environment)


def imported_at_cold_start(spec: catalog.LambdaFunctionSpec) -> tuple[str, ...]:
    """The handler module and what the function imports lazily on its first call."""
    modules = [spec.handler.rpartition(".")[0]]
    if spec.uses_kubernetes:
        modules.append(KUBERNETES_ADAPTER)
    modules += [module for grant, module in LAZY_IMPORTS_BY_GRANT.items()
                if grant in spec.grants and module not in modules]
    return tuple(modules)


def _compare(imports: LambdaImports, modules: Sequence[str]) -> dict[str, float]:
    ratios, cpu, wall, base_cpu, base_wall = [], [], [], [], []
    for _ in range(ROUNDS):
        baseline = imports.measure(["boto3"])
        measured = imports.measure(modules)
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
    functions = bundling.FUNCTIONS_DIR
    by_variant = {variant.name: lambda_imports(variant, functions)
                  for variant in (bundling.LITE, bundling.KUBERNETES)}
    floor_imports = lambda_imports(bundling.LITE, FLOOR_DIR)
    specs = [(spec, by_variant["kubernetes" if spec.uses_kubernetes else "lite"])
             for spec in catalog.LAMBDA_FUNCTIONS]
    # Warm the page cache and write hcp_dr's bytecode for this interpreter first.
    floor_imports.measure(STACK_FLOOR)
    for spec, imports in specs:
        imports.measure(imported_at_cold_start(spec))
    floor = _compare(floor_imports, STACK_FLOOR)
    handlers: dict[str, dict[str, object]] = {}
    baselines = []
    for spec, imports in specs:
        modules = imported_at_cold_start(spec)
        figures = _compare(imports, modules)
        target = 2.5 if spec.uses_kubernetes else 1.3
        baselines.append(figures["boto3_cpu_ms"])
        handlers[spec.name] = {
            "cpu_ms": round(figures["cpu_ms"], 1), "wall_ms": round(figures["wall_ms"], 1),
            "ratio": round(figures["ratio"], 2), "target": target,
            "uses_kubernetes": spec.uses_kubernetes, "within_target": figures["ratio"] <= target,
        }
        if len(modules) > 1:
            handlers[spec.name]["lazy_imports"] = list(modules[1:])
    return {"python": subprocess.run([floor_imports.interpreter, "-c",
                                      "import platform; print(platform.python_version())"],
                                     capture_output=True, text=True, check=True).stdout.strip(),
            "boto3_cpu_ms": round(statistics.median(baselines), 1),
            "stack_floor": {"modules": list(STACK_FLOOR), "ratio": round(floor["ratio"], 2),
                            "cpu_ms": round(floor["cpu_ms"], 1)},
            "handlers": handlers,
            "all_within_target": all(h["within_target"] for h in handlers.values())}
