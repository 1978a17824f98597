"""OpenAPI v3 value validation of a custom resource, as kube-openapi does it for the API server.

The walk follows the object (absent fields cost nothing) and reports each violation with the
cause type the API server maps it to in `ValidateCustomResource`: a wrong JSON type is
`FieldValueTypeInvalid`, a missing required field `FieldValueRequired`, an enum miss
`FieldValueNotSupported`, `maxLength` `FieldValueTooLong`, `maxItems`/`maxProperties`
`FieldValueTooMany`, everything else `FieldValueInvalid`. The details keep kube-openapi's
wording (`spec.x in body should match '...'`). List-type `set`/`map` uniqueness is checked
here too (`FieldValueDuplicate`), as the API server does right after the schema validation.
"""

from __future__ import annotations

import math
from typing import Any

from sandbox.crdvalidation import causes
from sandbox.crdvalidation.causes import FieldCause
from sandbox.crdvalidation.formats import format_holds
from sandbox.crdvalidation.metadata import embedded_resource_causes
from sandbox.crdvalidation.schema_tree import SchemaNode


def json_type(value: Any) -> str:
    """The JSON type name kube-openapi infers from a decoded value."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null" if value is None else type(value).__name__


def json_equal(left: Any, right: Any) -> bool:
    """Equality of decoded JSON values that does not let Python equate `True` with `1`."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(v, right[k]) for k, v in left.items())
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(json_equal, left, right))
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    return type(left) is type(right) and left == right


def validate_value(node: SchemaNode, value: Any, path: str) -> list[FieldCause]:
    """All schema violations of `value` (present in the object) against `node`."""
    found: list[FieldCause] = []
    _check(node, value, path, found)
    return found


def _check(node: SchemaNode, value: Any, path: str, found: list[FieldCause]) -> None:
    if value is None:
        if node.type and not node.nullable:
            found.append(_type_cause(path, node.type, "null"))
        return
    if not _type_holds(node, value, path, found):
        return
    if node.enum is not None and not any(json_equal(value, allowed) for allowed in node.enum):
        found.append(causes.not_supported(path, value, node.enum))
    if isinstance(value, str):
        _check_string(node, value, path, found)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        _check_number(node, value, path, found)
    elif isinstance(value, list):
        _check_array(node, value, path, found)
    elif isinstance(value, dict):
        _check_object(node, value, path, found)
    _check_combinators(node, value, path, found)


def _type_cause(path: str, expected: str, actual: str) -> FieldCause:
    detail = f'{path} in body must be of type {expected}: "{actual}"'
    return causes.type_invalid(path, actual, detail)


def _type_holds(node: SchemaNode, value: Any, path: str, found: list[FieldCause]) -> bool:
    actual = json_type(value)
    if node.int_or_string:
        if actual in ("integer", "string") or (actual == "number" and float(value).is_integer()):
            return True
        found.append(_type_cause(path, "integer,string", actual))
        return False
    expected = node.type
    if not expected:
        return True
    numeric = expected in ("integer", "number")
    # kube-openapi lets any string or list through a non-numeric type that carries a format.
    if node.format and not numeric and actual in ("string", "array"):
        return True
    if expected == actual or (expected == "number" and actual == "integer"):
        return True
    if expected == "integer" and actual == "number" and float(value).is_integer():
        return True
    found.append(_type_cause(path, expected, actual))
    return False


def _check_string(node: SchemaNode, value: str, path: str, found: list[FieldCause]) -> None:
    if node.max_length is not None and len(value) > node.max_length:
        found.append(causes.too_long(path, node.max_length))
    if node.min_length is not None and len(value) < node.min_length:
        found.append(causes.invalid(
            path, value, f"{path} in body should be at least {node.min_length} chars long"))
    if node.pattern is not None and not node.pattern_matches(value):
        found.append(causes.invalid(path, value, f"{path} in body should match '{node.pattern}'"))
    if node.format and not format_holds(node.format, value):
        found.append(causes.type_invalid(
            path, value, f"{path} in body must be of type {node.format}: {causes.go_value(value)}"))


