"""The small stack in us-east-1 that carries Route 53's record changes to hcp-dr's region.

Route 53 is a global service: CloudTrail hands its API calls to EventBridge in us-east-1 only.
A migration deployed in another region would never hear of the record removal its DNS wait
is for and would move on only at the fallback poll. This stack's one rule sends those events,
unchanged, to the default bus of hcp-dr's region, where the `Route53Changes` rule
(stacks/triggers.py) matches them as if they had been delivered there. A forward that is lost
costs what a lost CloudTrail event costs: the wait ends at the next fallback poll.

The stack needs to know hcp-dr's region when it is synthesized, so the app adds it only when
the main stack is bound to an account and region (`cdk deploy` with credentials binds it; an
offline synth does not: `stacks.application.deployment_environment`). Partitions other than
`aws` deliver Route 53's events elsewhere; no forwarder is built for them and the main stack
warns instead. CDK never deletes a stack the app stops producing: after turning
`route53EventForwarder` off or moving hcp-dr to us-east-1, delete the old forwarder stack.
"""

from __future__ import annotations

from aws_cdk import Environment, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from constructs import Construct

from stacks.triggers import ROUTE53_CHANGES_PATTERN, ROUTE53_EVENTS_REGION, event_pattern


class Route53EventForwarder(Stack):
    """One rule in us-east-1 -> the default event bus of `target_region`, same account."""

    def __init__(self, scope: Construct, construct_id: str, *, account: str | None,
                 target_region: str, **kwargs) -> None:
        super().__init__(scope, construct_id,
                         env=Environment(account=account, region=ROUTE53_EVENTS_REGION), **kwargs)
        self.target_bus_arn = self.format_arn(
            service="events", region=target_region, resource="event-bus",
            resource_name="default")
        target_bus = events.EventBus.from_event_bus_arn(self, "HcpDrRegionBus",
                                                        self.target_bus_arn)
        # EventBridge needs a role to put events on a bus in another region; this one may put
        # them on that one bus only, and only EventBridge of this account may assume it.
        self.role = iam.Role(
            self, "ForwardRole",
            description=f"hcp-dr: forwards Route 53 record changes to {target_region}",
            assumed_by=iam.ServicePrincipal(
                "events.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            ),
        )
        self.rule = events.Rule(
            self, "ForwardRoute53Changes",
            description=(
                f"hcp-dr: Route 53 record changes (CloudTrail) to {target_region}, where they "
                "wake the DNS-cleanup waits of migrations"
            ),
            event_pattern=event_pattern(ROUTE53_CHANGES_PATTERN),
            targets=[targets.EventBus(target_bus, role=self.role)],
        )
        # No event is forwarded before the role may put it on the bus.
        self.rule.node.add_dependency(self.role)
