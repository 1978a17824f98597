"""The rule that undoes what a stopped or timed-out Backup execution left behind.

Step Functions runs no Catch for an execution that is stopped or exceeds its TimeoutSeconds,
so a quiesced backup ended that way would leave the hosted cluster's etcd writers at 0 and
its lock held. Step Functions reports every end on the default bus; this rule sends the
Backup machine's ABORTED and TIMED_OUT ones to RecoverEndedBackup.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.functions import Functions

RECOVER_FUNCTION = "RecoverEndedBackup"
ENDED_WITHOUT_CATCH = ("ABORTED", "TIMED_OUT")


def ended_backup_pattern(backup_machine_arn: str) -> dict[str, Any]:
    return {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {"status": list(ENDED_WITHOUT_CATCH), "stateMachineArn": [backup_machine_arn]},
    }


class BackupRecovery(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, functions: Functions,
                 backup_machine: sfn.IStateMachine) -> None:
        super().__init__(scope, construct_id)
        recover = functions.by_name[RECOVER_FUNCTION]
        pattern = ended_backup_pattern(backup_machine.state_machine_arn)
        self.rule = events.Rule(
            self, "EndedBackups",
            description="hcp-dr: a Backup execution stopped or timed out ran no failure path",
            event_pattern=events.EventPattern(
                source=pattern["source"], detail_type=pattern["detail-type"],
                detail=pattern["detail"]),
            targets=[targets.LambdaFunction(recover, retry_attempts=8,
                                            max_event_age=Duration.hours(6))],
        )
        # Invoked by a rule, not by a state machine: Monitoring alarms on its own errors.
        self.event_driven: dict[str, lambda_.IFunction] = {RECOVER_FUNCTION: recover}
