"""A CloudWatch alarm starts the migration its policy names, once: a flapping alarm and a
duplicated event delivery start no second migration of the same hosted cluster."""

from __future__ import annotations

import json
import threading

import pytest

from sandbox.environment import Sandbox
from sandbox.rollback_check import source_state
from tests.integration.backup_driver import InjectedFailure, handler_wrapped, wait_until

pytestmark = pytest.mark.skipif(not hasattr(Sandbox, "trigger_alarm"),
                                reason="needs the sandbox's alarm events and policies (issue 4)")



def _executions(sandbox: Sandbox) -> list[dict]:
    return sandbox.aws.client("stepfunctions").list_executions(
        stateMachineArn=sandbox.state_machines["Migration"])["executions"]


def test_alarm_firing_twice_starts_one_migration(sandbox: Sandbox):
    before = source_state(sandbox)
    release = threading.Event()

    def held_in_preflight(real):
        def handler(event, context):
            release.wait(timeout=60)
            raise InjectedFailure("held, then refused")
        return handler

    with handler_wrapped(sandbox, "PreflightMigration", held_in_preflight):
        assert sandbox.trigger_alarm()
        sandbox.aws.wait_for_deliveries()
        wait_until(lambda: len(_executions(sandbox)) == 1, timeout=30)
        # Flapping (OK -> ALARM) and a duplicated delivery of the same state change.
        sandbox.trigger_alarm(state="OK")
        sandbox.trigger_alarm()
        sandbox.trigger_alarm(force_event=True)
        sandbox.aws.wait_for_deliveries()
        executions = _executions(sandbox)
        assert [e["status"] for e in executions] == ["RUNNING"]
        release.set()
        description = sandbox.aws.wait_for_execution(executions[0]["executionArn"], timeout=60)
    assert (description["status"], description.get("error")) == ("FAILED", "InjectedFailure")
    started = json.loads(description["input"])
    assert started["hosted_cluster"] == {"namespace": sandbox.plan.namespace,
                                         "name": sandbox.plan.name}
    assert (started["source"], started["destination"], started["approval"]) == (
        "source", "destination", "skip")

    # The first migration is over, but the alarm flaps within the dedupe window: nothing new.
    sandbox.trigger_alarm(state="OK")
    sandbox.trigger_alarm()
    sandbox.aws.wait_for_deliveries()
    assert len(_executions(sandbox)) == 1
    assert source_state(sandbox) == before
    errors = [i.error_type for i in sandbox.aws.invocations
              if i.function_name == "StartMigrationFromAlarm" and i.error_type]
    assert errors == []


def test_an_alarm_whose_actions_are_suppressed_reaches_no_function(sandbox: Sandbox):
    """A composite alarm's ALARM while its ActionsSuppressor (a declared maintenance) holds:
    the rule's `actionsSuppressedBy: exists false` keeps it from the trigger at all."""
    from sandbox.scenario.migration_triggers import alarm_state_change

    name = sandbox.options.migration_alarm_name
    sandbox.trigger_alarm(state="OK")
    sandbox.aws.wait_for_deliveries()
    alarm = sandbox.aws.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    before = [i for i in sandbox.aws.invocations if i.function_name == "StartMigrationFromAlarm"]
    entry = alarm_state_change(alarm, {"value": "OK"}, "ALARM", "maintenance")
    detail = json.loads(entry["Detail"])
    detail["state"]["actionsSuppressedBy"] = "Alarm"
    detail["state"]["actionsSuppressedReason"] = "Alarm maintenance-window is in ALARM"
    sandbox.aws.client("events").put_events(Entries=[{**entry, "Detail": json.dumps(detail)}])
    sandbox.aws.wait_for_deliveries()
    after = [i for i in sandbox.aws.invocations if i.function_name == "StartMigrationFromAlarm"]
    assert after == before
