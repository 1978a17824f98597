"""Wire the CRD schema + CEL validator into the emulated API server's admission hook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sandbox.crdvalidation import validator_for
from sandbox.kubeapi.errors import FieldCause
from sandbox.kubeapi.resources import ResourceType
from sandbox.kubeapi.store import Validator


def crd_validator(crd_dir: Path) -> Validator:
    """Validate custom resources against `crd_dir` as the kube-apiserver would (422 Invalid)."""

    def validate(resource: ResourceType, new: dict[str, Any],
                 old: dict[str, Any] | None) -> list[FieldCause]:
        if resource.crd_schema is None:
            return []
        checker = validator_for(crd_dir, resource.group, resource.version, resource.plural)
        return [FieldCause(field=c.field, reason=c.reason, message=c.message)
                for c in checker.validate(new, old)]

    return validate
