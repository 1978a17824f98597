"""Alarm-started migrations: policy lookup and dedupe (one migration per HC)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from botocore.exceptions import ClientError

from hcp_dr.domain.migration.alarm_trigger import (
    AlarmStateChange,
    execution_name,
    parse_policies,
    start_migration_from_alarm,
)
from hcp_dr.errors import AwsServiceUnavailable, MigrationPoliciesInvalid

NOW = 1_800_000_000
POLICIES = [
    {"alarm_name": "source-mgmt-down", "hosted_cluster": {"namespace": "clusters",
                                                          "name": "cesar"},
     "source": "source", "destination": "destination", "policy": "auto"},
    {"alarm_name": "source-mgmt-degraded", "hosted_cluster": {"namespace": "clusters",
                                                              "name": "cesar"},
     "source": "source", "destination": "destination", "policy": "approval-required",
     "dns_timeout_seconds": 600},
]


def alarm(name: str = "source-mgmt-down", value: str = "ALARM",
          timestamp: str = "2026-01-01T12:00:00.000+0000") -> AlarmStateChange:
    return AlarmStateChange.model_validate({
        "version": "0", "id": "e-1", "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch", "account": "123456789012", "time": "2026-01-01T12:00:01Z",
        "region": "us-east-1", "resources": [f"arn:aws:cloudwatch:us-east-1:1:alarm:{name}"],
        "detail": {"alarmName": name, "state": {"value": value, "reason": "r",
                                                "timestamp": timestamp},
                   "previousState": {"value": "OK"}, "configuration": {}}})


class Policies:
    def __init__(self, documents: list) -> None:
        self.documents = documents

    def load(self) -> list:
        return self.documents


class Marks:
    """The conditional put: absent, expired, or the same execution name."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[str, int]] = {}

    def claim(self, key: str, name: str, alarm_name: str, now: int, ttl: int) -> bool:
        current = self.items.get(key)
        if current and current[1] >= now and current[0] != name:
            return False
        self.items[key] = (name, now + ttl)
        return True

    def release(self, key: str, name: str) -> None:
        if self.items.get(key, ("", 0))[0] == name:
            del self.items[key]


@dataclass
class Executions:
    running: dict[str, str] = field(default_factory=dict)  # name -> hc key
    started: list[tuple[str, dict]] = field(default_factory=list)

    def running_for(self, key: str) -> list[str]:
        return [n for n, k in self.running.items() if k == key]

    def exists(self, name: str) -> bool | None:
        return name in [n for n, _ in self.started]

    def start(self, name: str, payload: dict) -> bool:
        if name in [n for n, _ in self.started]:
            return False
        self.started.append((name, payload))
        self.running[name] = "{namespace}/{name}".format(**payload["hosted_cluster"])
        return True


def _start(event, marks=None, executions=None, now=NOW, documents=POLICIES):
    marks = marks if marks is not None else Marks()
    executions = executions if executions is not None else Executions()
    result = start_migration_from_alarm(event, Policies(documents), marks, executions, now,
                                        3600)
    return result, marks, executions


def test_alarm_starts_the_policys_migration():
    result, _, executions = _start(alarm())
    assert result["started"] is True and result["new"] is True
    (name, payload), = executions.started
    assert name == result["execution_name"] and len(name) <= 80
    assert payload == {"hosted_cluster": {"namespace": "clusters", "name": "cesar"},
                       "source": "source", "destination": "destination", "approval": "skip",
                       "dns_timeout_seconds": 900, "restore_url_ttl_seconds": 3600}


def test_approval_required_policy_asks_for_approval():
    result, _, executions = _start(alarm("source-mgmt-degraded"))
    assert result["approval"] == "required"
    assert executions.started[0][1]["approval"] == "required"
    assert executions.started[0][1]["dns_timeout_seconds"] == 600


def test_ok_state_and_unknown_alarms_start_nothing():
    assert _start(alarm(value="OK"))[0] == {"started": False, "reason": "not-in-alarm"}
    assert _start(alarm("unrelated"))[0] == {"started": False, "reason": "no-policy"}


def test_alarm_firing_twice_starts_one_migration():
    marks, executions = Marks(), Executions()
    first, _, _ = _start(alarm(), marks, executions)
    # Flapping: a new ALARM transition (new timestamp) while the first migration runs.
    second, _, _ = _start(alarm(timestamp="2026-01-01T12:03:00.000+0000"), marks, executions,
                          now=NOW + 180)
    assert first["started"] and second == {
        "started": False, "reason": "already-running", "hosted_cluster": "clusters/cesar",
        "execution_name": first["execution_name"]}
    assert len(executions.started) == 1


