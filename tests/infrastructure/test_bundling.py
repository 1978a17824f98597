"""The Lambda bundles, built for real by the local (Docker-free) bundling during a synth.

The dependency layer comes from build/lambda-bundles/ when an earlier synth built it (pip
runs only when requirements.txt or constraints.txt changed); the CDK local-bundling callback,
the linking, the package copy and the bytecode compile run here every time.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import time
from pathlib import Path

import pytest
from synth_helpers import Synth, synthesize

from stacks import bundling, catalog

LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024
# What the Lambda Python runtime provides beside /var/task (so bundles leave them out).
KUBECONFIG_ADAPTER = bundling.PACKAGE_DIR / "adapters" / "kubeconfig_secrets.py"
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory, asl_dir) -> Synth:
    started = time.monotonic()
    synth = synthesize(tmp_path_factory.mktemp("cdk.out.bundled"), asl_dir, bundle=True)
    print(f"\nsynth with local bundling: {time.monotonic() - started:.1f} s")
    return synth


def asset_dirs(synth: Synth) -> dict[str, Path]:
    """Bundle variant -> staged asset directory, read off the functions' S3 keys."""
    by_variant: dict[str, set[Path]] = {}
    for spec in catalog.LAMBDA_FUNCTIONS:
        [function] = [
            r for k, r in synth.of_type("AWS::Lambda::Function").items()
            if k.startswith(f"Functions{spec.name}Function")
        ]
        key = function["Properties"]["Code"]["S3Key"]
        variant = "kubernetes" if spec.uses_kubernetes else "lite"
        by_variant.setdefault(variant, set()).add(
            synth.outdir / f"asset.{key.removesuffix('.zip')}"
        )
    assert all(len(paths) == 1 for paths in by_variant.values()), "one asset per variant"
    return {variant: paths.pop() for variant, paths in by_variant.items()}


def test_two_shared_assets_with_their_sizes(bundled: Synth) -> None:
    dirs = asset_dirs(bundled)
    assert set(dirs) == {"kubernetes", "lite"}
    sizes = {variant: bundling.tree_size(path) for variant, path in dirs.items()}
    for variant, size in sizes.items():
        print(f"{variant} bundle: {size / 1e6:.1f} MB unzipped")
        assert size < LAMBDA_UNZIPPED_LIMIT
    assert sizes["lite"] < sizes["kubernetes"] / 3


def test_kubernetes_bundle_content(bundled: Synth) -> None:
    root = asset_dirs(bundled)["kubernetes"]
    assert (root / "hcp_dr" / "__init__.py").is_file()
    assert (root / "hcp_dr" / "settings.py").is_file()
    assert (root / "kubernetes" / "client").is_dir()
    assert not (root / "kubernetes" / "aio").exists()
    assert not (root / "aiohttp").exists()
    assert not (root / "bin").exists()
    assert not list(root.glob("boto3*")), "boto3 comes with the Lambda runtime"
    assert list(root.glob("pydantic_core/*cpython-312-x86_64-linux-gnu.so"))


def test_lite_bundle_has_no_kubernetes(bundled: Synth) -> None:
    root = asset_dirs(bundled)["lite"]
    assert (root / "hcp_dr" / "__init__.py").is_file()
    assert (root / "aws_lambda_powertools").is_dir()
    assert not (root / "kubernetes").exists()


def test_bytecode_is_compiled_for_the_lambda_runtime(bundled: Synth) -> None:
    if bundling.python312() is None:
        pytest.skip("no python3.12 on this machine: bundles ship without bytecode")
    root = asset_dirs(bundled)["kubernetes"]
    for pyc in (
        root / "kubernetes" / "__pycache__" / "__init__.cpython-312.pyc",
        root / "hcp_dr" / "__pycache__" / "settings.cpython-312.pyc",
    ):
        header = pyc.read_bytes()[:8]
        # PEP 552 flags: 0b01 = hash-based and unchecked, valid whatever the zip's file times.
        assert int.from_bytes(header[4:8], "little") == 1, pyc


def _runtime_provided_dir(tmp_path: Path) -> Path:
    """Links to the host's copies of what Lambda's runtime provides (pure Python)."""
    directory = tmp_path / "var-runtime"
    directory.mkdir()
    for name in RUNTIME_PROVIDED:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin, name
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (directory / source.name).symlink_to(source)
    return directory


@pytest.mark.parametrize("variant", ["kubernetes", "lite"])
def test_handlers_import_from_their_bundle(
    bundled: Synth, variant: str, tmp_path: Path
) -> None:
    """Each function's handler module imports from its own bundle alone (plus what the
    runtime provides), under CPython 3.12 as on Lambda: a lite function importing the
    kubernetes client, or a dependency missing from requirements.txt, fails here."""
    interpreter = bundling.python312()
    if interpreter is None:
        pytest.skip("no python3.12 here: the cp312 wheels cannot be imported by this Python")
    root = asset_dirs(bundled)[variant]
    specs = [s for s in catalog.LAMBDA_FUNCTIONS if s.uses_kubernetes == (variant == "kubernetes")]
    modules = {spec.handler.rsplit(".", 1)[0] for spec in specs}
    # A function allowed to read kubeconfig secrets parses them, possibly through an import
    # its handler module defers to run time: that module must load from the bundle too.
    reads_kubeconfigs = any(catalog.KUBECONFIG_READ in spec.grants for spec in specs)
    if reads_kubeconfigs and KUBECONFIG_ADAPTER.is_file():
        modules.add("hcp_dr.adapters.kubeconfig_secrets")
    modules = sorted(modules)
    script = (
        "import importlib, sys, time\n"
        "failed = []\n"
        "started = time.perf_counter()\n"
        "for name in sys.argv[1:]:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as error:\n"
        "        failed.append(f'{name}: {type(error).__name__}: {error}')\n"
        "print(f'imported {len(sys.argv) - 1 - len(failed)} modules in '\n"
        "      f'{time.perf_counter() - started:.2f} s')\n"
        "print('\\n'.join(failed))\n"
        "sys.exit(1 if failed else 0)\n"
    )
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": f"{root}:{_runtime_provided_dir(tmp_path)}",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_SERVICE_NAME": "hcp-dr", "POWERTOOLS_METRICS_NAMESPACE": "HcpDr",
        "HCP_DR_BACKUP_BUCKET": "bucket", "HCP_DR_BACKUP_KMS_KEY_ID": "key",
        "HCP_DR_LOCK_TABLE": "table",
    }
    result = subprocess.run(
        [interpreter, "-S", "-c", script, *modules],
        capture_output=True, text=True, env=environment, cwd=tmp_path, timeout=120,
        check=False,
    )
    print(f"{variant}: {result.stdout.strip()}")
    assert result.returncode == 0, result.stdout + result.stderr

