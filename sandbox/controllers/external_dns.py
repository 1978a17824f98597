"""ExternalDNS on a management cluster: Route 53 follows the Routes of hosted control planes.

A Route with an external-DNS hostname gets a CNAME to this cluster's router and a TXT
ownership record; when the Route goes, both go. Every change is also announced on the local
EventBridge bus as the CloudTrail event `ChangeResourceRecordSets`, which is how AWS reports
Route 53 changes (in us-east-1, best effort). Like the real one it reconciles after a delay,
or, with `sync_interval_seconds`, only on its sync loop: the real ExternalDNS without
`--events` applies the Route changes it saw since its last pass every `--interval` (1m by
default), so a change waits for the next pass.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from sandbox.controllers.base import Controller
from sandbox.controllers.ticker import Ticker
from sandbox.kubeapi.store import DELETED, ChangeEvent, ObjectStore

HOSTNAME_ANNOTATION = "external-dns.alpha.kubernetes.io/hostname"
TTL = 30


def ownership_record_name(hostname: str) -> str:
    return f"external-dns-{hostname}"


class ExternalDnsController(Controller):
    name = "external-dns"

    def __init__(self, store: ObjectStore, cluster_name: str, router: str, route53: Any,
                 events: Any, zone_id: str, domain: str, delay_seconds: float = 0.0,
                 sync_interval_seconds: float | None = None) -> None:
        super().__init__(store)
        self.cluster_name = cluster_name
        self.router = router
        self._route53 = route53
        self._events = events
        self._zone_id = zone_id
        self._domain = domain.rstrip(".")
        self._delay = delay_seconds
        self.name = f"external-dns-{cluster_name}"
        self._interval = sync_interval_seconds
        self._pending: dict[str, ChangeEvent] = {}  # hostname -> latest change since last pass
        self._pending_lock = threading.Lock()
        self._sync_loop: Ticker | None = None
        self.passes: list[float] = []  # time.time() of each sync pass that changed Route 53

    def start(self) -> ExternalDnsController:
        if self._interval:  # each cluster's loop at its own phase, as independent pods are
            self._sync_loop = Ticker(f"{self.name}-sync", self._interval, self.sync,
                                     first_tick_after=random.uniform(0.0, self._interval)).start()
        super().start()
        return self

    def stop(self) -> None:
        if self._sync_loop is not None:
            self._sync_loop.stop()
        super().stop()

    def sync(self) -> None:
        """One pass of the sync loop: apply the latest change of every Route seen since the
        last pass; a change that fails stays pending for the next one."""
        with self._pending_lock:
            pending, self._pending = self._pending, {}
        changed, failure = False, None
        for host, event in pending.items():
            try:
                changed = self._apply(event) or changed
            except Exception as exc:  # the other Routes still get their pass
                with self._pending_lock:
                    self._pending.setdefault(host, event)
                failure = failure or exc
        if changed:
            self.passes.append(time.time())
        if failure is not None:
            raise failure  # the sync loop's ticker records it

    def wants(self, event: ChangeEvent) -> bool:
        return (event.resource_type.group, event.resource_type.plural) == (
            "route.openshift.io", "routes") and bool(self._hostname(event.object))

    def _hostname(self, route: dict) -> str:
        annotations = route.get("metadata", {}).get("annotations") or {}
        host = annotations.get(HOSTNAME_ANNOTATION) or (route.get("spec") or {}).get("host", "")
        return host if host.endswith(self._domain) else ""

    def reconcile(self, event: ChangeEvent) -> None:
        if self._interval:
            with self._pending_lock:
                self._pending[self._hostname(event.object)] = event
            return
        if self._delay:
            time.sleep(self._delay)
        self._apply(event)

    def _apply(self, event: ChangeEvent) -> bool:
        """Make Route 53 match one Route's change; whether anything was changed."""
        route = event.object
        host = self._hostname(route)
        gone = event.type == DELETED or bool(route["metadata"].get("deletionTimestamp"))
        owner = f"heritage=external-dns,external-dns/owner={self.cluster_name}"
        records = [
            {"Name": host, "Type": "CNAME", "TTL": TTL,
             "ResourceRecords": [{"Value": self.router}]},
            {"Name": ownership_record_name(host), "Type": "TXT", "TTL": TTL,
             "ResourceRecords": [{"Value": json.dumps(owner)}]},
        ]
        if gone:
            records = [r for r in records if self._current(r["Name"], r["Type"]) == r]
            if not records:
                return False
            changes = [{"Action": "DELETE", "ResourceRecordSet": r} for r in records]
        else:
            if self._owned_elsewhere(host, owner):
                return False  # another cluster's ExternalDNS owns this name: don't fight
            changes = [{"Action": "UPSERT", "ResourceRecordSet": r} for r in records]
        response = self._route53.change_resource_record_sets(
            HostedZoneId=self._zone_id, ChangeBatch={"Changes": changes})
        self._announce(changes, response["ChangeInfo"])
        return True

    def _current(self, name: str, kind: str) -> dict | None:
        found = self._route53.list_resource_record_sets(
            HostedZoneId=self._zone_id, StartRecordName=name, StartRecordType=kind, MaxItems="1")
        for record in found["ResourceRecordSets"]:
            if record["Name"].rstrip(".") == name and record["Type"] == kind:
                return {"Name": name, "Type": kind, "TTL": record.get("TTL"),
                        "ResourceRecords": record.get("ResourceRecords", [])}
        return None

    def _owned_elsewhere(self, host: str, owner: str) -> bool:
        txt = self._current(ownership_record_name(host), "TXT")
        if txt is None:
            return False
        return all(r["Value"] != json.dumps(owner) for r in txt["ResourceRecords"])

    def _announce(self, changes: list[dict], change_info: dict) -> None:
        """Put the CloudTrail-shaped event AWS would deliver for this API call."""
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        detail = {
            "eventVersion": "1.08", "eventTime": now, "eventSource": "route53.amazonaws.com",
            "eventName": "ChangeResourceRecordSets", "awsRegion": "us-east-1",
            "sourceIPAddress": "127.0.0.1", "userAgent": f"ExternalDNS/{self.cluster_name}",
            "userIdentity": {"type": "AssumedRole",
                             "principalId": f"external-dns-{self.cluster_name}"},
            "requestParameters": {"hostedZoneId": self._zone_id, "changeBatch": {"changes": [
                {"action": c["Action"], "resourceRecordSet": {
                    "name": c["ResourceRecordSet"]["Name"],
                    "type": c["ResourceRecordSet"]["Type"]}} for c in changes]}},
            "responseElements": {"changeInfo": {
                "id": change_info.get("Id", ""), "status": change_info.get("Status", "PENDING"),
                "submittedAt": now}},
            "eventID": str(uuid.uuid4()), "eventType": "AwsApiCall", "managementEvent": True,
        }
        self._events.put_events(Entries=[{
            "Source": "aws.route53", "DetailType": "AWS API Call via CloudTrail",
            "Detail": json.dumps(detail), "EventBusName": "default",
        }])
