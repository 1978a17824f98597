"""What starts the migration's event-driven parts (docs/migration-design.md, stage 5 and
"Triggers"): the EventBridge rules that wake `WatchDnsCleanup` and `StartMigrationFromAlarm`,
and the migration-policies parameter the latter reads.

- Route 53 `ChangeResourceRecordSets` CloudTrail events -> WatchDnsCleanup. CloudTrail
  delivers Route 53 events (a global service) to EventBridge in us-east-1 only: for a stack
  bound to another region the app adds a forwarder stack there (stacks/route53_forwarding.py);
  without one the waits rely on the fallback poll alone, and the synth warns.
- A fallback schedule (context `dnsFallbackPollRate`) -> WatchDnsCleanup, because CloudTrail
  delivery is best effort.
- `CloudWatch Alarm State Change` to ALARM (optionally only the alarms of context
  `migrationAlarmNames`) -> StartMigrationFromAlarm, which starts the Migration machine (its
  grant and HCP_DR_MIGRATION_STATE_MACHINE_ARN come from Functions.connect_state_machines).

The sandbox installs the same rules (sandbox/scenario/migration_triggers.py); a test keeps the
patterns equal.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Annotations, Duration, Stack, Token
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_ssm as ssm
from aws_cdk.region_info import RegionInfo
from constructs import Construct

from stacks import catalog
from stacks.config import StackConfig
from stacks.functions import Functions

WATCH_DNS_FUNCTION = catalog.DNS_WATCHER
START_FROM_ALARM_FUNCTION = "StartMigrationFromAlarm"
ROUTE53_EVENTS_REGION = "us-east-1"
STANDARD_PARAMETER_BYTES = 4096

ROUTE53_CHANGES_PATTERN: dict[str, Any] = {
    "source": ["aws.route53"],
    "detail-type": ["AWS API Call via CloudTrail"],
    "detail": {
        "eventSource": ["route53.amazonaws.com"],
        "eventName": ["ChangeResourceRecordSets"],
    },
}


def forwarding_needed(region: str) -> bool:
    """A commercial region other than the one Route 53 delivers its events to: the app adds
    the us-east-1 forwarder (stacks/route53_forwarding.py) for it."""
    # A region CDK does not know yet is taken for a commercial one; the other partitions
    # (aws-cn, aws-us-gov, aws-eusc, the isolated ones) deliver Route 53's events elsewhere.
    partition = RegionInfo.get(region).partition
    return region != ROUTE53_EVENTS_REGION and partition in (None, "aws")


def forwarder_built(config: StackConfig, region: str) -> bool:
    """Whether the app adds the us-east-1 forwarder beside a stack in `region` (the one rule
    for both the forwarder stack and the warning when there is none)."""
    return (config.route53_event_forwarder and not Token.is_unresolved(region)
            and forwarding_needed(region))


def alarm_pattern(alarm_names: tuple[str, ...] = ()) -> dict[str, Any]:
    """Alarms entering ALARM, not while their actions are suppressed; only the named ones
    when names are given."""
    detail: dict[str, Any] = {"state": {"value": ["ALARM"],
                                        "actionsSuppressedBy": [{"exists": False}]}}
    if alarm_names:
        detail["alarmName"] = list(alarm_names)
    return {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "detail": detail,
    }


def event_pattern(pattern: dict[str, Any]) -> events.EventPattern:
    return events.EventPattern(
        source=pattern["source"], detail_type=pattern["detail-type"], detail=pattern["detail"],
    )


class MigrationTriggers(Construct):
    """The three rules and the migration-policies parameter."""

    def __init__(
        self, scope: Construct, construct_id: str, *,
        config: StackConfig, functions: Functions,
    ) -> None:
        """`functions` after Functions.connect_state_machines (the alarm rule waits for the
        policy that lets StartMigrationFromAlarm start migrations)."""
        super().__init__(scope, construct_id)
        watch = functions.by_name[WATCH_DNS_FUNCTION]
        start = functions.by_name[START_FROM_ALARM_FUNCTION]
        # Invoked by rules, not by a state machine: no execution fails when they do, so
        # Monitoring alarms on their own errors.
        self.event_driven: dict[str, lambda_.IFunction] = {
            WATCH_DNS_FUNCTION: watch, START_FROM_ALARM_FUNCTION: start}

        # A Route 53 event or a poll only says "look at the zones again", and the next poll
        # does the same: an undeliverable one is dropped within minutes instead of being
        # retried for a day; so is one Lambda throttles (the watcher's reserved concurrency),
        # which would otherwise wait in Lambda's own queue for up to 6 hours.
        lambda_.EventInvokeConfig(self, "WatchDnsCleanupAsync", function=watch,
                                  max_event_age=Duration.minutes(5), retry_attempts=0)
        def dns_target() -> targets.LambdaFunction:
            return targets.LambdaFunction(
                watch, retry_attempts=2, max_event_age=Duration.minutes(5)
            )

        self.route53_changes = events.Rule(
            self, "Route53Changes",
            description=(
                "hcp-dr: Route 53 record changes (CloudTrail, delivered in us-east-1) wake "
                "the DNS-cleanup waits of migrations"
            ),
            event_pattern=event_pattern(ROUTE53_CHANGES_PATTERN),
            targets=[dns_target()],
        )
        self.dns_fallback_poll = events.Rule(
            self, "DnsFallbackPoll",
            description=(
                "hcp-dr: fallback check of pending DNS-cleanup waits (CloudTrail delivery is "
                "best effort)"
            ),
            schedule=events.Schedule.expression(config.dns_fallback_poll_rate),
            targets=[dns_target()],
        )

        value = config.migration_policies_json
        self.policies = ssm.StringParameter(
            self, "MigrationPolicies",
            parameter_name=config.migration_policies_parameter,
            description=(
                "hcp-dr: which CloudWatch alarm migrates which hosted cluster, and how "
                "(context migrationPolicies)"
            ),
            string_value=value,
            tier=(
                ssm.ParameterTier.STANDARD
                if len(value.encode()) <= STANDARD_PARAMETER_BYTES
                else ssm.ParameterTier.ADVANCED
            ),
        )
        self.alarm_migrations = events.Rule(
            self, "AlarmMigrations",
            description="hcp-dr: an alarm entering ALARM starts the migration its policy names",
            event_pattern=event_pattern(alarm_pattern(config.migration_alarm_names)),
            targets=[targets.LambdaFunction(start)],
        )
        # No alarm is handled before the policies it looks up exist and the function may
        # start what they name.
        self.alarm_migrations.node.add_dependency(self.policies)
        if START_FROM_ALARM_FUNCTION in functions.state_machine_access:
            self.alarm_migrations.node.add_dependency(
                functions.state_machine_access[START_FROM_ALARM_FUNCTION]
            )

        region = Stack.of(self).region
        if (not Token.is_unresolved(region) and region != ROUTE53_EVENTS_REGION
                and not forwarder_built(config, region)):
            Annotations.of(self.route53_changes).add_warning_v2(
                "hcp-dr:route53-events-region",
                f"Route 53 CloudTrail events reach EventBridge only in {ROUTE53_EVENTS_REGION} "
                f"(in the aws partition) and no forwarder is built for {region}: forward them "
                f"to its default bus yourself, or DNS waits complete through the fallback poll "
                f"({config.dns_fallback_poll_rate}) alone.",
            )