def test_flapping_after_the_migration_ended_is_still_deduped_within_the_ttl():
    marks, executions = Marks(), Executions()
    _start(alarm(), marks, executions)
    executions.running.clear()  # the first migration failed quickly
    second, _, _ = _start(alarm(timestamp="2026-01-01T12:05:00.000+0000"), marks, executions,
                          now=NOW + 300)
    assert second["reason"] == "duplicate" and len(executions.started) == 1
    third, _, _ = _start(alarm(timestamp="2026-01-01T14:00:00.000+0000"), marks, executions,
                         now=NOW + 7200)
    assert third["started"] is True and len(executions.started) == 2


def test_a_retried_invocation_for_the_same_event_is_idempotent():
    marks, executions = Marks(), Executions()
    first, _, _ = _start(alarm(), marks, executions)
    again, _, _ = _start(alarm(), marks, executions, now=NOW + 2)
    assert again["started"] is True and again["new"] is False
    assert again["execution_name"] == first["execution_name"] and len(executions.started) == 1


def test_a_console_started_migration_blocks_the_alarm():
    executions = Executions(running={"console-run": "clusters/cesar"})
    result, marks, _ = _start(alarm(), executions=executions)
    assert result["reason"] == "already-running" and marks.items == {}


def test_execution_name_is_deterministic_per_state_change():
    policy = parse_policies(POLICIES)[0]
    assert execution_name(alarm(), policy) == execution_name(alarm(), policy)
    assert execution_name(alarm(), policy) != execution_name(
        alarm(timestamp="2026-01-02T00:00:00.000+0000"), policy)


@pytest.mark.parametrize("documents", [
    [{"alarm_name": "source-mgmt-down"}],
    [{**POLICIES[0], "policy": "sometimes"}],
    [{**POLICIES[0], "destination": "source"}],
    [POLICIES[0], {**POLICIES[0], "policy": "approval-required"}],  # two policies, one alarm
])
def test_an_invalid_policy_for_this_alarm_is_refused(documents):
    with pytest.raises(MigrationPoliciesInvalid, match=r"\[\d\]"):
        _start(alarm(), documents=documents)


def test_another_clusters_broken_policy_does_not_disable_this_one():
    documents = [{"alarm_name": "typo-cluster", "policy": "sometimes"}, "not even a dict",
                 POLICIES[0]]
    result, _, executions = _start(alarm(), documents=documents)
    assert result["started"] is True and len(executions.started) == 1


def test_every_entry_is_checked_strictly_at_deploy_time():
    with pytest.raises(MigrationPoliciesInvalid, match=r"\[0\]"):
        parse_policies([{"alarm_name": "typo-cluster", "policy": "sometimes"}, POLICIES[0]])


@pytest.mark.parametrize("failure", [
    AwsServiceUnavailable("Step Functions: ThrottlingException"),
    ClientError({"Error": {"Code": "AccessDeniedException"}}, "StartExecution"),
    ConnectionError("connection reset by peer")])
def test_a_start_that_failed_gives_the_claim_back_for_the_next_alarm(failure: Exception):
    """Also for a failure that is not ours: Lambda's retry of the same event must start the
    migration rather than find the claim and call it a duplicate."""
    class Refusing(Executions):
        def start(self, name: str, payload: dict) -> bool:
            raise failure

    marks = Marks()
    with pytest.raises(type(failure)):
        _start(alarm(), marks=marks, executions=Refusing())
    assert marks.items == {}
    result, _, executions = _start(alarm(timestamp="2026-01-01T12:10:00.000+0000"),
                                   marks=marks)
    assert result["started"] is True and len(executions.started) == 1


def test_a_start_that_failed_after_starting_keeps_the_claim():
    """A timeout after Step Functions took the start: the execution exists, but ListExecutions
    may not show it yet; a second alarm must not start another one."""
    class StartedThenTimedOut(Executions):
        def start(self, name: str, payload: dict) -> bool:
            super().start(name, payload)
            self.running.clear()  # not listed yet (ListExecutions is eventually consistent)
            raise AwsServiceUnavailable("Step Functions: read timeout")

    marks, executions = Marks(), StartedThenTimedOut()
    with pytest.raises(AwsServiceUnavailable):
        _start(alarm(), marks=marks, executions=executions)
    assert list(marks.items) == ["clusters/cesar"]
    second, _, _ = _start(alarm(timestamp="2026-01-01T12:10:00.000+0000"), marks=marks,
                          executions=executions)
    assert second == {"started": False, "reason": "duplicate", "hosted_cluster": "clusters/cesar"}
    assert len(executions.started) == 1


def test_an_alarm_whose_actions_are_suppressed_starts_nothing():
    event = alarm()
    suppressed = event.model_copy(update={"detail": event.detail.model_copy(update={
        "state": event.detail.state.model_copy(
            update={"actionsSuppressedBy": "WaitPeriod"})})})
    result, marks, executions = _start(suppressed)
    assert result == {"started": False, "reason": "actions-suppressed",
                      "suppressed_by": "WaitPeriod"}
    assert executions.started == [] and marks.items == {}
