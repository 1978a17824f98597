"""Restore on the destination: order, labels, rerun, foreign objects, URL checked first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hcp_dr.domain.backup_layout import BackupLocation
from hcp_dr.domain.migration.identity import MIGRATION_LABEL
from hcp_dr.domain.migration.restore import restore_on_destination
from hcp_dr.domain.migration.restore_plan import restore_url_in
from hcp_dr.domain.migration.restore_url import SignerIdentity
from hcp_dr.errors import (
    BackupIncomplete,
    ForeignObjectsOnDestination,
    KubernetesRequestRejected,
    RecordUnreadable,
    RestoreUrlTooLong,
)
from hcp_dr.models.cluster import HostedClusterRef
from hcp_dr.models.kinds import (
    HOSTED_CLUSTERS,
    HOSTED_CONTROL_PLANES,
    MACHINES,
    NAMESPACES,
    NODE_POOLS,
    SECRETS,
)
from tests.unit.migration.fakes import FakeBucket, FakeSigner
from tests.unit.migration.world import (
    HCP_NS,
    MIGRATION_ID,
    NAME,
    NS,
    destination_cluster,
    hosted_cluster,
    manifest_document,
    nodepool,
    preflighted,
)

NOW = datetime(2026, 1, 1, 12, 30, tzinfo=UTC)
LOCATION = BackupLocation.of(HostedClusterRef(management_cluster="source", namespace=NS,
                                              name=NAME), MIGRATION_ID)


def _backup_set() -> FakeBucket:
    """What BackupClusterObjects + WriteBackupManifest leave in S3 for a paused source."""
    bucket = FakeBucket()
    hc = hosted_cluster()
    hc["spec"]["pausedUntil"] = "true"
    objects = [("hostedclusters", hc), ("nodepools", nodepool()),
               ("secrets", {"metadata": {"name": f"{NAME}-admin-kubeconfig", "namespace": NS},
                            "data": {"kubeconfig": "eA=="}}),
               ("secrets", {"metadata": {"name": "etcd-client-tls", "namespace": HCP_NS}}),
               ("hostedcontrolplanes", {"metadata": {"name": NAME, "namespace": HCP_NS}}),
               ("machines", {"metadata": {"name": "m-1", "namespace": HCP_NS,
                                          "finalizers": ["machine"]}}),
               ("clusters", {"metadata": {"name": f"{NAME}-x", "namespace": HCP_NS}})]
    entries = []
    for kind, body in objects:
        key = LOCATION.object_key(kind, body["metadata"]["namespace"], body["metadata"]["name"])
        digest = bucket.put_json(key, body)
        entries.append({"key": key, "kind": kind, "namespace": body["metadata"]["namespace"],
                        "name": body["metadata"]["name"], "sha256": digest})
    key_secret = {"metadata": {"name": "shared-aes-key", "namespace": NS}, "data": {"key": "k"}}
    bucket.put_json(LOCATION.encryption_key, key_secret)
    bucket.put_json(LOCATION.manifest_key, manifest_document(LOCATION, objects=entries))
    return bucket


def test_restore_creates_in_order_with_the_label_and_one_url():
    kube, signer = destination_cluster(), FakeSigner()
    result = restore_on_destination(kube, _backup_set(), signer, preflighted(), NOW)
    creates = [(plural, ns or None, name) for verb, plural, ns, name in kube.writes]
    assert creates == [
        ("namespaces", None, NS), ("namespaces", None, HCP_NS),
        ("secrets", NS, f"{NAME}-admin-kubeconfig"), ("secrets", NS, "shared-aes-key"),
        ("secrets", HCP_NS, "etcd-client-tls"), ("hostedcontrolplanes", HCP_NS, NAME),
        ("clusters", HCP_NS, f"{NAME}-x"), ("machines", HCP_NS, "m-1"),
        ("hostedclusters", NS, NAME), ("nodepools", NS, f"{NAME}-workers"),
    ]
    for key, obj in kube.objects.items():
        if key[2] in (NS, HCP_NS, "") and key[1] != "deployments" and key[3] != "hypershift":
            assert obj["metadata"]["labels"][MIGRATION_LABEL] == MIGRATION_ID, key
    hc = kube.get_object(HOSTED_CLUSTERS, NS, NAME)
    assert hc["spec"]["etcd"]["managed"]["storage"]["restoreSnapshotURL"] == [signer.url]
    assert "pausedUntil" not in hc["spec"] and "finalizers" not in hc["metadata"]
    assert "finalizers" not in kube.get_object(MACHINES, HCP_NS, "m-1")["metadata"]
    assert result.created == 10 and result.existing == 0
    assert result.url_length == len(signer.url) and result.signer == "dedicated-signer"
    assert signer.url not in result.model_dump_json()


def test_a_first_restore_asks_once_per_object(monkeypatch):
    """Create first, read only on a conflict: against a destination API server far from the
    function, every object costs one round trip, not two."""
    kube = destination_cluster()
    reads: list[tuple[str, str]] = []
    read = kube.get_object

    def counted(kind, namespace, name):
        reads.append((kind.plural, name))
        return read(kind, namespace, name)

    monkeypatch.setattr(kube, "get_object", counted)
    restore_on_destination(kube, _backup_set(), FakeSigner(), preflighted(), NOW)
    # The two reads: whether an earlier run left the HostedCluster or the HostedControlPlane
    # (then their URL is used again and no new one is signed).
    assert len(kube.writes) == 10
    assert reads == [("hostedclusters", NAME), ("hostedcontrolplanes", NAME)]


def test_a_rerun_refused_before_the_conflict_check_still_recognises_its_objects(monkeypatch):
    """A quota at its limit or a terminating namespace makes the API server refuse the create
    of an object that exists (403/422, not 409): a rerun judges what is there; a refusal for
    an object that is not there stays a refusal."""
    kube, bucket, signer = destination_cluster(), _backup_set(), FakeSigner()
    restore_on_destination(kube, bucket, signer, preflighted(), NOW)
    create = kube.create_object

    def quota_exceeded(kind, namespace, body):
        if kube.get_object(kind, namespace, body["metadata"]["name"]) is not None:
            raise KubernetesRequestRejected("HTTP 403 Forbidden")
        return create(kind, namespace, body)

    monkeypatch.setattr(kube, "create_object", quota_exceeded)
    again = restore_on_destination(kube, bucket, signer, preflighted(), NOW)
    assert (again.created, again.existing) == (0, 10)

    def forbidden(kind, namespace, body):
        raise KubernetesRequestRejected("HTTP 403 Forbidden")

    kube.objects.pop(("hypershift.openshift.io", "nodepools", NS, f"{NAME}-workers"))
    monkeypatch.setattr(kube, "create_object", forbidden)
    with pytest.raises(KubernetesRequestRejected):
        restore_on_destination(kube, bucket, signer, preflighted(), NOW)


def test_rerun_creates_nothing_and_needs_no_new_url():
    kube, bucket, signer = destination_cluster(), _backup_set(), FakeSigner()
    restore_on_destination(kube, bucket, signer, preflighted(), NOW)
    writes = len(kube.writes)
    again = restore_on_destination(kube, bucket, signer, preflighted(), NOW)
    assert len(kube.writes) == writes and again.created == 0 and again.existing == 10
    assert signer.calls == 1 and again.url_length == len(signer.url)


def test_half_done_restore_is_completed_by_the_rerun():
    kube, bucket, signer = destination_cluster(), _backup_set(), FakeSigner()
    restore_on_destination(kube, bucket, signer, preflighted(), NOW)
    kube.objects.pop(("hypershift.openshift.io", "hostedclusters", NS, NAME))
    kube.objects.pop(("hypershift.openshift.io", "nodepools", NS, f"{NAME}-workers"))
    again = restore_on_destination(kube, bucket, signer, preflighted(), NOW)
    assert again.created == 2 and kube.get_object(NODE_POOLS, NS, f"{NAME}-workers")


def test_a_rerun_gives_the_hosted_cluster_the_url_its_control_plane_was_created_with():
    """Both fields are immutable and the operator copies the HC's onto the HCP: a second URL
    (a new signature) on the HC would make the HCP unreconcilable."""
    kube, bucket, signer = destination_cluster(), _backup_set(), FakeSigner()
    restore_on_destination(kube, bucket, signer, preflighted(), NOW)
    kube.objects.pop(("hypershift.openshift.io", "hostedclusters", NS, NAME))
    first_url = restore_url_in(kube.get_object(HOSTED_CONTROL_PLANES, HCP_NS, NAME))
    signer.url = first_url + "&second-signature"
    restore_on_destination(kube, bucket, signer, preflighted(), NOW)
    assert restore_url_in(kube.get_object(HOSTED_CLUSTERS, NS, NAME)) == first_url
    assert signer.calls == 1


def test_a_foreign_object_stops_the_restore_and_is_not_touched():
    kube = destination_cluster()
    kube.put(NAMESPACES, None, {"metadata": {"name": HCP_NS}})
    kube.put(SECRETS, HCP_NS, {"metadata": {"name": "etcd-client-tls"}, "data": {"x": "y"}})
    with pytest.raises(ForeignObjectsOnDestination, match="namespaces"):
        restore_on_destination(kube, _backup_set(), FakeSigner(), preflighted(), NOW)
    assert kube.get_object(SECRETS, HCP_NS, "etcd-client-tls")["data"] == {"x": "y"}


def test_a_namespace_free_at_preflight_is_used_but_not_labelled():
    kube = destination_cluster()
    kube.put(NAMESPACES, None, {"metadata": {"name": NS}})
    state = preflighted()
    state = state.model_copy(update={"preflight": state.preflight.model_copy(
        update={"destination_namespaces": [NS]})})
    restore_on_destination(kube, _backup_set(), FakeSigner(), state, NOW)
    assert "labels" not in kube.get_object(NAMESPACES, None, NS)["metadata"]


def test_foreign_hosted_cluster_stops_before_anything_is_created():
    kube = destination_cluster()
    kube.put(HOSTED_CLUSTERS, NS, hosted_cluster())
    writes = list(kube.writes)
    with pytest.raises(ForeignObjectsOnDestination):
        restore_on_destination(kube, _backup_set(), FakeSigner(), preflighted(), NOW)
    assert kube.writes == writes


def test_too_long_url_fails_before_anything_is_created():
    kube = destination_cluster()
    signer = FakeSigner(url="https://b/" + "x" * 1100,
                        identity=SignerIdentity("function-credentials", True,
                                                NOW + timedelta(hours=8)))
    with pytest.raises(RestoreUrlTooLong):
        restore_on_destination(kube, _backup_set(), signer, preflighted(), NOW)
    assert kube.writes == []


def test_missing_backup_set_fails_before_anything_is_created():
    kube = destination_cluster()
    with pytest.raises(BackupIncomplete):
        restore_on_destination(kube, FakeBucket(), FakeSigner(), preflighted(), NOW)
    assert kube.writes == []


def _with_manifest(change) -> FakeBucket:
    bucket = _backup_set()
    document = bucket.get_json(LOCATION.manifest_key)
    change(document)
    bucket.put_json(LOCATION.manifest_key, document)
    return bucket


@pytest.mark.parametrize(("what", "change"), [
    ("a snapshot key outside the backup",
     lambda m: m["etcd"].update(key="backups/clusters/other/20250101T000000Z-0a1b2c3d/etcd.db")),
    ("an object key outside the backup",
     lambda m: m["objects"][1].update(key="backups/clusters/other/x/objects/secrets/a.json")),
    ("an AES key outside the backup",
     lambda m: m["encryption"].update(key="backups/clusters/other/x/encryption/key.json")),
    ("another backup id", lambda m: m.update(backup_id="20250101T000000Z-0a1b2c3d")),
    ("another hosted cluster", lambda m: m.update(hosted_cluster={"namespace": NS,
                                                                  "name": "other"})),
    ("a malformed field", lambda m: m["etcd"].update(sha256="SECRET-LOOKING-VALUE")),
])
def test_a_manifest_that_does_not_describe_this_backup_refuses_before_any_create(what, change):
    kube, signer = destination_cluster(), FakeSigner()
    with pytest.raises(RecordUnreadable) as refused:
        restore_on_destination(kube, _with_manifest(change), signer, preflighted(), NOW)
    assert kube.writes == [] and signer.calls == 0, what
    assert "SECRET-LOOKING-VALUE" not in str(refused.value)


def test_a_manifest_without_the_hosted_cluster_creates_nothing():
    kube = destination_cluster()
    bucket = _with_manifest(lambda m: m.update(
        objects=[o for o in m["objects"] if o["kind"] != "hostedclusters"]))
    with pytest.raises(BackupIncomplete, match="lists no HostedCluster"):
        restore_on_destination(kube, bucket, FakeSigner(), preflighted(), NOW)
    assert kube.writes == []
