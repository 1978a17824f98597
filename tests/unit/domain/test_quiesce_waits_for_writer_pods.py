"""The pause is done only when the scaled-down writers' pods are gone: a kube-apiserver keeps
serving through its graceful shutdown, and a snapshot taken meanwhile misses what it accepts."""

from __future__ import annotations

import pytest

from hcp_dr.domain.reconciliation import (
    QUIESCE_ANNOTATION,
    label_selector,
    pause_reconciliation,
)
from hcp_dr.errors import WritersStillRunning
from hcp_dr.models.cluster import HostedClusterRef
from hcp_dr.models.kinds import DEPLOYMENTS, HOSTED_CLUSTERS, PODS
from tests.unit.migration.world import HCP_NS, NAME, NS, source_cluster

REF = HostedClusterRef(management_cluster="source", namespace=NS, name=NAME)
OWNER = "backup-1"


def _with_selectors_and_pods(phases: dict[str, str], terminating: set[str] = frozenset()):
    kube = source_cluster()
    for name in ("kube-apiserver", "openshift-apiserver", "openshift-oauth-apiserver"):
        key = ("apps", "deployments", HCP_NS, name)
        kube.objects[key]["spec"]["selector"] = {"matchLabels": {"app": name}}
    for pod, phase in phases.items():
        meta = {"name": pod, "labels": {"app": pod.rsplit("-", 1)[0]}}
        if pod in terminating:
            meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
        kube.put(PODS, HCP_NS, {"metadata": meta, "spec": {"nodeName": "ip-10-0-1-7"},
                                "status": {"phase": phase}})
    return kube


def test_a_terminating_apiserver_pod_keeps_the_pause_unfinished_until_it_is_gone():
    kube = _with_selectors_and_pods({"kube-apiserver-a": "Running", "etcd-0": "Running"},
                                    terminating={"kube-apiserver-a"})

    with pytest.raises(WritersStillRunning) as refused:
        pause_reconciliation(kube, REF, OWNER)
    # Where it is and what to do if its node is gone (it would stay Terminating forever).
    assert "kube-apiserver-a on ip-10-0-1-7 (terminating)" in str(refused.value)
    assert "force-delete" in str(refused.value)
    # Scaled and recorded already: the retry only waits, it does not record zeros.
    assert kube.get_object(DEPLOYMENTS, HCP_NS, "kube-apiserver")["spec"]["replicas"] == 0
    hc = kube.get_object(HOSTED_CLUSTERS, NS, NAME)
    assert '"kube-apiserver":3' in hc["metadata"]["annotations"][QUIESCE_ANNOTATION]

    kube.objects.pop(("", "pods", HCP_NS, "kube-apiserver-a"))
    record = pause_reconciliation(kube, REF, OWNER)
    assert record.replicas["kube-apiserver"] == 3  # the counts from before, not the zeros


def test_ended_pods_and_pods_of_other_workloads_do_not_hold_the_pause():
    kube = _with_selectors_and_pods({"openshift-apiserver-b": "Succeeded",
                                     "openshift-oauth-apiserver-c": "Failed",
                                     "etcd-0": "Running", "cluster-api-d": "Running"})
    assert pause_reconciliation(kube, REF, OWNER).owner == OWNER


def test_selectors_become_the_apis_label_query():
    assert label_selector({"matchLabels": {"b": "2", "a": "1"}}) == "a=1,b=2"
    assert label_selector({"matchLabels": {"app": "kas"}, "matchExpressions": [
        {"key": "tier", "operator": "In", "values": ["cp", "x"]},
        {"key": "canary", "operator": "DoesNotExist"},
        {"key": "zone", "operator": "NotIn", "values": ["a"]},
        {"key": "owned", "operator": "Exists"}]}) == (
        "app=kas,tier in (cp,x),!canary,zone notin (a),owned")
    assert label_selector({}) == ""
