"""Bring a hosted cluster up on an emulated management cluster.

Order as HyperShift would leave it running: the guest API (so its admin kubeconfig can be
published), the etcd pods with real etcd processes seeded with guest data, then every object
of the HC and HCP namespaces with their status.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.kubeapi.cluster import EmulatedCluster
from sandbox.pods.etcd_member import EtcdCluster
from sandbox.pods.pod_runtime import PodRuntime
from sandbox.pods.seed import SeedResult, seed_guest_data
from sandbox.scenario.apply import apply_planned
from sandbox.scenario.control_plane import control_plane_namespace_objects, etcd_pod
from sandbox.scenario.guest_cluster import guest_objects
from sandbox.scenario.hosted_cluster import (
    HostedClusterPlan,
    admin_kubeconfig_secret,
    hosted_cluster_namespace_objects,
)


@dataclass
class HostedClusterRuntime:
    """A running hosted cluster: where its control plane is, its etcd, its guest API."""

    plan: HostedClusterPlan
    management_cluster: str
    etcd: EtcdCluster
    guest: EmulatedCluster
    seed: SeedResult

    def stop(self) -> None:
        self.guest.stop()
        self.etcd.destroy()


def deploy_hosted_cluster(management: EmulatedCluster, pods: PodRuntime,
                          plan: HostedClusterPlan, seed_keys: int) -> HostedClusterRuntime:
    guest = EmulatedCluster.start(f"{plan.name}-guest")
    etcd: EtcdCluster | None = None
    try:
        apply_planned(guest.store, guest_objects(plan.nodepool_replicas, management.name))
        etcd = EtcdCluster(pods, management.name, plan.hcp_namespace, plan.etcd_members)
        etcd.start()
        seeded = seed_guest_data(etcd.client(), count=seed_keys)
        apply_planned(management.store, hosted_cluster_namespace_objects(plan))
        apply_planned(management.store, [admin_kubeconfig_secret(plan, guest.kubeconfig())])
        apply_planned(management.store, control_plane_namespace_objects(plan))
        apply_planned(management.store, [etcd_pod(plan, i, member.pod.ip)
                                         for i, member in enumerate(etcd.members)])
    except BaseException:
        guest.stop()
        if etcd is not None:
            etcd.destroy()
        raise
    return HostedClusterRuntime(plan, management.name, etcd, guest, seeded)
