"""Preflight refusals, each before any change on either cluster."""

from __future__ import annotations

import json

import pytest

from hcp_dr.domain.migration.preflight import preflight_migration
from hcp_dr.domain.migration.versions import parse_version, supported_minors
from hcp_dr.errors import (
    EncryptionKeyMissing,
    EtcdNotRestorable,
    ExternalDnsNotConfigured,
    ExternalDnsZoneNotFound,
    ForeignObjectsOnDestination,
    HostedClusterNotFound,
    NodePoolNewerThanControlPlane,
    PrivateEndpointAccess,
    ServicesNotPublishedByRoute,
    UnsupportedVersionOnDestination,
)
from hcp_dr.models.kinds import (
    CONFIG_MAPS,
    DEPLOYMENTS,
    HOSTED_CLUSTERS,
    NAMESPACES,
    NODE_POOLS,
    SECRETS,
)
from tests.unit.migration.fakes import FakeZones
from tests.unit.migration.world import (
    DOMAIN,
    HCP_NS,
    HOSTNAMES,
    NAME,
    NS,
    ZONE,
    StateBuilder,
    destination_cluster,
    external_dns,
    hosted_cluster,
    nodepool,
    operator,
    source_cluster,
    supported_versions,
    zones,
)


def _run(source=None, destination=None, dns=None):
    source = source or source_cluster()
    destination = destination or destination_cluster()
    result = preflight_migration(source, destination, dns or zones(), StateBuilder().build())
    return result, source, destination


def test_a_migratable_cluster_passes():
    result, source, destination = _run()
    assert result.ocp_minor == 13
    assert result.hostnames == HOSTNAMES
    assert result.zone_ids == [ZONE]
    assert result.nodepools == [f"{NAME}-workers"] and result.expected_nodes == 2
    assert result.encryption == "aescbc" and result.destination_namespaces == []
    assert source.writes == [] and destination.writes == []


def _refused(error: type[Exception], *, source=None, destination=None, dns=None,
             match: str | None = None) -> None:
    source = source or source_cluster()
    destination = destination or destination_cluster()
    with pytest.raises(error, match=match):
        _run(source, destination, dns)
    assert source.writes == [] and destination.writes == []


def test_unsupported_minor_on_destination():
    _refused(UnsupportedVersionOnDestination, destination=destination_cluster("4.12", "4.11"),
             match="supports 4.11, 4.12, not 4.13")


def test_destination_without_supported_versions():
    destination = destination_cluster()
    destination.objects.pop(("", CONFIG_MAPS.plural, "hypershift", "supported-versions"))
    _refused(UnsupportedVersionOnDestination, destination=destination)


@pytest.mark.parametrize("deployment", [external_dns(provider=None),
                                        external_dns(provider="azure"),
                                        external_dns(domain=None),
                                        external_dns(domain="other.example.com")])
def test_destination_without_external_dns_for_the_domain(deployment: dict):
    destination = destination_cluster()
    destination.put(DEPLOYMENTS, "hypershift", deployment)
    _refused(ExternalDnsNotConfigured, destination=destination)


def test_source_external_dns_is_checked_too():
    source = source_cluster()
    source.objects.pop(("apps", DEPLOYMENTS.plural, "hypershift", "external-dns"))
    _refused(ExternalDnsNotConfigured, source=source, match="no hypershift/external-dns")


def test_external_dns_is_read_where_the_installer_puts_it_not_from_operator_flags():
    """`hypershift install --external-dns-provider=aws --external-dns-domain-filter=D` gives
    the operator none of those flags: it runs ExternalDNS as `hypershift/external-dns` with
    `--provider=aws --domain-filter=D`. A check of the operator's flags refused every
    correctly installed cluster; install flags on the operator prove nothing."""
    source = source_cluster()
    assert "--domain-filter" not in json.dumps(source.get_object(DEPLOYMENTS, "hypershift",
                                                                 "operator"))
    assert _run(source)[0].expected_nodes == 2
    source.objects.pop(("apps", DEPLOYMENTS.plural, "hypershift", "external-dns"))
    source.put(DEPLOYMENTS, "hypershift", {**operator(), "spec": {"template": {"spec": {
        "containers": [{"name": "operator", "args": [
            "run", "--external-dns-provider=aws", f"--external-dns-domain-filter={DOMAIN}"]}]}}}})
    _refused(ExternalDnsNotConfigured, source=source)


