"""EventBridge rules and Scheduler schedules defined in moto reach Lambda and Step Functions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sandbox.aws import LocalAws, deploy_state_machine

ROLE_ARN = "arn:aws:iam::123456789012:role/hcp-dr-sandbox-events"


@pytest.fixture
def echo_machine(local_aws: LocalAws, tmp_path: Path) -> str:
    asl = tmp_path / "echo.asl.json"
    asl.write_text(json.dumps({"StartAt": "Echo", "States": {"Echo": {"Type": "Pass",
                                                                      "End": True}}}))
    return deploy_state_machine(local_aws, "Echo", asl, {})


def _put(local_aws: LocalAws, source: str, detail_type: str, detail: dict[str, Any]) -> None:
    response = local_aws.client("events").put_events(Entries=[
        {"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail)}
    ])
    assert response["FailedEntryCount"] == 0


def test_rule_delivers_matching_events_to_lambda_only(local_aws: LocalAws) -> None:
    received: list[dict[str, Any]] = []
    local_aws.register_handler("OnBackupRequested", lambda event, context: received.append(event))
    events = local_aws.client("events")
    events.put_rule(Name="backup-requested", EventPattern=json.dumps({
        "source": ["hcp-dr.test"], "detail-type": ["BackupRequested"],
        "detail": {"cluster": [{"prefix": "prod-"}]},
    }))
    events.put_targets(Rule="backup-requested", Targets=[
        {"Id": "fn", "Arn": local_aws.function_arn("OnBackupRequested")}
    ])

    _put(local_aws, "hcp-dr.test", "BackupRequested", {"cluster": "prod-1"})
    _put(local_aws, "hcp-dr.test", "BackupRequested", {"cluster": "dev-1"})
    _put(local_aws, "hcp-dr.other", "BackupRequested", {"cluster": "prod-2"})
    local_aws.wait_for_deliveries()

    assert [event["detail"] for event in received] == [{"cluster": "prod-1"}]
    event = received[0]
    assert event["source"] == "hcp-dr.test"
    assert event["detail-type"] == "BackupRequested"
    assert event["account"] == "123456789012"
    assert event["time"].endswith("Z") and "T" in event["time"]
    assert "ingestion-time" not in event


def test_rule_starts_state_machine_with_transformed_input(
    local_aws: LocalAws, echo_machine: str
) -> None:
    events = local_aws.client("events")
    events.put_rule(Name="to-echo", EventPattern=json.dumps({"source": ["hcp-dr.echo"]}))
    events.put_targets(Rule="to-echo", Targets=[
        {"Id": "path", "Arn": echo_machine, "RoleArn": ROLE_ARN, "InputPath": "$.detail"},
        {"Id": "xf", "Arn": echo_machine, "RoleArn": ROLE_ARN, "InputTransformer": {
            "InputPathsMap": {"cluster": "$.detail.cluster"},
            "InputTemplate": '{"requested": "<cluster>", "via": "transformer"}',
        }},
    ])

    _put(local_aws, "hcp-dr.echo", "Anything", {"cluster": "prod-7"})
    deliveries = [d for d in local_aws.wait_for_deliveries() if d.target_arn == echo_machine]

    assert [d.error for d in deliveries] == [None, None]
    outputs = [
        json.loads(local_aws.wait_for_execution(d.execution_arn or "", 10)["output"])
        for d in deliveries
    ]
    assert sorted(outputs, key=json.dumps) == [
        {"cluster": "prod-7"}, {"requested": "prod-7", "via": "transformer"}
    ]


def test_disabled_rule_delivers_nothing(local_aws: LocalAws) -> None:
    received: list[Any] = []
    local_aws.register_handler("Muted", lambda event, context: received.append(event))
    events = local_aws.client("events")
    events.put_rule(Name="muted", EventPattern=json.dumps({"source": ["hcp-dr.muted"]}),
                    State="DISABLED")
    events.put_targets(Rule="muted", Targets=[{"Id": "fn", "Arn": local_aws.function_arn("Muted")}])

    _put(local_aws, "hcp-dr.muted", "Anything", {})
    local_aws.wait_for_deliveries()

    assert received == []


def test_scheduler_tick_starts_an_execution(local_aws: LocalAws, echo_machine: str) -> None:
    local_aws.client("scheduler").create_schedule(
        Name="hourly-backup",
        ScheduleExpression="rate(1 hour)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": echo_machine, "RoleArn": ROLE_ARN, "Input": json.dumps({
            "source": "hcp-dr.schedule", "scheduledTime": "<aws.scheduler.scheduled-time>",
        })},
    )

    delivery = local_aws.fire_schedule("hourly-backup")

    assert delivery.error is None and delivery.execution_arn
    description = local_aws.wait_for_execution(delivery.execution_arn, timeout=10)
    output = json.loads(description["output"])
    assert output["source"] == "hcp-dr.schedule"
    assert output["scheduledTime"].endswith("Z")


def test_scheduler_tick_invokes_a_lambda(local_aws: LocalAws) -> None:
    received: list[Any] = []
    local_aws.register_handler("Tick", lambda event, context: received.append(event))
    local_aws.client("scheduler").create_schedule(
        Name="tick", ScheduleExpression="rate(5 minutes)", FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": local_aws.function_arn("Tick"), "RoleArn": ROLE_ARN, "Input": "{\"n\": 1}"},
    )

    local_aws.fire_schedule("tick")
    local_aws.wait_for_deliveries()

    assert received == [{"n": 1}]


def test_scheduled_rule_tick(local_aws: LocalAws) -> None:
    received: list[dict[str, Any]] = []
    local_aws.register_handler("Cron", lambda event, context: received.append(event))
    events = local_aws.client("events")
    events.put_rule(Name="cron", ScheduleExpression="rate(1 hour)")
    events.put_targets(Rule="cron", Targets=[{"Id": "fn", "Arn": local_aws.function_arn("Cron")}])

    local_aws.fire_rule("cron")
    local_aws.wait_for_deliveries()

    assert [event["detail-type"] for event in received] == ["Scheduled Event"]
    assert received[0]["resources"][0].endswith(":rule/cron")
