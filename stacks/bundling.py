"""Build the Lambda code assets on this machine, without Docker.

Two bundles: `kubernetes` (everything in requirements.txt) for the functions that talk to a
management cluster, and `lite` (the same without the kubernetes client and what only it
pulls in) for the rest. Each is `functions/hcp_dr` on top of the runtime dependencies,
installed by pip as Linux x86_64 / CPython 3.12 wheels.

The dependency layer is the slow part (a pip install from the index); it is built once per
(requirements, constraints, variant) under `build/lambda-bundles/` and linked into each
synth's output. The asset hash is computed up front from the same inputs plus the source of
`hcp_dr`, so CDK skips bundling entirely when `cdk.out` already holds that asset.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jsii
from aws_cdk import ILocalBundling

from stacks.config import REPO_ROOT

# Bump when the steps below change what a bundle contains.
BUNDLER_VERSION = "1"
LAMBDA_PYTHON = "3.12"
PIP_TARGET_ARGS = (
    "--platform", "manylinux2014_x86_64",
    "--platform", "manylinux_2_28_x86_64",
    "--implementation", "cp",
    "--python-version", LAMBDA_PYTHON,
    "--abi", "cp312",
    "--only-binary=:all:",
)
# Requirements only the kubernetes bundle carries.
KUBERNETES_ONLY = frozenset({"kubernetes"})
# Trimmed from every bundle: the kubernetes async client (nothing of ours is async) and the
# console scripts pip writes for a target directory.
TRIM_PATHS = ("kubernetes/aio", "bin")
# The async HTTP stack: removed with its exclusive dependencies if no remaining code imports it.
ASYNC_STACK_ROOT = "aiohttp"
# What the Lambda Python runtime provides beside /var/task, so bundles leave it out (boto3's
# own dependencies come with it); `runtime_layer()` installs it to import a bundle here.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")
RUNTIME_LAYER = "lambda-runtime"

FUNCTIONS_DIR = REPO_ROOT / "functions"
PACKAGE_DIR = FUNCTIONS_DIR / "hcp_dr"
CACHE_ROOT = REPO_ROOT / "build" / "lambda-bundles"


@dataclass(frozen=True)
class BundleVariant:
    """One flavour of Lambda code asset."""

    name: str
    with_kubernetes: bool

    def requirements(self) -> list[str]:
        """The requirement lines of requirements.txt this variant installs."""
        lines = []
        for raw in (REPO_ROOT / "requirements.txt").read_text().splitlines():
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if not self.with_kubernetes and _project_name(line) in KUBERNETES_ONLY:
                continue
            lines.append(line)
        return lines


KUBERNETES = BundleVariant("kubernetes", with_kubernetes=True)
LITE = BundleVariant("lite", with_kubernetes=False)


def _project_name(requirement: str) -> str:
    match = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else requirement


@cache
def python312() -> str | None:
    """An interpreter of the Lambda runtime's version, to compile bytecode with; None if absent."""
    candidates = [os.environ.get("HCP_DR_PYTHON312", ""), shutil.which("python3.12") or ""]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += [str(p) for p in sorted(pyenv_root.glob("versions/3.12*/bin/python3.12"))]
    candidates += ["/usr/bin/python3.12", "/usr/local/bin/python3.12"]
    for candidate in filter(None, candidates):
        try:
            probe = subprocess.run(
                [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True, text=True, timeout=30, check=False,
            )
        except OSError:
            continue
        if probe.returncode == 0 and probe.stdout.strip() == LAMBDA_PYTHON:
            return candidate
    return None


def dependency_key(variant: BundleVariant) -> str:
    """Identity of a variant's dependency layer."""
    digest = hashlib.sha256()
    for part in (
        BUNDLER_VERSION, variant.name, *variant.requirements(), *PIP_TARGET_ARGS,
        (REPO_ROOT / "constraints.txt").read_text(), f"bytecode={python312() is not None}",
    ):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def source_digest() -> str:
    """Content hash of functions/hcp_dr (paths and bytes), caches and bytecode excluded."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        digest.update(path.relative_to(FUNCTIONS_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def asset_hash(variant: BundleVariant) -> str:
    """The asset hash CDK uses: changes whenever the bundle's content would."""
    return hashlib.sha256(
        f"{dependency_key(variant)}:{source_digest()}".encode()
    ).hexdigest()


@jsii.implements(ILocalBundling)
class LocalPythonBundler:
    """CDK local bundling: builds the bundle here and never falls back to Docker."""

    def __init__(self, variant: BundleVariant) -> None:
        self.variant = variant

    def try_bundle(self, output_dir: str, *, image, **_options) -> bool:
        build_bundle(self.variant, Path(output_dir))
        return True


def build_bundle(
    variant: BundleVariant, output_dir: Path, *, cache_root: Path = CACHE_ROOT
) -> Path:
    """Write the variant's bundle into output_dir (created if missing)."""
    layer = dependency_layer(variant, cache_root=cache_root)
    output_dir.mkdir(parents=True, exist_ok=True)
    _link_tree(layer, output_dir)
    package_out = output_dir / "hcp_dr"
    shutil.copytree(
        PACKAGE_DIR, package_out, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    _compile(package_out)
    return output_dir


def dependency_layer(variant: BundleVariant, *, cache_root: Path = CACHE_ROOT) -> Path:
    """The installed, trimmed and compiled dependencies of a variant (built once, cached)."""

    def build(staging: Path) -> None:
        _pip_install(variant.name, variant.requirements(), staging)
        _trim(staging, {_project_name(r) for r in variant.requirements()})
        _compile(staging)

    return _cached_layer(variant.name, dependency_key(variant), build, cache_root)


def runtime_key() -> str:
    """Identity of the runtime layer: what it installs, pinned by constraints.txt."""
    digest = hashlib.sha256()
    for part in (
        BUNDLER_VERSION, RUNTIME_LAYER, *RUNTIME_PROVIDED, *PIP_TARGET_ARGS,
        (REPO_ROOT / "constraints.txt").read_text(), f"bytecode={python312() is not None}",
    ):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def runtime_layer(*, cache_root: Path = CACHE_ROOT) -> Path:
    """What the Lambda Python runtime provides beside the bundle (boto3 and its dependencies,
    at the versions constraints.txt pins), installed and compiled like a bundle's dependencies.

    Never deployed: it stands in for the runtime's own copy when a bundle is imported here
    (the import-time benchmark puts it after the bundle on sys.path, as Lambda does)."""

    def build(staging: Path) -> None:
        _pip_install(RUNTIME_LAYER, list(RUNTIME_PROVIDED), staging)
        shutil.rmtree(staging / "bin", ignore_errors=True)
        _compile(staging)

    return _cached_layer(RUNTIME_LAYER, runtime_key(), build, cache_root)


def _cached_layer(
    name: str, key: str, build: Callable[[Path], None], cache_root: Path
) -> Path:
    """`cache_root/<name>-<key>`, built by `build` into a staging directory when missing;
    older layers of the same name are removed."""
    layer = cache_root / f"{name}-{key[:16]}"
    if layer.is_dir():
        return layer
    cache_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=cache_root))
    try:
        build(staging)
        try:
            staging.rename(layer)
        except OSError:
            if not layer.is_dir():
                raise
            # Another synth finished the same layer first: use that one.
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    for stale in cache_root.glob(f"{name}-*"):
        if stale != layer:
            shutil.rmtree(stale, ignore_errors=True)
    return layer