def _check_number(node: SchemaNode, value: float, path: str, found: list[FieldCause]) -> None:
    if node.minimum is not None:
        bound = causes.go_number(node.minimum)
        if node.exclusive_minimum and value <= node.minimum:
            found.append(causes.invalid(
                path, value, f"{path} in body should be greater than {bound}"))
        elif value < node.minimum:
            found.append(causes.invalid(
                path, value, f"{path} in body should be greater than or equal to {bound}"))
    if node.maximum is not None:
        bound = causes.go_number(node.maximum)
        if node.exclusive_maximum and value >= node.maximum:
            found.append(causes.invalid(path, value, f"{path} in body should be less than {bound}"))
        elif value > node.maximum:
            found.append(causes.invalid(
                path, value, f"{path} in body should be less than or equal to {bound}"))
    if node.multiple_of:
        quotient = value / node.multiple_of
        if not math.isclose(quotient, round(quotient), rel_tol=0, abs_tol=1e-9):
            bound = causes.go_number(node.multiple_of)
            found.append(causes.invalid(
                path, value, f"{path} in body should be a multiple of {bound}"))


def _check_array(node: SchemaNode, value: list[Any], path: str, found: list[FieldCause]) -> None:
    if node.items is not None:
        for position, item in enumerate(value):
            _check(node.items, item, causes.index(path, position), found)
    if node.min_items is not None and len(value) < node.min_items:
        found.append(causes.invalid(
            path, value, f"{path} in body should have at least {node.min_items} items"))
    if node.max_items is not None and len(value) > node.max_items:
        found.append(causes.too_many(path, len(value), node.max_items))
    if node.list_type == "set":
        _check_unique(value, path, found, lambda item: item)
    elif node.list_type == "map" and node.list_map_keys:
        keys = node.list_map_keys
        _check_unique(value, path, found, lambda item: _map_key(item, keys))


def _map_key(item: Any, keys: tuple[str, ...]) -> Any:
    if not isinstance(item, dict):
        return item
    return {k: item[k] for k in keys if k in item}


def _check_unique(value: list[Any], path: str, found: list[FieldCause], key_of: Any) -> None:
    seen: list[Any] = []
    for position, item in enumerate(value):
        item_key = key_of(item)
        if any(json_equal(item_key, earlier) for earlier in seen):
            found.append(causes.duplicate(causes.index(path, position), item_key))
        else:
            seen.append(item_key)


def _check_object(
    node: SchemaNode, value: dict[str, Any], path: str, found: list[FieldCause]
) -> None:
    count = len(value)
    # kube-openapi stops looking inside an object whose property count is out of bounds.
    if node.min_properties is not None and count < node.min_properties:
        found.append(causes.invalid(
            path, value, f"{path} in body should have at least {node.min_properties} properties"))
        return
    if node.max_properties is not None and count > node.max_properties:
        found.append(causes.too_many(path, count, node.max_properties))
        return
    for name, item in value.items():
        prop = node.properties.get(name)
        if prop is not None:
            _check(prop, item, causes.child(path, name), found)
        elif node.additional is not None:
            _check(node.additional, item, causes.child(path, name), found)
    for name in node.required:
        if name not in value:
            found.append(causes.required(causes.child(path, name)))
    if node.embedded:
        found.extend(embedded_resource_causes(value, path))


def _check_combinators(node: SchemaNode, value: Any, path: str, found: list[FieldCause]) -> None:
    if node.all_of:
        for branch in node.all_of:
            _check(branch, value, path, found)
    # An int-or-string node's anyOf ([integer, string]) is checked like any other anyOf.
    if node.any_of and not any(not validate_value(b, value, path) for b in node.any_of):
        found.append(causes.invalid(
            path, value, f"{path} in body must validate at least one schema (anyOf)"))
    if node.one_of:
        passing = sum(1 for branch in node.one_of if not validate_value(branch, value, path))
        if passing != 1:
            found.append(causes.invalid(
                path, value, f"{path} in body must validate one and only one schema (oneOf)"))
    if node.not_ is not None and not validate_value(node.not_, value, path):
        found.append(causes.invalid(
            path, value, f"{path} in body must not validate the schema (not)"))

