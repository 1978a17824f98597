"""Label and field selectors with the real API server's grammar and semantics.

Notable semantics kept on purpose: `key!=value` and `key notin (...)` also match objects
without the label, and unknown field labels are rejected (400) instead of ignored, so a
selector that would fail against OpenShift fails here too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sandbox.kubeapi.errors import BadRequest

_SET_OPERATORS = re.compile(r"^\s*(!?[^\s!=<>(),]+)\s+(in|notin)\s*\((.*)\)\s*$")
_BINARY = re.compile(r"^\s*([^\s!=<>(),]+)\s*(==|=|!=|>|<)\s*([^\s,()]*)\s*$")
_EXISTS = re.compile(r"^\s*(!?)\s*([^\s!=<>(),]+)\s*$")


@dataclass(frozen=True)
class Requirement:
    """One clause of a label selector."""

    key: str
    operator: str  # "in", "notin", "exists", "!exists", "gt", "lt"
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.operator == "in":
            return present and value in self.values
        if self.operator == "notin":
            return not present or value not in self.values
        if self.operator == "exists":
            return present
        if self.operator == "!exists":
            return not present
        try:
            number, bound = int(value or ""), int(self.values[0])
        except ValueError:
            return False
        return number > bound if self.operator == "gt" else number < bound


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


def _parse_requirement(clause: str) -> Requirement:
    if match := _SET_OPERATORS.match(clause):
        key, operator, values = match.groups()
        return Requirement(key, operator, tuple(v.strip() for v in values.split(",") if v.strip()))
    if match := _BINARY.match(clause):
        key, operator, value = match.groups()
        if operator in ("=", "=="):
            return Requirement(key, "in", (value,))
        if operator == "!=":
            return Requirement(key, "notin", (value,))
        return Requirement(key, "gt" if operator == ">" else "lt", (value,))
    if match := _EXISTS.match(clause):
        negated, key = match.groups()
        return Requirement(key, "!exists" if negated else "exists")
    raise BadRequest(f"unable to parse requirement: {clause.strip()!r}")


@dataclass(frozen=True)
class LabelSelector:
    """A parsed `labelSelector` query parameter; an empty selector matches everything."""

    requirements: tuple[Requirement, ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> LabelSelector:
        if not text:
            return cls()
        return cls(tuple(_parse_requirement(c) for c in _split_top_level(text)))

    def matches(self, obj: dict[str, Any]) -> bool:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return all(r.matches(labels) for r in self.requirements)


def _lookup(obj: dict[str, Any], dotted: str) -> str:
    node: Any = obj
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if node is None:
        return ""
    if isinstance(node, bool):
        return "true" if node else "false"
    return str(node)


@dataclass(frozen=True)
class FieldSelector:
    """A parsed `fieldSelector`: `=`, `==` and `!=` on the labels the resource supports."""

    terms: tuple[tuple[str, bool, str], ...] = ()  # (field, equal?, value)

    @classmethod
    def parse(cls, text: str | None, supported: tuple[str, ...]) -> FieldSelector:
        if not text:
            return cls()
        terms = []
        allowed = {"metadata.name", "metadata.namespace", *supported}
        for clause in _split_top_level(text):
            match = re.match(r"^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$", clause)
            if not match:
                raise BadRequest(f"invalid selector: '{text}'; can't understand '{clause}'")
            field, operator, value = match.groups()
            if field not in allowed:
                raise BadRequest(f'field label not supported: {field}')
            terms.append((field, operator != "!=", value))
        return cls(tuple(terms))

    def matches(self, obj: dict[str, Any]) -> bool:
        return all((_lookup(obj, f) == v) == equal for f, equal, v in self.terms)