def _pip_install(label: str, requirements: list[str], target: Path) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(requirements) + "\n")
    try:
        command = [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            *PIP_TARGET_ARGS, "--no-compile", "--target", str(target),
            "-r", listing.name, "-c", str(REPO_ROOT / "constraints.txt"),
        ]
        print(f"[bundle {label}] pip install {' '.join(requirements)}",
              file=sys.stderr, flush=True)
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(
                f"pip install for the {label} layer failed "
                f"(exit {result.returncode}):\n{result.stdout}{result.stderr}"
            )
    finally:
        os.unlink(listing.name)


def _trim(root: Path, roots: set[str]) -> None:
    for relative in TRIM_PATHS:
        shutil.rmtree(root / relative, ignore_errors=True)
    _trim_async_stack(root, roots)


def _trim_async_stack(root: Path, roots: set[str]) -> None:
    """Remove aiohttp, the packages built on it and the dependencies only they need, unless
    code that stays imports one of them.

    `roots` (what requirements.txt names) always stay; kubernetes declares aiohttp only for
    its async client, which is gone, so that one declaration is not a reason to keep it.
    """
    dists = _distributions(root)
    core_root = _project_name(ASYNC_STACK_ROOT)
    if core_root not in dists:
        return
    core = _closure(dists, {core_root}, dependents=True) - roots
    stack = core | (_closure(dists, core, dependents=False) - roots)
    kept = set(dists) - stack
    imports = {name: _imported_modules(root, dist.files) for name, dist in dists.items()}
    changed = True
    while changed:
        changed = False
        for name in sorted(stack - kept):
            declared = any(
                name in dists[k].requires and (name not in core or k in stack) for k in kept
            )
            imported = any(dists[name].modules & imports[k] for k in kept)
            if declared or imported:
                kept.add(name)
                changed = True
    removable = stack - kept
    if core_root not in removable:
        print("[bundle] keeping the aiohttp stack: code that stays imports it", file=sys.stderr)
        return
    print(f"[bundle] trimming {', '.join(sorted(removable))}", file=sys.stderr)
    for name in removable:
        for relative in dists[name].files:
            path = root / relative
            if path.is_file() or path.is_symlink():
                path.unlink()
        for top in {Path(f).parts[0] for f in dists[name].files}:
            if (root / top).is_dir():
                shutil.rmtree(root / top, ignore_errors=True)


