"""Evaluation of `x-kubernetes-validations` rules the way the apiextensions API server does it.

Each rule runs at its schema node with `self` bound to that node's value; nodes absent from
the object (or null) run nothing. A rule that reads `oldSelf` is a transition rule: it runs
only on update and only where the old object has a value at the *correlated* position
(same property name, same map key, same list-map key; items of `set` or `atomic` lists have
no old counterpart). A rule that does not hold becomes a `FieldValueInvalid` cause at the
node, unless the rule names another `reason`/`fieldPath`; a rule that fails to evaluate
(e.g. a missing key without a `has()` guard) is also reported invalid, with the error text,
because the API server does exactly that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from celpy import celtypes
from celpy.evaluation import CELEvalError, CELUnsupportedError

from sandbox.crdvalidation import causes, outcome_cache
from sandbox.crdvalidation.causes import FieldCause
from sandbox.crdvalidation.cel_programs import CompiledExpression, compiled
from sandbox.crdvalidation.cel_values import to_cel
from sandbox.crdvalidation.outcome_cache import Outcome
from sandbox.crdvalidation.schema_tree import SchemaNode, ValidationRule

_MAX_MESSAGE_BYTES = 5 * 1024
_IMMUTABLE = re.compile(r"\s*self\s*==\s*oldSelf\s*")
_EVALUATION_FAILURES = (CELEvalError, CELUnsupportedError, TypeError, ValueError, LookupError,
                        AttributeError)


@dataclass
class RuleWalk:
    """One validation's CEL pass: collects causes while descending new and old objects."""

    found: list[FieldCause] = field(default_factory=list)

    def visit(self, node: SchemaNode, value: Any, old: Any, path: str, *, root: bool) -> None:
        if value is None or not node.rules_below:
            return
        if node.rules:
            self._run_rules(node, value, old, path, root)
        if isinstance(value, dict):
            self._visit_object(node, value, old if isinstance(old, dict) else None, path)
        elif isinstance(value, list) and node.items is not None and node.items.rules_below:
            self._visit_list(node, value, old if isinstance(old, list) else None, path)

    def _visit_object(self, node: SchemaNode, value: dict[str, Any], old: dict[str, Any] | None,
                      path: str) -> None:
        for name, item in value.items():
            prop = node.properties.get(name)
            if prop is not None:
                child_path, child = causes.child(path, name), prop
            elif node.additional is not None:
                child_path, child = causes.key(path, name), node.additional
            else:
                continue
            self.visit(child, item, None if old is None else old.get(name), child_path,
                       root=child.embedded)

    def _visit_list(self, node: SchemaNode, value: list[Any], old: list[Any] | None,
                    path: str) -> None:
        items = node.items
        assert items is not None
        by_key = _old_items_by_key(node, old)
        for position, item in enumerate(value):
            old_item = by_key.get(_list_map_key(node, item)) if by_key else None
            self.visit(items, item, old_item, causes.index(path, position), root=items.embedded)

    def _run_rules(self, node: SchemaNode, value: Any, old: Any, path: str, root: bool) -> None:
        scope = _RuleScope(node, value, old, root)
        shown = causes.OMITTED if isinstance(value, dict | list) else value
        for rule in node.rules:
            program = compiled(rule.rule)
            if not isinstance(program, CompiledExpression):
                continue
            if program.uses_old_self and old is None:
                continue
            outcome = scope.outcome(rule, program)
            if outcome is not None:
                self.found.append(_cause(rule, outcome, path, shown))


