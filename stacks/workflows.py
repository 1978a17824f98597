"""One Step Functions state machine per entry of `stacks.catalog.STATE_MACHINES`, defined by
its ASL file under `statemachines/` with every `${...}` placeholder substituted."""

from __future__ import annotations

import re
from graphlib import TopologicalSorter
from pathlib import Path

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks import catalog
from stacks.config import StackConfig
from stacks.functions import Functions, log_retention
from stacks.monitoring import FailureNotifications
from stacks.nag import acknowledge, acknowledge_wildcard_resource

PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
_MACHINE_ARN = re.compile(r"^(?P<name>[A-Za-z0-9]+)StateMachineArn$")
FAILURE_TOPIC_ARN = "FailureTopicArn"
# The rule Step Functions manages for `.sync` integrations with other state machines.
SYNC_EVENTS_RULE = "StepFunctionsGetEventsForStepFunctionsExecutionRule"


class AslError(ValueError):
    """An ASL file and the catalog disagree: a placeholder nothing substitutes, or a file
    that is missing."""


def placeholders(definition: str) -> set[str]:
    """The `${Name}` placeholders an ASL text uses."""
    return set(PLACEHOLDER.findall(definition))


def creation_order(specs: tuple[catalog.StateMachineSpec, ...]) -> list[catalog.StateMachineSpec]:
    """Machines whose ARN another one substitutes come first."""
    by_name = {spec.name: spec for spec in specs}
    graph: dict[str, set[str]] = {}
    for spec in specs:
        needs = set()
        for extra in spec.extra_substitutions:
            match = _MACHINE_ARN.match(extra)
            if match:
                if match.group("name") not in by_name:
                    raise AslError(f"{spec.name}: {extra} names no state machine of the catalog")
                needs.add(match.group("name"))
        graph[spec.name] = needs
    return [by_name[name] for name in TopologicalSorter(graph).static_order()]


class Workflows(Construct):
    """The state machines, by catalog name (`self.by_name`)."""

    def __init__(
        self, scope: Construct, construct_id: str, *,
        config: StackConfig, functions: Functions, notifications: FailureNotifications,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._functions = functions
        self._notifications = notifications
        self.by_name: dict[str, sfn.StateMachine] = {}
        for spec in creation_order(catalog.STATE_MACHINES):
            self.by_name[spec.name] = self._state_machine(spec)

    def _state_machine(self, spec: catalog.StateMachineSpec) -> sfn.StateMachine:
        path = definition_path(self._config, spec)
        if not path.is_file():
            raise AslError(f"{spec.name}: {path} does not exist (stacks/catalog.py names it)")
        definition = path.read_text()
        substitutions = {
            catalog.function_arn_placeholder(name): self._functions.by_name[name].function_arn
            for name in spec.functions
        }
        for extra in spec.extra_substitutions:
            substitutions[extra] = self._extra_value(extra)
        unknown = placeholders(definition) - substitutions.keys()
        if unknown:
            raise AslError(
                f"{path.name} uses {sorted(unknown)}, which stacks/catalog.py does not list "
                f"for {spec.name}"
            )

        scope = Construct(self, spec.name)
        log_group = logs.LogGroup(
            scope, "Logs",
            # Under /aws/vendedlogs/ one CloudWatch Logs resource policy covers every machine.
            log_group_name=f"/aws/vendedlogs/states/{Stack.of(self).stack_name}-{spec.name}",
            retention=log_retention(self._config.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )
        machine = sfn.StateMachine(
            scope, "StateMachine",
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(definition),
            definition_substitutions=substitutions,
            logs=sfn.LogOptions(
                destination=log_group,
                level=sfn.LogLevel[self._config.state_machine_log_level],
                # Inputs and outputs carry presigned URLs and cluster secrets: never log them.
                include_execution_data=False,
            ),
            tracing_enabled=True,
        )
        if self._config.state_machine_log_level != "ALL":
            acknowledge(
                machine, "AwsSolutions-SF1",
                "Context stateMachineLogLevel=ERROR was chosen to cut log volume; Step "
                "Functions keeps the full execution history for 90 days regardless.",
            )
        for name in spec.functions:
            function = self._functions.by_name[name]
            function.grant_invoke(machine)
            acknowledge_wildcard_resource(
                machine.role, f"{function.function_arn}:*",
                f"Added by grant_invoke for {name}: the ':*' form covers the function's "
                "versions and aliases that a Lambda task may name; the function itself is fixed.",
            )
        for extra in spec.extra_substitutions:
            self._grant_extra(machine, extra)
        self._acknowledge_service_wildcards(machine)
        return machine

    def _extra_value(self, extra: str) -> str:
        if extra == FAILURE_TOPIC_ARN:
            return self._notifications.topic.topic_arn
        match = _MACHINE_ARN.match(extra)
        if match:
            return self.by_name[match.group("name")].state_machine_arn
        raise AslError(f"no value for the substitution {extra!r} in stacks/workflows.py")

    def _grant_extra(self, machine: sfn.StateMachine, extra: str) -> None:
        if extra == FAILURE_TOPIC_ARN:
            self._notifications.grant_publish(machine)
            return
        match = _MACHINE_ARN.match(extra)
        if match:
            self._grant_start_sync(machine, self.by_name[match.group("name")])

    def _grant_start_sync(self, machine: sfn.StateMachine, child: sfn.StateMachine) -> None:
        """What `arn:aws:states:::states:startExecution.sync:2` needs on the child machine."""
        stack = Stack.of(self)
        child.grant_start_execution(machine)
        executions = stack.format_arn(
            service="states", resource="execution",
            resource_name=f"{child.state_machine_name}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        machine.add_to_role_policy(iam.PolicyStatement(
            sid="WatchChildExecutions",
            actions=["states:DescribeExecution", "states:StopExecution"],
            resources=[executions],
        ))
        machine.add_to_role_policy(iam.PolicyStatement(
            sid="ManageSyncEventsRule",
            actions=["events:PutTargets", "events:PutRule", "events:DescribeRule"],
            resources=[stack.format_arn(service="events", resource="rule",
                                        resource_name=SYNC_EVENTS_RULE)],
        ))
        acknowledge_wildcard_resource(
            machine.role, executions,
            "Execution names of the child machine are chosen per run; the '.sync:2' "
            "integration must describe and stop them, and the grant covers that one machine's "
            "executions only.",
        )

    def _acknowledge_service_wildcards(self, machine: sfn.StateMachine) -> None:
        acknowledge_wildcard_resource(
            machine.role, "*",
            "Added by the StateMachine construct for X-Ray tracing (xray:PutTraceSegments, "
            "PutTelemetryRecords, GetSampling*) and CloudWatch Logs vended delivery "
            "(logs:CreateLogDelivery, ...): these actions support no resource-level permissions.",
        )


def definition_path(config: StackConfig, spec: catalog.StateMachineSpec) -> Path:
    """Where the stack reads a machine's ASL from."""
    return config.state_machines_dir / spec.asl_file
