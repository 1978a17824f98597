"""API errors, raised by the store and rendered by the server as `metav1.Status` objects.

The `reason`, `code`, message wording and `details` follow the real API server, because
the code under test decides what to do from them (e.g. `e.status == 409`, `reason ==
"AlreadyExists"`), and a looser emulator would let wrong decisions pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.kubeapi.resources import ResourceType


@dataclass(frozen=True)
class FieldCause:
    """One field error of a 422 Invalid answer (`details.causes[]` of the Status).

    `reason` is a Kubernetes cause type such as `FieldValueInvalid`, `FieldValueRequired`,
    `FieldValueForbidden`, `FieldValueNotSupported`, `FieldValueTooLong`,
    `FieldValueTooMany`, `FieldValueDuplicate`. `message` must not repeat the field path
    (the real server writes `Invalid value: "x": must be ...`).
    """

    field: str
    reason: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"reason": self.reason, "message": self.message, "field": self.field}

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ApiError(Exception):
    """An error the API server answers with a Status of `code` and `reason`."""

    code = 500
    reason = "InternalError"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def to_status(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": self.message, "reason": self.reason, "code": self.code,
        }
        if self.details:
            status["details"] = self.details
        return status


def object_details(resource_type: ResourceType, name: str, *,
                   kind: str | None = None) -> dict[str, Any]:
    """`details` as the real server fills it: `kind` is the plural unless told otherwise."""
    details: dict[str, Any] = {"name": name}
    if resource_type.group:
        details["group"] = resource_type.group
    details["kind"] = kind or resource_type.plural
    return details


class NotFound(ApiError):
    code = 404
    reason = "NotFound"

    @classmethod
    def of(cls, resource_type: ResourceType, name: str) -> NotFound:
        return cls(f'{resource_type.qualified_resource} "{name}" not found',
                   object_details(resource_type, name))


class AlreadyExists(ApiError):
    code = 409
    reason = "AlreadyExists"

    @classmethod
    def of(cls, resource_type: ResourceType, name: str) -> AlreadyExists:
        return cls(f'{resource_type.qualified_resource} "{name}" already exists',
                   object_details(resource_type, name))


class Conflict(ApiError):
    code = 409
    reason = "Conflict"

    @classmethod
    def of(cls, resource_type: ResourceType, name: str, why: str) -> Conflict:
        return cls(
            f'Operation cannot be fulfilled on {resource_type.qualified_resource} "{name}": {why}',
            object_details(resource_type, name),
        )

    @classmethod
    def modified(cls, resource_type: ResourceType, name: str) -> Conflict:
        return cls.of(resource_type, name, "the object has been modified; please apply your "
                      "changes to the latest version and try again")


class Invalid(ApiError):
    code = 422
    reason = "Invalid"

    def __init__(self, message: str, details: dict[str, Any] | None = None,
                 causes: list[FieldCause] | None = None) -> None:
        super().__init__(message, details)
        self.causes = list(causes or [])

    @classmethod
    def of(cls, resource_type: ResourceType, name: str, causes: list[FieldCause]) -> Invalid:
        errors = [str(c) for c in causes]
        summary = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
        details = object_details(resource_type, name, kind=resource_type.kind)
        details["causes"] = [c.to_json() for c in causes]
        return cls(f'{resource_type.qualified_kind} "{name}" is invalid: {summary}',
                   details, causes)


class Forbidden(ApiError):
    code = 403
    reason = "Forbidden"


class BadRequest(ApiError):
    code = 400
    reason = "BadRequest"


class Unauthorized(ApiError):
    code = 401
    reason = "Unauthorized"


class MethodNotAllowed(ApiError):
    code = 405
    reason = "MethodNotAllowed"

    def __init__(self, message: str = "the server does not allow this method on the "
                 "requested resource", details: dict[str, Any] | None = None) -> None:
        super().__init__(message, details)


class UnsupportedMediaType(ApiError):
    code = 415
    reason = "UnsupportedMediaType"


class Gone(ApiError):
    """A watch asked for a resourceVersion older than the retained history."""

    code = 410
    reason = "Expired"


class InternalError(ApiError):
    code = 500
    reason = "InternalError"


class ServiceUnavailable(ApiError):
    """The server cannot serve at all right now (e.g. no control plane behind the endpoint)."""

    code = 503
    reason = "ServiceUnavailable"
