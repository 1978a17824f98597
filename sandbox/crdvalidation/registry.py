"""Finding a CRD in a directory of manifests, and one validator per CRD version per process.

A test session starts many emulated clusters that all serve the same CRDs, so each manifest
is parsed once (with libyaml's `CSafeLoader`) and each version's validator is built once.
Only the file that declares the wanted group and plural is parsed: a cheap text scan picks
it, because parsing the 9,000-line HostedCluster manifests is the slow part.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import yaml

from sandbox.crdvalidation.validator import CustomResourceValidator

_GROUP = re.compile(r"^  group:\s*(\S+)\s*$", re.MULTILINE)
_PLURAL = re.compile(r"^\s+plural:\s*(\S+)\s*$", re.MULTILINE)

_lock = threading.RLock()
_manifests: dict[Path, dict[str, Any]] = {}
_validators: dict[tuple[Path, str, str, str], CustomResourceValidator] = {}
_declared: dict[Path, tuple[frozenset[str], frozenset[str]]] = {}


class CRDNotFound(LookupError):
    """No manifest in the directory serves that group, plural and version."""


def load_crd(crd_dir: Path, group: str, plural: str) -> dict[str, Any]:
    """The parsed CustomResourceDefinition for `plural.group` in `crd_dir`."""
    crd_dir = Path(crd_dir).resolve()
    candidates = sorted(crd_dir.glob("*.yaml")) + sorted(crd_dir.glob("*.yml"))
    likely = [p for p in candidates if _declares(p, group, plural)]
    for path in likely + [p for p in candidates if p not in likely]:
        crd = _manifest(path)
        spec = crd.get("spec") or {}
        if spec.get("group") == group and (spec.get("names") or {}).get("plural") == plural:
            return crd
    raise CRDNotFound(f"no CRD for {plural}.{group} in {crd_dir}")


def validator_for(crd_dir: Path, group: str, version: str, plural: str) -> CustomResourceValidator:
    """The (cached) validator of `plural.group/version` from the CRDs in `crd_dir`."""
    cache_key = (Path(crd_dir).resolve(), group, version, plural)
    found = _validators.get(cache_key)
    if found is not None:
        return found
    with _lock:
        found = _validators.get(cache_key)
        if found is None:
            crd = load_crd(crd_dir, group, plural)
            found = CustomResourceValidator(_version_schema(crd, version))
            _validators[cache_key] = found
    return found


def _version_schema(crd: dict[str, Any], version: str) -> dict[str, Any]:
    spec = crd["spec"]
    for entry in spec.get("versions") or ():
        if entry.get("name") == version:
            schema = (entry.get("schema") or spec.get("validation") or {}).get("openAPIV3Schema")
            if schema is None:
                raise CRDNotFound(f"{crd['metadata']['name']} {version} has no openAPIV3Schema")
            return schema
    raise CRDNotFound(f"{crd['metadata']['name']} has no version {version}")


def _declares(path: Path, group: str, plural: str) -> bool:
    declared = _declared.get(path)
    if declared is None:
        text = path.read_text(encoding="utf-8")
        declared = (frozenset(_GROUP.findall(text)), frozenset(_PLURAL.findall(text)))
        _declared[path] = declared
    return group in declared[0] and plural in declared[1]


def _manifest(path: Path) -> dict[str, Any]:
    with _lock:
        found = _manifests.get(path)
        if found is None:
            with path.open("rb") as stream:
                found = yaml.load(stream, Loader=yaml.CSafeLoader)
            _manifests[path] = found
    return found
