"""Telling a human that backups stopped working: the failure topic and the alarms on it.

Three watches, so that no way of stopping is silent: runs that fail (BackupFailed, failed or
timed-out executions, event-driven functions' errors), a schedule that stops (its dead-letter
queue, no scheduled execution started in two intervals) and clusters whose backups age
(per monitored cluster: too old, or no age reported).

Metric contract with the functions (Powertools Metrics, namespace `HcpDr`): Powertools adds
the dimension `service=hcp-dr` to every metric it emits, so the freshness metric
`NewestBackupAgeSeconds` (seconds, one datapoint per cluster per scheduled run) is alarmed
with the dimensions {service, HostedCluster}. `BackupFailed` is summed over every dimension
combination with a Metrics Insights query, so it alarms whatever dimensions it carries.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.config import METRICS_NAMESPACE, SERVICE_NAME, StackConfig

FRESHNESS_METRIC = "NewestBackupAgeSeconds"
FAILURE_METRIC = "BackupFailed"
FANOUT_FAILURE_METRIC = "ScheduledBackupFailures"
CLUSTER_DIMENSION = "HostedCluster"
MAX_ALARM_PERIOD = 86400
FAILURE_PERIOD = Duration.minutes(5)


class FailureNotifications(Construct):
    """The SNS topic alarms and the backup workflow publish failures to."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self, "TopicKey",
            description="hcp-dr: encrypts the failure notification topic",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
        )
        # CloudWatch alarms publish as the service, so the key must let it encrypt; scoped to
        # this account's alarms.
        self.key.add_to_resource_policy(iam.PolicyStatement(
            sid="AllowCloudWatchAlarmsToPublish",
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey"],
            resources=["*"],
            conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
        ))
        self.topic = sns.Topic(
            self, "Topic",
            display_name="hcp-dr failures and approval requests",
            master_key=self.key,
            enforce_ssl=True,
        )
        self.topic.add_to_resource_policy(iam.PolicyStatement(
            sid="AllowCloudWatchAlarms",
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["sns:Publish"],
            resources=[self.topic.topic_arn],
            conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
        ))


    def grant_publish(self, grantee: iam.IGrantable) -> None:
        """sns:Publish on the topic plus exactly the KMS actions SSE-KMS needs for it (the L2
        grant adds `kms:GenerateDataKey*`, a wildcard action this stack does not need)."""
        grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
            sid="PublishFailures",
            actions=["sns:Publish"],
            resources=[self.topic.topic_arn],
        ))
        grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
            sid="EncryptFailureNotifications",
            actions=["kms:Decrypt", "kms:GenerateDataKey"],
            resources=[self.key.key_arn],
        ))


def alarm_window(seconds: int) -> tuple[Duration, int]:
    """An alarm period (CloudWatch allows at most a day) and how many periods span seconds."""
    period = min(seconds, MAX_ALARM_PERIOD)
    return Duration.seconds(period), math.ceil(seconds / period)


@dataclass(frozen=True)
class ScheduleWatch:
    """What tells that the backup schedule stopped: the machine it starts and its DLQ."""

    machine: str  # key of the scheduled machine in `state_machines`
    dead_letters: sqs.IQueue


def summed_everywhere(metric_name: str) -> cloudwatch.MathExpression:
    """A metric of ours summed over every dimension combination it is emitted with."""
    return cloudwatch.MathExpression(
        label=metric_name,
        expression=f'SELECT SUM({metric_name}) FROM "{METRICS_NAMESPACE}"',
        period=FAILURE_PERIOD,
    )


