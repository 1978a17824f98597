"""Stage 5's wait: until ExternalDNS has removed the HC's Route 53 records, without sleeping.

`AwaitDnsCleanup` (a `.waitForTaskToken` task) registers the wait and checks the zone at once;
`WatchDnsCleanup` checks every pending wait again on each Route 53 `ChangeResourceRecordSets`
CloudTrail event and on a fallback schedule (CloudTrail delivery is best effort). Events only
say "look again": the zone is the truth, so duplicated, late or out-of-order events are
harmless, and a wait is completed once (its item is deleted on the token it was completed
with). Past the deadline the task fails with `DnsCleanupTimeout`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hcp_dr.adapters.dns_waits import DnsWait, DnsWaits
from hcp_dr.adapters.dns_zones import DnsRecord, DnsZones
from hcp_dr.adapters.task_results import TaskResults
from hcp_dr.errors import HcpDrError

Decision = Literal["clean", "timed-out", "pending"]
DNS_CLEANUP_TIMEOUT = "DnsCleanupTimeout"  # the error name the ASL and the operator see


class DnsWaitRequest(BaseModel):
    """The `Payload` the state machine gives `AwaitDnsCleanup`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    task_token: str = Field(min_length=1, repr=False)
    execution_id: str = Field(min_length=1)
    purpose: str = Field(pattern=r"^[a-z][a-z0-9-]{0,62}$")
    zone_ids: list[str] = Field(min_length=1)
    hostnames: list[str] = Field(min_length=1)
    timeout_seconds: int = Field(ge=1)


def _ownership_names(host: str) -> tuple[str, str]:
    """The TXT names ExternalDNS may give a hostname's ownership record with HyperShift's
    `--txt-suffix=-external-dns`: the suffix after the first label, and since ExternalDNS
    0.12 also a record-type prefix (`cname-api-x-external-dns.example.com`)."""
    first, _, rest = host.partition(".")
    return f"{first}-external-dns.{rest}", f"-{first}-external-dns.{rest}"


def records_left(records: Iterable[DnsRecord], hostnames: Iterable[str]) -> list[str]:
    """Hostnames that still have a record: any record of that name, or an ExternalDNS TXT
    ownership record for it (`<prefix>-<hostname>` / `<prefix>.<hostname>`, or the suffix
    form `[<type>-]<first label>-external-dns.<rest>`), which would keep another cluster's
    ExternalDNS from taking the name over."""
    wanted = {h.rstrip(".").lower() for h in hostnames}
    left = set()
    for record in records:
        for host in wanted:
            suffixed, typed_suffixed = _ownership_names(host)
            if record.name == host or (record.type == "TXT" and (
                    record.name.endswith("-" + host) or record.name.endswith("." + host)
                    or record.name == suffixed or record.name.endswith(typed_suffixed))):
                left.add(host)
    return sorted(left)


def decide(left: list[str], deadline: int, now: int) -> Decision:
    """Clean wins over late: records gone at the deadline still complete the wait."""
    if not left:
        return "clean"
    return "timed-out" if now >= deadline else "pending"


class DnsWatch:
    """Checks waits against the zones, completing their tasks; one per invocation (it caches
    each zone's records for the invocation only)."""

    def __init__(self, waits: DnsWaits, zones: DnsZones, tasks: TaskResults) -> None:
        self._waits = waits
        self._zones = zones
        self._tasks = tasks
        self._records: dict[str, list[DnsRecord]] = {}

    def _zone(self, zone_id: str) -> list[DnsRecord]:
        if zone_id not in self._records:
            self._records[zone_id] = self._zones.records(zone_id)
        return self._records[zone_id]

    def check(self, wait: DnsWait, now: int) -> Decision:
        try:
            records = [r for zone in wait.zone_ids for r in self._zone(zone)]
        except HcpDrError as exc:
            if now < wait.deadline:
                raise
            # Past its deadline a wait ends even if the zone cannot be read (deleted,
            # access lost): otherwise its migration waits for the backstop.
            self._tasks.fail(wait.task_token, DNS_CLEANUP_TIMEOUT,
                             f"the Route 53 zone could not be read at the deadline "
                             f"({type(exc).__name__})")
            self._waits.forget(wait)
            return "timed-out"
        left = records_left(records, wait.hostnames)
        decision = decide(left, wait.deadline, now)
        if decision == "clean":
            self._tasks.succeed(wait.task_token, {
                "hostnames": len(wait.hostnames), "zone_ids": list(wait.zone_ids),
                "purpose": wait.purpose, "checked_at": now})
            self._waits.forget(wait)
        elif decision == "timed-out":
            self._tasks.fail(wait.task_token, DNS_CLEANUP_TIMEOUT,
                             f"{len(left)} of {len(wait.hostnames)} hostnames still have Route 53 "
                             f"records after the deadline: {', '.join(left)}")
            self._waits.forget(wait)
        return decision

    def check_all(self, now: int) -> dict[str, int]:
        """Every pending wait, each on its own: one whose zone cannot be read (throttled,
        deleted) is counted under `errors` and retried on the next tick, and never keeps the
        others from completing."""
        counts = {"checked": 0, "clean": 0, "timed-out": 0, "pending": 0, "errors": 0}
        for wait in self._waits.pending():
            counts["checked"] += 1
            try:
                counts[self.check(wait, now)] += 1
            except HcpDrError:
                counts["errors"] += 1
        return counts


def await_dns_cleanup(request: DnsWaitRequest, waits: DnsWaits, watch: DnsWatch,
                      now: int) -> dict:
    """Register the wait (keeping the first deadline across task retries), then look once."""
    wait = waits.register(request.execution_id, request.purpose, request.task_token,
                          request.zone_ids, request.hostnames, now + request.timeout_seconds)
    try:
        decision = watch.check(wait, now)
    except HcpDrError as exc:
        # Registered already: the watcher's next event or poll looks again, and the deadline
        # still ends the wait. Failing here would roll a migration back over one throttled
        # zone read (Route 53 allows 5 requests a second per account, ExternalDNS is busy).
        return {"registered": True, "decision": "pending", "deadline": wait.deadline,
                "first_look_error": type(exc).__name__}
    return {"registered": True, "decision": decision, "deadline": wait.deadline}
