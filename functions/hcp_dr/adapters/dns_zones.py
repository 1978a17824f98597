"""Route 53 as the migration reads it: which hosted zone holds a hostname, and which records
a zone holds now. Read-only: ExternalDNS owns the records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from hcp_dr.adapters.aws_network import NETWORK_ERRORS, network_failure
from hcp_dr.errors import AwsRequestRejected, AwsServiceUnavailable, ExternalDnsZoneNotFound

_THROTTLING = {"Throttling", "ThrottlingException", "PriorRequestNotComplete",
               "ServiceUnavailable", "InternalError"}


@dataclass(frozen=True)
class DnsRecord:
    name: str  # without the trailing dot, lower case
    type: str
    values: tuple[str, ...]


def _bare(zone_id: str) -> str:
    return zone_id.rsplit("/", 1)[-1]


class DnsZones:
    def __init__(self, route53: Any) -> None:
        """One instance per invocation: it remembers the zones listed by name, so the several
        hostnames of one domain cost one lookup per name. Route 53's API allows 5 requests a
        second per account, shared with ExternalDNS."""
        self._client = route53
        self._zones_named: dict[str, list[dict[str, Any]]] = {}

    def _call(self, what: str, operation: Any, **kwargs: Any) -> Any:
        try:
            return operation(**kwargs)
        except NETWORK_ERRORS as exc:
            raise network_failure("Route 53", exc) from None
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in _THROTTLING:
                raise AwsServiceUnavailable(f"Route 53 {what}: {code}") from None
            if code == "NoSuchHostedZone":
                raise ExternalDnsZoneNotFound(f"Route 53 {what}: {code}") from None
            raise AwsRequestRejected(f"Route 53 {what}: {code}") from None

    def zone_for(self, hostname: str) -> str | None:
        """The id of the most specific hosted zone whose name is a suffix of `hostname`. With
        split-horizon DNS (a public and a private zone of that name) the public one: that is
        where ExternalDNS publishes the API for the world, and waiting on the private one
        would see nothing and call the names clean at once. Two candidates of one kind:
        refused as ambiguous."""
        labels = hostname.rstrip(".").lower().split(".")
        for start in range(len(labels) - 1):
            candidate = ".".join(labels[start:]) + "."
            named = self._named(candidate)
            public = [z for z in named if not (z.get("Config") or {}).get("PrivateZone")]
            chosen = public or named
            if len(chosen) > 1:
                raise ExternalDnsZoneNotFound(
                    f"{len(chosen)} Route 53 hosted zones named {candidate} qualify: which "
                    "one ExternalDNS writes is ambiguous")
            if chosen:
                return _bare(chosen[0]["Id"])
        return None

    def _named(self, name: str) -> list[dict[str, Any]]:
        if name not in self._zones_named:
            found = self._call("list zones", self._client.list_hosted_zones_by_name,
                               DNSName=name, MaxItems="100")
            self._zones_named[name] = [z for z in found.get("HostedZones") or []
                                       if z["Name"].lower() == name]
        return self._zones_named[name]

    def records(self, zone_id: str) -> list[DnsRecord]:
        """Every record set of a zone (all pages)."""
        result: list[DnsRecord] = []
        kwargs: dict[str, Any] = {"HostedZoneId": _bare(zone_id)}
        while True:
            page = self._call("list records", self._client.list_resource_record_sets, **kwargs)
            for record in page.get("ResourceRecordSets", []):
                values = tuple(v["Value"] for v in record.get("ResourceRecords") or [])
                if "AliasTarget" in record:
                    values += (record["AliasTarget"].get("DNSName", ""),)
                result.append(DnsRecord(record["Name"].rstrip(".").lower()
                                        .replace("\\052", "*"), record["Type"], values))
            if not page.get("IsTruncated"):
                return result
            kwargs["StartRecordName"] = page["NextRecordName"]
            kwargs["StartRecordType"] = page["NextRecordType"]
            if page.get("NextRecordIdentifier"):
                kwargs["StartRecordIdentifier"] = page["NextRecordIdentifier"]