class Monitoring(Construct):
    """Alarms on failed runs, failed executions and backup freshness, all to the topic."""

    def __init__(
        self, scope: Construct, construct_id: str, *,
        config: StackConfig, topic: sns.ITopic, state_machines: dict[str, sfn.StateMachine],
        event_driven: dict[str, lambda_.IFunction] | None = None,
        schedule: ScheduleWatch | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._action = cloudwatch_actions.SnsAction(topic)
        self.alarms: list[cloudwatch.Alarm] = []

        self._on_any(
            "BackupFailed", f"A backup run reported {FAILURE_METRIC} (any hosted cluster).",
            summed_everywhere(FAILURE_METRIC),
        )
        # The fan-out's own count: clusters whose backup failed, and those it could not even
        # try (an unreachable management cluster, one name live on two). The run itself
        # succeeds, and a cluster missing from monitoredClusters has no freshness alarm.
        self._on_any(
            "ScheduledBackupIncomplete",
            f"A scheduled run reported {FANOUT_FAILURE_METRIC}: a hosted cluster's backup "
            "failed, or a management cluster could not be listed, or one name is live on two "
            "management clusters (see the run's output).",
            summed_everywhere(FANOUT_FAILURE_METRIC),
        )

        for name, machine in state_machines.items():
            for alarm_id, metric, what in (
                ("ExecutionsFailed", machine.metric_failed(period=FAILURE_PERIOD), "failed"),
                ("ExecutionsTimedOut", machine.metric_timed_out(period=FAILURE_PERIOD),
                 "timed out"),
            ):
                self._on_any(f"{name}{alarm_id}",
                             f"An execution of the {name} state machine {what}.",
                             metric.with_(statistic="Sum"))

        # A migration stopped by hand (StopExecution) runs no compensation. Stopped before its
        # restore, RecoverStoppedMigration puts the source back (its errors page); after it,
        # only a person can decide, so every stop pages. (A stopped Backup is recovered by
        # RecoverEndedBackup, whose errors page.)
        migration = state_machines.get("Migration")
        if migration is not None:
            self._on_any(
                "MigrationExecutionsAborted",
                "A Migration execution was stopped: no compensation ran in it. If it had not "
                "begun the restore, RecoverStoppedMigration puts the source back (its log says "
                "'recovered'). Otherwise check where the hosted cluster runs: on the source, an "
                "HC still paused (spec.pausedUntil, annotation hcp-dr.openshift.io/quiesced) "
                "and its Routes under the migration's S3 prefix; on the destination, objects "
                "labelled hcp-dr.openshift.io/migration-id.",
                migration.metric_aborted(period=FAILURE_PERIOD).with_(statistic="Sum"))

        # A function a rule invokes (the alarm trigger, the DNS watcher) fails silently once
        # EventBridge's retries are spent: an alarm trigger that cannot start a migration must
        # page someone.
        for name, function in (event_driven or {}).items():
            self._on_any(f"{name}Errors",
                         f"The {name} function failed (it is invoked by an EventBridge rule, "
                         "so no execution reports it).",
                         function.metric_errors(period=FAILURE_PERIOD, statistic="Sum"))

        self.freshness_threshold_seconds = 2 * config.backup_interval_seconds
        if schedule is not None:
            self._schedule_alarms(schedule, state_machines[schedule.machine], config)
        for cluster in config.monitored_clusters:
            self._freshness_alarms(cluster, config.backup_interval_seconds)

    def _on_any(self, construct_id: str, description: str, metric: cloudwatch.IMetric) -> None:
        """An alarm on any datapoint of at least 1 within one period; silence is OK."""
        self._add(cloudwatch.Alarm(
            self, construct_id,
            alarm_description=description,
            metric=metric,
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        ))

    def _add(self, alarm: cloudwatch.Alarm) -> None:
        alarm.add_alarm_action(self._action)
        self.alarms.append(alarm)

    def _schedule_alarms(self, schedule: ScheduleWatch, machine: sfn.StateMachine,
                         config: StackConfig) -> None:
        """A tick Scheduler gave up on, and a fleet that no tick reached: both page whatever
        `monitoredClusters` lists."""
        # Messages sent, not messages waiting: nothing drains the queue, so a depth alarm
        # would stay in ALARM after the first tick and never page for the next one.
        self._on_any(
            "ScheduleUndelivered",
            "EventBridge Scheduler could not start a scheduled backup (retries spent); the "
            "dead-letter queue holds its error.",
            schedule.dead_letters.metric_number_of_messages_sent(
                period=FAILURE_PERIOD, statistic="Sum"),
        )
        if not config.schedule_enabled:
            return  # a disabled schedule starts nothing, on purpose
        self._on_silence(
            "ScheduledBackupsStopped",
            f"No scheduled backup started during twice the backup interval "
            f"({self.freshness_threshold_seconds} s): the schedule is not firing.",
            "scheduled executions started", machine.metric_started(statistic="Sum"),
        )

    def _freshness_alarms(self, cluster: str, interval_seconds: int) -> None:
        construct_id = re.sub(r"[^A-Za-z0-9]", "-", cluster)
        dimensions = {"service": SERVICE_NAME, CLUSTER_DIMENSION: cluster}
        period, periods = alarm_window(interval_seconds)
        self._add(cloudwatch.Alarm(
            self, f"BackupStale-{construct_id}",
            alarm_description=(
                f"The newest backup of hosted cluster {cluster} is older than twice the backup "
                f"interval ({self.freshness_threshold_seconds} s)."
            ),
            metric=cloudwatch.Metric(
                namespace=METRICS_NAMESPACE, metric_name=FRESHNESS_METRIC,
                dimensions_map=dimensions, statistic="Maximum", period=period,
            ),
            threshold=self.freshness_threshold_seconds,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=periods,
            datapoints_to_alarm=periods,
            # Silence is the other alarm's job; this one judges the age it is told.
            treat_missing_data=cloudwatch.TreatMissingData.MISSING,
        ))
        self._on_silence(
            f"FreshnessSilent-{construct_id}",
            f"No {FRESHNESS_METRIC} arrived for hosted cluster {cluster} during twice the "
            "backup interval: the schedule, the workflow or the metrics are not running.",
            f"{FRESHNESS_METRIC} datapoints",
            cloudwatch.Metric(namespace=METRICS_NAMESPACE, metric_name=FRESHNESS_METRIC,
                              dimensions_map=dimensions, statistic="SampleCount"),
        )

    def _on_silence(self, construct_id: str, description: str, label: str,
                    metric: cloudwatch.Metric) -> None:
        """An alarm when `metric` had no datapoint during twice the backup interval (missing
        data counts as none: silence is what it watches)."""
        period, periods = alarm_window(self.freshness_threshold_seconds)
        self._add(cloudwatch.Alarm(
            self, construct_id,
            alarm_description=description,
            metric=cloudwatch.MathExpression(
                label=label, expression="FILL(samples, 0)", using_metrics={"samples": metric},
                period=period,
            ),
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=periods,
            datapoints_to_alarm=periods,
            treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
        ))
