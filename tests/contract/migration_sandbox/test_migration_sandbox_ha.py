"""A HighlyAvailable control plane restored on the destination: three etcd pods, each running
the init script, all from the one snapshot the CRD allows (a single restoreSnapshotURL)."""

from __future__ import annotations

import time

from sandbox.environment import Sandbox, SandboxOptions
from sandbox.restore_check import compare_dumps
from tests.contract.migration_sandbox.world import (
    DEPLOYMENTS,
    PODS,
    STATEFULSETS,
    condition,
    create_on_destination,
    hc_available,
    presigned_get,
    restored_hc_body,
    take_backup,
    wait_until,
)

SANDBOX_OPTIONS = SandboxOptions(availability="HighlyAvailable")


def test_every_member_restores_the_same_snapshot(sandbox: Sandbox, timings: dict[str, float]):
    plan = sandbox.plan
    snapshot = take_backup(sandbox, consistency="quiesced")
    hc = restored_hc_body(sandbox, presigned_get(sandbox, snapshot.key))
    assert len(hc["spec"]["etcd"]["managed"]["storage"]["restoreSnapshotURL"]) == 1
    began = time.perf_counter()
    create_on_destination(sandbox, hc)
    store = sandbox.management["destination"].cluster.store
    wait_until(lambda: hc_available(store, plan.namespace, plan.name), what="HA HC Available")
    timings["destination control plane incl. restore, HighlyAvailable [s]"] = (
        time.perf_counter() - began)
    etcd = sandbox.etcd_of("destination", plan.hcp_namespace)
    assert etcd is not None and len(etcd.members) == 3
    for member in etcd.members:
        log = sandbox.management["destination"].cluster.pod_logs[(plan.hcp_namespace,
                                                                  member.name)]
        assert "restoring the etcd snapshot" in log
        pod = store.get(PODS, plan.hcp_namespace, member.name)
        assert condition(pod, "Ready")["status"] == "True"
    with sandbox.hosted.etcd.client() as source:
        expected = source.dump(snapshot.revision)
    for index in range(3):  # every member serves the same data: one cluster, one snapshot
        with etcd.client(index) as member:
            comparison = compare_dumps(expected, member.dump())
            assert comparison.identical, (index, comparison)
    with etcd.client() as member:
        assert len(member.call("/v3/cluster/member/list", {})["members"]) == 3
    assert store.get(STATEFULSETS, plan.hcp_namespace, "etcd")["status"]["readyReplicas"] == 3
    for name, replicas in (("kube-apiserver", 3), ("openshift-apiserver", 3),
                           ("openshift-oauth-apiserver", 3), ("control-plane-operator", 1)):
        deployment = store.get(DEPLOYMENTS, plan.hcp_namespace, name)
        assert deployment["spec"]["replicas"] == replicas, name
