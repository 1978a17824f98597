"""Which etcd members a hosted control plane has and whether they are healthy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hcp_dr.errors import EtcdUnhealthy

if TYPE_CHECKING:
    from hcp_dr.adapters.management_cluster import ManagementClusterApi

ETCD_STATEFULSET = "etcd"
ETCD_POD_SELECTOR = "app=etcd"
ETCD_CONTAINER = "etcd"


@dataclass(frozen=True)
class EtcdMember:
    pod: str
    ready: bool


def _is_ready(pod: dict) -> bool:
    if pod.get("metadata", {}).get("deletionTimestamp"):
        return False
    conditions = pod.get("status", {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def etcd_members(api: ManagementClusterApi, hcp_namespace: str) -> list[EtcdMember]:
    pods = api.list_pods(hcp_namespace, ETCD_POD_SELECTOR)
    members = [EtcdMember(p["metadata"]["name"], _is_ready(p)) for p in pods]
    return sorted(members, key=lambda m: m.pod)


def require_all_members_ready(api: ManagementClusterApi, hcp_namespace: str) -> list[EtcdMember]:
    """Every member the etcd StatefulSet wants must exist and be Ready.

    A snapshot of a cluster with a missing or lagging member may be older than the data the
    hosted API already acknowledged, so preflight refuses rather than silently back up less.
    """
    statefulset = api.get_statefulset(hcp_namespace, ETCD_STATEFULSET)
    if statefulset is None:
        raise EtcdUnhealthy(f"no etcd StatefulSet in {hcp_namespace}")
    wanted = int(statefulset.get("spec", {}).get("replicas") or 0)
    members = etcd_members(api, hcp_namespace)
    ready = [m for m in members if m.ready]
    if wanted == 0 or len(ready) < wanted:
        raise EtcdUnhealthy(
            f"{len(ready)} of {wanted} etcd members Ready in {hcp_namespace}"
        )
    return members


def pick_snapshot_member(members: list[EtcdMember]) -> EtcdMember:
    """One Ready member; any is as good since etcd snapshots are linearizable reads."""
    for member in members:
        if member.ready:
            return member
    raise EtcdUnhealthy("no Ready etcd member to snapshot")
