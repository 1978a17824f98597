"""The backup schedule cannot stop silently: a tick Scheduler gave up on lands in a
dead-letter queue that pages, and a fleet no tick reached for two intervals pages too, whether
or not any cluster is listed in `monitoredClusters`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from synth_helpers import Synth, as_list, ref, statements_by_principal, synthesize

INTERVAL_SECONDS = 1800  # TEST_CONTEXT's rate(30 minutes)


@pytest.fixture(scope="module")
def unmonitored(tmp_path_factory: pytest.TempPathFactory, asl_dir) -> Synth:
    return synthesize(tmp_path_factory.mktemp("cdk.out.unmonitored"), asl_dir,
                      monitoredClusters=[])


@pytest.fixture(scope="module")
def disabled(tmp_path_factory: pytest.TempPathFactory, asl_dir) -> Synth:
    return synthesize(tmp_path_factory.mktemp("cdk.out.disabled"), asl_dir,
                      scheduleEnabled=False)


def _alarm(synth: Synth, prefix: str) -> dict[str, Any] | None:
    found = [v["Properties"] for k, v in synth.of_type("AWS::CloudWatch::Alarm").items()
             if k.startswith(prefix)]
    assert len(found) <= 1
    return found[0] if found else None


def _queue(synth: Synth) -> tuple[str, dict[str, Any]]:
    [(queue_id, queue)] = synth.of_type("AWS::SQS::Queue").items()
    return queue_id, queue["Properties"]


def test_undelivered_ticks_go_to_an_encrypted_queue_the_schedule_may_write(synth: Synth) -> None:
    queue_id, queue = _queue(synth)
    assert queue["SqsManagedSseEnabled"] is True
    [schedule] = synth.of_type("AWS::Scheduler::Schedule").values()
    target = schedule["Properties"]["Target"]
    assert ref(target["DeadLetterConfig"]["Arn"]) == queue_id
    sends = [s for s in statements_by_principal(synth)[ref(target["RoleArn"])]
             if "sqs:SendMessage" in as_list(s["Action"])]
    assert [ref(r) for s in sends for r in as_list(s["Resource"])] == [queue_id]
    [policy] = synth.of_type("AWS::SQS::QueuePolicy").values()
    [deny] = [s for s in policy["Properties"]["PolicyDocument"]["Statement"]
              if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_a_dead_lettered_tick_pages_at_once(synth: Synth) -> None:
    queue_id, _ = _queue(synth)
    alarm = _alarm(synth, "MonitoringScheduleUndelivered")
    assert alarm is not None
    # Messages sent, not the depth: nothing drains the queue, so a depth alarm would stay in
    # ALARM after the first undelivered tick and never page for the next.
    assert alarm["MetricName"] == "NumberOfMessagesSent"
    assert alarm["Statistic"] == "Sum"
    assert alarm["Namespace"] == "AWS/SQS"
    [dimension] = alarm["Dimensions"]
    assert ref(dimension["Value"]) == queue_id
    assert alarm["Threshold"] == 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["EvaluationPeriods"] == 1 and alarm["Period"] <= 300
    assert alarm["TreatMissingData"] == "notBreaching"


def _stopped_alarm_is_sound(synth: Synth) -> None:
    alarm = _alarm(synth, "MonitoringScheduledBackupsStopped")
    assert alarm is not None
    assert alarm["TreatMissingData"] == "breaching"
    assert alarm["ComparisonOperator"] == "LessThanThreshold" and alarm["Threshold"] == 1
    [started] = [m for m in alarm["Metrics"] if "MetricStat" in m]
    stat = started["MetricStat"]
    assert stat["Metric"]["MetricName"] == "ExecutionsStarted"
    assert stat["Metric"]["Namespace"] == "AWS/States"
    [dimension] = stat["Metric"]["Dimensions"]
    assert ref(dimension["Value"]).startswith("WorkflowsScheduledBackupStateMachine")
    assert stat["Stat"] == "Sum"
    # Two intervals without a single start: one late tick is not a page.
    assert stat["Period"] * alarm["EvaluationPeriods"] == 2 * INTERVAL_SECONDS
    assert alarm["DatapointsToAlarm"] == alarm["EvaluationPeriods"]
    assert any("FILL" in m.get("Expression", "") for m in alarm["Metrics"])


def test_a_schedule_that_stops_firing_pages(synth: Synth, unmonitored: Synth) -> None:
    _stopped_alarm_is_sound(synth)
    _stopped_alarm_is_sound(unmonitored)  # no cluster listed: this is the only watch left
    assert not [k for k in unmonitored.of_type("AWS::CloudWatch::Alarm")
                if "BackupStale" in k or "FreshnessSilent" in k]


def test_a_disabled_schedule_is_not_reported_as_stopped(disabled: Synth) -> None:
    assert _alarm(disabled, "MonitoringScheduledBackupsStopped") is None
    assert _alarm(disabled, "MonitoringScheduleUndelivered") is not None
    [schedule] = disabled.of_type("AWS::Scheduler::Schedule").values()
    assert schedule["Properties"]["State"] == "DISABLED"
    assert json.dumps(schedule).count("DeadLetterConfig") == 1


def test_clusters_a_run_could_not_back_up_page(synth: Synth, capsys, monkeypatch) -> None:
    """The run succeeds when a management cluster cannot be listed, and a cluster outside
    monitoredClusters has no freshness alarm: the fan-out's own count must page."""
    from hcp_dr.handlers import summarize_backup_fanout

    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "HcpDr")
    summary = summarize_backup_fanout.handler(
        {"results": [], "unreachable": [{"management_cluster": "mgmt-b", "error": "X"}]},
        _Context())
    assert summary["unreachable_management_clusters"]
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines()
               if '"_aws"' in line]
    [(namespace, name, value)] = [
        (m["Namespace"], metric["Name"], document[metric["Name"]])
        for document in emitted for m in document["_aws"]["CloudWatchMetrics"]
        for metric in m["Metrics"]]
    assert value in (1, [1])  # EMF may carry a value or a list of values
    alarm = _alarm(synth, "MonitoringScheduledBackupIncomplete")
    assert alarm is not None
    [query] = [m for m in alarm["Metrics"] if "Expression" in m]
    assert query["Expression"] == f'SELECT SUM({name}) FROM "{namespace}"'
    assert alarm["Threshold"] == 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


class _Context:
    function_name = "SummarizeBackupFanout"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-west-1:111122223333:function:SummarizeBackupFanout"
    aws_request_id = "req-1"
