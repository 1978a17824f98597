"""Driving backups in the sandbox the way an operator or the scheduler would."""

from __future__ import annotations

import importlib
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sandbox.aws.executions import start_execution, wait_for_execution
from sandbox.environment import Sandbox
from stacks.catalog import function_spec

WRITERS = ("kube-apiserver", "openshift-apiserver", "openshift-oauth-apiserver")


def writer_replicas(sandbox: Sandbox) -> dict[str, int]:
    """Desired replicas of the source HCP namespace's etcd writers."""
    store = sandbox.management["source"].cluster.store
    return {d: store.get(("apps", "v1", "deployments"), sandbox.plan.hcp_namespace,
                         d)["spec"]["replicas"] for d in WRITERS}


class BackupRun:
    """A finished Backup execution: status, error and parsed output."""

    def __init__(self, description: dict[str, Any]) -> None:
        self.arn = description["executionArn"]
        self.status = description["status"]
        self.error = description.get("error")
        self.cause = description.get("cause", "")
        self.output = json.loads(description.get("output") or "{}")


def run_backup(sandbox: Sandbox, timeout: float = 120, **request: Any) -> BackupRun:
    payload = {"management_cluster": "source", "namespace": sandbox.plan.namespace,
               "name": sandbox.plan.name, **request}
    sfn = sandbox.aws.client("stepfunctions")
    arn = start_execution(sfn, sandbox.state_machines["Backup"], payload)
    return BackupRun(wait_for_execution(sfn, arn, timeout=timeout))


def start_backup(sandbox: Sandbox, **request: Any) -> str:
    payload = {"management_cluster": "source", "namespace": sandbox.plan.namespace,
               "name": sandbox.plan.name, **request}
    return start_execution(sandbox.aws.client("stepfunctions"), sandbox.state_machines["Backup"],
                           payload)


def bucket_keys(sandbox: Sandbox, prefix: str = "") -> list[str]:
    assert sandbox.backup_env is not None
    s3 = sandbox.aws.client("s3")
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=sandbox.backup_env.bucket, Prefix=prefix):
        keys += [o["Key"] for o in page.get("Contents", [])]
    return keys


def wait_until(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.05)


@contextmanager
def handler_wrapped(sandbox: Sandbox, function: str,
                    wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> Iterator[None]:
    """Serve `function` with `wrap(real_handler)` for the duration (fault injection)."""
    spec = function_spec(function)
    module, _, attribute = spec.handler.rpartition(".")
    real = getattr(importlib.import_module(module), attribute)
    sandbox.aws.runtime.register_handler(function, wrap(real))
    try:
        yield
    finally:
        sandbox.aws.runtime.register_handler(function, real)


def manifests(sandbox: Sandbox) -> list[str]:
    return [k for k in bucket_keys(sandbox, "backups/") if k.endswith("/manifest.json")]


class InjectedFailure(Exception):
    """A permanent error from a stage that breaks on purpose (its class name is the Lambda
    errorType the state machine sees)."""


def breaks(real: Callable[..., Any]) -> Callable[..., Any]:
    """For handler_wrapped: a handler that always raises InjectedFailure."""
    def handler(event: Any, context: Any) -> Any:
        raise InjectedFailure("broken on purpose")
    return handler


def stop_during_snapshot(sandbox: Sandbox, on_hold: Callable[[str], None] | None = None,
                         **request: Any) -> str:
    """Start a backup, stop it while its SnapshotEtcd runs (after `on_hold(arn)` looked at
    the cluster), and return its ARN once it is ABORTED."""
    return stop_while_in(sandbox, "SnapshotEtcd", lambda: start_backup(sandbox, **request),
                         on_hold)


def stop_while_in(sandbox: Sandbox, function: str, start: Callable[[], str],
                  on_hold: Callable[[str], None] | None = None) -> str:
    """Start an execution (`start()` returns its ARN), stop it while `function` runs (after
    `on_hold(arn)` looked at the cluster), and return its ARN once it is ABORTED."""
    import threading

    entered, release = threading.Event(), threading.Event()

    def held(real: Callable[..., Any]) -> Callable[..., Any]:
        def handler(event: Any, context: Any) -> Any:
            entered.set()
            release.wait(timeout=60)
            raise TimeoutError("the execution was stopped meanwhile")
        return handler

    sfn = sandbox.aws.client("stepfunctions")
    with handler_wrapped(sandbox, function, held):
        arn = start()
        assert entered.wait(timeout=120), f"the execution never reached {function}"
        if on_hold is not None:
            on_hold(arn)
        sfn.stop_execution(executionArn=arn, error="Operator", cause="stopped by hand")
        release.set()
        wait_until(lambda: sfn.describe_execution(executionArn=arn)["status"] == "ABORTED",
                   timeout=30)
    return arn
