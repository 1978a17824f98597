"""A CRD version's `openAPIV3Schema`, read once into a tree of typed nodes.

Validation walks the object, not the schema, so each node keeps exactly what the walk asks
for (typed limits, the Kubernetes `x-kubernetes-*` extensions, the CEL rules). Regular
expressions are compiled on first use: a HostedCluster schema carries ~300 patterns and a
typical object touches a few dozen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import re2

_ABSENT = object()


@dataclass(frozen=True, slots=True)
class ValidationRule:
    """One `x-kubernetes-validations` entry of a schema node."""

    rule: str
    message: str = ""
    message_expression: str = ""
    reason: str = ""
    field_path: str = ""
    optional_old_self: bool = False


@dataclass(slots=True, eq=False)
class SchemaNode:
    """One schema node; `properties`/`items`/`additional` hold the children."""

    type: str = ""
    nullable: bool = False
    int_or_string: bool = False
    preserve_unknown: bool = False
    embedded: bool = False
    properties: dict[str, SchemaNode] = field(default_factory=dict)
    additional: SchemaNode | None = None
    items: SchemaNode | None = None
    required: tuple[str, ...] = ()
    enum: list[Any] | None = None
    pattern: str | None = None
    format: str = ""
    min_length: int | None = None
    max_length: int | None = None
    min_items: int | None = None
    max_items: int | None = None
    min_properties: int | None = None
    max_properties: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    multiple_of: float | None = None
    list_type: str = ""
    list_map_keys: tuple[str, ...] = ()
    map_type: str = ""
    any_of: tuple[SchemaNode, ...] = ()
    all_of: tuple[SchemaNode, ...] = ()
    one_of: tuple[SchemaNode, ...] = ()
    not_: SchemaNode | None = None
    rules: tuple[ValidationRule, ...] = ()
    default: Any = _ABSENT
    # True when this node or any node below it carries CEL rules: the CEL walk skips the rest.
    rules_below: bool = False
    _pattern_re: Any = None

    @property
    def has_default(self) -> bool:
        return self.default is not _ABSENT

    @property
    def is_map(self) -> bool:
        """An object whose keys are free (additionalProperties), not named properties."""
        return self.additional is not None

    def pattern_matches(self, text: str) -> bool:
        # OpenAPI patterns are ECMA-ish but Kubernetes runs them through Go's RE2: unanchored.
        if self._pattern_re is None:
            self._pattern_re = re2.compile(self.pattern)
        return self._pattern_re.search(text) is not None


def build_schema(raw: dict[str, Any]) -> SchemaNode:
    """Turn one `openAPIV3Schema` dict into a `SchemaNode` tree."""
    node = SchemaNode(
        type=raw.get("type", ""),
        nullable=bool(raw.get("nullable", False)),
        int_or_string=bool(raw.get("x-kubernetes-int-or-string", False)),
        preserve_unknown=bool(raw.get("x-kubernetes-preserve-unknown-fields", False)),
        embedded=bool(raw.get("x-kubernetes-embedded-resource", False)),
        required=tuple(raw.get("required", ())),
        enum=raw.get("enum"),
        pattern=raw.get("pattern"),
        format=raw.get("format", ""),
        min_length=raw.get("minLength"),
        max_length=raw.get("maxLength"),
        min_items=raw.get("minItems"),
        max_items=raw.get("maxItems"),
        min_properties=raw.get("minProperties"),
        max_properties=raw.get("maxProperties"),
        minimum=raw.get("minimum"),
        maximum=raw.get("maximum"),
        exclusive_minimum=bool(raw.get("exclusiveMinimum", False)),
        exclusive_maximum=bool(raw.get("exclusiveMaximum", False)),
        multiple_of=raw.get("multipleOf"),
        list_type=raw.get("x-kubernetes-list-type", ""),
        list_map_keys=tuple(raw.get("x-kubernetes-list-map-keys", ())),
        map_type=raw.get("x-kubernetes-map-type", ""),
        rules=tuple(_rule(r) for r in raw.get("x-kubernetes-validations") or ()),
        default=raw.get("default", _ABSENT),
    )
    node.properties = {k: build_schema(v) for k, v in (raw.get("properties") or {}).items()}
    if isinstance(raw.get("items"), dict):
        node.items = build_schema(raw["items"])
    additional = raw.get("additionalProperties")
    if isinstance(additional, dict):
        node.additional = build_schema(additional)
    elif additional is True:
        # `additionalProperties: true` means a map of anything; model it as a dyn schema.
        node.additional = SchemaNode(preserve_unknown=True)
    node.any_of = tuple(build_schema(s) for s in raw.get("anyOf") or ())
    node.all_of = tuple(build_schema(s) for s in raw.get("allOf") or ())
    node.one_of = tuple(build_schema(s) for s in raw.get("oneOf") or ())
    if isinstance(raw.get("not"), dict):
        node.not_ = build_schema(raw["not"])
    children = [*node.properties.values(), node.items, node.additional]
    node.rules_below = bool(node.rules) or any(c is not None and c.rules_below for c in children)
    return node


def _rule(raw: dict[str, Any]) -> ValidationRule:
    return ValidationRule(
        rule=raw["rule"],
        message=raw.get("message", "") or "",
        message_expression=raw.get("messageExpression", "") or "",
        reason=raw.get("reason", "") or "",
        field_path=raw.get("fieldPath", "") or "",
        optional_old_self=bool(raw.get("optionalOldSelf", False)),
    )
