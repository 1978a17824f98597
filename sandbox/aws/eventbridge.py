"""Delivery of EventBridge events and Scheduler ticks to Lambda and Step Functions targets.

moto 5.2.5 matches `put_events` against rule patterns and applies input transformers, but only
delivers to log groups, archives, SQS, event buses and API destinations; a rule with a Lambda or
Step Functions target makes `put_events` fail (`NotImplementedError`). Scheduler only stores
schedules. So rules and schedules stay defined in moto, exactly as the stack defines them, and
this module delivers to the two target kinds we use: moto still does the pattern matching
(`Rule.send_to_targets` is wrapped, its other targets keep moto's own delivery), we shape the
event as AWS does (ISO time, no `ingestion-time`), honour `Input`/`InputPath`/`InputTransformer`,
and deliver asynchronously as EventBridge does. `fire_schedule` and `fire_rule` stand in for the
clock: they deliver one tick now.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from jsonpath_ng.ext import parse as parse_json_path
from moto.events.models import Rule
from moto.events.utils import EventTemplateParser

from sandbox.aws.lambdas import LambdaRuntime
from sandbox.aws.patching import PatchSet

_ISO_SECONDS = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Delivery:
    """One event or tick handed to a target."""

    origin: str  # "rule/<bus>/<name>" or "schedule/<group>/<name>"
    target_arn: str
    execution_arn: str | None  # for Step Functions targets
    error: str | None


def is_state_machine(arn: str) -> bool:
    return arn.startswith("arn:aws:states:") and ":stateMachine:" in arn


def is_lambda_function(arn: str) -> bool:
    return arn.startswith("arn:aws:lambda:") and ":function:" in arn


def aws_shaped_event(moto_event: dict[str, Any]) -> dict[str, Any]:
    """moto's internal event (epoch `time`, extra `ingestion-time`) as targets receive it."""
    event = copy.deepcopy(moto_event)
    event.pop("ingestion-time", None)
    if isinstance(event.get("time"), int | float):
        event["time"] = dt.datetime.fromtimestamp(event["time"], dt.UTC).strftime(_ISO_SECONDS)
    return event


def target_input(target: dict[str, Any], moto_event: dict[str, Any]) -> str:
    """What EventBridge passes to one target: constant Input, InputPath, transformer or event."""
    if "Input" in target:
        return str(target["Input"])
    event = aws_shaped_event(moto_event)
    if "InputPath" in target:
        matches = parse_json_path(target["InputPath"]).find(event)
        return json.dumps(matches[0].value if matches else None)
    transformer = target.get("InputTransformer")
    if transformer:
        with_ingestion_time = {**event, "ingestion-time": moto_event.get("ingestion-time")}
        return json.dumps(
            EventTemplateParser.parse(
                input_template=transformer.get("InputTemplate"),
                input_paths_map=transformer.get("InputPathsMap", {}),
                event=with_ingestion_time,
            )
        )
    return json.dumps(event)


