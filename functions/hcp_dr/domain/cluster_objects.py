"""The Kubernetes objects needed to rebuild a hosted cluster elsewhere (guide 4.2, step 5).

Which objects: the HostedCluster and its NodePools; secrets in the HC namespace named after the
HC (and not after another HC there: secret_owner); secrets in the HCP namespace except
service-account tokens, pull secrets and OAuth sessions that the destination recreates; the
HostedControlPlane and the CAPI/CAPA objects.
Status is dropped: it describes the old home, and the destination computes its own.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hcp_dr.models.cluster import HostedClusterRef
from hcp_dr.models.kinds import HCP_NAMESPACE_KINDS, HOSTED_CLUSTERS, NODE_POOLS, SECRETS

if TYPE_CHECKING:
    from hcp_dr.adapters.management_cluster import ManagementClusterApi

_VOLATILE_METADATA = ("managedFields",)


def _skipped_hcp_secret(secret: dict, hc_name: str) -> bool:
    """Secrets the destination recreates: pull/dockercfg, SA tokens, OAuth sessions.

    Upstream filters `oc get secret` lines, which include the TYPE column: a match on the type
    (e.g. `kubernetes.io/service-account-token`) excludes a secret as well as one on the name.
    """
    line = f"{secret['metadata']['name']} {secret.get('type', '')}"
    return bool(re.search(r"docker|service-account-token|oauth-openshift", line)) or (
        f"token-{hc_name}" in secret["metadata"]["name"]
    )


def secret_owner(secret_name: str, hosted_cluster_names: Iterable[str]) -> str | None:
    """The hosted cluster an HC-namespace secret belongs to, by name.

    The guide takes every secret whose name starts with the HC's name; in a namespace that
    holds `prod` and `prod-eu` that hands `prod` the pull secret and encryption key of
    `prod-eu` too (to back up, restore elsewhere and, at teardown, delete). HyperShift names
    them `<hc>-<purpose>`, so the owner is the longest HC name followed by `-` (or the whole
    name) that the secret's name starts with.
    """
    owners = [name for name in hosted_cluster_names
              if secret_name == name or secret_name.startswith(f"{name}-")]
    return max(owners, key=len, default=None)


def hosted_cluster_secrets(api: ManagementClusterApi, ref: HostedClusterRef) -> list[dict]:
    """The secrets of `ref`'s namespace that belong to `ref` (secret_owner), whether or not
    the HC itself still exists."""
    names = {hc["metadata"]["name"] for hc in api.list_objects(HOSTED_CLUSTERS, ref.namespace)}
    names.add(ref.name)
    return [s for s in api.list_objects(SECRETS, ref.namespace)
            if secret_owner(s["metadata"]["name"], names) == ref.name]


def without_status(obj: dict) -> dict:
    kept = copy.deepcopy(obj)
    kept.pop("status", None)
    for field in _VOLATILE_METADATA:
        kept.get("metadata", {}).pop(field, None)
    return kept


@dataclass(frozen=True)
class ClusterObject:
    """One object of the backup set, status dropped."""

    kind_plural: str
    body: dict

    @property
    def namespace(self) -> str:
        return self.body["metadata"].get("namespace", "")

    @property
    def name(self) -> str:
        return self.body["metadata"]["name"]


def _secrets(api: ManagementClusterApi, ref: HostedClusterRef) -> list[ClusterObject]:
    found = hosted_cluster_secrets(api, ref)
    found += [s for s in api.list_objects(SECRETS, ref.hcp_namespace)
              if not _skipped_hcp_secret(s, ref.name)]
    for secret in found:
        secret.setdefault("apiVersion", "v1")
        secret.setdefault("kind", "Secret")
    return [ClusterObject("secrets", without_status(s)) for s in found]


def collect_cluster_objects(api: ManagementClusterApi, ref: HostedClusterRef,
                            hosted_cluster: dict) -> list[ClusterObject]:
    """Everything step 5 of the migration backs up, in restore order."""
    objects = [ClusterObject("hostedclusters", without_status(hosted_cluster))]
    objects += [
        ClusterObject("nodepools", without_status(np))
        for np in api.list_custom(NODE_POOLS, ref.namespace)
        if (np.get("spec") or {}).get("clusterName") == ref.name
    ]
    objects += _secrets(api, ref)
    for kind in HCP_NAMESPACE_KINDS:
        objects += [ClusterObject(kind.plural, without_status(o))
                    for o in api.list_custom(kind, ref.hcp_namespace)]
    return objects


def key_secret_names(material: dict) -> list[str | None]:
    """The AES key secrets an `encryption_material` names: the active one (None if unnamed),
    then the previous one during a rotation."""
    return [material.get("secret")] + (
        [material["backup_secret"]] if material.get("backup_secret") else [])


def encryption_material(hosted_cluster: dict) -> dict:
    """How the hosted cluster's secrets in etcd are encrypted: the AES key's secret or KMS ARN.

    Without the same key the restored etcd data cannot be decrypted; during a key rotation
    (`aescbc.backupKey` set) part of it is still encrypted with the previous key, which the
    restore needs as well.
    """
    encryption = (hosted_cluster.get("spec") or {}).get("secretEncryption") or {}
    kind = encryption.get("type")
    if kind == "aescbc":
        aescbc = encryption.get("aescbc") or {}
        return {"type": "aescbc", "secret": (aescbc.get("activeKey") or {}).get("name"),
                "backup_secret": (aescbc.get("backupKey") or {}).get("name")}
    if kind == "kms":
        aws = encryption.get("kms", {}).get("aws", {})
        return {"type": "kms", "kms_key_arn": aws.get("activeKey", {}).get("arn"),
                "region": aws.get("region")}
    return {"type": kind or "none"}
