"""The Kubernetes objects needed to rebuild a hosted cluster elsewhere (guide 4.2, step 5).

Which objects: the HostedCluster and its NodePools; secrets in the HC namespace named after the
HC; secrets in the HCP namespace except service-account tokens, pull secrets and OAuth
sessions that the destination recreates; the HostedControlPlane and the CAPI/CAPA objects.
Status is dropped: it describes the old home, and the destination computes its own.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hcp_dr.models.cluster import HostedClusterRef
from hcp_dr.models.kinds import HCP_NAMESPACE_KINDS, NODE_POOLS

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
    found = [s for s in api.list_secrets(ref.namespace)
             if s["metadata"]["name"].startswith(ref.name)]
    found += [s for s in api.list_secrets(ref.hcp_namespace)
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


def encryption_material(hosted_cluster: dict) -> dict:
    """How the hosted cluster's secrets in etcd are encrypted: the AES key's secret or KMS ARN.

    Without the same key the restored etcd data cannot be decrypted.
    """
    encryption = (hosted_cluster.get("spec") or {}).get("secretEncryption") or {}
    kind = encryption.get("type")
    if kind == "aescbc":
        return {"type": "aescbc",
                "secret": encryption.get("aescbc", {}).get("activeKey", {}).get("name")}
    if kind == "kms":
        aws = encryption.get("kms", {}).get("aws", {})
        return {"type": "kms", "kms_key_arn": aws.get("activeKey", {}).get("arn"),
                "region": aws.get("region")}
    return {"type": kind or "none"}