def test_service_not_published_by_route():
    source = source_cluster()
    hc = hosted_cluster()
    hc["spec"]["services"][0]["servicePublishingStrategy"] = {"type": "LoadBalancer"}
    source.put(HOSTED_CLUSTERS, NS, hc)
    _refused(ServicesNotPublishedByRoute, source=source, match="APIServer")


def test_nodepool_newer_than_control_plane():
    source = source_cluster()
    source.put(NODE_POOLS, NS, nodepool("newer", version="4.14.1"))
    _refused(NodePoolNewerThanControlPlane, source=source, match="newer")


def test_unmanaged_etcd_cannot_be_restored_from_a_url():
    source = source_cluster()
    hc = hosted_cluster()
    hc["spec"]["etcd"] = {"managementType": "Unmanaged"}
    source.put(HOSTED_CLUSTERS, NS, hc)
    _refused(EtcdNotRestorable, source=source)


@pytest.mark.parametrize("access", ["PublicAndPrivate", "Private"])
def test_privately_published_endpoints_are_refused_before_any_change(access: str):
    """Its nodes would stay with the source's PrivateLink endpoint until the source's HC is
    gone, so readiness on the destination (before the teardown) could never pass."""
    source = source_cluster()
    hc = hosted_cluster()
    hc["spec"].setdefault("platform", {"type": "AWS"}).setdefault("aws", {})[
        "endpointAccess"] = access
    source.put(HOSTED_CLUSTERS, NS, hc)
    _refused(PrivateEndpointAccess, source=source, match=f"endpointAccess {access}")


def test_a_missing_previous_key_during_a_rotation_is_refused():
    source = source_cluster()
    hc = hosted_cluster()
    hc["spec"]["secretEncryption"]["aescbc"]["backupKey"] = {"name": f"{NAME}-old-key"}
    source.put(HOSTED_CLUSTERS, NS, hc)
    _refused(EncryptionKeyMissing, source=source, match=f"{NAME}-old-key")


def test_missing_encryption_key():
    source = source_cluster()
    source.objects.pop(("", SECRETS.plural, NS, f"{NAME}-etcd-encryption-key"))
    _refused(EncryptionKeyMissing, source=source)


def test_missing_hosted_cluster():
    source = source_cluster()
    source.objects.pop(("hypershift.openshift.io", "hostedclusters", NS, NAME))
    _refused(HostedClusterNotFound, source=source)


def test_no_zone_for_the_hostnames():
    _refused(ExternalDnsZoneNotFound, dns=FakeZones({"Z1": "elsewhere.example"}))


def test_an_existing_empty_hcp_namespace_is_refused_but_a_shared_hc_namespace_is_used():
    """The HCP namespace is the operator's to fill: one we did not create could not be
    deleted on a rollback, with the operator's Routes and volumes in it."""
    destination = destination_cluster()
    destination.put(NAMESPACES, None, {"metadata": {"name": HCP_NS}})
    _refused(ForeignObjectsOnDestination, destination=destination,
             match=f"namespace {HCP_NS} already exists")

    shared = destination_cluster()
    shared.put(NAMESPACES, None, {"metadata": {"name": NS}})
    result, _, _ = _run(source_cluster(), shared, None)
    assert result.destination_namespaces == [NS]


def test_foreign_objects_on_destination():
    destination = destination_cluster()
    destination.put(NAMESPACES, None, {"metadata": {"name": HCP_NS}})
    destination.put(CONFIG_MAPS, HCP_NS, {"metadata": {"name": "not-ours"}})
    _refused(ForeignObjectsOnDestination, destination=destination, match="configmaps/not-ours")


@pytest.mark.parametrize(("text", "expected"), [
    ("4.13.10", (4, 13, 10)), ("4.13", (4, 13, 0)),
    ("quay.io/openshift-release-dev/ocp-release:4.14.2-x86_64", (4, 14, 2)),
    ("quay.io/openshift-release-dev/ocp-release@sha256:abc", None), (None, None),
])
def test_parse_version(text, expected):
    assert parse_version(text) == expected


def test_supported_minors_tolerates_garbage():
    assert supported_minors(supported_versions("4.13", "4.12")) == {(4, 13), (4, 12)}
    assert supported_minors({"data": {"supported-versions": "not json"}}) == set()
    assert supported_minors(None) == set()
