"""Fixtures: emulated pods, exec endpoints per management cluster, the real client, S3."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import kubernetes.client
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer
from pods_harness import ExecServer, free_port

from sandbox.pods.pod_runtime import PodRuntime

TIMINGS: dict[str, float] = {}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS:
        terminalreporter.section("etcd pod timings (seconds)")
        for name, seconds in TIMINGS.items():
            terminalreporter.write_line(f"{name:<44} {seconds:8.3f}")


@pytest.fixture
def timings() -> dict[str, float]:
    return TIMINGS


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[PodRuntime]:
    pods = PodRuntime(tmp_path / "pods")
    yield pods
    pods.close()
    assert not any(pods.base_dir.iterdir()), "pod directories left behind"


@pytest.fixture
def exec_servers(runtime: PodRuntime, tmp_path: Path) -> Iterator[Callable[[str], ExecServer]]:
    """One exec endpoint per management cluster name, started on first use."""
    servers: dict[str, ExecServer] = {}

    def server_for(cluster: str) -> ExecServer:
        if cluster not in servers:
            directory = tmp_path / f"api-{cluster}"
            directory.mkdir()
            servers[cluster] = ExecServer(runtime, cluster, directory)
            servers[cluster].start()
        return servers[cluster]

    yield server_for
    for server in servers.values():
        server.stop()


@pytest.fixture
def exec_server(exec_servers: Callable[[str], ExecServer]) -> ExecServer:
    return exec_servers("mgmt-a")


@pytest.fixture
def core_api(exec_server: ExecServer) -> kubernetes.client.CoreV1Api:
    return exec_server.core_api()


@dataclass(frozen=True)
class S3:
    client: object  # a botocore S3 client
    bucket: str
    endpoint: str


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3]:
    """moto's S3 on 127.0.0.1 (not `localhost`: inside a pod that name is the pod)."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    # SigV4 presigned URLs, as the project issues them (no key material reaches the pod).
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          config=Config(signature_version="s3v4"))
    client.create_bucket(Bucket="hcp-dr-backups")
    yield S3(client, "hcp-dr-backups", endpoint)
    server.stop()
