"""Foreign-object detection: never restore into (or later delete) what we did not create."""

from __future__ import annotations

import pytest

from hcp_dr.domain.migration.destination_namespaces import (
    NamespacedObject,
    foreign_objects,
    require_free_namespaces,
)
from hcp_dr.domain.migration.identity import MIGRATION_LABEL
from hcp_dr.errors import ForeignObjectsOnDestination
from hcp_dr.models.kinds import CONFIG_MAPS, NAMESPACES, SECRETS, SERVICE_ACCOUNTS
from tests.unit.migration.world import HCP_NS, MIGRATION_ID, NS, destination_cluster


def _o(plural: str, name: str, **extra: object) -> NamespacedObject:
    return NamespacedObject(plural, {"metadata": {"name": name, **extra.pop("meta", {})},
                                     **extra})


PLATFORM_DEFAULTS = [
    _o("configmaps", "kube-root-ca.crt"), _o("configmaps", "openshift-service-ca.crt"),
    _o("serviceaccounts", "default"), _o("serviceaccounts", "builder"),
    _o("serviceaccounts", "deployer"), _o("secrets", "builder-dockercfg-x7k2p"),
    _o("secrets", "default-token-abcde"),
    _o("secrets", "deployer-token-9z", type="kubernetes.io/service-account-token",
       meta={"annotations": {"kubernetes.io/service-account.name": "deployer"}}),
    _o("rolebindings", "system:image-pullers"),
]


def test_platform_defaults_are_not_foreign():
    assert foreign_objects(PLATFORM_DEFAULTS, MIGRATION_ID) == []


def test_objects_of_this_migration_are_not_foreign():
    ours = _o("secrets", "etcd-client-tls", meta={"labels": {MIGRATION_LABEL: MIGRATION_ID}})
    assert foreign_objects([ours], MIGRATION_ID) == []


@pytest.mark.parametrize("obj", [
    _o("configmaps", "app-config"),
    _o("serviceaccounts", "robot"),
    _o("secrets", "default-token-toolong-name"),
    _o("secrets", "etcd-client-tls", meta={"labels": {MIGRATION_LABEL: "another-migration"}}),
    _o("hostedclusters", "cesar"),
    _o("deployments", "kube-apiserver"),
])
def test_anything_else_is_foreign(obj: NamespacedObject):
    assert foreign_objects([*PLATFORM_DEFAULTS, obj], MIGRATION_ID) == [
        f"{obj.plural}/{obj.name}"]


def test_absent_namespaces_are_free():
    kube = destination_cluster()
    assert require_free_namespaces(kube, [NS, HCP_NS], MIGRATION_ID) == []


def test_namespace_with_only_defaults_is_free_and_reported_present():
    kube = destination_cluster()
    kube.put(NAMESPACES, None, {"metadata": {"name": NS}})
    kube.put(CONFIG_MAPS, NS, {"metadata": {"name": "kube-root-ca.crt"}})
    kube.put(SERVICE_ACCOUNTS, NS, {"metadata": {"name": "default"}})
    assert require_free_namespaces(kube, [NS, HCP_NS], MIGRATION_ID) == [NS]


def test_foreign_object_is_refused_without_any_write():
    kube = destination_cluster()
    kube.put(NAMESPACES, None, {"metadata": {"name": HCP_NS}})
    kube.put(SECRETS, HCP_NS, {"metadata": {"name": "somebody-elses-data"}})
    with pytest.raises(ForeignObjectsOnDestination, match="secrets/somebody-elses-data"):
        require_free_namespaces(kube, [NS, HCP_NS], MIGRATION_ID)
    assert kube.writes == []
