"""Helpers of the kubeapi contract tests: clients from a cluster's kubeconfig, fixture objects
from the upstream HyperShift render, and a stub validator."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client, config

from sandbox.kubeapi import EmulatedCluster, FieldCause, ResourceType

SHARED = Path("/work/shared")
CRDS_413 = SHARED / "crds" / "release-4.13"
CRDS_MAIN = SHARED / "crds" / "main"
RENDER = SHARED / "fixtures" / "hypershift-create-cluster-aws-render.yaml"
HYPERSHIFT = "hypershift.openshift.io"
JSON_PATCH = "application/json-patch+json"


def api_client_for(cluster: EmulatedCluster, *, token: str | None = None) -> client.ApiClient:
    configuration = client.Configuration()
    kubeconfig = yaml.safe_load(cluster.kubeconfig())
    if token is not None:
        kubeconfig["users"][0]["user"]["token"] = token
    config.load_kube_config_from_dict(kubeconfig, client_configuration=configuration)
    return client.ApiClient(configuration)


def rendered(kind: str, *, raw: bool = False) -> dict[str, Any]:
    """A fresh copy of one object of the upstream CLI render (HostedCluster, NodePool...).

    The render names its NodePool `cesar-fakeName`, which a real API server rejects
    (uppercase in an RFC 1123 name); unless `raw`, it is renamed `cesar-us-east-2a`.
    """
    for document in _render_documents():
        if document["kind"] == kind:
            result = copy.deepcopy(document)
            if kind == "NodePool" and not raw:
                result["metadata"]["name"] = "cesar-us-east-2a"
            return result
    raise KeyError(kind)


_RENDER_CACHE: list[dict[str, Any]] = []


def _render_documents() -> list[dict[str, Any]]:
    if not _RENDER_CACHE:
        _RENDER_CACHE.extend(d for d in yaml.safe_load_all(RENDER.read_text()) if d)
    return _RENDER_CACHE


def reject_ftp_restore_url(resource_type: ResourceType, new: dict[str, Any],
                           old: dict[str, Any] | None) -> list[FieldCause]:
    """A stub validator standing in for the CRD schema + CEL validator."""
    del old
    if resource_type.kind != "HostedCluster":
        return []
    storage = (((new.get("spec") or {}).get("etcd") or {}).get("managed") or {}).get(
        "storage") or {}
    urls = storage.get("restoreSnapshotURL") or []
    return [FieldCause("spec.etcd.managed.storage.restoreSnapshotURL", "FieldValueInvalid",
                       f'Invalid value: "{url}": scheme must be https or s3')
            for url in urls if url.startswith("ftp://")]
