"""Compensation deletes exactly what this migration created on the destination."""

from __future__ import annotations

import pytest

from hcp_dr.domain.migration.compensation import compensate_destination
from hcp_dr.domain.migration.identity import MIGRATION_LABEL
from hcp_dr.errors import DestinationCleanupPending
from hcp_dr.models.kinds import (
    CONFIG_MAPS,
    HOSTED_CLUSTERS,
    HOSTED_CONTROL_PLANES,
    NAMESPACES,
    NODE_POOLS,
    SECRETS,
)
from tests.unit.migration.world import (
    HCP_NS,
    MIGRATION_ID,
    NAME,
    NS,
    destination_cluster,
    preflighted,
)

OURS = {MIGRATION_LABEL: MIGRATION_ID}


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
    result = compensate_destination(kube, preflighted())
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
    compensate_destination(kube, preflighted())
    touched = {(plural, name) for _, plural, _, name in kube.writes}
    assert ("secrets", "someone-elses") not in touched
    assert ("secrets", "other-migration") not in touched
    assert ("namespaces", NS) not in touched


def test_rerun_is_a_no_op():
    kube = _world()
    compensate_destination(kube, preflighted())
    writes = len(kube.writes)
    assert compensate_destination(kube, preflighted()) == {"deleted": {}}
    assert len(kube.writes) == writes


def test_nothing_created_nothing_deleted():
    kube = destination_cluster()
    assert compensate_destination(kube, preflighted()) == {"deleted": {}}
    assert kube.writes == []


def test_deletion_still_in_progress_is_transient():
    kube = _world()
    original = kube.merge_patch_object

    def finalizers_stick(kind, namespace, name, patch):  # a controller re-adding them
        return original(kind, namespace, name, {"metadata": {}})

    kube.merge_patch_object = finalizers_stick  # type: ignore[method-assign]
    with pytest.raises(DestinationCleanupPending, match="hostedclusters"):
        compensate_destination(kube, preflighted())
