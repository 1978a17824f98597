"""Emulated pods of hosted control planes: real etcd processes, private filesystems, exec.

- `PodRuntime` / `PodSandbox` (pod_runtime): pods keyed by (cluster, namespace, pod), each
  with a loopback pod IP and its own /var/lib, /etc/etcd, /etc/hosts and /tmp.
- `EtcdCluster` (etcd_member): the etcd StatefulSet, 1 or 3 members, TLS as in HyperShift.
- `EtcdClient` (etcd_client) and `seed_guest_data` (seed): fill and compare etcds.
- `PodExecHandler` (exec_stream): `pods/exec` over WebSocket for the API server.
"""

from sandbox.pods.etcd_client import EtcdClient, KeyValue
from sandbox.pods.etcd_member import EtcdCluster, EtcdMember, EtcdStartFailed
from sandbox.pods.exec_stream import PodExecHandler
from sandbox.pods.pod_runtime import PodRuntime, PodSandbox
from sandbox.pods.seed import guest_data, seed_guest_data

__all__ = [
    "EtcdClient", "EtcdCluster", "EtcdMember", "EtcdStartFailed", "KeyValue", "PodExecHandler",
    "PodRuntime", "PodSandbox", "guest_data", "seed_guest_data",
]
