"""Field errors worded as the API server words the `details.causes[]` of a 422 answer.

A cause's `message` is what `field.Error.ErrorBody()` renders in Kubernetes: the error type's
phrase, the offending value in Go notation, then the detail; it never repeats the field path,
because the server prints the path separately. Callers (and the code under test) branch on
`reason`, so each constructor here pins the exact cause type Kubernetes reports.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

REQUIRED = "FieldValueRequired"
INVALID = "FieldValueInvalid"
NOT_SUPPORTED = "FieldValueNotSupported"
TOO_LONG = "FieldValueTooLong"
TOO_MANY = "FieldValueTooMany"
FORBIDDEN = "FieldValueForbidden"
DUPLICATE = "FieldValueDuplicate"
# Kubernetes' name for a value of the wrong JSON type (metav1.CauseTypeTypeInvalid).
TYPE_INVALID = "FieldValueTypeInvalid"

# Schema errors after which the API server does not run the CEL rules at all
# (apiextensions `hasBlockingErr`): the object lacks the shape the rules were written for.
BLOCKING_REASONS = frozenset({NOT_SUPPORTED, REQUIRED, TOO_LONG, TOO_MANY, TYPE_INVALID})


class FieldCause(NamedTuple):
    """One entry of `details.causes[]`: the field path, the cause type and the error body."""

    field: str
    reason: str
    message: str


class OmittedValue:
    """Marks an error whose body leaves the value out, as Kubernetes does for whole objects."""


OMITTED = OmittedValue()


def go_value(value: Any) -> str:
    """Render a JSON value the way Go's `%v`/`%q`/`%#v` print it in a field error."""
    if value is None:
        return '"null"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return go_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[]interface {}{" + ", ".join(_go_nested(v) for v in value) + "}"
    if isinstance(value, dict):
        inner = ", ".join(f"{json.dumps(str(k))}:{_go_nested(v)}" for k, v in value.items())
        return "map[string]interface {}{" + inner + "}"
    return json.dumps(str(value))


def _go_nested(value: Any) -> str:
    if value is None:
        return "interface {}(nil)"
    return go_value(value)


def go_number(value: float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return str(value)


def _with_value(phrase: str, value: Any, detail: str) -> str:
    body = phrase if isinstance(value, OmittedValue) else f"{phrase}: {go_value(value)}"
    return f"{body}: {detail}" if detail else body


def invalid(path: str, value: Any, detail: str) -> FieldCause:
    return FieldCause(path, INVALID, _with_value("Invalid value", value, detail))


def type_invalid(path: str, value: Any, detail: str) -> FieldCause:
    return FieldCause(path, TYPE_INVALID, _with_value("Invalid value", value, detail))


def required(path: str, detail: str = "") -> FieldCause:
    return FieldCause(path, REQUIRED, f"Required value: {detail}" if detail else "Required value")


def forbidden(path: str, detail: str) -> FieldCause:
    return FieldCause(path, FORBIDDEN, f"Forbidden: {detail}" if detail else "Forbidden")


def duplicate(path: str, value: Any) -> FieldCause:
    return FieldCause(path, DUPLICATE, _with_value("Duplicate value", value, ""))


def not_supported(path: str, value: Any, allowed: list[Any]) -> FieldCause:
    choices = ", ".join(
        json.dumps(v) if isinstance(v, str) else json.dumps(v, separators=(",", ":"))
        for v in allowed
    )
    return FieldCause(
        path, NOT_SUPPORTED, _with_value("Unsupported value", value, f"supported values: {choices}")
    )


def too_long(path: str, max_length: int) -> FieldCause:
    return FieldCause(path, TOO_LONG, f"Too long: may not be more than {max_length} bytes")


def too_many(path: str, actual: int, maximum: int) -> FieldCause:
    return FieldCause(path, TOO_MANY, f"Too many: {actual}: must have at most {maximum} items")


def child(path: str, name: str) -> str:
    """`field.Path.Child`: a property below `path`."""
    return f"{path}.{name}" if path else name


def index(path: str, position: int) -> str:
    """`field.Path.Index`: an element of a list."""
    return f"{path}[{position}]"


def key(path: str, name: str) -> str:
    """`field.Path.Key`: an entry of a map (additionalProperties)."""
    return f"{path}[{name}]"
