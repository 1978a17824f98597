"""The public validator for one CRD version: schema, ObjectMeta and CEL, in the server's order.

The API server validates what it decoded, and decoding applies the schema defaults, so
`validate` works on defaulted copies of both objects (defaulting is idempotent; a caller that
stores objects should store `default(prune(obj))`, as the server does).
It then validates in the server's order: ObjectMeta, the OpenAPI schema,
list-type uniqueness, then the CEL rules, but the CEL rules only if nothing so far was a
"blocking" error (wrong type, missing required field, enum miss, too long, too many). In
that case it adds one `FieldValueInvalid` cause saying the rules were not checked, with the
field path rendered as `<nil>` because Go's nil `field.Path` prints that way.
"""

from __future__ import annotations

import copy
from typing import Any

from sandbox.crdvalidation import causes
from sandbox.crdvalidation.causes import FieldCause
from sandbox.crdvalidation.cel_programs import CompiledExpression, compiled
from sandbox.crdvalidation.cel_rules import RuleWalk
from sandbox.crdvalidation.defaulting import apply_defaults
from sandbox.crdvalidation.metadata import object_meta_causes
from sandbox.crdvalidation.pruning import prune
from sandbox.crdvalidation.schema_tree import SchemaNode, ValidationRule, build_schema
from sandbox.crdvalidation.structural import validate_value

RULES_NOT_CHECKED = FieldCause(
    "<nil>",
    causes.INVALID,
    'Invalid value: "null": some validation rules were not checked because the object was '
    "invalid; correct the existing errors to complete validation",
)


class CustomResourceValidator:
    """Validates, prunes and defaults objects of one CRD version (its `openAPIV3Schema`)."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.root: SchemaNode = build_schema(schema)

    def validate(self, new: dict[str, Any], old: dict[str, Any] | None) -> list[FieldCause]:
        """All causes the API server would answer a create (`old` None) or update with."""
        # The server validates what it decoded, and decoding applies the schema defaults.
        new = self.default(new)
        old = None if old is None else self.default(old)
        found = object_meta_causes(new.get("metadata"))
        found.extend(validate_value(self.root, _without_envelope(new), ""))
        if any(cause.reason in causes.BLOCKING_REASONS for cause in found):
            found.append(RULES_NOT_CHECKED)
            return found
        walk = RuleWalk()
        walk.visit(self.root, new, old, "", root=True)
        found.extend(walk.found)
        return found

    def prune(self, obj: dict[str, Any]) -> dict[str, Any]:
        """A copy of `obj` without the fields the schema does not declare."""
        return prune(obj, self.root, resource_root=True)

    def default(self, obj: dict[str, Any]) -> dict[str, Any]:
        """A copy of `obj` with the schema's defaults filled in (the server does it on decode)."""
        defaulted = copy.deepcopy(obj)
        apply_defaults(defaulted, self.root)
        return defaulted

    def rules(self) -> list[ValidationRule]:
        """Every `x-kubernetes-validations` rule of this schema."""
        found: list[ValidationRule] = []
        _collect_rules(self.root, found)
        return found

    def skipped_rules(self) -> dict[str, str]:
        """Rules of this schema that cel-python cannot run, each with the reason.

        Compiles every rule of the schema (once per process), so the answer is complete.
        """
        skipped = {}
        for rule in self.rules():
            program = compiled(rule.rule)
            if not isinstance(program, CompiledExpression):
                skipped[rule.rule] = program.reason
        return skipped


def _without_envelope(obj: dict[str, Any]) -> dict[str, Any]:
    # metadata is validated as ObjectMeta above; the schema's own `metadata: object` adds nothing.
    return {k: v for k, v in obj.items() if k != "metadata"}


def _collect_rules(node: SchemaNode, found: list[ValidationRule]) -> None:
    if not node.rules_below:
        return
    found.extend(node.rules)
    for child in (*node.properties.values(), node.items, node.additional):
        if child is not None:
            _collect_rules(child, found)
