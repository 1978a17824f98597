"""Wire the CRD schema + CEL validator into the emulated API server's admission hooks.

As the kube-apiserver does for custom resources: unknown fields are pruned and schema
defaults applied before validation, then the OpenAPI schema and the CEL rules decide
(422 Invalid with field causes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sandbox.crdvalidation import validator_for
from sandbox.crdvalidation.metadata import owner_reference_causes
from sandbox.kubeapi.errors import FieldCause
from sandbox.kubeapi.resources import ResourceType
from sandbox.kubeapi.store import Mutator, Validator


def crd_validator(crd_dir: Path) -> Validator:
    def validate(resource: ResourceType, new: dict[str, Any],
                 old: dict[str, Any] | None) -> list[FieldCause]:
        if resource.crd_schema is None:  # built-in kinds: only what applies to every kind
            return [FieldCause(field=c.field, reason=c.reason, message=c.message)
                    for c in owner_reference_causes(new.get("metadata"))]
        checker = validator_for(crd_dir, resource.group, resource.version, resource.plural)
        return [FieldCause(field=c.field, reason=c.reason, message=c.message)
                for c in checker.validate(new, old)]

    return validate


def crd_mutator(crd_dir: Path) -> Mutator:
    def mutate(resource: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        if resource.crd_schema is None:
            return obj
        checker = validator_for(crd_dir, resource.group, resource.version, resource.plural)
        return checker.default(checker.prune(obj))

    return mutate
