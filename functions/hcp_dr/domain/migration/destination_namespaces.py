"""Is the destination free for this hosted cluster? (never delete what we did not create)

The guide deletes the namespaces on the destination before restoring; on a cluster that already
hosts something under those names that destroys data. Here the HC and HCP namespaces must be
absent, or hold only what the platform puts in every namespace, or objects this very migration
created (a rerun). Anything else refuses the migration before any change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hcp_dr.domain.migration.identity import created_by
from hcp_dr.errors import ForeignObjectsOnDestination
from hcp_dr.models.kinds import EVENTS, NAMESPACES, ApiResource

if TYPE_CHECKING:
    from hcp_dr.adapters.management_cluster import ManagementClusterApi

_DEFAULT_ACCOUNTS = ("default", "builder", "deployer")
_DEFAULT_CONFIG_MAPS = {"kube-root-ca.crt", "openshift-service-ca.crt"}
# OpenShift's project defaults: the image pullers/builders/deployers role bindings.
_DEFAULT_ROLE_BINDINGS = {"system:image-pullers", "system:image-builders", "system:deployers"}
_ACCOUNT_SECRET = re.compile(r"^(default|builder|deployer)-(token|dockercfg)-[a-z0-9]{5}$")
_ACCOUNT_SECRET_TYPES = {"kubernetes.io/service-account-token", "kubernetes.io/dockercfg"}
_ACCOUNT_ANNOTATION = "kubernetes.io/service-account.name"


@dataclass(frozen=True)
class NamespacedObject:
    """One object found in a namespace: its plural (kind) and body."""

    plural: str
    body: dict

    @property
    def name(self) -> str:
        return self.body["metadata"]["name"]


def _platform_default(obj: NamespacedObject) -> bool:
    meta = obj.body.get("metadata") or {}
    if obj.plural == "configmaps":
        return obj.name in _DEFAULT_CONFIG_MAPS
    if obj.plural == "serviceaccounts":
        return obj.name in _DEFAULT_ACCOUNTS
    if obj.plural == "rolebindings":
        return obj.name in _DEFAULT_ROLE_BINDINGS
    if obj.plural == "secrets":
        account = (meta.get("annotations") or {}).get(_ACCOUNT_ANNOTATION)
        typed = obj.body.get("type") in _ACCOUNT_SECRET_TYPES and account in _DEFAULT_ACCOUNTS
        return typed or bool(_ACCOUNT_SECRET.match(obj.name))
    return False


def foreign_objects(objects: Iterable[NamespacedObject], migration_id: str) -> list[str]:
    """`plural/name` of every object that is neither a platform default nor ours."""
    return sorted(f"{o.plural}/{o.name}" for o in objects
                  if not _platform_default(o) and not created_by(o.body, migration_id))


def namespace_objects(api: ManagementClusterApi, namespace: str,
                      kinds: list[ApiResource]) -> list[NamespacedObject]:
    """Everything listable in a namespace (events excluded: they record, they hold nothing)."""
    found: list[NamespacedObject] = []
    for kind in kinds:
        if kind.plural == EVENTS.plural and kind.group in ("", "events.k8s.io"):
            continue
        found += [NamespacedObject(kind.plural, o) for o in api.list_objects(kind, namespace)]
    return found


def require_free_namespaces(api: ManagementClusterApi, namespaces: list[str],
                            migration_id: str) -> list[str]:
    """Refuse unless every namespace is absent or free; returns those that already exist."""
    present = [ns for ns in namespaces if api.get_object(NAMESPACES, None, ns) is not None]
    kinds = api.namespaced_kinds() if present else []
    problems = []
    for namespace in present:
        foreign = foreign_objects(namespace_objects(api, namespace, kinds), migration_id)
        if foreign:
            shown = ", ".join(foreign[:10]) + (" ..." if len(foreign) > 10 else "")
            problems.append(f"{namespace}: {len(foreign)} objects ({shown})")
    if problems:
        raise ForeignObjectsOnDestination(
            f"destination {api.cluster_id} holds objects this migration did not create: "
            + "; ".join(problems))
    return present
