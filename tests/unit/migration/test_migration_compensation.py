"""Compensation deletes exactly what this migration created on the destination."""

from __future__ import annotations

import pytest

from hcp_dr.domain.migration.compensation import compensate_destination
from hcp_dr.domain.migration.identity import MIGRATION_LABEL
from hcp_dr.errors import (
    AwsServiceUnavailable,
    DestinationCleanupPending,
    DestinationMayStillRun,
    DestinationStillStopping,
    KubernetesApiUnavailable,
)
from hcp_dr.models.kinds import (
    CONFIG_MAPS,
    DEPLOYMENTS,
    HOSTED_CLUSTERS,
    HOSTED_CONTROL_PLANES,
    NAMESPACES,
    NODE_POOLS,
    PODS,
    SECRETS,
    STATEFULSETS,
)
from tests.unit.migration.fakes import FakeBucket
from tests.unit.migration.world import (
    HCP_NS,
    MIGRATION_ID,
    NAME,
    NS,
    destination_cluster,
    preflighted,
)

OURS = {MIGRATION_LABEL: MIGRATION_ID}
NOTHING_DONE = {"scaled_to_zero": 0, "deleted": {}, "kept_namespaces": []}


def _world():
    kube = destination_cluster()
    kube.put(NAMESPACES, None, {"metadata": {"name": NS}})  # pre-existing, not ours
    kube.put(NAMESPACES, None, {"metadata": {"name": HCP_NS, "labels": OURS}})
    kube.put(CONFIG_MAPS, NS, {"metadata": {"name": "kube-root-ca.crt"}})
    kube.put(SECRETS, NS, {"metadata": {"name": "someone-elses", "labels": {"team": "x"}}})
    kube.put(SECRETS, NS, {"metadata": {"name": "other-migration",
                                        "labels": {MIGRATION_LABEL: "20250101T000000Z-ffffffff"}}})
    kube.put(SECRETS, NS, {"metadata": {"name": f"{NAME}-admin-kubeconfig", "labels": OURS}})
    kube.put(HOSTED_CLUSTERS, NS, {"metadata": {"name": NAME, "labels": OURS,
                                                "finalizers": ["hypershift.openshift.io/f"]}})
    kube.put(NODE_POOLS, NS, {"metadata": {"name": "np", "labels": OURS,
                                           "finalizers": ["hypershift.openshift.io/f"]}})
    kube.put(HOSTED_CONTROL_PLANES, HCP_NS, {"metadata": {"name": NAME, "labels": OURS,
                                                          "finalizers": ["f"]}})
    # Created by the destination operator inside our namespace, unlabelled: goes with it.
    kube.put(CONFIG_MAPS, HCP_NS, {"metadata": {"name": "operator-made"}})
    return kube


def test_only_labelled_objects_and_namespaces_are_deleted():
    kube = _world()
    result = compensate_destination(lambda: kube, FakeBucket(), preflighted())
    assert kube.names(SECRETS, NS) == ["other-migration", "someone-elses"]
    assert kube.names(CONFIG_MAPS, NS) == ["kube-root-ca.crt"]
    assert kube.get_object(NAMESPACES, None, NS) is not None
    assert kube.get_object(NAMESPACES, None, HCP_NS) is None
    assert kube.names(HOSTED_CLUSTERS) == [] and kube.names(NODE_POOLS) == []
    assert kube.names(CONFIG_MAPS, HCP_NS) == []
    assert result["deleted"] == {"nodepools": 1, "hostedclusters": 1, "secrets": 1,
                                 "hostedcontrolplanes": 1, "namespaces": 1}
    deletes = [(plural, name) for verb, plural, _, name in kube.writes if verb == "delete"]
    assert deletes[:2] == [("nodepools", "np"), ("hostedclusters", NAME)]


def test_no_write_touches_a_foreign_object():
    kube = _world()
    compensate_destination(lambda: kube, FakeBucket(), preflighted())
    touched = {(plural, name) for _, plural, _, name in kube.writes}
    assert ("secrets", "someone-elses") not in touched
    assert ("secrets", "other-migration") not in touched
    assert ("namespaces", NS) not in touched


