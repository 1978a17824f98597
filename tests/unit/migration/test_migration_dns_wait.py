"""The DNS-cleanup wait: the zone is the truth; events only say "look again"."""

from __future__ import annotations

import pytest

from hcp_dr.adapters.dns_zones import DnsRecord
from hcp_dr.domain.migration.dns_wait import (
    DnsWaitRequest,
    DnsWatch,
    await_dns_cleanup,
    decide,
    records_left,
)
from tests.unit.migration.fakes import FakeTasks, FakeWaits
from tests.unit.migration.world import EXECUTION, HOSTNAMES, ZONE, zones

NOW = 1_800_000_000


def _request(token: str = "token-1", timeout: int = 900) -> DnsWaitRequest:
    return DnsWaitRequest(task_token=token, execution_id=EXECUTION,
                          purpose="source-routes-removed", zone_ids=[ZONE], hostnames=HOSTNAMES,
                          timeout_seconds=timeout)


def _setup():
    dns, waits, tasks = zones(), FakeWaits(), FakeTasks()
    return dns, waits, tasks, DnsWatch(waits, dns, tasks)


def _remove_all(dns) -> None:
    for host in HOSTNAMES:
        dns.remove(ZONE, host)


def test_records_left_counts_address_and_ownership_records():
    host = HOSTNAMES[0]
    assert records_left([DnsRecord(host, "CNAME", ("r",))], [host]) == [host]
    assert records_left([DnsRecord(f"external-dns-{host}", "TXT", ("o",))], [host]) == [host]
    assert records_left([DnsRecord(f"cname.{host}", "TXT", ("o",))], [host]) == [host]
    # HyperShift runs ExternalDNS with --txt-suffix=-external-dns: the suffix follows the
    # first label, with a record-type prefix since ExternalDNS 0.12.
    first, _, rest = host.partition(".")
    for name in (f"{first}-external-dns.{rest}", f"cname-{first}-external-dns.{rest}"):
        assert records_left([DnsRecord(name, "TXT", ("o",))], [host]) == [host], name
    assert records_left([DnsRecord(f"x{first}-external-dns.{rest}", "TXT", ("o",))],
                        [host]) == []
    # A different name that merely ends the same way is not an ownership record of ours.
    assert records_left([DnsRecord(f"x{host}", "CNAME", ("r",))], [host]) == []
    assert records_left([DnsRecord("other.example.com", "A", ("1.2.3.4",))], [host]) == []


@pytest.mark.parametrize(("left", "now", "expected"), [
    ([], NOW, "clean"), ([], NOW + 10_000, "clean"), (["a"], NOW, "pending"),
    (["a"], NOW + 900, "timed-out"), (["a"], NOW + 899, "pending"),
])
def test_decide(left, now, expected):
    assert decide(left, NOW + 900, now) == expected


def test_records_still_there_keep_the_wait_pending():
    _, waits, tasks, watch = _setup()
    result = await_dns_cleanup(_request(), waits, watch, NOW)
    assert result["decision"] == "pending" and result["deadline"] == NOW + 900
    assert tasks.succeeded == [] and len(waits.pending()) == 1


def test_records_already_gone_complete_at_registration():
    dns, waits, tasks, watch = _setup()
    _remove_all(dns)
    assert await_dns_cleanup(_request(), waits, watch, NOW)["decision"] == "clean"
    assert [t for t, _ in tasks.succeeded] == ["token-1"] and waits.pending() == []


def test_event_after_cleanup_completes_the_task_once_even_when_duplicated():
    dns, waits, tasks, _ = _setup()
    await_dns_cleanup(_request(), waits, DnsWatch(waits, dns, tasks), NOW)
    _remove_all(dns)
    first = DnsWatch(waits, dns, tasks).check_all(NOW + 5)
    duplicate = DnsWatch(waits, dns, tasks).check_all(NOW + 6)
    assert first["clean"] == 1 and duplicate["checked"] == 0
    assert len(tasks.succeeded) == 1 and tasks.failed == []


def test_event_that_arrives_before_the_records_are_gone_changes_nothing():
    """Out of order: the event for the first deleted record arrives while others remain."""
    dns, waits, tasks, _ = _setup()
    await_dns_cleanup(_request(), waits, DnsWatch(waits, dns, tasks), NOW)
    dns.remove(ZONE, HOSTNAMES[0])
    assert DnsWatch(waits, dns, tasks).check_all(NOW + 1)["pending"] == 1
    for host in HOSTNAMES[1:]:
        dns.remove(ZONE, host)
    # A late event for an earlier change, or the fallback schedule: both just look again.
    assert DnsWatch(waits, dns, tasks).check_all(NOW + 2)["clean"] == 1
    assert len(tasks.succeeded) == 1


