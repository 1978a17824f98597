"""Errors arrive as real `Status` objects: code, reason, message and details."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from sandbox.kubeapi import EmulatedCluster
from tests.contract.kubeapi.cluster_access import HYPERSHIFT, api_client_for, rendered


def _status(error: pytest.ExceptionInfo[ApiException]) -> dict[str, Any]:
    body = json.loads(error.value.body)
    assert body["kind"] == "Status" and body["status"] == "Failure"
    assert body["code"] == error.value.status
    return body


def test_not_found_names_resource_and_group(core: client.CoreV1Api,
                                            apps: client.AppsV1Api) -> None:
    with pytest.raises(ApiException) as missing:
        core.read_namespaced_secret("nope", "default")
    body = _status(missing)
    assert body["reason"] == "NotFound" and body["message"] == 'secrets "nope" not found'
    assert body["details"] == {"name": "nope", "kind": "secrets"}
    with pytest.raises(ApiException) as missing_deployment:
        apps.read_namespaced_deployment("kube-apiserver", "default")
    assert _status(missing_deployment)["details"] == {
        "name": "kube-apiserver", "group": "apps", "kind": "deployments"}
    assert _status(missing_deployment)["message"] == (
        'deployments.apps "kube-apiserver" not found')


def test_already_exists(core: client.CoreV1Api) -> None:
    core.create_namespaced_config_map("default", {"metadata": {"name": "mgmt-parent-cluster"}})
    with pytest.raises(ApiException) as duplicate:
        core.create_namespaced_config_map("default", {"metadata": {"name": "mgmt-parent-cluster"}})
    body = _status(duplicate)
    assert duplicate.value.status == 409 and body["reason"] == "AlreadyExists"
    assert body["details"]["name"] == "mgmt-parent-cluster"


def test_stale_replace_is_conflict_and_unconditional_replace_wins(
        core: client.CoreV1Api) -> None:
    first = core.create_namespaced_config_map("default", {"metadata": {"name": "c"},
                                                          "data": {"v": "1"}})
    first.data = {"v": "2"}
    core.replace_namespaced_config_map("c", "default", first)
    first.data = {"v": "stale"}
    with pytest.raises(ApiException) as conflict:
        core.replace_namespaced_config_map("c", "default", first)
    body = _status(conflict)
    assert conflict.value.status == 409 and body["reason"] == "Conflict"
    assert "the object has been modified" in body["message"]
    assert core.read_namespaced_config_map("c", "default").data == {"v": "2"}
    first.metadata.resource_version = None
    assert core.replace_namespaced_config_map("c", "default", first).data == {"v": "stale"}


def test_validator_causes_become_invalid(custom: client.CustomObjectsApi,
                                         clusters_ns: str) -> None:
    hosted = rendered("HostedCluster")
    hosted["spec"]["etcd"]["managed"]["storage"]["restoreSnapshotURL"] = ["ftp://x/snap.db"]
    with pytest.raises(ApiException) as invalid:
        custom.create_namespaced_custom_object(HYPERSHIFT, "v1beta1", clusters_ns,
                                               "hostedclusters", hosted)
    body = _status(invalid)
    assert invalid.value.status == 422 and body["reason"] == "Invalid"
    assert body["details"]["kind"] == "HostedCluster"
    assert body["details"]["group"] == HYPERSHIFT
    assert body["details"]["causes"] == [{
        "reason": "FieldValueInvalid", "field": "spec.etcd.managed.storage.restoreSnapshotURL",
        "message": 'Invalid value: "ftp://x/snap.db": scheme must be https or s3'}]
    assert body["message"].startswith('HostedCluster.hypershift.openshift.io "cesar" is invalid')
    with pytest.raises(ApiException):
        custom.get_namespaced_custom_object(HYPERSHIFT, "v1beta1", clusters_ns,
                                            "hostedclusters", "cesar")


def test_validator_also_guards_updates(custom: client.CustomObjectsApi,
                                       clusters_ns: str) -> None:
    custom.create_namespaced_custom_object(HYPERSHIFT, "v1beta1", clusters_ns, "hostedclusters",
                                           rendered("HostedCluster"))
    patch = {"spec": {"etcd": {"managed": {"storage": {"restoreSnapshotURL": ["ftp://y"]}}}}}
    with pytest.raises(ApiException) as invalid:
        custom.patch_namespaced_custom_object(HYPERSHIFT, "v1beta1", clusters_ns,
                                              "hostedclusters", "cesar", patch)
    assert invalid.value.status == 422


def test_bad_or_missing_token_is_unauthorized(cluster: EmulatedCluster) -> None:
    with (api_client_for(cluster, token="not-the-token") as wrong,
          pytest.raises(ApiException) as denied):
        client.CoreV1Api(wrong).list_namespace()
    assert denied.value.status == 401
    assert _status(denied)["reason"] == "Unauthorized"
    with (api_client_for(cluster, token="") as anonymous,
          pytest.raises(ApiException) as anonymous_denied):
        client.CoreV1Api(anonymous).list_namespace()
    assert anonymous_denied.value.status == 401
    assert ("GET", "/api/v1/namespaces", 401) in [
        (r.method, r.path, r.status) for r in cluster.access_log]


def test_namespace_must_exist_and_be_active(core: client.CoreV1Api) -> None:
    with pytest.raises(ApiException) as missing:
        core.create_namespaced_secret("clusters-cesar", {"metadata": {"name": "s"}})
    assert missing.value.status == 404
    assert _status(missing)["details"] == {"name": "clusters-cesar", "kind": "namespaces"}
    core.create_namespace({"metadata": {"name": "going"}})
    core.create_namespaced_secret("going", {"metadata": {"name": "held",
                                                         "finalizers": ["x/hold"]}})
    core.delete_namespace("going")
    with pytest.raises(ApiException) as terminating:
        core.create_namespaced_secret("going", {"metadata": {"name": "new"}})
    assert terminating.value.status == 403
    assert _status(terminating)["reason"] == "Forbidden"
    assert "because it is being terminated" in _status(terminating)["message"]


def test_create_with_resource_version_fails_like_etcd_storage(core: client.CoreV1Api) -> None:
    body = {"metadata": {"name": "restored", "resourceVersion": "12345"}}
    with pytest.raises(ApiException) as rejected:
        core.create_namespaced_secret("default", body)
    assert rejected.value.status == 500
    assert "resourceVersion should not be set" in _status(rejected)["message"]


def test_bad_requests(core: client.CoreV1Api, custom: client.CustomObjectsApi,
                      clusters_ns: str) -> None:
    core.create_namespaced_secret("default", {"metadata": {"name": "a"}})
    with pytest.raises(ApiException) as mismatch:
        core.replace_namespaced_secret("a", "default", {"metadata": {"name": "b"}})
    assert mismatch.value.status == 400 and _status(mismatch)["reason"] == "BadRequest"
    with pytest.raises(ApiException) as wrong_ns:
        core.create_namespaced_secret("default", {"metadata": {"name": "c",
                                                               "namespace": "kube-system"}})
    assert wrong_ns.value.status == 400
    node_pool = rendered("NodePool")
    del node_pool["kind"]
    with pytest.raises(ApiException) as kindless:
        custom.create_namespaced_custom_object(HYPERSHIFT, "v1beta1", clusters_ns, "nodepools",
                                               node_pool)
    assert kindless.value.status == 400 and "'Kind' is missing" in _status(kindless)["message"]
    with pytest.raises(ApiException) as bad_name:
        core.create_namespaced_secret("default", {"metadata": {"name": "Upper_Case"}})
    assert bad_name.value.status == 422
    assert _status(bad_name)["details"]["causes"][0]["field"] == "metadata.name"


def test_unknown_paths_and_methods(api: client.ApiClient) -> None:
    def status_of(method: str, path: str, body: Any = None) -> int:
        request = api.param_serialize(method, path, body=body,
                                      header_params={"Content-Type": "application/json"},
                                      auth_settings=["BearerToken"])
        response = api.call_api(*request)
        response.read()
        return response.status

    assert status_of("GET", "/apis/nothing.example.com/v1/things") == 404
    assert status_of("GET", "/api/v1/namespaces/default/widgets") == 404
    assert status_of("POST", "/api/v1/secrets", {"metadata": {"name": "x"}}) == 405
    assert status_of("POST", "/api/v1/namespaces/default/secrets/x") == 405
    assert status_of("GET", "/api/v1/namespaces/default/secrets/x/scale") == 404