class _RuleScope:
    """What the rules of one node see; CEL values and cache keys are built only when needed."""

    def __init__(self, node: SchemaNode, value: Any, old: Any, root: bool) -> None:
        self.node, self.value, self.old, self.root = node, value, old, root
        self._activation: dict[str, Any] = {}
        self._keys: dict[str, str] = {}

    def outcome(self, rule: ValidationRule, program: CompiledExpression) -> Outcome:
        if _IMMUTABLE.fullmatch(rule.rule) and self._key("self") == self._key("oldSelf"):
            # Identical JSON under one schema gives identical CEL values, hence equal ones;
            # a third of an update's rules are this immutability check.
            return None
        # The node itself (identity-hashed), not id(): ids of dropped validators get reused.
        key = (self.node, self.root, rule.rule, rule.message_expression, self._key("self"),
               self._key("oldSelf") if program.uses_old_self else None)
        found = outcome_cache.lookup(key)
        if found is outcome_cache.MISSING:
            found = self._evaluate(rule, program)
            outcome_cache.remember(key, found)
        return found

    def _key(self, name: str) -> str:
        if name not in self._keys:
            self._keys[name] = outcome_cache.value_key(self.value if name == "self" else self.old)
        return self._keys[name]

    def _cel(self, uses_old_self: bool) -> dict[str, Any]:
        if "self" not in self._activation:
            self._activation["self"] = to_cel(self.value, self.node, resource_root=self.root)
        if uses_old_self and "oldSelf" not in self._activation:
            self._activation["oldSelf"] = to_cel(self.old, self.node, resource_root=self.root)
        return self._activation

    def _evaluate(self, rule: ValidationRule, program: CompiledExpression) -> Outcome:
        activation = self._cel(program.uses_old_self)
        try:
            result = program.program.evaluate(activation)
        except _EVALUATION_FAILURES as failure:
            return (False, f"{_error_text(failure)} evaluating rule: {_rule_label(rule)}")
        if isinstance(result, celtypes.BoolType) and bool(result):
            return None
        return (True, _message(rule, activation) or _default_message(rule))


def _old_items_by_key(node: SchemaNode, old: list[Any] | None) -> dict[Any, Any]:
    """Old list items by their list-map key: only map lists correlate old and new items."""
    if old is None or node.list_type != "map" or not node.list_map_keys:
        return {}
    return {_list_map_key(node, item): item for item in old if isinstance(item, dict)}


def _list_map_key(node: SchemaNode, item: Any) -> Any:
    if not isinstance(item, dict):
        return None
    return tuple(repr(item.get(k)) for k in node.list_map_keys)


def _cause(rule: ValidationRule, outcome: tuple[bool, str], path: str, shown: Any) -> FieldCause:
    failed, detail = outcome
    # The server starts the CEL walk with a nil field.Path, which prints as "<nil>".
    path = path or "<nil>"
    if not failed:
        # The rule could not be evaluated: always an invalid value at the node itself.
        return causes.invalid(path, shown, detail)
    target = path
    if rule.field_path:
        parent = "" if path == "<nil>" else path
        target = causes.child(parent, _normalized_field_path(rule.field_path))
    if rule.reason == causes.REQUIRED:
        return causes.required(target, detail)
    if rule.reason == causes.FORBIDDEN:
        return causes.forbidden(target, detail)
    if rule.reason == causes.DUPLICATE:
        return causes.duplicate(target, shown)
    return causes.invalid(target, shown, detail)


def _message(rule: ValidationRule, activation: dict[str, Any]) -> str:
    """The evaluated `messageExpression`, or "" when it is absent or unusable."""
    if not rule.message_expression:
        return ""
    program = compiled(rule.message_expression)
    if not isinstance(program, CompiledExpression):
        return ""
    try:
        text = program.program.evaluate(activation)
    except _EVALUATION_FAILURES:
        return ""
    if not isinstance(text, str):
        return ""
    text = text.strip()
    if "\n" in text or len(text.encode()) > _MAX_MESSAGE_BYTES:
        return ""
    return text


def _default_message(rule: ValidationRule) -> str:
    return rule.message.strip() if rule.message.strip() else f"failed rule: {_rule_label(rule)}"


def _rule_label(rule: ValidationRule) -> str:
    return rule.message.strip() or rule.rule.strip()


def _error_text(failure: Exception) -> str:
    if isinstance(failure, CELEvalError) and failure.args:
        message, kind = failure.args[0], failure.args[1] if len(failure.args) > 1 else None
        if isinstance(message, str) and message.startswith("no such member in mapping"):
            return "no such key: " + message.rpartition(": ")[2].strip("'")
        if kind is IndexError or message == "invalid_argument":
            return "index out of bounds"
        if isinstance(message, str) and message.startswith("found no matching overload"):
            return "no such overload"
        return str(message)
    return str(failure)


def _normalized_field_path(field_path: str) -> str:
    """`.spec['a.b'].c` -> `spec[a.b].c`, the form Kubernetes appends to the node's path."""
    out, position = "", 0
    while position < len(field_path):
        if field_path[position] == ".":
            end = position + 1
            while end < len(field_path) and field_path[end] not in ".[":
                end += 1
            out = causes.child(out, field_path[position + 1 : end])
            position = end
        elif field_path[position] == "[":
            end = field_path.index("]", position)
            out += "[" + field_path[position + 1 : end].strip("'\"") + "]"
            position = end + 1
        else:
            position += 1
    return out
