"""The guide's etcd backup, run in an emulated etcd pod through the real client.

Commands are the exact strings the domain code sends: `etcdctl snapshot save` with the pod's
client certificate against localhost:2379, `snapshot status`, `sha256sum`, a curl PUT to a
SigV4 presigned URL, `rm -f`. They must work unchanged against a real etcd in the pod.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time

import pytest
from pods_harness import etcd_pids, pod_exec

from sandbox.pods.etcd_member import EtcdCluster
from sandbox.pods.network import listening_ports
from sandbox.pods.seed import seed_guest_data

NS = "clusters-hc1"
SNAPSHOT = "/var/lib/data/snapshot.db"
ETCDCTL = ("ETCDCTL_API=3 etcdctl --cacert {ca} --cert /etc/etcd/tls/client/etcd-client.crt"
           " --key /etc/etcd/tls/client/etcd-client.key --endpoints=localhost:2379")
CA_412 = "/etc/etcd/tls/etcd-ca/ca.crt"
CA_PRE_412 = "/etc/etcd/tls/client/etcd-client-ca.crt"


@pytest.fixture
def etcd(runtime, timings):
    cluster = EtcdCluster(runtime, "mgmt-a", NS, replicas=1)
    timings["etcd start, 1 member"] = cluster.start()
    yield cluster
    ips = [pod.ip for pod in cluster.pods]
    cluster.destroy()
    assert not etcd_pids(ips)
    assert not any(listening_ports(ip) for ip in ips)
    assert not any(pod.root.exists() for pod in cluster.pods)


def _status_row(table: str) -> list[str]:
    # The hash is printed with %x: fewer than 8 digits when it starts with zeros.
    rows = [line for line in table.splitlines() if re.match(r"^\|\s*[0-9a-f]+\s*\|\s*\d", line)]
    assert len(rows) == 1, table
    return [cell.strip() for cell in rows[0].strip("|").split("|")]


def test_snapshot_save_status_checksum_and_upload(etcd, core_api, s3, timings):
    with etcd.client() as client:
        seeded = seed_guest_data(client, count=2000, seed=1)
        assert client.key_count() == 2000
        assert client.key_count(b"/kubernetes.io/secrets/") > 300
    timings["seed 2,000 keys (gateway txns)"] = seeded.seconds

    started = time.perf_counter()
    save = pod_exec(core_api, "etcd-0", NS, f"{ETCDCTL.format(ca=CA_412)} snapshot save {SNAPSHOT}")
    assert save.returncode == 0, save.stderr
    assert f"Snapshot saved at {SNAPSHOT}" in save.stdout
    status = pod_exec(core_api, "etcd-0", NS,
                      f"ETCDCTL_API=3 etcdctl -w table snapshot status {SNAPSHOT}")
    digest = pod_exec(core_api, "etcd-0", NS, f"sha256sum {SNAPSHOT}")
    sha_hex = digest.stdout.split()[0]
    checksum = base64.b64encode(bytes.fromhex(sha_hex)).decode()
    url = s3.client.generate_presigned_url(
        "put_object", ExpiresIn=900,
        Params={"Bucket": s3.bucket, "Key": "mgmt-a/hc1/etcd-0.db", "ChecksumSHA256": checksum})
    upload = pod_exec(core_api, "etcd-0", NS,
                      f"curl -sS --fail -X PUT -H 'x-amz-checksum-sha256: {checksum}' "
                      f"-T {SNAPSHOT} '{url}'")
    timings["snapshot save + status + sha + upload"] = time.perf_counter() - started
    assert upload.returncode == 0, upload.stderr

    hash_, revision, total_keys, _size = _status_row(status.stdout)
    assert int(revision) == seeded.revision
    assert int(total_keys) >= 2000  # etcd counts its internal keys and old revisions too
    assert digest.stdout == f"{sha_hex}  {SNAPSHOT}\n" and hash_

    body = s3.client.get_object(Bucket=s3.bucket, Key="mgmt-a/hc1/etcd-0.db")["Body"].read()
    assert hashlib.sha256(body).hexdigest() == sha_hex
    assert body == (etcd.pods[0].data_dir / "snapshot.db").read_bytes()
    assert len(body) % 512 == 32
    assert body[-32:] == hashlib.sha256(body[:-32]).digest()
    assert int.from_bytes(body[16:20], "little") == 0xED0CDAED  # bbolt magic, page 0 meta

    space = pod_exec(core_api, "etcd-0", NS,
                     f"stat -c %s {SNAPSHOT} && df -P /var/lib/data | tail -1 && rm -f {SNAPSHOT}")
    assert space.returncode == 0, space.stderr
    assert space.stdout.splitlines()[0] == str(len(body))
    assert not (etcd.pods[0].data_dir / "snapshot.db").exists()
    assert etcd.members[0].has_data  # the etcd data next to it is untouched


def test_pre_412_client_ca_path_works(etcd, core_api):
    save = pod_exec(core_api, "etcd-0", NS,
                    f"{ETCDCTL.format(ca=CA_PRE_412)} snapshot save {SNAPSHOT}")
    assert save.returncode == 0, save.stderr


def test_snapshot_save_without_client_cert_hangs_so_callers_need_a_timeout(etcd, core_api):
    """etcdctl 3.4 retries a refused TLS handshake forever, --dial-timeout notwithstanding."""
    result = pod_exec(core_api, "etcd-0", NS,
                      f"timeout 2 etcdctl --cacert {CA_412} --endpoints=localhost:2379 "
                      f"--dial-timeout=1s snapshot save {SNAPSHOT}")
    assert result.returncode == 124  # killed by timeout(1)


def test_snapshot_status_of_missing_file_fails(etcd, core_api):
    result = pod_exec(core_api, "etcd-0", NS, f"etcdctl -w table snapshot status {SNAPSHOT}")
    assert result.returncode != 0
    assert "no such file or directory" in result.stderr


def test_upload_to_expired_url_fails_loudly(etcd, core_api, s3):
    pod_exec(core_api, "etcd-0", NS, f"{ETCDCTL.format(ca=CA_412)} snapshot save {SNAPSHOT}")
    url = s3.client.generate_presigned_url(
        "put_object", Params={"Bucket": "no-such-bucket", "Key": "x.db"}, ExpiresIn=60)
    upload = pod_exec(core_api, "etcd-0", NS, f"curl -sS --fail -X PUT -T {SNAPSHOT} '{url}'")
    assert upload.returncode == 22  # curl --fail on an HTTP error
    assert "404" in upload.stderr
