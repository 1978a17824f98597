"""The API resource types an emulated management cluster serves.

A `ResourceType` is one (group, version, plural) as discovery documents list it. Built-in
types are declared here; custom resources come from the same CRD YAML files HyperShift ships,
so the emulator serves exactly the versions, scopes and subresources a real cluster would.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class ScaleSubresource:
    """Where the `/scale` subresource reads and writes replicas (CRD `subresources.scale`).

    Paths use the CRD's JSONPath-like form (`.spec.replicas`). For built-in apps types the
    selector path points at a LabelSelector object, which is rendered as a selector string.
    """

    spec_replicas_path: str = ".spec.replicas"
    status_replicas_path: str = ".status.replicas"
    label_selector_path: str | None = None


@dataclass(frozen=True)
class ResourceType:
    """One served (group, version, plural); custom resources carry their version's schema."""

    group: str
    version: str
    plural: str
    singular: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    scale: ScaleSubresource | None = None
    crd_schema: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    served_versions: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    custom: bool = False
    # Field labels the real server accepts in fieldSelector beyond metadata.name/namespace.
    field_labels: tuple[str, ...] = ()
    # Whether metadata.generation is maintained (workload types and custom resources).
    tracks_generation: bool = True
    # Whether DELETE answers with the deleted object instead of a Status (pods, CRs...).
    returns_deleted_object: bool = False

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_version(self) -> str:
        return self.api_version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def storage_key(self) -> tuple[str, str]:
        """Objects are stored once per (group, plural), whatever version wrote them."""
        return (self.group, self.plural)

    @property
    def qualified_resource(self) -> str:
        """`deployments.apps` as the real server writes it in error messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def qualified_kind(self) -> str:
        return f"{self.kind}.{self.group}" if self.group else self.kind

    def has_subresource(self, name: str) -> bool:
        return name in self.subresources


ResourceRef = ResourceType | tuple[str, str, str]


def _core(plural: str, kind: str, *, namespaced: bool = True, short: tuple[str, ...] = (),
          sub: tuple[str, ...] = (), fields: tuple[str, ...] = (), generation: bool = False,
          returns_object: bool = False) -> ResourceType:
    return ResourceType(
        group="", version="v1", plural=plural, singular=kind.lower(), kind=kind,
        namespaced=namespaced, short_names=short, subresources=sub, served_versions=("v1",),
        field_labels=fields, tracks_generation=generation, returns_deleted_object=returns_object,
    )


_APPS_SCALE = ScaleSubresource(label_selector_path=".spec.selector")


def builtin_types() -> list[ResourceType]:
    """The built-in types the DR workflow touches on an OpenShift management cluster."""
    return [
        _core("namespaces", "Namespace", namespaced=False, short=("ns",),
              sub=("status", "finalize"), fields=("status.phase",)),
        _core("nodes", "Node", namespaced=False, short=("no",), sub=("status",),
              fields=("spec.unschedulable",)),
        _core("secrets", "Secret", fields=("type",)),
        _core("configmaps", "ConfigMap", short=("cm",)),
        _core("pods", "Pod", short=("po",), sub=("status", "exec", "log"),
              fields=("spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
                      "spec.serviceAccountName", "status.phase", "status.podIP"),
              returns_object=True),
        _core("services", "Service", short=("svc",), sub=("status",), returns_object=True),
        _core("events", "Event", short=("ev",),
              fields=("involvedObject.kind", "involvedObject.namespace",
                      "involvedObject.name", "involvedObject.uid", "reason", "type")),
        _core("serviceaccounts", "ServiceAccount", short=("sa",), returns_object=True),
        _core("persistentvolumeclaims", "PersistentVolumeClaim", short=("pvc",),
              sub=("status",)),
        ResourceType("apps", "v1", "deployments", "deployment", "Deployment", True,
                     short_names=("deploy",), subresources=("status", "scale"),
                     scale=_APPS_SCALE, served_versions=("v1",)),
        ResourceType("apps", "v1", "statefulsets", "statefulset", "StatefulSet", True,
                     short_names=("sts",), subresources=("status", "scale"),
                     scale=_APPS_SCALE, served_versions=("v1",)),
        ResourceType("route.openshift.io", "v1", "routes", "route", "Route", True,
                     subresources=("status",), served_versions=("v1",),
                     field_labels=("spec.host", "spec.path", "spec.to.name")),
    ]


def _scale_from_crd(spec: dict[str, Any] | None) -> ScaleSubresource | None:
    if spec is None:
        return None
    return ScaleSubresource(
        spec_replicas_path=spec["specReplicasPath"],
        status_replicas_path=spec["statusReplicasPath"],
        label_selector_path=spec.get("labelSelectorPath"),
    )


def types_from_crd(crd: dict[str, Any]) -> list[ResourceType]:
    """One ResourceType per served version of a CustomResourceDefinition."""
    spec = crd["spec"]
    names = spec["names"]
    served = [v for v in spec["versions"] if v.get("served", True)]
    served_names = tuple(v["name"] for v in served)
    result = []
    for version in served:
        subresources = version.get("subresources") or {}
        result.append(ResourceType(
            group=spec["group"], version=version["name"], plural=names["plural"],
            singular=names.get("singular", names["kind"].lower()), kind=names["kind"],
            namespaced=spec.get("scope", "Namespaced") == "Namespaced",
            short_names=tuple(names.get("shortNames", ())),
            subresources=tuple(sorted(subresources)),
            scale=_scale_from_crd(subresources.get("scale")),
            crd_schema=(version.get("schema") or {}).get("openAPIV3Schema"),
            served_versions=served_names,
            categories=tuple(names.get("categories", ())),
            custom=True,
            returns_deleted_object=True,
        ))
    return result


@functools.lru_cache(maxsize=64)
def _parse_crd_file(path: str, mtime_ns: int) -> tuple[dict[str, Any], ...]:
    # A test session starts many clusters from the same 0.5 MB files: parse each once.
    del mtime_ns  # part of the cache key only
    with open(path, encoding="utf-8") as stream:
        documents = yaml.load_all(stream, Loader=yaml.CSafeLoader)
        return tuple(d for d in documents if d and d.get("kind") == "CustomResourceDefinition")


def load_crd_types(crd_dir: str | Path) -> list[ResourceType]:
    """Every served version of every CRD in the YAML files of `crd_dir` (cached per file).

    The parsed schemas are shared between clusters of one process: treat them as read-only.
    """
    result: list[ResourceType] = []
    for path in sorted(Path(crd_dir).glob("*.y*ml")):
        for crd in _parse_crd_file(str(path.resolve()), path.stat().st_mtime_ns):
            result.extend(types_from_crd(crd))
    return result


_VERSION_PATTERN = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def version_priority(version: str) -> tuple[int, int, int, str]:
    """Sort key of Kubernetes version priority: GA > beta > alpha, then higher numbers."""
    match = _VERSION_PATTERN.match(version)
    if not match:
        return (3, 0, 0, version)
    major, stage, minor = match.groups()
    stage_rank = {None: 0, "beta": 1, "alpha": 2}[stage]
    return (stage_rank, -int(major), -int(minor or 0), version)


class ResourceRegistry:
    """Lookup of served resource types by (group, version, plural) and by storage key."""

    def __init__(self, types: Iterable[ResourceType]) -> None:
        self._by_gvr: dict[tuple[str, str, str], ResourceType] = {}
        self._by_storage: dict[tuple[str, str], list[ResourceType]] = {}
        for resource_type in types:
            self._by_gvr[(resource_type.group, resource_type.version, resource_type.plural)] = (
                resource_type
            )
            self._by_storage.setdefault(resource_type.storage_key, []).append(resource_type)

    def find(self, group: str, version: str, plural: str) -> ResourceType | None:
        return self._by_gvr.get((group, version, plural))

    def preferred(self, storage_key: tuple[str, str]) -> ResourceType:
        """The version a discovery client would pick for a stored resource."""
        candidates = self._by_storage[storage_key]
        return min(candidates, key=lambda t: version_priority(t.version))

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        for resource_type in self._by_gvr.values():
            if resource_type.api_version == api_version and resource_type.kind == kind:
                return resource_type
        return None

    def all(self) -> list[ResourceType]:
        return list(self._by_gvr.values())

    def storage_keys(self) -> list[tuple[str, str]]:
        return list(self._by_storage)

    def groups(self) -> dict[str, list[str]]:
        """Group name -> served versions, highest priority first."""
        result: dict[str, set[str]] = {}
        for group, version, _ in self._by_gvr:
            result.setdefault(group, set()).add(version)
        return {g: sorted(v, key=version_priority) for g, v in result.items()}

    def in_group_version(self, group: str, version: str) -> list[ResourceType]:
        return [t for (g, v, _), t in self._by_gvr.items() if g == group and v == version]
