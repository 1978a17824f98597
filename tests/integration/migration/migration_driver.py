"""Driving migrations in the sandbox the way an operator (or an alarm) would."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sandbox.aws.executions import start_execution, wait_for_execution
from sandbox.environment import Sandbox

HC = ("hypershift.openshift.io", "v1beta1", "hostedclusters")
NODEPOOLS = ("hypershift.openshift.io", "v1beta1", "nodepools")
DEPLOYMENTS = ("apps", "v1", "deployments")
ROUTES = ("route.openshift.io", "v1", "routes")
NAMESPACES = ("", "v1", "namespaces")
CONFIGMAPS = ("", "v1", "configmaps")
SECRETS = ("", "v1", "secrets")
LABEL = "hcp-dr.openshift.io/migration-id"
# What the simulated HyperShift operator needs from the sandbox to run a whole migration.
SIMULATES_HYPERSHIFT = all(hasattr(Sandbox, capability) for capability in (
    "operator", "serving_control_plane", "guest_nodes", "etcd_of", "fire_dns_fallback_poll"))
# A module's `pytestmark` when it runs whole migrations.
needs_simulated_hypershift = pytest.mark.skipif(
    not SIMULATES_HYPERSHIFT, reason="needs the sandbox's simulated HyperShift operator")


class MigrationRun:
    """A finished Migration execution: status, error and parsed output."""

    def __init__(self, description: dict[str, Any]) -> None:
        self.arn = description["executionArn"]
        self.status = description["status"]
        self.error = description.get("error")
        self.cause = description.get("cause", "")
        self.output = json.loads(description.get("output") or "{}")


def migration_input(sandbox: Sandbox, **overrides: Any) -> dict[str, Any]:
    return {"hosted_cluster": {"namespace": sandbox.plan.namespace, "name": sandbox.plan.name},
            "source": "source", "destination": "destination", "dns_timeout_seconds": 120,
            **overrides}


def start_migration(sandbox: Sandbox, **overrides: Any) -> str:
    return start_execution(sandbox.aws.client("stepfunctions"),
                           sandbox.state_machines["Migration"],
                           migration_input(sandbox, **overrides))


def wait_migration(sandbox: Sandbox, arn: str, timeout: float = 300) -> MigrationRun:
    return MigrationRun(wait_for_execution(sandbox.aws.client("stepfunctions"), arn,
                                           timeout=timeout))


def run_migration(sandbox: Sandbox, timeout: float = 300, **overrides: Any) -> MigrationRun:
    return wait_migration(sandbox, start_migration(sandbox, **overrides), timeout)


def store(sandbox: Sandbox, role: str) -> Any:
    return sandbox.management[role].cluster.store  # type: ignore[index]


def lock_items(sandbox: Sandbox) -> list[dict]:
    assert sandbox.backup_env is not None
    return sandbox.aws.client("dynamodb").scan(TableName=sandbox.backup_env.lock_table)["Items"]


def held_locks(sandbox: Sandbox) -> list[str]:
    return sorted(i["pk"]["S"] for i in lock_items(sandbox) if i["pk"]["S"].startswith("lock#"))


def invoke(sandbox: Sandbox, function: str, payload: dict) -> tuple[dict, str | None]:
    """Invoke a function as Lambda would (real handler, real clients); (result, errorType)."""
    body, error = sandbox.aws.runtime.invoke(sandbox.aws.function_arn(function),
                                             json.dumps(payload, default=str))
    result = json.loads(body) if body else {}
    return result, (result.get("errorType") if error else None)



def holding_locks(sandbox: Sandbox, state: dict) -> dict:
    """`state`, with its execution holding the migration's locks (AcquireMigrationLocks, the
    real handler): what the stages that change a cluster check before they run."""
    result, error = invoke(sandbox, "AcquireMigrationLocks", state)
    assert error is None, result
    return state
