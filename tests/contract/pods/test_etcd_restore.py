"""Snapshot on one management cluster, restore on another, compare key for key.

The destination pods do what HyperShift's etcd-init container does on an empty PV: curl the
snapshot from a presigned URL into /tmp, refuse an S3 XML error page, `etcdctl snapshot
restore` into /var/lib/data; then etcd starts from that data dir. For HA every member
restores the same snapshot with its own name and peer URL.
"""

from __future__ import annotations

import time

import pytest
from pods_harness import etcd_pids, pod_exec

from sandbox.pods.etcd_member import EtcdCluster
from sandbox.pods.network import listening_ports
from sandbox.pods.processes import pids_mounted_from
from sandbox.pods.seed import seed_guest_data

NS = "clusters-hc1"
SAVE = ("ETCDCTL_API=3 etcdctl --cacert /etc/etcd/tls/etcd-ca/ca.crt"
        " --cert /etc/etcd/tls/client/etcd-client.crt --key /etc/etcd/tls/client/etcd-client.key"
        " --endpoints=localhost:2379 snapshot save /var/lib/data/snapshot.db")
INIT = """set -e
[ "$(ls -A /var/lib)" ] && echo "/var/lib not empty, not restoring snapshot" && exit 0
curl -sS --fail -o /tmp/snapshot '{url}'
if head -c 5 /tmp/snapshot | grep -q '<?xml'; then cat /tmp/snapshot; exit 1; fi
ETCDCTL_API=3 etcdctl -w table snapshot status /tmp/snapshot
ETCDCTL_API=3 etcdctl snapshot restore /tmp/snapshot --data-dir=/var/lib/data \\
  --name "$HOSTNAME" --initial-cluster '{initial_cluster}' --initial-cluster-token etcd-cluster \\
  --initial-advertise-peer-urls "https://$HOSTNAME.etcd-discovery.$NAMESPACE.svc:2380"
"""


def _assert_gone(clusters: list[EtcdCluster], runtime) -> None:
    ips = [pod.ip for cluster in clusters for pod in cluster.pods]
    assert not etcd_pids(ips)
    assert not pids_mounted_from(runtime.base_dir)
    assert not any(listening_ports(ip) for ip in ips)
    assert not any(pod.root.exists() for cluster in clusters for pod in cluster.pods)


@pytest.mark.parametrize("replicas", [1, 3], ids=["single", "ha"])
def test_snapshot_restores_identically_on_another_cluster(replicas, runtime, exec_servers, s3,
                                                          timings):
    label = "1 member" if replicas == 1 else "3 members"
    source = EtcdCluster(runtime, "mgmt-a", NS, replicas)
    destination = EtcdCluster(runtime, "mgmt-b", NS, replicas)
    try:
        timings[f"etcd start, {label}"] = source.start()
        with source.client(0) as writer:
            seeded = seed_guest_data(writer, count=2000, seed=replicas)
        # The member that takes the snapshot is not the one that took the writes.
        member = source.members[-1]
        with source.client(member) as reader:
            assert reader.revision() == seeded.revision  # linearizable: it has applied all
        source_api = exec_servers("mgmt-a").core_api()
        started = time.perf_counter()
        save = pod_exec(source_api, member.name, NS, SAVE)
        assert save.returncode == 0, save.stderr
        key = f"mgmt-a/{NS}/{member.name}.db"
        put = s3.client.generate_presigned_url(
            "put_object", Params={"Bucket": s3.bucket, "Key": key}, ExpiresIn=900)
        upload = pod_exec(source_api, member.name, NS,
                          f"curl -sS --fail -X PUT -T /var/lib/data/snapshot.db '{put}'")
        assert upload.returncode == 0, upload.stderr
        timings[f"snapshot save + upload, {label}"] = time.perf_counter() - started

        get = s3.client.generate_presigned_url(
            "get_object", Params={"Bucket": s3.bucket, "Key": key}, ExpiresIn=900)
        destination_api = exec_servers("mgmt-b").core_api()
        started = time.perf_counter()
        for pod in destination.pods:
            init = pod_exec(destination_api, pod.name, NS, INIT.format(
                url=get, initial_cluster=destination.initial_cluster))
            assert init.returncode == 0, init.stderr
            assert "not restoring" not in init.stdout
        timings[f"restore into empty PVs, {label}"] = time.perf_counter() - started
        assert all(m.has_data for m in destination.members)
        timings[f"etcd start from restored data, {label}"] = destination.start()

        with source.client(member) as old, destination.client(replicas - 1) as new:
            assert new.revision() == old.revision() == seeded.revision
            assert new.dump() == old.dump()
            assert list(new.range_all()) == list(old.range_all())  # same mod revisions
            earlier = seeded.revision - 1  # history before the last lease renewals survives
            assert new.dump(earlier) == old.dump(earlier)
            assert new.key_count() == seeded.keys == 2000
        with destination.client(0) as first:
            assert first.status()["leader"]
    finally:
        source.destroy()
        destination.destroy()
    _assert_gone([source, destination], runtime)


def test_init_leaves_a_filled_pv_alone(runtime, exec_server):
    etcd = EtcdCluster(runtime, "mgmt-a", NS, 1)
    try:
        etcd.start()
        etcd.stop()  # scaled to 0: the PV stays
        assert etcd.members[0].has_data
        init = pod_exec(exec_server.core_api(), "etcd-0", NS,
                        INIT.format(url="http://127.0.0.1:9/none", initial_cluster=""))
        assert init.returncode == 0 and "not restoring" in init.stdout
        etcd.start()  # from the data it had
    finally:
        etcd.destroy()
    _assert_gone([etcd], runtime)


def test_init_refuses_an_s3_error_page(runtime, exec_server, s3):
    etcd = EtcdCluster(runtime, "mgmt-a", NS, 1)
    try:
        s3.client.put_object(Bucket=s3.bucket, Key="error.db",
                             Body=b"<?xml version='1.0'?><Error><Code>AccessDenied</Code></Error>")
        url = s3.client.generate_presigned_url(
            "get_object", Params={"Bucket": s3.bucket, "Key": "error.db"}, ExpiresIn=60)
        init = pod_exec(exec_server.core_api(), "etcd-0", NS,
                        INIT.format(url=url, initial_cluster=etcd.initial_cluster))
        assert init.returncode == 1 and "AccessDenied" in init.stdout
        assert not etcd.members[0].has_data
    finally:
        etcd.destroy()


def test_restore_rejects_a_corrupted_snapshot(runtime, exec_server):
    etcd = EtcdCluster(runtime, "mgmt-a", NS, 1)
    api = exec_server.core_api()
    try:
        etcd.start()
        assert pod_exec(api, "etcd-0", NS, SAVE).returncode == 0
        snapshot = etcd.pods[0].data_dir / "snapshot.db"
        data = bytearray(snapshot.read_bytes())
        data[4096] ^= 0xFF
        (etcd.pods[0].root / "tmp/snapshot").write_bytes(bytes(data))
        etcd.stop()
        restore = pod_exec(api, "etcd-0", NS,
                           "etcdctl snapshot restore /tmp/snapshot --data-dir=/tmp/restored")
        assert restore.returncode != 0
        assert "expected sha256" in restore.stderr
    finally:
        etcd.destroy()
