"""How `x-kubernetes-validations` run, on small schemas that isolate one API server behaviour."""

from __future__ import annotations

from typing import Any

from crd_objects import fields

from sandbox.crdvalidation import CustomResourceValidator


def resource(spec_schema: dict[str, Any]) -> CustomResourceValidator:
    return CustomResourceValidator(
        {
            "type": "object",
            "properties": {
                "apiVersion": {"type": "string"},
                "kind": {"type": "string"},
                "metadata": {"type": "object"},
                "spec": spec_schema,
            },
        }
    )


def obj(spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Thing",
        "metadata": {"name": "t"},
        "spec": spec,
    }


def test_message_expression_reason_and_field_path() -> None:
    validator = resource(
        {
            "type": "object",
            "properties": {"min": {"type": "integer"}, "max": {"type": "integer"}},
            "x-kubernetes-validations": [
                {
                    "rule": "self.min <= self.max",
                    "messageExpression": (
                        "'min ' + string(self.min) + ' exceeds max ' + string(self.max)"
                    ),
                    "reason": "FieldValueForbidden",
                    "fieldPath": ".max",
                }
            ],
        }
    )
    assert validator.validate(obj({"min": 1, "max": 2}), None) == []
    [cause] = validator.validate(obj({"min": 3, "max": 2}), None)
    assert cause.field == "spec.max"
    assert cause.reason == "FieldValueForbidden"
    assert cause.message == "Forbidden: min 3 exceeds max 2"


def test_a_broken_message_expression_falls_back_to_the_message() -> None:
    validator = resource(
        {
            "type": "object",
            "properties": {"a": {"type": "integer"}},
            "x-kubernetes-validations": [
                {
                    "rule": "self.a > 0",
                    "message": "a must be positive",
                    "messageExpression": "self.missing",
                }
            ],
        }
    )
    [cause] = validator.validate(obj({"a": 0}), None)
    assert cause.message == "Invalid value: a must be positive"


def test_without_message_the_rule_is_quoted() -> None:
    validator = resource({"type": "string", "x-kubernetes-validations": [{"rule": "self != 'x'"}]})
    [cause] = validator.validate(obj("x"), None)
    assert cause == ("spec", "FieldValueInvalid", "Invalid value: \"x\": failed rule: self != 'x'")


def test_a_runtime_error_is_reported_but_a_has_guard_avoids_it() -> None:
    validator = resource(
        {
            "type": "object",
            "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
            "x-kubernetes-validations": [
                {"rule": "self.a == 'on' ? self.b != '' : true", "message": "unguarded"},
                {"rule": "!has(self.a) || self.a != 'off' || has(self.b)", "message": "guarded"},
            ],
        }
    )
    assert validator.validate(obj({"a": "off", "b": "x"}), None) == []
    [cause] = validator.validate(obj({"a": "on"}), None)
    assert cause.field == "spec"
    assert "evaluating rule: unguarded" in cause.message
    [cause] = validator.validate(obj({"a": "off"}), None)
    assert cause.message.endswith("guarded") and "evaluating" not in cause.message


def test_transition_rules_follow_list_map_keys_but_not_plain_lists() -> None:
    item = {
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string"}, "size": {"type": "integer"}},
        "x-kubernetes-validations": [{"rule": "self.size >= oldSelf.size", "message": "shrunk"}],
    }
    by_name = resource(
        {
            "type": "array",
            "items": item,
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name"],
        }
    )
    old = obj([{"name": "a", "size": 5}, {"name": "b", "size": 1}])
    reordered_and_shrunk = obj([{"name": "b", "size": 1}, {"name": "a", "size": 4}])
    assert fields(by_name.validate(reordered_and_shrunk, old)) == {"spec[1]": "FieldValueInvalid"}
    assert by_name.validate(obj([{"name": "c", "size": 0}]), old) == []
    atomic = resource({"type": "array", "items": item})
    assert atomic.validate(reordered_and_shrunk, old) == []


