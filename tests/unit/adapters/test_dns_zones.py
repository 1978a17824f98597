"""Which Route 53 zone a hostname's records are waited in: the public one."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from hcp_dr.adapters.dns_zones import DnsZones
from hcp_dr.errors import AwsRequestRejected, ExternalDnsZoneNotFound

HOST = "api-cesar.hcp.example.com"


def _zone(route53, name: str, private: bool = False) -> str:
    kwargs = {"HostedZoneConfig": {"PrivateZone": True, "Comment": "inside"},
              "VPC": {"VPCRegion": "us-east-1", "VPCId": "vpc-12345678"}} if private else {}
    zone = route53.create_hosted_zone(Name=name, CallerReference=f"{name}-{private}", **kwargs)
    return zone["HostedZone"]["Id"].rsplit("/", 1)[-1]


@pytest.fixture
def route53():
    with mock_aws():
        yield boto3.client("route53", region_name="us-east-1")


def test_split_horizon_picks_the_public_zone_where_externaldns_publishes(route53):
    _zone(route53, "hcp.example.com", private=True)
    public = _zone(route53, "hcp.example.com")
    _zone(route53, "example.com")
    assert DnsZones(route53).zone_for(HOST) == public


def test_a_private_zone_alone_is_the_zone(route53):
    """An internal-only deployment publishes in the private zone: that one, not the parent."""
    private = _zone(route53, "hcp.example.com", private=True)
    _zone(route53, "example.com")
    assert DnsZones(route53).zone_for(HOST) == private


def test_two_public_zones_of_one_name_are_refused_as_ambiguous(route53):
    _zone(route53, "hcp.example.com")
    route53.create_hosted_zone(Name="hcp.example.com", CallerReference="second")
    with pytest.raises(ExternalDnsZoneNotFound, match="ambiguous"):
        DnsZones(route53).zone_for(HOST)


def test_a_zone_that_is_gone_is_a_named_error(route53):
    with pytest.raises(ExternalDnsZoneNotFound):
        DnsZones(route53).records("Z0000000000NOTTHERE")


def test_other_refusals_are_named_too():
    class Denied:
        def list_resource_record_sets(self, **kwargs):
            from botocore.exceptions import ClientError
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}},
                              "ListResourceRecordSets")

    with pytest.raises(AwsRequestRejected, match="AccessDenied"):
        DnsZones(Denied()).records("Z1")


def test_hostnames_of_one_domain_share_the_lookups_of_their_common_names(route53):
    """Route 53 allows 5 requests a second per account, shared with ExternalDNS: the four
    hostnames of a hosted cluster look up each name once, not once per hostname."""
    zone = _zone(route53, "hcp.example.com")
    asked: list[str] = []

    class Counting:
        def list_hosted_zones_by_name(self, **kwargs):
            asked.append(kwargs["DNSName"])
            return route53.list_hosted_zones_by_name(**kwargs)

    zones = DnsZones(Counting())
    hosts = [f"{service}-cesar.hcp.example.com" for service in
             ("api", "oauth", "konnectivity", "ignition")]
    assert {zones.zone_for(host) for host in hosts} == {zone}
    assert sorted(asked) == sorted([f"{h}." for h in hosts] + ["hcp.example.com."])
    assert DnsZones(Counting()).zone_for(HOST) == zone  # a new invocation looks again
    assert asked.count("hcp.example.com.") == 2
