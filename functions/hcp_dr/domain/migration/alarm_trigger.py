"""A CloudWatch alarm starts the migration its policy names, at most once per hosted cluster.

The alarm is looked up in the migration policies; `approval-required` starts the migration with
`approval: required`. Dedupe has two parts: no migration of that HC may be RUNNING (whoever
started it), and a conditional claim per HC with a TTL, so a flapping alarm (ALARM -> OK ->
ALARM) or a duplicated event does not start a second one. The execution name is derived from
the alarm and its state timestamp, so a retried invocation for the same event finds its own
claim and its own execution instead of starting another.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hcp_dr.adapters.migration_executions import MigrationExecutions
from hcp_dr.adapters.migration_policies import MigrationPolicies
from hcp_dr.adapters.trigger_marks import TriggerMarks
from hcp_dr.errors import MigrationPoliciesInvalid
from hcp_dr.models.cluster import ManagementClusterId
from hcp_dr.models.migration_run import HostedClusterName, MigrationRequest


class AlarmState(BaseModel):
    model_config = ConfigDict(extra="ignore")

    value: str
    timestamp: datetime | None = None
    # Set while a composite alarm's actions are suppressed (its ActionsSuppressor alarm, e.g.
    # a declared maintenance, is in ALARM): no action of it may run, a migration least of all.
    actionsSuppressedBy: str | None = None  # noqa: N815 - the event's own spelling


class AlarmDetail(BaseModel):
    model_config = ConfigDict(extra="ignore")

    alarmName: str = Field(min_length=1)  # noqa: N815 - the event's own spelling
    state: AlarmState


class AlarmStateChange(BaseModel):
    """EventBridge `CloudWatch Alarm State Change` (source `aws.cloudwatch`)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str
    source: Literal["aws.cloudwatch"]
    detail_type: Literal["CloudWatch Alarm State Change"] = Field(alias="detail-type")
    time: datetime
    detail: AlarmDetail


class MigrationPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    alarm_name: str = Field(min_length=1)
    hosted_cluster: HostedClusterName
    source: ManagementClusterId
    destination: ManagementClusterId
    policy: Literal["auto", "approval-required"]
    dns_timeout_seconds: int | None = None
    restore_url_ttl_seconds: int | None = None

    def migration_input(self) -> MigrationRequest:
        extra = {k: v for k, v in (("dns_timeout_seconds", self.dns_timeout_seconds),
                                   ("restore_url_ttl_seconds", self.restore_url_ttl_seconds))
                 if v is not None}
        return MigrationRequest(
            hosted_cluster=self.hosted_cluster, source=self.source,
            destination=self.destination,
            approval="required" if self.policy == "approval-required" else "skip", **extra)


def _entry(document: object, index: int) -> MigrationPolicy:
    try:
        policy = MigrationPolicy.model_validate(document)
        policy.migration_input()
    except ValidationError as exc:
        where = "; ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors()[:5])
        raise MigrationPoliciesInvalid(
            f"invalid migration policy at [{index}]: {where}") from None
    return policy


def parse_policies(documents: list) -> list[MigrationPolicy]:
    """Every entry, strictly: what `cdk synth` checks the configured document with, so a
    deployment never ships an invalid entry."""
    return [_entry(document, index) for index, document in enumerate(documents)]


def policy_for(documents: list, alarm_name: str) -> MigrationPolicy | None:
    """The policy of `alarm_name`, each entry validated on its own: a typo in one cluster's
    entry must not disable every other cluster's automated DR. The alarm's own entry being
    invalid (or several entries naming it) is MigrationPoliciesInvalid: fail loudly, since
    that alarm's operators expect a migration."""
    mine = [(i, d) for i, d in enumerate(documents)
            if isinstance(d, dict) and d.get("alarm_name") == alarm_name]
    if len(mine) > 1:
        raise MigrationPoliciesInvalid(
            f"{len(mine)} migration policies name alarm {alarm_name!r}: at "
            f"{', '.join(f'[{i}]' for i, _ in mine)}")
    return _entry(mine[0][1], mine[0][0]) if mine else None


def execution_name(alarm: AlarmStateChange, policy: MigrationPolicy) -> str:
    """Same event (same alarm, same state change) -> same name; <= 80 characters."""
    moment = (alarm.detail.state.timestamp or alarm.time).isoformat()
    digest = hashlib.sha256(f"{alarm.detail.alarmName}|{moment}".encode()).hexdigest()[:16]
    hc = re.sub(r"[^A-Za-z0-9-]", "-", f"{policy.hosted_cluster.namespace}-"
                                        f"{policy.hosted_cluster.name}")
    return f"alarm-{digest}-{hc}"[:80]


def start_migration_from_alarm(alarm: AlarmStateChange, policies: MigrationPolicies,
                               marks: TriggerMarks, executions: MigrationExecutions, now: int,
                               dedupe_seconds: int) -> dict:
    if alarm.detail.state.value != "ALARM":
        return {"started": False, "reason": "not-in-alarm"}
    if alarm.detail.state.actionsSuppressedBy:
        return {"started": False, "reason": "actions-suppressed",
                "suppressed_by": alarm.detail.state.actionsSuppressedBy}
    policy = policy_for(policies.load(), alarm.detail.alarmName)
    if policy is None:
        return {"started": False, "reason": "no-policy"}
    key = policy.hosted_cluster.key
    name = execution_name(alarm, policy)
    running = executions.running_for(key)
    if running and name not in running:
        return {"started": False, "reason": "already-running", "hosted_cluster": key,
                "execution_name": running[0]}
    if not marks.claim(key, name, alarm.detail.alarmName, now, dedupe_seconds):
        return {"started": False, "reason": "duplicate", "hosted_cluster": key}
    try:
        started = executions.start(name, policy.migration_input().model_dump(mode="json"))
    except Exception:
        # A start that failed may still have happened (a timeout after Step Functions took
        # it). If it did, the claim stays: no other alarm starts a second migration while
        # ListExecutions may not show this one yet, and Lambda's retry of this event finds it
        # by name. Otherwise (or if that cannot be told) the claim goes, so a retry or the
        # next alarm can start it.
        if executions.exists(name) is not True:
            marks.release(key, name)
        raise
    return {"started": True, "new": started, "hosted_cluster": key, "execution_name": name,
            "approval": policy.migration_input().approval}
