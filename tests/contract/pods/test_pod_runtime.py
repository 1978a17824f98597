"""Pod bookkeeping: names, IPs, leftovers of a crashed run, the seeded guest data."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sandbox.pods.network import allocate_pod_ip, listening_ports, release_pod_ip
from sandbox.pods.pod_runtime import PodRuntime
from sandbox.pods.seed import AESCBC_PREFIX, guest_data

REPO = Path(__file__).resolve().parents[3]
CRASHING_RUN = """
import sys, time
from pathlib import Path
from sandbox.pods.pod_runtime import PodRuntime
pod = PodRuntime(Path(sys.argv[1])).add("mgmt-a", "clusters-hc1", "etcd-0")
print(pod.spawn("etcd", ["/bin/sleep", "600"]).pid, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def test_new_runtime_reaps_what_a_crashed_run_left(tmp_path):
    base = tmp_path / "pods"
    crashing = subprocess.Popen(
        [sys.executable, "-c", CRASHING_RUN, str(base)], stdout=subprocess.PIPE, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    orphan = int(crashing.stdout.readline())
    crashing.kill()
    crashing.wait()
    crashing.stdout.close()
    assert _alive(orphan)
    runtime = PodRuntime(base)
    deadline = time.monotonic() + 5
    while _alive(orphan) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(orphan)
    assert not any(base.iterdir())
    runtime.close()


def test_names_must_be_dns_labels_and_unique(runtime):
    runtime.add("mgmt-a", "clusters-hc1", "etcd-0")
    with pytest.raises(KeyError):
        runtime.add("mgmt-a", "clusters-hc1", "etcd-0")
    with pytest.raises(ValueError, match="not a DNS name"):
        runtime.add("mgmt-a", "../etc", "etcd-0")
    other = runtime.add("mgmt-b", "clusters-hc1", "etcd-0")  # same names, other cluster
    assert other.ip != runtime.get("mgmt-a", "clusters-hc1", "etcd-0").ip


def test_pod_ips_are_distinct_loopback_addresses():
    ips = [allocate_pod_ip() for _ in range(20)]
    try:
        assert len(set(ips)) == 20
        assert all(ip.startswith("127.") and not ip.startswith("127.0.") for ip in ips)
        assert not any(listening_ports(ip) for ip in ips)
    finally:
        for ip in ips:
            release_pod_ip(ip)


def test_guest_data_is_deterministic_and_looks_like_a_hosted_cluster():
    data = guest_data(count=2000, seed=42)
    assert data == guest_data(count=2000, seed=42)
    assert data != guest_data(count=2000, seed=43)
    keys = [key for key, _ in data.items + data.events]
    assert len(keys) == len(set(keys)) == data.key_count == 2000
    values = dict(data.items)
    secrets = [v for k, v in values.items() if k.startswith(b"/kubernetes.io/secrets/")]
    assert len(secrets) > 300
    assert all(v.startswith(AESCBC_PREFIX) and (len(v) - len(AESCBC_PREFIX)) % 16 == 0
               for v in secrets)
    assert values[b"/kubernetes.io/namespaces/openshift-ovn-kubernetes"].startswith(b"k8s\x00")
    for prefix in (b"/kubernetes.io/configmaps/", b"/kubernetes.io/pods/",
                   b"/kubernetes.io/deployments/", b"/kubernetes.io/services/specs/",
                   b"/kubernetes.io/leases/", b"/openshift.io/"):
        assert any(key.startswith(prefix) for key in keys), prefix
    assert all(key.startswith(b"/kubernetes.io/events/") for key, _ in data.events)
    assert data.update_rounds and all(data.update_rounds)
