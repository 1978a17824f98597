"""The autoscaling/v1 `Scale` view of workloads and of CRDs declaring a scale subresource.

Replicas are read from and written to the paths the type declares (`specReplicasPath`,
`statusReplicasPath`, `labelSelectorPath` of a CRD); for apps workloads the selector path is
a LabelSelector object, rendered as the selector string `Scale.status.selector` carries.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from sandbox.kubeapi.errors import FieldCause, Invalid
from sandbox.kubeapi.resources import ResourceType, ScaleSubresource


def _lookup(obj: dict[str, Any], path: str) -> Any:
    node: Any = obj
    for part in path.strip(".").split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _assign(obj: dict[str, Any], path: str, value: Any) -> None:
    parts = path.strip(".").split(".")
    node = obj
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _selector_string(selector: Any) -> str | None:
    if isinstance(selector, str) or selector is None:
        return selector
    terms = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression["key"], expression["operator"]
        values = ",".join(expression.get("values") or [])
        terms.append({"In": f"{key} in ({values})", "NotIn": f"{key} notin ({values})",
                      "Exists": key, "DoesNotExist": f"!{key}"}[operator])
    return ",".join(terms)


def _declared(resource_type: ResourceType) -> ScaleSubresource:
    if resource_type.scale is None:
        raise ValueError(f"{resource_type.qualified_resource} has no scale subresource")
    return resource_type.scale


def scale_of(resource_type: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    """The Scale object the `/scale` endpoint answers for `obj`."""
    declared = _declared(resource_type)
    meta = obj["metadata"]
    status: dict[str, Any] = {"replicas": _lookup(obj, declared.status_replicas_path) or 0}
    if declared.label_selector_path:
        selector = _selector_string(_lookup(obj, declared.label_selector_path))
        if selector:
            status["selector"] = selector
    scale_meta = {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion",
                                       "creationTimestamp") if k in meta}
    return {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": scale_meta,
            "spec": {"replicas": _lookup(obj, declared.spec_replicas_path) or 0},
            "status": status}


def with_replicas(resource_type: ResourceType, obj: dict[str, Any],
                  scale: dict[str, Any]) -> dict[str, Any]:
    """A copy of `obj` with the replicas of `scale` written to the declared spec path."""
    replicas = (scale.get("spec") or {}).get("replicas", 0)
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        raise Invalid.of(resource_type, obj["metadata"]["name"], [FieldCause(
            "spec.replicas", "FieldValueInvalid",
            f"Invalid value: {json.dumps(replicas)}: must be greater than or equal to 0")])
    result = copy.deepcopy(obj)
    _assign(result, _declared(resource_type).spec_replicas_path, replicas)
    return result
