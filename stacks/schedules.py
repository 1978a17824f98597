"""The EventBridge Scheduler schedule that starts the scheduled backup state machine.

A tick Scheduler could not deliver (throttled, refused, retries spent) would otherwise vanish:
it lands in a dead-letter queue that Monitoring alarms on, so the first missed tick pages
instead of the freshness alarms, two intervals later and only for the monitored clusters.
"""

from __future__ import annotations

import json

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks import nag
from stacks.config import StackConfig


class Schedules(Construct):
    """One schedule (context `backupSchedule`) -> StartExecution of the target machine."""

    def __init__(
        self, scope: Construct, construct_id: str, *,
        config: StackConfig, target: sfn.IStateMachine,
    ) -> None:
        super().__init__(scope, construct_id)
        account = Stack.of(self).account
        self.role = iam.Role(
            self, "Role",
            description="hcp-dr: lets EventBridge Scheduler start the scheduled backup",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": account}},
            ),
        )
        target.grant_start_execution(self.role)
        # Scheduler sends undeliverable ticks with the execution role's identity.
        self.dead_letters = sqs.Queue(
            self, "UndeliveredTicks",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        nag.acknowledge(
            self.dead_letters, "AwsSolutions-SQS3",
            "This queue is itself the dead-letter queue of the backup schedule; an alarm on its "
            "depth pages, and nothing consumes it automatically.",
        )
        self.dead_letters.grant_send_messages(self.role)
        self.schedule = scheduler.CfnSchedule(
            self, "BackupSchedule",
            description="hcp-dr: back up every hosted cluster of every management cluster",
            schedule_expression=config.backup_schedule,
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            state="ENABLED" if config.schedule_enabled else "DISABLED",
            target=scheduler.CfnSchedule.TargetProperty(
                arn=target.state_machine_arn,
                role_arn=self.role.role_arn,
                # The machine hands it to ListHostedClusters, which refuses unknown fields.
                input=json.dumps(config.backup_schedule_input, sort_keys=True),
                dead_letter_config=scheduler.CfnSchedule.DeadLetterConfigProperty(
                    arn=self.dead_letters.queue_arn,
                ),
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                    maximum_retry_attempts=3,
                    # A start that could not happen within one interval is superseded by the
                    # next run anyway.
                    maximum_event_age_in_seconds=max(
                        60, min(config.backup_interval_seconds, 86400)
                    ),
                ),
            ),
        )
        # The role's policy must exist before the schedule first fires.
        self.schedule.node.add_dependency(self.role)
