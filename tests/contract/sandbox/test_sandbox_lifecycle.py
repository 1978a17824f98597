"""Hygiene: the sandbox leaves no process, port or thread behind, however it stops.

Covers `make sandbox` (`python -m sandbox`) stopped with Ctrl-C (SIGINT) and with SIGTERM,
and a test that fails inside a running sandbox.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from sandbox.environment import Sandbox, SandboxOptions

REPO = Path(__file__).resolve().parents[3]


def _children(pid: int) -> set[int]:
    """Every live descendant of `pid`, read from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _accepts(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def _endpoints(state: dict) -> list[tuple[str, int]]:
    found = [(urlparse(state["aws"]["endpoint_url"]).hostname,
              urlparse(state["aws"]["endpoint_url"]).port)]
    for cluster in state["clusters"]:
        server = yaml.safe_load(Path(cluster["kubeconfig"]).read_text())["clusters"][0]
        url = urlparse(server["cluster"]["server"])
        found.append((url.hostname, url.port))
    return found


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_make_sandbox_cleans_up_on_signal(tmp_path: Path, stop_signal: signal.Signals):
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'functions'}:{REPO}"}
    process = subprocess.Popen([sys.executable, "-m", "sandbox", "--state-dir", str(tmp_path)],
                               cwd=REPO, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        state_file = tmp_path / "state.json"
        deadline = time.monotonic() + 90
        while not state_file.exists():
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() < deadline, "sandbox did not come up"
            time.sleep(0.2)
        state = json.loads(state_file.read_text())
        assert {c["role"] for c in state["clusters"]} == {"source", "destination", "hosted"}
        assert state["hosted_clusters"] == [
            {"namespace": "clusters", "name": "cesar", "management_cluster": "source"}]
        source = next(c for c in state["clusters"] if c["role"] == "source")
        api = k8s_config.new_client_from_config_dict(
            yaml.safe_load(Path(source["kubeconfig"]).read_text()))
        pods = k8s.CoreV1Api(api).list_namespaced_pod("clusters-cesar", label_selector="app=etcd")
        assert [p.metadata.name for p in pods.items] == ["etcd-0"]
        endpoints = _endpoints(state)
        assert all(_accepts(h, p) for h, p in endpoints)
        descendants = _children(process.pid)
        assert descendants, "expected etcd processes under the sandbox"
        process.send_signal(stop_signal)
        try:
            exit_code = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()  # its output then ends with the stacks of a hung teardown
            for pid in descendants:  # no etcd left behind for the tests after this one
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            pytest.fail(f"no exit within 60 s of {stop_signal.name}:\n{process.stdout.read()}")
        assert exit_code == 0, process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
    assert [pid for pid in descendants if _alive(pid)] == []
    assert [e for e in endpoints if _accepts(*e)] == []
    assert not (tmp_path / "state.json").exists()


def test_a_failing_test_inside_the_sandbox_leaves_nothing_behind():
    threads_before = set(threading.enumerate())
    children_before = _children(os.getpid())
    endpoints: list[tuple[str, int]] = []
    pod_ips: list[str] = []
    with pytest.raises(RuntimeError, match="the test failed"), \
            Sandbox(SandboxOptions()) as sandbox:
        endpoints = _endpoints(sandbox.state())
        pod_ips = [m.pod.ip for m in sandbox.hosted.etcd.members]
        assert all(_accepts(ip, 2379) for ip in pod_ips)
        raise RuntimeError("the test failed")
    assert [e for e in endpoints if _accepts(*e)] == []
    assert [ip for ip in pod_ips if _accepts(ip, 2379)] == []
    assert [pid for pid in _children(os.getpid()) - children_before if _alive(pid)] == []
    deadline = time.monotonic() + 5
    while set(threading.enumerate()) - threads_before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert set(threading.enumerate()) - threads_before == set()
