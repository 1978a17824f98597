"""Every CEL rule of the 20 CRD manifests compiles, except at most the 4 that use CEL optionals."""

from __future__ import annotations

import re

import yaml
from crd_objects import CRD_ROOT, RELEASES

from sandbox.crdvalidation import CustomResourceValidator, validator_for
from sandbox.crdvalidation.cel_programs import CompiledExpression, compiled


def all_validators() -> list[tuple[str, CustomResourceValidator]]:
    found = []
    for release in RELEASES:
        for manifest in sorted((CRD_ROOT / release).glob("*.yaml")):
            with manifest.open() as stream:
                crd = yaml.load(stream, Loader=yaml.CSafeLoader)
            spec = crd["spec"]
            for version in spec["versions"]:
                validator = validator_for(
                    CRD_ROOT / release, spec["group"], version["name"], spec["names"]["plural"]
                )
                found.append((f"{release}/{spec['names']['kind']}/{version['name']}", validator))
    return found


def test_rules_compile_or_are_skipped_with_a_reason() -> None:
    validators = all_validators()
    assert len({name.rsplit("/", 1)[0] for name, _ in validators}) == 20
    distinct: set[str] = set()
    skipped: dict[str, str] = {}
    for _, validator in validators:
        distinct.update(rule.rule for rule in validator.rules())
        skipped.update(validator.skipped_rules())
    compiled_count = len(distinct) - len(skipped)
    print(
        f"\nCEL rules: {len(distinct)} distinct, {compiled_count} compiled, {len(skipped)} skipped"
    )
    for rule, reason in skipped.items():
        print(f"  skipped: {rule[:80]}... ({reason})")
    assert len(distinct) == 184
    assert len(skipped) <= 4
    assert all(".?" in rule for rule in skipped), "only CEL-optional rules may be skipped"


def test_transition_rules_are_recognised() -> None:
    old_self = re.compile(r"\boldSelf\b")
    for _, validator in all_validators():
        for rule in validator.rules():
            program = compiled(rule.rule)
            if isinstance(program, CompiledExpression):
                assert program.uses_old_self == bool(old_self.search(rule.rule)), rule.rule