def test_rerun_is_a_no_op():
    kube = _world()
    compensate_destination(lambda: kube, FakeBucket(), preflighted())
    writes = len(kube.writes)
    assert compensate_destination(lambda: kube, FakeBucket(), preflighted()) == NOTHING_DONE
    assert len(kube.writes) == writes


def test_nothing_created_nothing_deleted():
    kube = destination_cluster()
    assert compensate_destination(lambda: kube, FakeBucket(), preflighted()) == NOTHING_DONE
    assert kube.writes == []


def test_deletion_still_in_progress_is_transient():
    kube = _world()
    original = kube.merge_patch_object

    def finalizers_stick(kind, namespace, name, patch):  # a controller re-adding them
        return original(kind, namespace, name, {"metadata": {}})

    kube.merge_patch_object = finalizers_stick  # type: ignore[method-assign]
    with pytest.raises(DestinationCleanupPending, match="hostedclusters"):
        compensate_destination(lambda: kube, FakeBucket(), preflighted())


CLEANUP = {"hypershift.openshift.io/cleanup-cloud-resources": "true"}


def _running_control_plane(kube) -> None:
    """What the destination operator built from our objects: controllers that would act on a
    deletion (CAPA terminates instances, HyperShift deletes cloud resources)."""
    for name in (NAME,):
        hc = kube.get_object(HOSTED_CLUSTERS, NS, name)
        hc["metadata"]["annotations"] = dict(CLEANUP)
        kube.put(HOSTED_CLUSTERS, NS, hc)
        hcp = kube.get_object(HOSTED_CONTROL_PLANES, HCP_NS, name)
        hcp["metadata"]["annotations"] = dict(CLEANUP)
        kube.put(HOSTED_CONTROL_PLANES, HCP_NS, hcp)
    for name, replicas in (("kube-apiserver", 3), ("capi-provider", 1),
                           ("control-plane-operator", 1), ("scaled-already", 0)):
        kube.put(DEPLOYMENTS, HCP_NS, {"metadata": {"name": name}, "spec": {"replicas": replicas}})
    kube.put(STATEFULSETS, HCP_NS, {"metadata": {"name": "etcd"}, "spec": {"replicas": 3}})


def test_the_restored_control_plane_is_stopped_before_anything_is_deleted():
    kube = _world()
    _running_control_plane(kube)
    patches: list[tuple[str, str, dict]] = []
    original = kube.merge_patch_object

    def recording(kind, namespace, name, patch):
        patches.append((kind.plural, name, patch))
        return original(kind, namespace, name, patch)

    kube.merge_patch_object = recording  # type: ignore[method-assign]
    result = compensate_destination(lambda: kube, FakeBucket(), preflighted())

    assert result["scaled_to_zero"] == 4  # 3 deployments with replicas, the etcd statefulset
    verbs = [(verb, plural, name) for verb, plural, _, name in kube.writes]
    first_delete = next(i for i, w in enumerate(verbs) if w[0] == "delete")
    before_delete = {(plural, name) for verb, plural, name in verbs[:first_delete]}
    assert {("deployments", "kube-apiserver"), ("deployments", "capi-provider"),
            ("deployments", "control-plane-operator"), ("statefulsets", "etcd"),
            ("hostedclusters", NAME), ("nodepools", "np"),
            ("hostedcontrolplanes", NAME)} <= before_delete
    assert ("deployments", "scaled-already") not in before_delete
    hc_patch = next(p for plural, name, p in patches if plural == "hostedclusters")
    assert hc_patch["spec"] == {"pausedUntil": "true"}
    assert hc_patch["metadata"]["annotations"] == {
        "hypershift.openshift.io/cleanup-cloud-resources": None}
    hcp_patch = next(p for plural, name, p in patches if plural == "hostedcontrolplanes")
    assert hcp_patch == {"metadata": {"annotations": {
        "hypershift.openshift.io/cleanup-cloud-resources": None}}}


def test_workloads_of_a_control_plane_that_is_not_ours_are_left_running():
    kube = destination_cluster()
    kube.put(NAMESPACES, None, {"metadata": {"name": HCP_NS}})
    kube.put(DEPLOYMENTS, HCP_NS, {"metadata": {"name": "kube-apiserver"},
                                   "spec": {"replicas": 3}})
    assert compensate_destination(lambda: kube, FakeBucket(), preflighted()) == NOTHING_DONE
    assert kube.writes == []


