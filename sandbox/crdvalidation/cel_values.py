"""JSON values of a custom resource turned into CEL values, typed by their schema.

The API server types `self` from the schema, not from the JSON: a `format: duration` string
is a CEL duration, `date-time` a timestamp, `byte` bytes, an int-or-string stays whichever it
is, and a list with `x-kubernetes-list-type: set|map` compares equal regardless of order
(so `self == oldSelf` does not fire on a reordered set). Fields the schema does not declare
are invisible to the rules unless the node preserves unknown fields; at a resource root the
rules see only `apiVersion`, `kind` and `metadata.name`/`generateName`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from celpy import celtypes

from sandbox.crdvalidation.formats import parse_go_duration
from sandbox.crdvalidation.schema_tree import SchemaNode


class UnorderedList(celtypes.ListType):
    """A CEL list with set/map-list semantics: equality ignores the order of the elements."""

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, list):
            return super().__eq__(other)
        if len(self) != len(other):
            return False
        unmatched = list(other)
        for item in self:
            for position, candidate in enumerate(unmatched):
                if _safe_equal(item, candidate):
                    del unmatched[position]
                    break
            else:
                return False
        return True

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)

    __hash__ = None  # type: ignore[assignment]


def _safe_equal(left: Any, right: Any) -> bool:
    try:
        return bool(left == right)
    except TypeError:
        return False


def to_cel(value: Any, node: SchemaNode | None, *, resource_root: bool = False) -> Any:
    """The CEL value of `value` as the rules at `node` see it."""
    if value is None:
        return None
    if node is None or (not node.type and not node.properties and not node.int_or_string):
        return _dyn(value)
    if isinstance(value, bool):
        return celtypes.BoolType(value)
    if isinstance(value, int):
        return celtypes.DoubleType(value) if node.type == "number" else celtypes.IntType(value)
    if isinstance(value, float):
        if node.type == "integer" and value.is_integer():
            return celtypes.IntType(int(value))
        return celtypes.DoubleType(value)
    if isinstance(value, str):
        return _string(value, node.format)
    if isinstance(value, list):
        items = [to_cel(item, node.items) for item in value]
        if node.list_type in ("set", "map"):
            return UnorderedList(items)
        return celtypes.ListType(items)
    if isinstance(value, dict):
        return _object(value, node, resource_root or node.embedded)
    return _dyn(value)


def _object(value: dict[str, Any], node: SchemaNode, resource_root: bool) -> Any:
    if resource_root and not isinstance(value.get("metadata", {}), dict):
        return _dyn(value)
    converted = celtypes.MapType()
    additional = node.additional
    for name, item in value.items():
        prop = node.properties.get(name)
        if resource_root and name in ("apiVersion", "kind"):
            converted[celtypes.StringType(name)] = _dyn(item)
        elif resource_root and name == "metadata":
            visible = {k: item[k] for k in ("name", "generateName") if k in item}
            converted[celtypes.StringType(name)] = _dyn(visible)
        elif prop is not None:
            converted[celtypes.StringType(name)] = to_cel(item, prop)
        elif additional is not None:
            converted[celtypes.StringType(name)] = to_cel(item, additional)
        elif node.preserve_unknown:
            converted[celtypes.StringType(name)] = _dyn(item)
    return converted


def _string(value: str, format_name: str) -> Any:
    if format_name == "duration":
        seconds = parse_go_duration(value)
        if seconds is not None:
            return celtypes.DurationType(dt.timedelta(seconds=seconds))
    elif format_name in ("date-time", "datetime"):
        try:
            return celtypes.TimestampType(value)
        except ValueError:
            pass
    elif format_name == "byte":
        try:
            return celtypes.BytesType(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            pass
    return celtypes.StringType(value)


def _dyn(value: Any) -> Any:
    """Schema-less conversion, for `x-kubernetes-preserve-unknown-fields` subtrees."""
    if value is None:
        return None
    if isinstance(value, bool):
        return celtypes.BoolType(value)
    if isinstance(value, int):
        return celtypes.IntType(value)
    if isinstance(value, float):
        return celtypes.DoubleType(value)
    if isinstance(value, str):
        return celtypes.StringType(value)
    if isinstance(value, list):
        return celtypes.ListType([_dyn(v) for v in value])
    if isinstance(value, dict):
        converted = celtypes.MapType()
        for name, item in value.items():
            converted[celtypes.StringType(name)] = _dyn(item)
        return converted
    return value
