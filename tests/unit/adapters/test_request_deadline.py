"""A management cluster that accepts connections but never answers fails fast, retryably."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from kubernetes import client as k8s

from hcp_dr.adapters.management_cluster import ManagementClusterApi
from hcp_dr.errors import KubernetesApiUnavailable, TransientError
from hcp_dr.models.kinds import HOSTED_CLUSTERS


@pytest.fixture
def silent_server():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


def test_a_silent_api_server_becomes_a_transient_error_within_the_deadline(silent_server):
    configuration = k8s.Configuration()
    configuration.host = f"http://127.0.0.1:{silent_server}"
    configuration.retries = 0
    api = ManagementClusterApi(k8s.ApiClient(configuration), "silent", request_timeout=(0.5, 0.5))
    began = time.monotonic()
    with pytest.raises(KubernetesApiUnavailable) as failure:
        api.get_custom(HOSTED_CLUSTERS, "clusters", "example")
    assert isinstance(failure.value, TransientError)
    # Without a deadline the call never returns; 20 s leaves room for a loaded machine.
    assert time.monotonic() - began < 20
