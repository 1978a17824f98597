"""The rules that undo what an execution ended without its failure path left behind.

Step Functions runs no Catch for an execution that is stopped or exceeds its TimeoutSeconds:
a quiesced backup would leave the hosted cluster's etcd writers at 0 and its lock held; a
migration stopped before its restore would leave the hosted cluster paused on the source, its
Routes deleted. Step Functions reports every end on the default bus; one rule per machine sends
its ABORTED and TIMED_OUT executions to the function that recovers them.
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

ENDED_WITHOUT_CATCH = ("ABORTED", "TIMED_OUT")
# machine -> (function, rule id, rule description)
RECOVERIES = {
    "Backup": ("RecoverEndedBackup", "EndedBackups",
               "hcp-dr: a Backup execution stopped or timed out ran no failure path"),
    "Migration": ("RecoverStoppedMigration", "StoppedMigrations",
                  "hcp-dr: a Migration execution stopped ran no compensation"),
}


def ended_execution_pattern(machine_arn: str) -> dict[str, Any]:
    return {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {"status": list(ENDED_WITHOUT_CATCH), "stateMachineArn": [machine_arn]},
    }


class ExecutionRecovery(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, functions: Functions,
                 machines: dict[str, sfn.StateMachine]) -> None:
        super().__init__(scope, construct_id)
        # Invoked by rules, not by a state machine: Monitoring alarms on their own errors.
        self.event_driven: dict[str, lambda_.IFunction] = {}
        for machine_name, (function_name, rule_id, description) in RECOVERIES.items():
            recover = functions.by_name[function_name]
            pattern = ended_execution_pattern(machines[machine_name].state_machine_arn)
            events.Rule(
                self, rule_id, description=description,
                event_pattern=events.EventPattern(
                    source=pattern["source"], detail_type=pattern["detail-type"],
                    detail=pattern["detail"]),
                targets=[targets.LambdaFunction(recover, retry_attempts=8,
                                                max_event_age=Duration.hours(6))],
            )
            self.event_driven[function_name] = recover
