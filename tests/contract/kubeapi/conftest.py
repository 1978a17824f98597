"""Fixtures: a freshly started emulated cluster per test and real `kubernetes` clients on it.

Clients are always built from the cluster's kubeconfig into a fresh `Configuration`, never
the process-wide default, as production code does with several clusters at once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kubernetes import client

from sandbox.kubeapi import EmulatedCluster
from tests.contract.kubeapi.cluster_access import CRDS_413, api_client_for, reject_ftp_restore_url


@pytest.fixture
def cluster() -> Iterator[EmulatedCluster]:
    with EmulatedCluster.start("mgmt-a", CRDS_413, validator=reject_ftp_restore_url) as running:
        yield running


@pytest.fixture
def api(cluster: EmulatedCluster) -> Iterator[client.ApiClient]:
    with api_client_for(cluster) as api_client:
        yield api_client


@pytest.fixture
def core(api: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(api)


@pytest.fixture
def apps(api: client.ApiClient) -> client.AppsV1Api:
    return client.AppsV1Api(api)


@pytest.fixture
def custom(api: client.ApiClient) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(api)


@pytest.fixture
def clusters_ns(core: client.CoreV1Api) -> str:
    core.create_namespace({"metadata": {"name": "clusters"}})
    return "clusters"
