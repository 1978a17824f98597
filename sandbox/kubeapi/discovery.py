"""Discovery documents shaped like the real ones, so `kubernetes.dynamic.DynamicClient`
(and kubectl-style code) finds resources, scopes, verbs and subresources the same way."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from sandbox.kubeapi.resources import ResourceRegistry, ResourceType

_ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


@dataclass(frozen=True)
class ServerVersion:
    """What `/version` reports; defaults to the Kubernetes of OpenShift 4.13."""

    git_version: str = "v1.26.9+636f2be"
    git_commit: str = "636f2be4bc1b4e1cb1a1ce0e3e8b2b0fa2e0a3b1"
    build_date: str = "2023-10-05T13:51:11Z"
    go_version: str = "go1.19.13 X:strictfipsruntime"

    def to_json(self) -> dict[str, str]:
        major, minor = self.git_version.lstrip("v").split(".")[:2]
        return {
            "major": major, "minor": minor, "gitVersion": self.git_version,
            "gitCommit": self.git_commit, "gitTreeState": "clean",
            "buildDate": self.build_date, "goVersion": self.go_version,
            "compiler": "gc", "platform": "linux/amd64",
        }


def _storage_hash(resource_type: ResourceType) -> str:
    digest = hashlib.sha256(
        f"{resource_type.group}/{resource_type.version}/{resource_type.kind}".encode()).digest()
    return base64.b64encode(digest[:8]).decode()


def _subresource_entry(resource_type: ResourceType, subresource: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": f"{resource_type.plural}/{subresource}", "singularName": "",
        "namespaced": resource_type.namespaced, "kind": resource_type.kind,
        "verbs": ["get", "patch", "update"],
    }
    if subresource == "scale":
        entry.update(group="autoscaling", version="v1", kind="Scale")
    elif subresource == "exec":
        entry.update(kind="PodExecOptions", verbs=["create", "get"])
    elif subresource == "log":
        entry.update(verbs=["get"])
    elif subresource == "finalize":
        entry.update(verbs=["update"])
    return entry


def resource_entries(resource_type: ResourceType) -> list[dict[str, Any]]:
    verbs = [v for v in _ALL_VERBS
             if not (v == "deletecollection" and resource_type.plural == "namespaces")]
    entry: dict[str, Any] = {
        "name": resource_type.plural, "singularName": resource_type.singular,
        "namespaced": resource_type.namespaced, "kind": resource_type.kind, "verbs": verbs,
    }
    if resource_type.short_names:
        entry["shortNames"] = list(resource_type.short_names)
    if resource_type.categories:
        entry["categories"] = list(resource_type.categories)
    entry["storageVersionHash"] = _storage_hash(resource_type)
    return [entry, *(_subresource_entry(resource_type, s) for s in resource_type.subresources)]


def api_resource_list(registry: ResourceRegistry, group: str, version: str) -> dict[str, Any]:
    """`/api/v1` or `/apis/{group}/{version}`."""
    resources: list[dict[str, Any]] = []
    for resource_type in sorted(registry.in_group_version(group, version), key=lambda t: t.plural):
        resources.extend(resource_entries(resource_type))
    return {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": f"{group}/{version}" if group else version, "resources": resources}


def api_versions(server_address: str) -> dict[str, Any]:
    """`/api`."""
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                            "serverAddress": server_address}]}


def api_group(registry: ResourceRegistry, group: str) -> dict[str, Any]:
    versions = registry.groups()[group]
    entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": entries,
            "preferredVersion": entries[0]}


def api_group_list(registry: ResourceRegistry) -> dict[str, Any]:
    """`/apis`: every group but the legacy core group, in registration order."""
    groups = [api_group(registry, g) for g in registry.groups() if g]
    for group in groups:
        del group["kind"], group["apiVersion"]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
