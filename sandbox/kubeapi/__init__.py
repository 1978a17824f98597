"""Emulated OpenShift management clusters: HTTPS Kubernetes API servers on loopback.

Start one with `EmulatedCluster.start(name, crd_dir)`, point the real `kubernetes` client at
`cluster.kubeconfig()`, and let simulated controllers work on `cluster.store` directly.
"""

from sandbox.kubeapi.cluster import EmulatedCluster
from sandbox.kubeapi.discovery import ServerVersion
from sandbox.kubeapi.errors import (
    AlreadyExists,
    ApiError,
    BadRequest,
    Conflict,
    FieldCause,
    Forbidden,
    Gone,
    InternalError,
    Invalid,
    MethodNotAllowed,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
    UnsupportedMediaType,
)
from sandbox.kubeapi.patches import PatchType
from sandbox.kubeapi.resources import ResourceRegistry, ResourceType, ScaleSubresource
from sandbox.kubeapi.server import AccessRecord, ExecHandler
from sandbox.kubeapi.store import (
    ADDED,
    DELETED,
    MODIFIED,
    ChangeEvent,
    DeleteResult,
    ListPage,
    ObjectStore,
    Validator,
)

__all__ = [
    "ADDED", "DELETED", "MODIFIED", "AccessRecord", "AlreadyExists", "ApiError", "BadRequest",
    "ChangeEvent", "Conflict", "DeleteResult", "EmulatedCluster", "ExecHandler", "FieldCause",
    "Forbidden", "Gone", "InternalError", "Invalid", "ListPage", "MethodNotAllowed", "NotFound",
    "ObjectStore", "PatchType", "ResourceRegistry", "ResourceType", "ScaleSubresource",
    "ServerVersion", "ServiceUnavailable", "Unauthorized", "UnsupportedMediaType", "Validator",
]
