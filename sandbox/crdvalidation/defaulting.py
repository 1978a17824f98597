"""Schema defaults, applied as the API server applies them when it decodes a custom resource.

Several CEL rules read fields that the client rarely sets but the schema defaults (a
NodePool's `arch`, a HostedCluster's `issuerURL` on main). In a cluster the rule sees the
default; validating an undefaulted object would evaluate those rules against a missing key
instead. Defaults are applied top-down and then descended into, so a defaulted object gets
its own nested defaults too, and a non-nullable `null` is replaced by the default.
"""

from __future__ import annotations

import copy
from typing import Any

from sandbox.crdvalidation.schema_tree import SchemaNode


def apply_defaults(value: Any, node: SchemaNode | None) -> None:
    """Fill in schema defaults in place."""
    if node is None:
        return
    if isinstance(value, dict):
        for name, prop in node.properties.items():
            if not prop.has_default:
                continue
            if name not in value or (value[name] is None and not prop.nullable):
                value[name] = copy.deepcopy(prop.default)
        for name, item in value.items():
            apply_defaults(item, node.properties.get(name) or node.additional)
    elif isinstance(value, list):
        for item in value:
            apply_defaults(item, node.items)
