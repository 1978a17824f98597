"""The guide's snapshot commands, run for real in a sandbox etcd pod through pods/exec.

Only real clients: `kubernetes.stream` for exec (WebSocket channel protocol) and boto3 for the
presigned URL and to read the object back from local S3.
"""

from __future__ import annotations

import hashlib
import re

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.stream import stream

from sandbox.environment import Sandbox, SandboxOptions

FLAGS = ("--cacert /etc/etcd/tls/etcd-ca/ca.crt --cert /etc/etcd/tls/client/etcd-client.crt "
         "--key /etc/etcd/tls/client/etcd-client.key --endpoints=localhost:2379")


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(SandboxOptions(availability="HighlyAvailable")) as running:
        yield running


def _exec(core: k8s.CoreV1Api, pod: str, script: str) -> tuple[int, str, str]:
    session = stream(core.connect_get_namespaced_pod_exec, pod, "clusters-cesar",
                     container="etcd", command=["/bin/sh", "-c", script], stdin=False,
                     stdout=True, stderr=True, tty=False, _preload_content=False)
    session.run_forever(timeout=60)
    return session.returncode, session.read_stdout() or "", session.read_stderr() or ""


def test_snapshot_save_status_sha_and_presigned_upload(sandbox: Sandbox):
    cluster = sandbox.management["source"].cluster
    core = k8s.CoreV1Api(k8s_config.new_client_from_config_dict(
        yaml.safe_load(cluster.kubeconfig())))
    pods = core.list_namespaced_pod("clusters-cesar", label_selector="app=etcd").items
    assert sorted(p.metadata.name for p in pods) == ["etcd-0", "etcd-1", "etcd-2"]

    code, _, err = _exec(core, "etcd-1",
                         f"ETCDCTL_API=3 etcdctl {FLAGS} snapshot save /var/lib/data/snapshot.db")
    assert code == 0, err
    code, table, err = _exec(core, "etcd-1",
                             "ETCDCTL_API=3 etcdctl -w table snapshot status "
                             "/var/lib/data/snapshot.db")
    assert code == 0, err
    total_keys = int(re.findall(r"\|\s*[0-9a-f]+\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|", table)[0][1])
    assert total_keys >= sandbox.options.etcd_seed_keys
    code, sha_line, _ = _exec(core, "etcd-1", "sha256sum /var/lib/data/snapshot.db")
    pod_sha = sha_line.split()[0]

    s3 = sandbox.aws.client("s3")
    bucket = sandbox.backup_env.bucket
    url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "c/snap.db"},
                                    ExpiresIn=300)
    code, out, err = _exec(core, "etcd-1",
                           f"curl -sS --fail -X PUT -T /var/lib/data/snapshot.db '{url}'")
    assert code == 0, (out, err)
    stored = s3.get_object(Bucket=bucket, Key="c/snap.db")["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == pod_sha
    assert len(stored) % 512 == 32 and hashlib.sha256(stored[:-32]).digest() == stored[-32:]

    # The file lives in etcd-1's volume only; `rm` removes it there.
    assert _exec(core, "etcd-0", "test -e /var/lib/data/snapshot.db")[0] == 1
    assert _exec(core, "etcd-1", "rm /var/lib/data/snapshot.db")[0] == 0
    assert _exec(core, "etcd-1", "test -e /var/lib/data/snapshot.db")[0] == 1


def test_failing_command_reports_exit_code_and_stderr(sandbox: Sandbox):
    cluster = sandbox.management["source"].cluster
    core = k8s.CoreV1Api(k8s_config.new_client_from_config_dict(
        yaml.safe_load(cluster.kubeconfig())))
    code, _, err = _exec(core, "etcd-0", "echo broken >&2; exit 7")
    assert (code, err.strip()) == (7, "broken")