def test_ownership_record_left_behind_keeps_the_wait_pending():
    dns, waits, tasks, _ = _setup()
    await_dns_cleanup(_request(), waits, DnsWatch(waits, dns, tasks), NOW)
    for host in HOSTNAMES:
        dns.records_by_zone[ZONE] = [r for r in dns.records_by_zone[ZONE] if r.name != host]
    assert DnsWatch(waits, dns, tasks).check_all(NOW + 1)["pending"] == 1


def test_past_the_deadline_the_task_fails_with_dns_cleanup_timeout():
    dns, waits, tasks, _ = _setup()
    await_dns_cleanup(_request(timeout=60), waits, DnsWatch(waits, dns, tasks), NOW)
    assert DnsWatch(waits, dns, tasks).check_all(NOW + 61)["timed-out"] == 1
    (token, error, cause), = tasks.failed
    assert (token, error) == ("token-1", "DnsCleanupTimeout")
    assert "4 of 4 hostnames" in cause and waits.pending() == []


def test_a_retried_task_keeps_the_first_deadline():
    dns, waits, tasks, _ = _setup()
    await_dns_cleanup(_request("token-1", timeout=60), waits, DnsWatch(waits, dns, tasks), NOW)
    again = await_dns_cleanup(_request("token-2", timeout=60), waits,
                              DnsWatch(waits, dns, tasks), NOW + 50)
    assert again["deadline"] == NOW + 60
    _remove_all(dns)
    DnsWatch(waits, dns, tasks).check_all(NOW + 55)
    assert [t for t, _ in tasks.succeeded] == ["token-2"]


def test_a_wait_completed_elsewhere_is_not_deleted_for_a_newer_token():
    _, waits, _, watch = _setup()
    await_dns_cleanup(_request("token-1"), waits, watch, NOW)
    stale = waits.pending()[0]
    await_dns_cleanup(_request("token-2"), waits, watch, NOW + 1)
    assert waits.forget(stale) is False
    assert waits.pending()[0].task_token == "token-2"


def test_one_zone_listing_per_invocation_serves_every_wait():
    dns, waits, tasks, _ = _setup()
    for purpose in ("a", "b", "c"):
        waits.register(f"{EXECUTION}-{purpose}", "source-routes-removed", purpose, [ZONE],
                       HOSTNAMES, NOW + 900)
    DnsWatch(waits, dns, tasks).check_all(NOW)
    assert dns.lookups == 1


def test_the_token_stays_out_of_reprs():
    assert "secret-token" not in repr(_request("secret-token"))
    _, waits, _, watch = _setup()
    await_dns_cleanup(_request("secret-token"), waits, watch, NOW)
    assert "secret-token" not in repr(waits.pending())


def _gone_zone_wait(waits, deadline: int) -> None:
    waits.register(f"{EXECUTION}-gone", "source-routes-removed", "token-gone", ["Z0GONE"],
                   HOSTNAMES, deadline)


def test_a_wait_whose_zone_cannot_be_read_does_not_hold_up_the_others():
    dns, waits, tasks, _ = _setup()
    _gone_zone_wait(waits, NOW + 900)  # first in scan order
    await_dns_cleanup(_request(), waits, DnsWatch(waits, dns, tasks), NOW)
    _remove_all(dns)
    counts = DnsWatch(waits, dns, tasks).check_all(NOW + 1)
    assert counts == {"checked": 2, "clean": 1, "timed-out": 0, "pending": 0, "errors": 1}
    assert [t for t, _ in tasks.succeeded] == ["token-1"]
    assert [w.task_token for w in waits.pending()] == ["token-gone"]  # tried again next tick


def test_a_first_look_that_fails_leaves_the_registered_wait_to_the_watcher():
    """A throttled first read must not roll the migration back: the wait is registered, so
    the next event or poll completes it, and the deadline still ends it."""
    dns, waits, tasks, _ = _setup()
    request = DnsWaitRequest(task_token="token-1", execution_id=EXECUTION,
                             purpose="source-routes-removed", zone_ids=["ZGONE"],
                             hostnames=HOSTNAMES, timeout_seconds=900)
    result = await_dns_cleanup(request, waits, DnsWatch(waits, dns, tasks), NOW)
    assert result == {"registered": True, "decision": "pending", "deadline": NOW + 900,
                      "first_look_error": "ExternalDnsZoneNotFound"}
    assert [w.task_token for w in waits.pending()] == ["token-1"] and tasks.failed == []


def test_past_its_deadline_a_wait_ends_even_if_its_zone_cannot_be_read():
    dns, waits, tasks, _ = _setup()
    _gone_zone_wait(waits, NOW + 60)
    assert DnsWatch(waits, dns, tasks).check_all(NOW + 61)["timed-out"] == 1
    (token, error, cause), = tasks.failed
    assert (token, error) == ("token-gone", "DnsCleanupTimeout")
    assert "ExternalDnsZoneNotFound" in cause and waits.pending() == []