@dataclass(frozen=True)
class _Dist:
    requires: frozenset[str]
    files: tuple[str, ...]  # RECORD entries, relative to the target directory
    modules: frozenset[str]  # top-level importable names


def _distributions(root: Path) -> dict[str, _Dist]:
    """Installed distributions under root by normalized name."""
    found: dict[str, _Dist] = {}
    for info in root.glob("*.dist-info"):
        metadata = (info / "METADATA").read_text(errors="replace")
        name_match = re.search(r"^Name: (.+)$", metadata, re.MULTILINE)
        if not name_match:
            continue
        requires = frozenset(
            _project_name(line.removeprefix("Requires-Dist:").strip())
            for line in metadata.splitlines()
            if line.startswith("Requires-Dist:") and "extra ==" not in line
        )
        record = info / "RECORD"
        files = tuple(
            line.split(",", 1)[0] for line in record.read_text().splitlines() if line
        ) if record.exists() else ()
        modules = frozenset(
            Path(f).parts[0].removesuffix(".py")
            for f in files
            if not Path(f).parts[0].endswith((".dist-info", ".data"))
            and Path(f).parts[0] not in {"bin", "__pycache__", ".."}
        )
        found[_project_name(name_match.group(1).strip())] = _Dist(requires, files, modules)
    return found


def _closure(dists: dict[str, _Dist], start: set[str], *, dependents: bool) -> set[str]:
    """start plus everything it requires (or, with dependents=True, everything requiring it)."""
    result, frontier = set(start), list(start)
    while frontier:
        current = frontier.pop()
        if dependents:
            nexts = {name for name, dist in dists.items() if current in dist.requires}
        else:
            nexts = set(dists[current].requires) & set(dists)
        for name in nexts - result:
            result.add(name)
            frontier.append(name)
    return result


_IMPORT = re.compile(r"^\s*(?:from\s+([A-Za-z_]\w*)|import\s+([^#\n]+))", re.MULTILINE)


def _imported_modules(root: Path, files: tuple[str, ...]) -> frozenset[str]:
    """Top-level module names imported anywhere in the given .py files (absolute imports)."""
    names: set[str] = set()
    for relative in files:
        path = root / relative
        if not relative.endswith(".py") or not path.is_file():
            continue
        for from_name, import_list in _IMPORT.findall(path.read_text(errors="replace")):
            if from_name:
                names.add(from_name)
            else:
                names.update(
                    part.strip().split(".")[0].split(" ")[0]
                    for part in import_list.strip("() ").split(",")
                )
    return frozenset(names)


def _compile(root: Path) -> None:
    """Compile bytecode for the Lambda runtime: /var/task is read-only, so Python cannot cache
    it there. unchecked-hash pycs stay valid although the asset zip resets file times."""
    interpreter = python312()
    if interpreter is None:
        print(f"[bundle] no python{LAMBDA_PYTHON} here: bundle ships without bytecode "
              "(slower cold starts)", file=sys.stderr)
        return
    subprocess.run(
        [interpreter, "-m", "compileall", "-q", "-j", "0",
         "--invalidation-mode", "unchecked-hash", str(root)],
        check=True, stdout=subprocess.DEVNULL,
    )


def _link_tree(source: Path, destination: Path) -> None:
    """Hard-link (or copy, across devices) every file of source into destination."""
    for directory, subdirs, files in os.walk(source):
        relative = Path(directory).relative_to(source)
        (destination / relative).mkdir(parents=True, exist_ok=True)
        subdirs.sort()
        for name in files:
            target = destination / relative / name
            try:
                os.link(Path(directory) / name, target)
            except OSError:
                shutil.copy2(Path(directory) / name, target)


def tree_size(root: Path) -> int:
    """Bytes of all files under root."""
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
