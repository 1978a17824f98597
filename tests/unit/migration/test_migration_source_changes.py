"""Pause/resume, routes and teardown on the source: recorded before changed, safe twice."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from hcp_dr.domain.cluster_objects import collect_cluster_objects, secret_owner
from hcp_dr.domain.migration.identity import (
    OPERATOR_REPLICAS_ANNOTATION,
    PAUSED_AT_ANNOTATION,
    PAUSED_BY_ANNOTATION,
)
from hcp_dr.domain.migration.pause import pause_hosted_cluster, resume_source
from hcp_dr.domain.migration.routes import delete_source_routes, recreate_source_routes
from hcp_dr.domain.migration.teardown import (
    SAFE_TO_DELETE_LABEL,
    restore_source_operator,
    teardown_source,
)
from hcp_dr.domain.reconciliation import QUIESCE_ANNOTATION
from hcp_dr.errors import LeftoverPauseRecord, SourceTeardownPending
from hcp_dr.models.kinds import (
    DEPLOYMENTS,
    HOSTED_CLUSTERS,
    MACHINES,
    NAMESPACES,
    NODE_POOLS,
    PODS,
    ROUTES,
    SECRETS,
    STATEFULSETS,
)
from tests.unit.migration.fakes import FakeBucket
from tests.unit.migration.world import (
    HCP_NS,
    HOSTNAMES,
    MIGRATION_ID,
    NAME,
    NS,
    nodepool,
    preflighted,
    source_cluster,
    zones,
)

NOW = datetime(2026, 1, 1, 12, 1, tzinfo=UTC)
QUIESCED = {"kube-apiserver": 3, "openshift-apiserver": 3, "openshift-oauth-apiserver": 3,
            "control-plane-operator": 1}


def _replicas(kube) -> dict[str, int]:
    return {d["metadata"]["name"]: d["spec"]["replicas"]
            for d in kube.list_objects(DEPLOYMENTS, HCP_NS)}


def test_pause_records_counts_before_scaling_and_resume_restores_them():
    kube = source_cluster()
    kube.put(NODE_POOLS, NS, {**nodepool("held"), "spec": {**nodepool()["spec"],
                                                            "pausedUntil": "2030-01-01T00:00:00Z"}})
    later = NOW.replace(minute=2)
    result = pause_hosted_cluster(kube, preflighted(), NOW, lambda: later)
    assert result.replicas == QUIESCED and result.paused_at == NOW
    assert result.quiesced_at == later  # read once the writers' pods were gone
    assert all(_replicas(kube)[d] == 0 for d in QUIESCED) and _replicas(kube)["cluster-api"] == 1
    hc = kube.get_object(HOSTED_CLUSTERS, NS, NAME)
    assert hc["spec"]["pausedUntil"] == "true" and QUIESCE_ANNOTATION in hc["metadata"][
        "annotations"]
    for np in kube.list_objects(NODE_POOLS, NS):
        assert np["spec"]["pausedUntil"] == "true"
        assert json.loads(np["metadata"]["annotations"][PAUSED_BY_ANNOTATION])["migration"] == (
            MIGRATION_ID)
    first_scale = next(i for i, w in enumerate(kube.writes) if w[0] == "scale")
    first_hc_patch = next(i for i, w in enumerate(kube.writes) if w[1] == "hostedclusters")
    assert first_hc_patch < first_scale

    again = pause_hosted_cluster(kube, preflighted(), NOW.replace(minute=5))  # a rerun
    assert again.replicas == QUIESCED  # sees its own zeros: the counts from before
    assert again.paused_at == NOW  # and the RTO still counts from the first attempt
    # The first attempt's time is kept apart from the quiesce record (which functions of
    # another version may read during a deploy) and written before anything is paused.
    record = json.loads(hc["metadata"]["annotations"][QUIESCE_ANNOTATION])
    assert set(record) == {"owner", "paused_until_before", "replicas"}
    first_write = next(w for w in kube.writes if w[0] != "get")
    assert first_write[1] == "hostedclusters"

    resumed = resume_source(kube, preflighted(pause=result.model_dump()))
    assert resumed["restored_replicas"] == QUIESCED
    assert _replicas(kube) == {**QUIESCED, "cluster-api": 1}
    hc = kube.get_object(HOSTED_CLUSTERS, NS, NAME)
    assert "pausedUntil" not in hc["spec"]
    assert {QUIESCE_ANNOTATION, PAUSED_AT_ANNOTATION}.isdisjoint(hc["metadata"]["annotations"])
    pools = {np["metadata"]["name"]: np for np in kube.list_objects(NODE_POOLS, NS)}
    assert pools["held"]["spec"]["pausedUntil"] == "2030-01-01T00:00:00Z"
    assert "pausedUntil" not in pools[f"{NAME}-workers"]["spec"]
    assert all(PAUSED_BY_ANNOTATION not in (np["metadata"].get("annotations") or {})
               for np in pools.values())


def _leftover_quiesce(kube, owner: str | None) -> None:
    hc = kube.get_object(HOSTED_CLUSTERS, NS, NAME)
    record = {"paused_until_before": None, "replicas": {"kube-apiserver": 3}}
    if owner is not None:
        record["owner"] = owner
    hc["metadata"].setdefault("annotations", {})[QUIESCE_ANNOTATION] = json.dumps(record)
    kube.put(HOSTED_CLUSTERS, NS, hc)


@pytest.mark.parametrize("owner", ["20250101T000000Z-ffffffff", None])
def test_another_runs_leftover_quiesce_record_refuses_the_pause_before_any_change(owner):
    kube = source_cluster()
    _leftover_quiesce(kube, owner)
    with pytest.raises(LeftoverPauseRecord, match=QUIESCE_ANNOTATION):
        pause_hosted_cluster(kube, preflighted(), NOW)
    assert kube.writes == []
    # ... and the compensation that follows leaves that record alone: not ours to restore.
    assert resume_source(kube, preflighted()) == {"restored_replicas": {}, "nodepools": []}
    assert kube.writes == []


def test_a_nodepool_paused_by_another_migration_refuses_the_pause_before_any_change():
    kube = source_cluster()
    np = kube.list_objects(NODE_POOLS, NS)[0]
    np["metadata"].setdefault("annotations", {})[PAUSED_BY_ANNOTATION] = json.dumps(
        {"migration": "20250101T000000Z-ffffffff", "paused_until_before": None})
    np["spec"]["pausedUntil"] = "true"
    kube.put(NODE_POOLS, NS, np)
    with pytest.raises(LeftoverPauseRecord, match=PAUSED_BY_ANNOTATION):
        pause_hosted_cluster(kube, preflighted(), NOW)
    assert kube.writes == []


def test_our_own_record_lets_a_retried_pause_and_resume_go_through():
    kube = source_cluster()
    pause_hosted_cluster(kube, preflighted(), NOW)
    pause_hosted_cluster(kube, preflighted(), NOW)  # the stage retried
    assert resume_source(kube, preflighted())["restored_replicas"] == QUIESCED
    hc = kube.get_object(HOSTED_CLUSTERS, NS, NAME)
    assert QUIESCE_ANNOTATION not in (hc["metadata"].get("annotations") or {})


def test_resume_without_a_pause_changes_nothing():
    kube = source_cluster()
    assert resume_source(kube, preflighted()) == {"restored_replicas": {}, "nodepools": []}
    assert kube.writes == []


def test_routes_are_stored_before_deletion_and_recreated_on_compensation():
    kube, bucket, dns = source_cluster(), FakeBucket(), zones()
    result = delete_source_routes(kube, bucket, dns, preflighted())
    assert result.routes == 4 and result.hostnames == HOSTNAMES
    assert kube.list_objects(ROUTES, HCP_NS) == []
    prefix = f"migrations/{NS}/{NAME}/{MIGRATION_ID}/routes/"
    index = bucket.get_json(prefix + "index.json")
    assert len(index["routes"]) == 4
    assert index["source_dns_targets"][HOSTNAMES[0]] == ["router.source.example"]
    stored = bucket.get_json(prefix + "api-route.json")
    assert "status" not in stored and "resourceVersion" not in stored["metadata"]

    again = delete_source_routes(kube, bucket, dns, preflighted())  # rerun: index kept
    assert again.routes == 4

    assert recreate_source_routes(kube, bucket, preflighted()) == {"recreated": 4, "present": 0}
    assert recreate_source_routes(kube, bucket, preflighted()) == {"recreated": 0, "present": 4}
    assert len(kube.list_objects(ROUTES, HCP_NS)) == 4


def test_recreate_without_a_deletion_is_a_no_op():
    kube = source_cluster()
    assert recreate_source_routes(kube, FakeBucket(), preflighted()) == {"recreated": 0,
                                                                         "present": 0}
    assert kube.writes == []


def test_teardown_removes_finalizers_deletes_everything_and_the_operator_comes_back():
    kube = source_cluster()
    result = teardown_source(kube, preflighted())
    assert result["operator_replicas"] == 2
    operator = kube.get_object(DEPLOYMENTS, "hypershift", "operator")
    assert operator["spec"]["replicas"] == 0
    assert operator["metadata"]["annotations"][OPERATOR_REPLICAS_ANNOTATION] == "2"
    assert kube.get_object(HOSTED_CLUSTERS, NS, NAME) is None
    assert kube.list_objects(NODE_POOLS, NS) == []
    assert kube.get_object(NAMESPACES, None, HCP_NS) is None
    assert kube.list_objects(MACHINES, HCP_NS) == [] and kube.list_objects(STATEFULSETS) == []
    assert kube.list_objects(SECRETS, NS) == []  # the HC's safe-to-delete secrets
    scaled_first = [w for w in kube.writes if w[1] in ("deployments", "statefulsets")]
    assert scaled_first[0][3] == "operator"

    again = teardown_source(kube, preflighted())  # a retry does not record its own 0
    assert again["operator_replicas"] == 2
    assert restore_source_operator(kube) == 2
    operator = kube.get_object(DEPLOYMENTS, "hypershift", "operator")
    assert operator["spec"]["replicas"] == 2
    assert OPERATOR_REPLICAS_ANNOTATION not in (operator["metadata"].get("annotations") or {})
    assert restore_source_operator(kube) is None


def test_teardown_takes_what_the_hc_owns_and_leaves_the_rest():
    kube = source_cluster()
    owned = {"ownerReferences": [{"kind": "HostedCluster", "name": NAME, "uid": "u-1"}]}
    kube.put(SECRETS, NS, {"metadata": {"name": f"{NAME}-admin-kubeconfig", **owned}})
    kube.put(SECRETS, NS, {"metadata": {"name": f"{NAME}-ssh-key"}})
    kube.put(SECRETS, NS, {"metadata": {"name": "other-admin-kubeconfig", **owned}})
    teardown_source(kube, preflighted())
    assert kube.names(SECRETS, NS) == [f"{NAME}-ssh-key", "other-admin-kubeconfig"]


def test_teardown_leaves_the_secrets_of_a_sibling_whose_name_extends_ours():
    """`cesar` and `cesar-eu` share the namespace: a name prefix alone would hand `cesar`
    the pull secret and the AES key of the live `cesar-eu`."""
    kube = source_cluster()
    sibling = f"{NAME}-eu"
    kube.put(HOSTED_CLUSTERS, NS, {"metadata": {"name": sibling}, "spec": {}})
    safe = {"labels": {SAFE_TO_DELETE_LABEL: "true"}}
    for name in (f"{NAME}-pull-secret", f"{sibling}-pull-secret",
                 f"{sibling}-etcd-encryption-key"):
        kube.put(SECRETS, NS, {"metadata": {"name": name, **safe}})
    teardown_source(kube, preflighted())
    assert f"{NAME}-pull-secret" not in kube.names(SECRETS, NS)
    assert {f"{sibling}-pull-secret", f"{sibling}-etcd-encryption-key"} <= set(
        kube.names(SECRETS, NS))
    assert kube.get_object(HOSTED_CLUSTERS, NS, sibling) is not None


def test_teardown_waits_for_what_is_still_terminating():
    kube = source_cluster()
    original = kube.merge_patch_object

    def keep_hc_finalizers(kind, namespace, name, patch):
        if kind == HOSTED_CLUSTERS:
            return original(kind, namespace, name, {"metadata": {}})
        return original(kind, namespace, name, patch)

    kube.merge_patch_object = keep_hc_finalizers  # type: ignore[method-assign]
    with pytest.raises(SourceTeardownPending, match="hostedcluster"):
        teardown_source(kube, preflighted())
    kube.merge_patch_object = original  # type: ignore[method-assign]
    teardown_source(kube, preflighted())
    assert kube.get_object(HOSTED_CLUSTERS, NS, NAME) is None


def test_teardown_deletes_nothing_while_the_stopped_controllers_pods_still_run():
    """Scaling the source's HCP namespace to 0 only asks: a terminating CAPA pod could act
    on a deleted AWSMachine and terminate an instance the destination now runs the cluster
    on. The teardown waits (a transient error, retried) with everything still in place."""
    kube = source_cluster()
    kube.put(PODS, HCP_NS, {"metadata": {"name": "capi-provider-7d9f-x2x", "ownerReferences": [
        {"kind": "ReplicaSet", "name": "capi-provider-7d9f", "controller": True}]}})
    machines = kube.list_objects(MACHINES, HCP_NS)
    with pytest.raises(SourceTeardownPending, match="capi-provider-7d9f-x2x"):
        teardown_source(kube, preflighted())
    assert kube.get_object(HOSTED_CLUSTERS, NS, NAME) is not None
    assert kube.list_objects(MACHINES, HCP_NS) == machines and machines
    kube.objects.pop(("", "pods", HCP_NS, "capi-provider-7d9f-x2x"))
    teardown_source(kube, preflighted())
    assert kube.get_object(HOSTED_CLUSTERS, NS, NAME) is None


def test_teardown_deletes_nothing_while_the_stopped_operators_pod_still_runs():
    """The operator scaled to 0 may still be terminating: deleting the HC under it could
    start its cleanup of cloud resources the destination now uses."""
    kube = source_cluster()
    kube.objects[("apps", "deployments", "hypershift", "operator")]["spec"]["selector"] = {
        "matchLabels": {"name": "operator"}}
    kube.put(PODS, "hypershift", {"metadata": {"name": "operator-5c9d-abcde",
                                               "labels": {"name": "operator"},
                                               "deletionTimestamp": "2026-01-01T00:00:00Z"}})
    with pytest.raises(SourceTeardownPending, match="operator-5c9d-abcde"):
        teardown_source(kube, preflighted())
    assert kube.get_object(HOSTED_CLUSTERS, NS, NAME) is not None
    kube.objects.pop(("", "pods", "hypershift", "operator-5c9d-abcde"))
    teardown_source(kube, preflighted())
    assert kube.get_object(HOSTED_CLUSTERS, NS, NAME) is None


@pytest.mark.parametrize(("secret", "hosted_clusters", "owner"), [
    ("prod-pull-secret", {"prod", "prod-eu"}, "prod"),
    ("prod-eu-pull-secret", {"prod", "prod-eu"}, "prod-eu"),
    ("prod-eu-pull-secret", {"prod"}, "prod"),  # no such HC: the guide's prefix rule
    ("prod", {"prod"}, "prod"),
    ("production-key", {"prod"}, None),  # a prefix of the name, not of a `<hc>-` name
    ("other-key", {"prod"}, None),
])
def test_secret_owner_is_the_longest_hosted_cluster_name(secret, hosted_clusters, owner):
    assert secret_owner(secret, hosted_clusters) == owner


def test_the_backup_set_takes_our_secrets_and_not_a_siblings():
    kube = source_cluster()
    sibling = f"{NAME}-eu"
    kube.put(HOSTED_CLUSTERS, NS, {"metadata": {"name": sibling}, "spec": {}})
    kube.put(SECRETS, NS, {"metadata": {"name": f"{sibling}-etcd-encryption-key"}})
    hc = kube.get_object(HOSTED_CLUSTERS, NS, NAME)
    objects = collect_cluster_objects(kube, preflighted().request.source_ref, hc)
    secrets = {o.name for o in objects if o.kind_plural == "secrets" and o.namespace == NS}
    assert secrets and all(secret_owner(s, {NAME}) == NAME for s in secrets)
    assert f"{sibling}-etcd-encryption-key" not in secrets
