"""A name or namespace read from a cluster object or a backup is refused before any request
when it is not one path segment: `..` would climb to another namespace's secret, `x?y` would
turn a read into a listing, "" would list a whole collection."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client as k8s

from hcp_dr.adapters.management_cluster import ManagementClusterApi
from hcp_dr.errors import ObjectNameInvalid
from hcp_dr.models.kinds import HOSTED_CLUSTERS, SECRETS

BAD_NAMES = ["..", ".", "", "../../kube-system/secrets/admin-kubeconfig", "a/b",
             "x?labelSelector=a", "name#frag", "with space", "-leading", "trailing-", "a%2Fb",
             "n" * 254]


class NoNetwork(k8s.ApiClient):
    """An ApiClient that fails the test on any request it would send."""

    def call_api(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a request was sent: {args[:2]}")

    def request(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a request was sent")


@pytest.fixture
def api() -> ManagementClusterApi:
    configuration = k8s.Configuration()
    configuration.host = "https://127.0.0.1:1"
    return ManagementClusterApi(NoNetwork(configuration), "source")


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_name_that_is_not_one_path_segment_sends_nothing(api: ManagementClusterApi, name: str):
    calls = [
        lambda: api.get_secret("clusters", name),
        lambda: api.get_object(SECRETS, "clusters", name),
        lambda: api.delete_object(SECRETS, "clusters", name),
        lambda: api.merge_patch_object(SECRETS, "clusters", name, {}),
        lambda: api.get_custom(HOSTED_CLUSTERS, "clusters", name),
        lambda: api.merge_patch_custom(HOSTED_CLUSTERS, "clusters", name, {}),
        lambda: api.scale_deployment("clusters-cesar", name, 0),
        lambda: api.get_deployment_replicas("clusters-cesar", name),
        lambda: api.list_objects(SECRETS, name),
        lambda: api.get_object(SECRETS, name, "etcd-0"),
        lambda: api.run_in_pod("clusters-cesar", name, "etcd", ["true"]),
    ]
    for call in calls:
        with pytest.raises(ObjectNameInvalid):
            call()


@pytest.mark.parametrize("name", ["etcd-0", "kube-apiserver", "system:openshift:scc:restricted",
                                  "cesar.example.com", "a", "n" * 253])
def test_kubernetes_names_pass(api: ManagementClusterApi, name: str):
    with pytest.raises(AssertionError, match="a request was sent"):
        api.get_object(SECRETS, "clusters", name)
