"""What a rerun of a stage meets on a real API server, through the adapter the handlers use:
a second DELETE of a namespace still being emptied (409 Conflict) and an exec whose
WebSocket handshake is refused (the client reports status 0, the status only in text)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from hcp_dr.adapters.management_cluster import ManagementClusterApi, _exec_rejection, _rejection
from hcp_dr.errors import KubernetesApiUnavailable, KubernetesRequestRejected
from hcp_dr.models.kinds import NAMESPACES
from sandbox.kubeapi import EmulatedCluster
from tests.contract.kubeapi.cluster_access import CRDS_413, api_client_for


@pytest.fixture(scope="module")
def cluster() -> Iterator[EmulatedCluster]:
    with EmulatedCluster.start("reruns", CRDS_413) as running:
        yield running


def _terminating_namespace(core: client.CoreV1Api, name: str) -> None:
    """A namespace whose content (a finalized ConfigMap) keeps it terminating."""
    core.create_namespace({"metadata": {"name": name}})
    core.create_namespaced_config_map(name, {"metadata": {
        "name": "held", "finalizers": ["example.com/hold"]}})


def test_second_namespace_delete_is_a_conflict_the_adapter_reads_as_under_way(cluster):
    with api_client_for(cluster) as raw, api_client_for(cluster) as for_adapter:
        core = client.CoreV1Api(raw)
        _terminating_namespace(core, "clusters-cesar")
        api = ManagementClusterApi(for_adapter, "reruns")

        assert api.delete_object(NAMESPACES, None, "clusters-cesar") is True
        with pytest.raises(ApiException) as second:  # what the server says to a rerun
            core.delete_namespace("clusters-cesar")
        assert second.value.status == 409
        assert api.delete_object(NAMESPACES, None, "clusters-cesar") is True  # no error
        assert core.read_namespace("clusters-cesar").metadata.deletion_timestamp

        core.patch_namespaced_config_map("held", "clusters-cesar",
                                         {"metadata": {"finalizers": None}})
        assert api.delete_object(NAMESPACES, None, "clusters-cesar") is False  # gone now


def test_conflict_on_an_object_not_being_deleted_stays_a_refusal():
    """Only a deletion under way makes a 409 harmless; `_deletion_under_way` checks that."""

    class LiveObject(ManagementClusterApi):
        def __init__(self) -> None:  # no client: only the read-back is exercised
            pass

        def get_object(self, kind, namespace, name):
            return {"metadata": {"name": name}}

    with pytest.raises(KubernetesRequestRejected, match="409"):
        LiveObject()._deletion_under_way(NAMESPACES, None, "clusters-x", "delete x")


def test_exec_into_a_missing_pod_is_retryable_and_names_no_response(cluster):
    with api_client_for(cluster) as for_adapter:
        client.CoreV1Api(for_adapter).create_namespace({"metadata": {"name": "exec-ns"}})
        api = ManagementClusterApi(for_adapter, "reruns")
        with pytest.raises(KubernetesApiUnavailable) as refused:
            api.run_in_pod("exec-ns", "etcd-0", "etcd", ["true"])
    assert "404" in str(refused.value)
    assert "-+-+-" not in str(refused.value)  # the handshake's headers and body stay out


@pytest.mark.parametrize(("reason", "expected", "in_message"), [
    ("Handshake status 503 Service Unavailable -+-+- {'x': 'secret'} -+-+- body",
     KubernetesApiUnavailable, "503"),
    ("Handshake status 403 Forbidden -+-+- {} -+-+- pods is forbidden", KubernetesRequestRejected,
     "403"),
    ("[Errno 111] Connection refused", KubernetesApiUnavailable, "connection failed"),
    ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed secret-ca",
     KubernetesRequestRejected, "TLS verification"),
])
def test_exec_failures_are_classified_by_the_handshake_status(reason, expected, in_message):
    error = _exec_rejection(ApiException(status=0, reason=reason), "exec in pod ns/etcd-0")
    assert type(error) is expected
    assert in_message in str(error)
    assert "secret" not in str(error) and "forbidden" not in str(error)


def test_a_rest_call_without_a_status_is_not_taken_for_an_exec_handshake():
    """The REST client also reports status 0 (an SSL error, say): that stays a refusal, as
    before, and its text stays out of the message."""
    error = _rejection(ApiException(status=0, reason="SSLError\nsecret detail"), "get pods")
    assert type(error) is KubernetesRequestRejected and "secret" not in str(error)