def test_map_values_correlate_by_key() -> None:
    validator = resource(
        {
            "type": "object",
            "additionalProperties": {
                "type": "string",
                "x-kubernetes-validations": [{"rule": "self == oldSelf"}],
            },
        }
    )
    old = obj({"a": "1", "b": "2"})
    assert validator.validate(obj({"a": "1", "b": "2", "c": "3"}), old) == []
    assert fields(validator.validate(obj({"a": "1", "b": "9"}), old)) == {
        "spec[b]": "FieldValueInvalid"
    }


def test_set_lists_compare_without_order() -> None:
    validator = resource(
        {
            "type": "array",
            "items": {"type": "string"},
            "x-kubernetes-list-type": "set",
            "x-kubernetes-validations": [{"rule": "self == oldSelf"}],
        }
    )
    assert validator.validate(obj(["a", "b"]), obj(["b", "a"])) == []
    assert validator.validate(obj(["a", "c"]), obj(["b", "a"])) != []


def test_durations_and_timestamps_are_typed_by_format() -> None:
    validator = resource(
        {
            "type": "object",
            "properties": {
                "timeout": {"type": "string", "format": "duration"},
                "at": {"type": "string", "format": "date-time"},
            },
            "x-kubernetes-validations": [
                {
                    "rule": "!has(self.timeout) || self.timeout >= duration('5m')",
                    "message": "short",
                },
                {
                    "rule": "!has(self.at) || self.at > timestamp('2020-01-01T00:00:00Z')",
                    "message": "old",
                },
            ],
        }
    )
    assert validator.validate(obj({"timeout": "1h", "at": "2024-05-01T10:00:00Z"}), None) == []
    messages = [c.message for c in validator.validate(obj({"timeout": "90s"}), None)]
    assert messages == ["Invalid value: short"]
    found = validator.validate(obj({"at": ""}), None)
    assert fields(found)["spec.at"] == "FieldValueTypeInvalid"


def test_rules_at_the_root_see_only_name_of_metadata() -> None:
    validator = CustomResourceValidator(
        {
            "type": "object",
            "properties": {"metadata": {"type": "object"}, "spec": {"type": "object"}},
            "x-kubernetes-validations": [
                {"rule": "self.metadata.name.startsWith('t')", "message": "name"},
                {"rule": "!has(self.metadata.labels)", "message": "labels are hidden from rules"},
            ],
        }
    )
    thing = obj({})
    thing["metadata"]["labels"] = {"a": "b"}
    assert validator.validate(thing, None) == []


def test_number_limits() -> None:
    validator = resource(
        {
            "type": "object",
            "properties": {
                "ratio": {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 1},
                "step": {"type": "integer", "multipleOf": 5},
                "tags": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "maxProperties": 2,
                    "minProperties": 1,
                },
            },
        }
    )
    assert validator.validate(obj({"ratio": 1, "step": 10, "tags": {"a": "b"}}), None) == []
    found = fields(validator.validate(obj({"ratio": 0, "step": 7, "tags": {}}), None))
    assert found == {
        "spec.ratio": "FieldValueInvalid",
        "spec.step": "FieldValueInvalid",
        "spec.tags": "FieldValueInvalid",
    }
    too_many = validator.validate(obj({"tags": {"a": "1", "b": "2", "c": "3"}}), None)
    assert fields(too_many)["spec.tags"] == "FieldValueTooMany"


def test_defaults_are_applied_before_the_rules_run() -> None:
    validator = resource(
        {
            "type": "object",
            "properties": {"mode": {"type": "string", "default": "Auto"}},
            "x-kubernetes-validations": [{"rule": "self.mode == 'Auto'"}],
        }
    )
    assert validator.validate(obj({}), None) == []
    assert validator.default(obj({}))["spec"] == {"mode": "Auto"}


def test_int_or_string_values_keep_their_type_in_rules() -> None:
    validator = resource(
        {
            "x-kubernetes-int-or-string": True,
            "anyOf": [{"type": "integer"}, {"type": "string"}],
            "x-kubernetes-validations": [
                {"rule": "type(self) == int ? self > 0 : self.endsWith('%')"}
            ],
        }
    )
    assert validator.validate(obj(3), None) == []
    assert validator.validate(obj("50%"), None) == []
    assert validator.validate(obj("50"), None) != []
