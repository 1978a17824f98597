"""Repairs to moto 5.2.5's Step Functions interpreter that our state machines need.

1. `arn:aws:states:::states:startExecution[.sync|.sync:2]` fails with `States.Runtime`
   (`KeyError: 'StateMachineArn'`): moto ported LocalStack's interpreter but left the
   request/response normalisation between the ASL spelling (`StateMachineArn`, `Output`) and
   boto's (`stateMachineArn`, `output`) as no-ops. The helpers that do it survived
   (`_to_boto_request`, `_from_boto_response`); we call them with botocore's shapes.
   Timestamps in the results become epoch milliseconds, as AWS renders them.
2. `StartExecution` without a `name` gives every such execution the ARN `...:None`, so a second
   one collides. AWS generates a UUID; so do we.
3. `StopExecution` leaves a task waiting for its token (`.waitForTaskToken`) blocked forever,
   with its threads; stopping now wakes those waits, so a stopped execution really ends.
4. Every execution parses its definition again with the ANTLR grammar (0.2-0.5 s of CPU for
   the Migration machine, inside the execution's run time): AWS parses a definition when it
   is created or updated, not per execution. Each definition is parsed once per process and
   its component tree shared by the executions, as moto's own Map and Parallel states share
   a subtree among their concurrent iterations (components keep no per-run state: that
   lives in the execution's Environment). Their lazily drawn retry-counter keys are drawn
   before sharing, so concurrent first runs cannot draw two.
5. An execution stopped while a task runs ends FAILED when that task then fails (the
   failure overrides the stop): AWS ends a stopped execution ABORTED, with the StopExecution's
   error and cause, whatever its in-flight task returns.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from functools import cache, lru_cache
from typing import Any

import botocore.session
from botocore.model import OperationModel

from sandbox.aws.patching import PatchSet

_PARSING = threading.Lock()


def parsed_program(definition: str) -> Any:
    """The evaluable program of an ASL definition, parsed once per process: the lock makes
    executions started together wait for the first one's parse instead of each parsing."""
    with _PARSING:
        return _parse(definition)


@lru_cache(maxsize=16)
def _parse(definition: str) -> Any:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    program = AmazonStateLanguageParser.parse(definition)[0]
    _draw_heap_keys(program, set())
    return program


def _draw_heap_keys(component: Any, seen: set[int]) -> None:
    from moto.stepfunctions.parser.asl.component.component import Component
    from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent

    if id(component) in seen:
        return
    seen.add(id(component))
    if isinstance(component, EvalComponent):
        _ = component.heap_key
    children = vars(component).values() if isinstance(component, Component) else (
        component.values() if isinstance(component, dict) else component
        if isinstance(component, list | tuple) else ())
    for child in children:
        if isinstance(child, Component | list | tuple | dict):
            _draw_heap_keys(child, seen)


@cache
def _operation(action_snake_case: str) -> OperationModel:
    model = botocore.session.get_session().get_service_model("stepfunctions")
    for name in model.operation_names:
        if botocore.xform_name(name) == action_snake_case:
            return model.operation_model(name)
    raise KeyError(f"stepfunctions has no operation {action_snake_case!r}")


def _dates_to_epoch_millis(value: Any) -> None:
    """Step Functions renders integration timestamps (StartDate, StopDate) as epoch millis."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(
        value, list) else ()
    for key, item in list(items):
        if isinstance(item, dt.datetime):
            value[key] = int(item.timestamp() * 1000)
        else:
            _dates_to_epoch_millis(item)


def install(patches: PatchSet) -> None:
    """Apply the repairs for the lifetime of `patches`."""
    # Imported here, once LocalAws has replaced the AWS environment: importing the interpreter
    # pulls in moto.ec2, which builds a boto3 Session and fails on e.g. a dangling AWS_PROFILE.
    from moto.stepfunctions.parser.api import ExecutionStatus
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_sfn,
    )
    from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    StateTaskServiceSfn = state_task_service_sfn.StateTaskServiceSfn  # noqa: N806
    normalise_parameters = StateTaskServiceSfn._normalise_parameters

    def _normalise_parameters(
        self: Any,
        parameters: dict[str, Any],
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        normalise_parameters(self, parameters, boto_service_name, service_action_name)
        action = self._get_boto_service_action(service_action_name)
        self._to_boto_request(parameters, _operation(action).input_shape)

    def _normalise_response(
        self: Any,
        response: Any,
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        action = self._get_boto_service_action(service_action_name)
        self._from_boto_response(response, _operation(action).output_shape)
        _dates_to_epoch_millis(response)

    patches.replace(StateTaskServiceSfn, "_normalise_parameters", _normalise_parameters)
    patches.replace(StateTaskServiceSfn, "_normalise_response", _normalise_response)

    start_execution = StepFunctionsParserBackend.start_execution

    def _start_execution(
        self: Any,
        state_machine_arn: str,
        name: str | None = None,
        execution_input: str | None = None,
        trace_header: str | None = None,
    ) -> Any:
        return start_execution(
            self, state_machine_arn, name or str(uuid.uuid4()), execution_input, trace_header
        )

    patches.replace(StepFunctionsParserBackend, "start_execution", _start_execution)

    stop_worker = ExecutionWorker.stop

    def _stop_worker(self: Any, stop_date: Any, error: str | None, cause: str | None) -> None:
        self.sandbox_stopped = (error, cause)
        stop_worker(self, stop_date, error, cause)
        # The pool has no public iterator; its endpoints are what waiting tasks block on.
        for endpoint in list(self.env.callback_pool_manager._pool.values()):
            endpoint.interrupt_all()

    patches.replace(ExecutionWorker, "stop", _stop_worker)

    reflect = BaseExecutionWorkerCommunication._reflect_execution_status

    def _reflect_execution_status(self: Any) -> None:
        reflect(self)
        stopped = getattr(self.execution.exec_worker, "sandbox_stopped", None)
        if stopped is not None:
            self.execution.exec_status = ExecutionStatus.ABORTED
            self.execution.error, self.execution.cause = stopped

    patches.replace(BaseExecutionWorkerCommunication, "_reflect_execution_status",
                    _reflect_execution_status)

    def _evaluation_entrypoint(self: Any) -> Any:
        return parsed_program(self._evaluation_details.state_machine_details.definition)

    patches.replace(ExecutionWorker, "_get_evaluation_entrypoint", _evaluation_entrypoint)