def _requested(bucket: FakeBucket) -> FakeBucket:
    """The restore's record that the HC was created on the destination."""
    state = preflighted()
    hc = state.request.hosted_cluster
    key = f"migrations/{hc.namespace}/{hc.name}/{state.migration_id}/"
    bucket.put_json(key + "destination-hosted-cluster-requested.json", {"at": "now"})
    return bucket


def test_a_destination_that_cannot_be_stopped_after_the_hc_was_created_may_still_run_it():
    kube = _world()
    kube.unavailable = True
    with pytest.raises(DestinationMayStillRun, match="KubernetesApiUnavailable"):
        compensate_destination(lambda: kube, _requested(FakeBucket()), preflighted())


def test_any_failure_to_stop_it_after_the_hc_was_created_holds_the_source():
    """Not only a named API error: a bug or a library's own exception during the freeze
    says just as little about what still runs there."""
    kube = _world()

    def broken(*_args, **_kwargs):
        raise KeyError("metadata")

    kube.merge_patch_object = broken  # type: ignore[method-assign]
    with pytest.raises(DestinationMayStillRun, match="KeyError"):
        compensate_destination(lambda: kube, _requested(FakeBucket()), preflighted())


def test_a_destination_whose_kubeconfig_cannot_be_read_may_still_run_the_cluster():
    def unreachable():
        raise AwsServiceUnavailable("Secrets Manager: ThrottlingException")

    with pytest.raises(DestinationMayStillRun, match="AwsServiceUnavailable"):
        compensate_destination(unreachable, _requested(FakeBucket()), preflighted())
    with pytest.raises(AwsServiceUnavailable):  # nothing was requested there: only transient
        compensate_destination(unreachable, FakeBucket(), preflighted())


def test_a_restore_record_that_cannot_be_read_is_no_proof_the_hc_is_absent():
    class UnreadableBucket(FakeBucket):
        def head(self, key):
            raise AwsServiceUnavailable("S3 head: SlowDown")

    kube = destination_cluster()
    kube.unavailable = True
    with pytest.raises(DestinationMayStillRun):
        compensate_destination(lambda: kube, UnreadableBucket(), preflighted())


def test_an_unreachable_destination_before_the_hc_was_created_is_only_transient():
    """No HC was ever requested there, so no control plane can run: the source may resume,
    and the compensation's own error is what the notice reports."""
    kube = destination_cluster()
    kube.unavailable = True
    with pytest.raises(KubernetesApiUnavailable):
        compensate_destination(lambda: kube, FakeBucket(), preflighted())


def test_once_stopped_a_deletion_still_pending_is_no_reason_to_hold_the_source():
    kube = _world()
    _running_control_plane(kube)
    original = kube.merge_patch_object

    def finalizers_stick(kind, namespace, name, patch):
        if "finalizers" in (patch.get("metadata") or {}):
            return original(kind, namespace, name, {"metadata": {}})
        return original(kind, namespace, name, patch)

    kube.merge_patch_object = finalizers_stick  # type: ignore[method-assign]
    with pytest.raises(DestinationCleanupPending):
        compensate_destination(lambda: kube, _requested(FakeBucket()), preflighted())
    stopped = {name for verb, plural, _, name in kube.writes
               if plural in ("deployments", "statefulsets") and verb != "delete"}
    assert stopped == {"kube-apiserver", "capi-provider", "control-plane-operator", "etcd"}


def _created_hc_namespace():
    """The restore created `clusters` (labelled) and put our HC in it; the operator added an
    HC-owned secret; the listable kinds include HostedClusters."""
    kube = destination_cluster()
    kube.kinds.append(HOSTED_CLUSTERS)
    kube.put(NAMESPACES, None, {"metadata": {"name": NS, "labels": dict(OURS)}})
    kube.put(CONFIG_MAPS, NS, {"metadata": {"name": "kube-root-ca.crt"}})
    kube.put(HOSTED_CLUSTERS, NS, {"metadata": {"name": NAME, "labels": OURS}, "spec": {}})
    kube.put(SECRETS, NS, {"metadata": {"name": f"{NAME}-kubeadmin-password", "ownerReferences": [
        {"kind": "HostedCluster", "name": NAME, "uid": "u"}]}})
    return kube


