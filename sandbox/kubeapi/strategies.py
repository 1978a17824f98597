"""What the real API server's per-type strategies do to an object on create and update.

Defaulting (`spec.replicas: 1` of apps workloads, `spec.finalizers: [kubernetes]` of
namespaces), the status a fresh object starts with, object-name rules, and which changes move
`metadata.generation`. Kept apart from the store so it reads as a list of server rules.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from sandbox.kubeapi.errors import FieldCause, Invalid
from sandbox.kubeapi.resources import ResourceType

NAMESPACES = ("", "namespaces")
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# What PrepareForCreate leaves in status, required fields included (the typed client refuses
# to deserialize e.g. a StatefulSetStatus without `replicas`).
_INITIAL_STATUS: dict[tuple[str, str], dict[str, Any]] = {
    ("", "pods"): {"phase": "Pending", "qosClass": "BestEffort"},
    ("", "services"): {"loadBalancer": {}},
    ("", "persistentvolumeclaims"): {"phase": "Pending"},
    ("apps", "statefulsets"): {"replicas": 0, "availableReplicas": 0},
}


def check_name(resource_type: ResourceType, name: str) -> None:
    """Namespaces need an RFC 1123 label, everything else an RFC 1123 subdomain."""
    if resource_type.storage_key == NAMESPACES:
        pattern, limit, what = _LABEL, 63, "RFC 1123 label"
    else:
        pattern, limit, what = _SUBDOMAIN, 253, "RFC 1123 subdomain"
    if len(name) > limit or not pattern.match(name):
        raise Invalid.of(resource_type, name, [FieldCause(
            "metadata.name", "FieldValueInvalid",
            f'Invalid value: "{name}": a lowercase {what} must consist of lower case '
            "alphanumeric characters, '-' or '.', and must start and end with an "
            "alphanumeric character")])


def apply_defaults(resource_type: ResourceType, obj: dict[str, Any]) -> None:
    """Defaulting runs on every write, as decoding does on the real server."""
    if resource_type.group == "apps" and resource_type.plural in ("deployments", "statefulsets"):
        spec = obj.setdefault("spec", {})
        if spec.get("replicas") is None:
            spec["replicas"] = 1
    if resource_type.storage_key == NAMESPACES:
        obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])


def set_initial_status(resource_type: ResourceType, obj: dict[str, Any], *, keep: bool) -> None:
    """Clients cannot set status on create when it is a subresource; `keep` is for
    simulated controllers that create an object already in some state."""
    if resource_type.storage_key == NAMESPACES:
        obj["status"] = {"phase": "Active"}
    elif keep or not resource_type.has_subresource("status"):
        return
    elif resource_type.custom:
        obj.pop("status", None)
    else:
        obj["status"] = copy.deepcopy(_INITIAL_STATUS.get(resource_type.storage_key, {}))


def spec_changed(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether `metadata.generation` moves: anything but metadata and status changed."""
    def payload(obj: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in obj.items()
                if k not in ("metadata", "status", "apiVersion", "kind")}
    return payload(old) != payload(new)
