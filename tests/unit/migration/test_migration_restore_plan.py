"""Object shape and order for the destination (guide 4.2 step 7)."""

from __future__ import annotations

from hcp_dr.domain.migration.identity import (
    MIGRATION_LABEL,
    PAUSED_AT_ANNOTATION,
    PAUSED_BY_ANNOTATION,
)
from hcp_dr.domain.migration.restore_plan import (
    SERVER_METADATA,
    nodepool_for_destination,
    restorable,
    restore_plan,
    restore_url_in,
    restoring_from,
)
from hcp_dr.domain.reconciliation import QUIESCE_ANNOTATION
from hcp_dr.models.cluster import HostedClusterRef
from tests.unit.migration.world import HCP_NS, MIGRATION_ID, NAME, NS, hosted_cluster, nodepool

URL = "https://b.s3.us-east-1.amazonaws.com/k?X-Amz-Signature=s"
REF = HostedClusterRef(management_cluster="destination", namespace=NS, name=NAME)


def _paused_hc() -> dict:
    hc = hosted_cluster()
    hc["spec"]["pausedUntil"] = "true"
    hc["metadata"]["annotations"][QUIESCE_ANNOTATION] = '{"replicas": {}}'
    hc["metadata"]["annotations"][PAUSED_AT_ANNOTATION] = '{"at": "2026-01-01T12:00:00+00:00"}'
    hc["metadata"]["ownerReferences"] = [{"kind": "X"}]
    hc["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return hc


def test_restorable_drops_server_metadata_status_and_our_annotations_and_adds_the_label():
    body = restorable(_paused_hc(), MIGRATION_ID)
    assert "status" not in body
    for key in SERVER_METADATA:
        assert key not in body["metadata"], key
    assert body["metadata"]["annotations"] == {"keep": "me"}
    assert body["metadata"]["labels"][MIGRATION_LABEL] == MIGRATION_ID
    assert body["spec"]["pausedUntil"] == "true"  # only the HC/NodePool helpers unpause


def test_restorable_leaves_the_input_untouched():
    original = _paused_hc()
    restorable(original, MIGRATION_ID)
    assert original["metadata"]["uid"] == "u-1" and "status" in original


def test_hosted_cluster_gets_exactly_one_url_and_no_pause():
    hc = restoring_from(_paused_hc(), MIGRATION_ID, URL)
    assert hc["spec"]["etcd"]["managed"]["storage"]["restoreSnapshotURL"] == [URL]
    assert "pausedUntil" not in hc["spec"]
    assert hc["spec"]["etcd"]["managed"]["storage"]["type"] == "PersistentVolume"
    assert hc["spec"]["secretEncryption"]["aescbc"]["activeKey"]["name"].endswith("key")


def test_hosted_cluster_url_replaces_an_old_one():
    old = _paused_hc()
    old["spec"]["etcd"]["managed"]["storage"]["restoreSnapshotURL"] = ["https://old"]
    hc = restoring_from(old, MIGRATION_ID, URL)
    assert hc["spec"]["etcd"]["managed"]["storage"]["restoreSnapshotURL"] == [URL]


def test_nodepool_loses_annotations_and_pause():
    np = nodepool()
    np["spec"]["pausedUntil"] = "true"
    np["metadata"]["annotations"][PAUSED_BY_ANNOTATION] = "{}"
    restored = nodepool_for_destination(np, MIGRATION_ID)
    assert "annotations" not in restored["metadata"]
    assert "pausedUntil" not in restored["spec"]
    assert "finalizers" not in restored["metadata"]
    assert restored["metadata"]["labels"] == {MIGRATION_LABEL: MIGRATION_ID}


def _objects() -> list[tuple[str, dict]]:
    def obj(name: str, namespace: str) -> dict:
        return {"metadata": {"name": name, "namespace": namespace}}

    return [
        ("nodepools", nodepool()),
        ("hostedclusters", hosted_cluster()),
        ("machinesets", obj("ms", HCP_NS)), ("machines", obj("m", HCP_NS)),
        ("machinedeployments", obj("md", HCP_NS)), ("awsmachines", obj("am", HCP_NS)),
        ("awsmachinetemplates", obj("amt", HCP_NS)), ("awsclusters", obj("ac", HCP_NS)),
        ("clusters", obj("c", HCP_NS)), ("hostedcontrolplanes", obj(NAME, HCP_NS)),
        ("secrets", obj("etcd-client-tls", HCP_NS)), ("secrets", obj(f"{NAME}-key", NS)),
        ("nodepools", {**nodepool("other-pool"), "spec": {"clusterName": "someone-else"}}),
    ]


def test_plan_follows_the_guides_order():
    plan = restore_plan(_objects(), REF, MIGRATION_ID, URL)
    order = [(p.kind.plural, p.namespace) for p in plan]
    assert order == [
        ("namespaces", None), ("namespaces", None), ("secrets", NS), ("secrets", HCP_NS),
        ("hostedcontrolplanes", HCP_NS), ("clusters", HCP_NS), ("awsclusters", HCP_NS),
        ("awsmachinetemplates", HCP_NS), ("awsmachines", HCP_NS),
        ("machinedeployments", HCP_NS), ("machines", HCP_NS), ("machinesets", HCP_NS),
        ("hostedclusters", NS), ("nodepools", NS),
    ]
    assert [p.name for p in plan[:2]] == [NS, HCP_NS]
    assert all(p.body["metadata"]["labels"][MIGRATION_LABEL] == MIGRATION_ID for p in plan)


def test_plan_for_an_existing_hosted_cluster_leaves_it_out():
    plan = restore_plan(_objects(), REF, MIGRATION_ID, URL, hosted_cluster_exists=True)
    assert "hostedclusters" not in [p.kind.plural for p in plan]


def test_the_control_plane_is_created_unpaused_with_the_hosted_clusters_url():
    """The operator copies the HC's etcd spec onto the HCP; HyperShift main's HCP CRD refuses
    a restoreSnapshotURL added to an existing HCP, so the HCP must be born with the same one."""
    hcp = {"metadata": {"name": NAME, "namespace": HCP_NS},
           "spec": {"pausedUntil": "true", "etcd": {"managementType": "Managed", "managed": {
               "storage": {"type": "PersistentVolume"}}}}}
    objects = [o for o in _objects() if o[0] != "hostedcontrolplanes"]
    plan = restore_plan([*objects, ("hostedcontrolplanes", hcp)], REF, MIGRATION_ID, URL)
    by_kind = {p.kind.plural: p.body for p in plan}
    assert restore_url_in(by_kind["hostedcontrolplanes"]) == URL
    assert restore_url_in(by_kind["hostedclusters"]) == URL
    assert "pausedUntil" not in by_kind["hostedcontrolplanes"]["spec"]
    assert by_kind["hostedcontrolplanes"]["spec"]["etcd"]["managed"]["storage"]["type"] == (
        "PersistentVolume")
    assert hcp["spec"]["pausedUntil"] == "true"  # the backed-up body is left as it was


def test_restore_url_in_reads_the_one_entry_or_none():
    assert restore_url_in(restoring_from(hosted_cluster(), MIGRATION_ID, URL)) == URL
    assert restore_url_in(hosted_cluster()) is None
    assert restore_url_in(None) is None


def test_the_url_is_not_in_the_plans_repr():
    plan = restore_plan(_objects(), REF, MIGRATION_ID, URL)
    assert "X-Amz-Signature" not in repr(plan)