def test_a_namespace_we_created_that_others_now_use_is_released_not_deleted():
    """During a long approval wait another team starts using `clusters`, which the restore had
    created: our objects go, theirs and the namespace stay."""
    kube = _created_hc_namespace()
    kube.put(HOSTED_CLUSTERS, NS, {"metadata": {"name": "their-cluster"}, "spec": {}})
    result = compensate_destination(lambda: kube, FakeBucket(), preflighted())
    assert result["kept_namespaces"] == [NS]
    labels = kube.get_object(NAMESPACES, None, NS)["metadata"].get("labels") or {}
    assert MIGRATION_LABEL not in labels
    assert kube.names(HOSTED_CLUSTERS, NS) == ["their-cluster"]
    again = compensate_destination(lambda: kube, FakeBucket(), preflighted())
    assert again["kept_namespaces"] == [NS] and again["deleted"] == {}


def test_a_namespace_we_created_holding_only_ours_is_deleted():
    kube = _created_hc_namespace()
    result = compensate_destination(lambda: kube, FakeBucket(), preflighted())
    assert result["kept_namespaces"] == [] and kube.get_object(NAMESPACES, None, NS) is None


def _controller_pod(kube, name: str, owner_kind: str) -> None:
    kube.put(PODS, HCP_NS, {"metadata": {"name": name, "ownerReferences": [
        {"kind": owner_kind, "name": name.rsplit("-", 1)[0], "controller": True}]}})


def test_nothing_is_deleted_while_the_stopped_controllers_pods_still_exist():
    """Scaling to 0 only asks: a terminating capi-provider pod can still act on a deleted
    AWSMachine and terminate an instance the source shares. A rerun, which scales nothing
    more, must keep waiting too."""
    kube = _world()
    _running_control_plane(kube)
    _controller_pod(kube, "capi-provider-7d9f-x2x", "ReplicaSet")
    _controller_pod(kube, "etcd-0", "StatefulSet")
    kube.put(PODS, HCP_NS, {"metadata": {"name": "job-pod", "ownerReferences": [
        {"kind": "Job", "name": "job", "controller": True}]}})
    for _attempt in range(2):
        with pytest.raises(DestinationStillStopping, match=r"2 pods .* still stopping"):
            compensate_destination(lambda: kube, FakeBucket(), preflighted())
        assert [w for w in kube.writes if w[0] == "delete"] == []
    for pod in ("capi-provider-7d9f-x2x", "etcd-0"):
        kube.delete_object(PODS, HCP_NS, pod)
    # An evicted pod stays in the API until it is collected, but runs nothing.
    _controller_pod(kube, "kube-apiserver-5c4d-evicted", "ReplicaSet")
    evicted = kube.get_object(PODS, HCP_NS, "kube-apiserver-5c4d-evicted")
    kube.put(PODS, HCP_NS, {**evicted, "status": {"phase": "Failed", "reason": "Evicted"}})
    result = compensate_destination(lambda: kube, FakeBucket(), preflighted())
    assert result["deleted"]["hostedclusters"] == 1


def test_pods_that_cannot_be_listed_after_the_freeze_are_no_proof_they_stopped():
    """Frozen, but the listing of its pods failed: a pod on a NotReady node may still serve,
    so the source is held, not resumed beside it."""
    kube = _world()
    _running_control_plane(kube)
    real_list = kube.list_objects

    def pods_unlisted(kind, *args, **kwargs):
        if kind == PODS:
            raise KubernetesApiUnavailable("list pods: HTTP 503 Service Unavailable")
        return real_list(kind, *args, **kwargs)

    kube.list_objects = pods_unlisted  # type: ignore[method-assign]
    with pytest.raises(DestinationMayStillRun, match="KubernetesApiUnavailable"):
        compensate_destination(lambda: kube, _requested(FakeBucket()), preflighted())
    assert [w for w in kube.writes if w[0] == "delete"] == []
