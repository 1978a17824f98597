"""Owner references are validated on every kind, as the API server's ValidateOwnerReferences
does: an incomplete one is refused with 422 (the real `kubernetes` client could not even read
it back: V1OwnerReference requires a uid)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic import DynamicClient

from sandbox.crd_admission import crd_validator
from sandbox.kubeapi import EmulatedCluster
from tests.contract.kubeapi.cluster_access import CRDS_413, api_client_for

OWNER = {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "etcd",
         "uid": "0b6f6c1e-3c1c-4b7e-9a55-3c0d5e0f9c11", "controller": True}


@pytest.fixture
def api() -> Iterator[client.ApiClient]:
    with EmulatedCluster.start("mgmt-owners", CRDS_413,
                               validator=crd_validator(CRDS_413)) as cluster, \
            api_client_for(cluster) as api_client:
        yield api_client


@pytest.fixture
def core(api: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(api)


@pytest.fixture
def pods(api: client.ApiClient):
    """The dynamic client sends bodies as they are (the typed API checks them first)."""
    return DynamicClient(api).resources.get(api_version="v1", kind="Pod")


def _pod(name: str, *owners: dict) -> dict:
    return {"metadata": {"name": name, "ownerReferences": list(owners)},
            "spec": {"containers": [{"name": "etcd", "image": "etcd"}]}}


def test_a_complete_reference_is_kept_and_read_back(core: client.CoreV1Api) -> None:
    core.create_namespaced_pod("default", _pod("etcd-0", OWNER))
    [owner] = core.read_namespaced_pod("etcd-0", "default").metadata.owner_references
    assert (owner.kind, owner.name, owner.uid, owner.controller) == (
        "StatefulSet", "etcd", OWNER["uid"], True)


@pytest.mark.parametrize(("missing", "message"), [
    ("uid", "uid must not be empty"), ("kind", "kind must not be empty"),
    ("apiVersion", "version must not be empty"), ("name", "name must not be empty")])
def test_an_incomplete_reference_is_invalid(pods, missing: str, message: str) -> None:
    owner = {k: v for k, v in OWNER.items() if k != missing}
    with pytest.raises(ApiException) as refused:
        pods.create(body=_pod("etcd-1", owner), namespace="default")
    body = json.loads(refused.value.body)
    assert refused.value.status == 422 and body["reason"] == "Invalid"
    [cause] = body["details"]["causes"]
    assert cause["field"] == f"metadata.ownerReferences.{missing}"
    assert message in cause["message"]


def test_only_one_controller(pods) -> None:
    second = {**OWNER, "name": "other", "uid": "7c1c7f7e-0000-4000-8000-000000000001"}
    with pytest.raises(ApiException) as refused:
        pods.create(body=_pod("etcd-2", OWNER, second), namespace="default")
    assert "Only one reference can have Controller set to true" in refused.value.body
