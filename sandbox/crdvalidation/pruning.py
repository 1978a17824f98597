"""Dropping what a CRD's schema does not declare, as the API server does when it decodes.

Kubernetes does not reject unknown fields of a custom resource (unless the client asks for
strict field validation): it silently removes them before storing, except below
`x-kubernetes-preserve-unknown-fields`. A test that writes a misspelled field and reads the
object back must therefore see the field gone, not an error. `null` in a field that is not
`nullable` is dropped as well (the API server does it in its defaulting step, before the
default is applied), so a client sending explicit nulls gets the same result as in a cluster.
"""

from __future__ import annotations

import copy
from typing import Any

from sandbox.crdvalidation.schema_tree import SchemaNode

# apiVersion/kind/metadata survive at a resource root even though schemas rarely list them.
_RESOURCE_ENVELOPE = ("apiVersion", "kind", "metadata")
_OBJECT_META_FIELDS = frozenset({
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
    "annotations", "ownerReferences", "finalizers", "managedFields",
})


def prune(value: Any, node: SchemaNode | None, *, resource_root: bool = False) -> Any:
    """A pruned deep copy of `value`; the input is left untouched."""
    if node is None:
        return copy.deepcopy(value)
    if isinstance(value, dict):
        return _prune_object(value, node, resource_root or node.embedded)
    if isinstance(value, list):
        return [prune(item, node.items) for item in value]
    return value


def _prune_object(value: dict[str, Any], node: SchemaNode, resource_root: bool) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for name, item in value.items():
        schema = node.properties.get(name) or node.additional
        if resource_root and name in _RESOURCE_ENVELOPE:
            # The schema says `metadata: {type: object}`; the server keeps ObjectMeta's fields.
            kept[name] = _prune_metadata(item) if name == "metadata" else copy.deepcopy(item)
        elif schema is not None:
            if item is None and not schema.nullable:
                continue
            kept[name] = prune(item, schema, resource_root=False)
        elif node.preserve_unknown:
            kept[name] = copy.deepcopy(item)
    return kept


def _prune_metadata(metadata: Any) -> Any:
    # The API server round-trips metadata through ObjectMeta: unknown keys disappear.
    if not isinstance(metadata, dict):
        return copy.deepcopy(metadata)
    return {k: copy.deepcopy(v) for k, v in metadata.items() if k in _OBJECT_META_FIELDS}
