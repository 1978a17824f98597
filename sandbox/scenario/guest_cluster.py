"""The hosted cluster's own API: its worker nodes and its OVN-Kubernetes pods."""

from __future__ import annotations

import secrets

from sandbox.scenario.hosted_cluster import PlannedObject, _meta, now_rfc3339

OVN_NAMESPACE = "openshift-ovn-kubernetes"


def node_name(index: int) -> str:
    return f"ip-10-0-{128 + index}-{secrets.randbelow(200) + 10}.ec2.internal"


def _node(name: str, control_plane: str) -> PlannedObject:
    body = {"apiVersion": "v1", "kind": "Node",
            "metadata": _meta(name, labels={"node-role.kubernetes.io/worker": "",
                                            "kubernetes.io/hostname": name},
                              annotations={"sandbox.hcp-dr/control-plane": control_plane}),
            "spec": {"providerID": f"aws:///us-east-2a/i-{secrets.token_hex(8)}"}}
    status = {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                              "message": "kubelet is posting ready status",
                              "lastHeartbeatTime": now_rfc3339(),
                              "lastTransitionTime": now_rfc3339()}],
              "nodeInfo": {"kubeletVersion": "v1.26.9+sandbox", "architecture": "amd64",
                           "bootID": "", "containerRuntimeVersion": "cri-o://1.26",
                           "kernelVersion": "5.14", "kubeProxyVersion": "v1.26.9",
                           "machineID": "", "operatingSystem": "linux",
                           "osImage": "Red Hat Enterprise Linux CoreOS", "systemUUID": ""}}
    return PlannedObject("", "v1", "nodes", None, body, status)


def ovn_pod(node: str) -> PlannedObject:
    name = f"ovnkube-node-{secrets.token_hex(3)}"
    body = {"apiVersion": "v1", "kind": "Pod",
            "metadata": _meta(name, OVN_NAMESPACE, labels={"app": "ovnkube-node"}),
            "spec": {"nodeName": node, "containers": [{"name": "ovnkube-controller",
                                                       "image": "sandbox/ovn-kubernetes"}]}}
    status = {"phase": "Running", "startTime": now_rfc3339(),
              "conditions": [{"type": "Ready", "status": "True"}]}
    return PlannedObject("", "v1", "pods", OVN_NAMESPACE, body, status)


def guest_objects(worker_count: int, control_plane: str) -> list[PlannedObject]:
    """Ready worker nodes connected to `control_plane`, each with its OVN pod."""
    nodes = [_node(node_name(i), control_plane) for i in range(worker_count)]
    objects = [PlannedObject("", "v1", "namespaces", None, {
        "apiVersion": "v1", "kind": "Namespace", "metadata": _meta(OVN_NAMESPACE)})]
    objects += nodes
    objects += [ovn_pod(n.name) for n in nodes]
    return objects