class EventRouter:
    """Hands events to in-process Lambda handlers and to `StartExecution`, off the caller's
    thread, and remembers every delivery."""

    def __init__(self, runtime: LambdaRuntime, stepfunctions: Callable[[], Any]):
        self._runtime = runtime
        self._stepfunctions = stepfunctions  # returns a boto3 client (thread-safe)
        self._lock = threading.Lock()
        self._deliveries: list[Delivery] = []
        self._pool: ThreadPoolExecutor | None = None
        self._pending: set[Future[Any]] = set()

    # -- delivery -------------------------------------------------------------------------

    def deliver(self, origin: str, target_arn: str, payload: str) -> Delivery:
        """Deliver now, on this thread; errors are recorded, not raised (EventBridge retries
        and dead-letter queues are not emulated)."""
        execution_arn = error = None
        try:
            if is_state_machine(target_arn):
                execution_arn = self._stepfunctions().start_execution(
                    stateMachineArn=target_arn, name=str(uuid.uuid4()), input=payload
                )["executionArn"]
            elif is_lambda_function(target_arn):
                body, function_error = self._runtime.invoke(target_arn, payload, asynchronous=True)
                error = json.loads(body)["errorType"] if function_error else None
            else:
                raise NotImplementedError(f"the sandbox does not deliver to {target_arn}")
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        delivery = Delivery(origin, target_arn, execution_arn, error)
        with self._lock:
            self._deliveries.append(delivery)
        return delivery

    def deliver_later(self, origin: str, target_arn: str, payload: str) -> None:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(8, thread_name_prefix="sandbox-events")
            future = self._pool.submit(self.deliver, origin, target_arn, payload)
            self._pending.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    def wait(self, timeout: float = 30.0) -> list[Delivery]:
        """Block until every queued delivery is done; return all deliveries so far."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = list(self._pending)
            if not pending:
                return self.deliveries
            for future in pending:
                future.result(timeout=max(0.0, deadline - time.monotonic()))

    @property
    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    # -- EventBridge rules ----------------------------------------------------------------

    def install(self, patches: PatchSet) -> None:
        """Wrap moto's rule fan-out so Lambda and Step Functions targets are delivered."""
        router = self
        send_to_targets = Rule.send_to_targets

        def _send_to_targets(
            rule: Rule, original_event: dict[str, Any], transform_input: bool = True
        ) -> None:
            if not rule.state.startswith("ENABLED"):
                return
            if rule.scheduled_expression and not rule.event_pattern.dump():
                return  # a schedule rule fires on its clock only; moto matches it to any event
            if not rule.event_pattern.matches_event(original_event):
                return
            ours = [t for t in rule.targets if router.handles(t["Arn"])]
            for target in ours:
                router.deliver_later(
                    f"rule/{rule.event_bus_name}/{rule.name}",
                    target["Arn"],
                    target_input(target, original_event),
                )
            others = [t for t in rule.targets if not router.handles(t["Arn"])]
            if others:
                moto_rule = copy.copy(rule)
                moto_rule.targets = others
                send_to_targets(moto_rule, original_event, transform_input)

        patches.replace(Rule, "send_to_targets", _send_to_targets)

    @staticmethod
    def handles(target_arn: str) -> bool:
        return is_state_machine(target_arn) or is_lambda_function(target_arn)

    def fire_rule(self, events: Any, name: str, event_bus: str = "default") -> None:
        """Deliver one tick of a schedule-expression rule (a "Scheduled Event")."""
        rule = events.describe_rule(Name=name, EventBusName=event_bus)
        now = time.time()
        tick = {
            "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
            "source": "aws.events", "account": rule["Arn"].split(":")[4], "time": now,
            "region": rule["Arn"].split(":")[3], "resources": [rule["Arn"]], "detail": {},
            "ingestion-time": now,
        }
        paginator = events.get_paginator("list_targets_by_rule")
        for page in paginator.paginate(Rule=name, EventBusName=event_bus):
            for target in page["Targets"]:
                self.deliver_later(
                    f"rule/{event_bus}/{name}", target["Arn"], target_input(target, tick)
                )

    # -- EventBridge Scheduler ------------------------------------------------------------

    def fire_schedule(self, scheduler: Any, name: str, group: str = "default") -> Delivery:
        """Deliver one tick of a schedule now. A Step Functions target is started before this
        returns (its ARN is in the result); a Lambda target is invoked asynchronously."""
        schedule = scheduler.get_schedule(Name=name, GroupName=group)
        if schedule.get("State", "ENABLED") != "ENABLED":
            raise ValueError(f"schedule {group}/{name} is {schedule['State']}; AWS would not fire")
        target = schedule["Target"]
        payload = _with_scheduler_context(target.get("Input", "{}"), schedule["Arn"])
        origin = f"schedule/{group}/{name}"
        arn = target["Arn"]
        if arn == "arn:aws:scheduler:::aws-sdk:sfn:startExecution":  # universal target
            request = json.loads(payload)
            arn, payload = request["StateMachineArn"], request.get("Input", "{}")
            payload = payload if isinstance(payload, str) else json.dumps(payload)
        if is_lambda_function(arn):
            self.deliver_later(origin, arn, payload)
            return Delivery(origin, arn, None, None)
        return self.deliver(origin, arn, payload)


def _with_scheduler_context(template: str, schedule_arn: str) -> str:
    """Scheduler's context attributes, substituted into the target input as AWS does."""
    now = dt.datetime.now(dt.UTC).strftime(_ISO_SECONDS)
    for placeholder, value in {
        "<aws.scheduler.schedule-arn>": schedule_arn,
        "<aws.scheduler.scheduled-time>": now,
        "<aws.scheduler.execution-id>": str(uuid.uuid4()),
        "<aws.scheduler.attempt-number>": "1",
    }.items():
        template = template.replace(placeholder, value)
    return template
