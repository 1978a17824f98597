"""TeardownSource and RestoreSourceOperator, invoked as Lambda, on a source whose objects carry
finalizers (DOMAIN "Known failure modes": finalizers block the HCP namespace's teardown)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from sandbox.environment import Sandbox
from tests.integration.migration.migration_driver import (
    DEPLOYMENTS,
    HC,
    NAMESPACES,
    NODEPOOLS,
    holding_locks,
    invoke,
    store,
)

MACHINES = ("cluster.x-k8s.io", "v1beta1", "machines")
HCP = ("hypershift.openshift.io", "v1beta1", "hostedcontrolplanes")
FINALIZER = "hypershift.openshift.io/finalizer"
ANNOTATION = "hcp-dr.openshift.io/operator-replicas"


@pytest.fixture(scope="module")
def state(sandbox: Sandbox) -> dict:
    plan = sandbox.plan
    execution = "arn:aws:states:us-east-1:123456789012:execution:Migration:teardown-test"
    started = datetime.now(UTC).isoformat()
    migration_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-0badcafe"
    return holding_locks(sandbox, {
        "request": {"hosted_cluster": {"namespace": plan.namespace, "name": plan.name},
                    "source": "source", "destination": "destination"},
        "migration": {"migration_id": migration_id, "execution_id": execution,
                      "started_at": started, "dns_backstop_seconds": 300},
        "backup_state": {
            "request": {"management_cluster": "source", "namespace": plan.namespace,
                        "name": plan.name, "consistency": "quiesced"},
            "backup": {"backup_id": migration_id, "started_at": started,
                       "execution_id": execution}},
    })


def _add_finalizers(sandbox: Sandbox) -> None:
    src, plan = store(sandbox, "source"), sandbox.plan
    targets = [(HC, plan.namespace, plan.name), (HCP, plan.hcp_namespace, plan.name)]
    targets += [(NODEPOOLS, plan.namespace, np["metadata"]["name"])
                for np in src.list(NODEPOOLS, plan.namespace)]
    targets += [(MACHINES, plan.hcp_namespace, m["metadata"]["name"])
                for m in src.list(MACHINES, plan.hcp_namespace)]
    for kind, namespace, name in targets:
        current = src.get(kind, namespace, name)["metadata"].get("finalizers") or []
        src.patch(kind, namespace, name,
                  {"metadata": {"finalizers": sorted({*current, FINALIZER, "hcp-dr.test/hold"})}})


def _operator(sandbox: Sandbox) -> dict:
    return store(sandbox, "source").get(DEPLOYMENTS, "hypershift", "operator")


def _teardown(sandbox: Sandbox, state: dict) -> tuple[dict, str | None]:
    """TeardownSource as the machine runs it: retried while the source's stopped pods are
    still going (SourceTeardownPending; nothing is deleted until they are gone)."""
    deadline = time.monotonic() + 60
    while True:
        result, error = invoke(sandbox, "TeardownSource", state)
        if error != "SourceTeardownPending" or time.monotonic() > deadline:
            return result, error
        time.sleep(0.5)


def test_teardown_with_finalizers_then_the_operator_comes_back(sandbox: Sandbox, state: dict):
    src, plan = store(sandbox, "source"), sandbox.plan
    _add_finalizers(sandbox)
    replicas = _operator(sandbox)["spec"]["replicas"]
    assert replicas > 0

    result, error = _teardown(sandbox, state)
    assert error is None, result
    assert result["operator_replicas"] == replicas
    operator = _operator(sandbox)
    assert operator["spec"]["replicas"] == 0
    assert operator["metadata"]["annotations"][ANNOTATION] == str(replicas)
    names = {n["metadata"]["name"] for n in src.list(NAMESPACES)}
    assert plan.hcp_namespace not in names and plan.namespace in names
    assert src.list(HC, plan.namespace) == [] and src.list(NODEPOOLS, plan.namespace) == []
    assert src.list(MACHINES) == [] and src.list(HCP) == []

    again, error = invoke(sandbox, "TeardownSource", state)  # a retried stage
    assert error is None and again["operator_replicas"] == replicas

    restored, error = invoke(sandbox, "RestoreSourceOperator", state)
    assert error is None and restored == {"replicas": replicas}
    operator = _operator(sandbox)
    assert operator["spec"]["replicas"] == replicas
    assert ANNOTATION not in (operator["metadata"].get("annotations") or {})
    assert invoke(sandbox, "RestoreSourceOperator", state) == ({"replicas": None}, None)
