"""pods/exec through the real `kubernetes` client: channels, exit codes, stdin, isolation."""

from __future__ import annotations

import json
import ssl
import subprocess
import time
from pathlib import Path

import pytest
from kubernetes.client.rest import ApiException
from kubernetes.stream import stream
from pods_harness import TOKEN, pod_exec
from websocket import create_connection

from sandbox.pods.processes import pids_mounted_from

NS = "clusters-hc1"


@pytest.fixture
def pods(runtime):
    return [runtime.add("mgmt-a", NS, name) for name in ("etcd-0", "etcd-1")]


def test_stdout_stderr_and_success(core_api, pods):
    result = pod_exec(core_api, "etcd-0", NS, "echo out; echo err >&2")
    assert (result.returncode, result.stdout, result.stderr) == (0, "out\n", "err\n")


def test_failing_command_reports_exit_code_and_stderr(core_api, pods):
    result = pod_exec(core_api, "etcd-0", NS, "ls /var/lib/data/nope; exit 3")
    assert result.returncode == 3
    assert "No such file or directory" in result.stderr


def test_killed_command_reports_128_plus_signal(core_api, pods):
    assert pod_exec(core_api, "etcd-0", NS, "kill -9 $$").returncode == 137


def test_stdin_is_piped_and_closed(core_api, pods):
    result = pod_exec(core_api, "etcd-0", NS, "tr a-z A-Z; echo done", stdin="hello pods\n")
    assert result.stdout == "HELLO PODS\ndone\n"


def test_large_stdin_in_one_write(core_api, pods):
    result = pod_exec(core_api, "etcd-0", NS, "wc -c", stdin="y" * 5_000_000)
    assert result.stdout.strip() == "5000000"


def test_large_output_arrives_whole(core_api, pods):
    result = pod_exec(core_api, "etcd-0", NS, "head -c 3000000 /dev/zero | tr '\\0' x")
    assert result.stdout == "x" * 3_000_000


def test_preloaded_call_returns_output(core_api, pods):
    output = stream(core_api.connect_get_namespaced_pod_exec, "etcd-0", NS,
                    command=["/bin/sh", "-c", "echo preloaded"], stderr=True, stdin=False,
                    stdout=True, tty=False)
    assert output == "preloaded\n"


def test_pods_have_private_filesystems_and_addresses(core_api, pods):
    for pod in pods:
        write = pod_exec(core_api, pod.name, NS,
                         f"mkdir -p /var/lib/data && echo {pod.name} > /var/lib/data/snapshot.db"
                         " && cat /etc/hosts")
        assert write.returncode == 0, write.stderr
        assert f"{pod.ip}\tlocalhost" in write.stdout
    for pod in pods:
        read = pod_exec(core_api, pod.name, NS,
                        "cat /var/lib/data/snapshot.db; getent hosts localhost")
        assert read.stdout.split()[:2] == [pod.name, pod.ip]
        assert (pod.data_dir / "snapshot.db").read_text() == f"{pod.name}\n"
    assert not Path("/var/lib/data/snapshot.db").exists()
    assert "etcd-" not in Path("/etc/hosts").read_text()


def test_environment_is_minimal(core_api, pods, monkeypatch):
    monkeypatch.setenv("HOST_SECRET", "do-not-leak")
    result = pod_exec(core_api, "etcd-0", NS, "env; pwd")
    env = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    assert env["HOME"] == "/" and env["HOSTNAME"] == "etcd-0" and env["POD_IP"] == pods[0].ip
    assert env["PATH"] == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    assert "HOST_SECRET" not in env and "AWS_SECRET_ACCESS_KEY" not in env
    assert result.stdout.splitlines()[-1] == "/"


def test_unknown_container_is_refused_like_the_api_server(core_api, pods):
    with pytest.raises(ApiException) as refused:
        pod_exec(core_api, "etcd-0", NS, "true", container="etcd-metrics")
    assert "400" in refused.value.reason
    assert "container etcd-metrics is not valid for pod etcd-0" in refused.value.reason


def test_unknown_pod_is_not_found(core_api, pods):
    with pytest.raises(ApiException) as refused:
        pod_exec(core_api, "etcd-7", NS, "true")
    assert "404" in refused.value.reason


def test_stopped_container_refuses_exec(core_api, pods):
    pods[1].spawn("etcd", ["/bin/true"]).wait()
    with pytest.raises(ApiException) as refused:
        pod_exec(core_api, "etcd-1", NS, "true")
    assert "500" in refused.value.reason and "container not running" in refused.value.reason


def test_removed_pod_takes_its_directory_and_processes(runtime, pods):
    sleeper = pods[0].spawn("etcd", ["/bin/sleep", "600"])
    runtime.remove("mgmt-a", NS, "etcd-0")
    assert sleeper.poll() == -9
    assert not pods[0].root.exists()
    assert runtime.get("mgmt-a", NS, "etcd-0") is None


def test_run_sync_sees_the_pod_view(pods):
    done = pods[1].run_sync(["sh", "-c", "ls -A /var/lib; stat -c %a /tmp"])
    assert done.returncode == 0 and done.stdout.decode().split() == ["1777"]
    with pytest.raises(subprocess.TimeoutExpired):
        pods[1].run_sync(["sleep", "5"], timeout=0.2)


def _raw_exec(exec_server, query: str, protocol: str) -> list[bytes]:
    """Frames of an exec opened by websocket-client itself, offering only `protocol`."""
    ws = create_connection(
        f"wss://127.0.0.1:{exec_server.port}/api/v1/namespaces/{NS}/pods/etcd-0/exec?{query}",
        subprotocols=[protocol], header=[f"Authorization: Bearer {TOKEN}"],
        sslopt={"cert_reqs": ssl.CERT_REQUIRED, "ca_certs": str(exec_server.ca_file)})
    assert ws.subprotocol == protocol
    frames = []
    while ws.connected:
        opcode, data = ws.recv_data(control_frame=True)
        if opcode == 0x8:  # close
            break
        frames.append(data)
    ws.close()
    return frames


def test_v4_protocol_and_tty_merge_streams(exec_server, pods):
    query = ("command=sh&command=-c&command=echo+a%3B+echo+b+%3E%262%3B+exit+5"
             "&stdout=true&stderr=true&tty=true")
    frames = _raw_exec(exec_server, query, "v4.channel.k8s.io")
    output = b"".join(f[1:] for f in frames if f[0] == 1)
    assert output == b"a\nb\n" and not [f for f in frames if f[0] == 2]
    status = json.loads(frames[-1][1:])
    assert frames[-1][0] == 3 and status["reason"] == "NonZeroExitCode"
    assert status["details"]["causes"] == [{"reason": "ExitCode", "message": "5"}]


def test_client_hanging_up_kills_the_command(core_api, pods, runtime):
    response = stream(core_api.connect_get_namespaced_pod_exec, "etcd-0", NS,
                      command=["/bin/sh", "-c", "echo started; sleep 600"], stderr=True,
                      stdin=False, stdout=True, tty=False, _preload_content=False)
    assert response.readline_stdout(timeout=10) == "started"
    assert pids_mounted_from(runtime.base_dir)
    response.close()
    deadline = time.monotonic() + 10
    while pids_mounted_from(runtime.base_dir) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not pids_mounted_from(runtime.base_dir)
