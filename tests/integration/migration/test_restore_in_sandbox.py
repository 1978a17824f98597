"""RestoreOnDestination and CompensateDestination, invoked as Lambda, against the destination's
real API server (CRD schema and CEL rules of the HyperShift release), from a real backup set.

The destination's operator is scaled to 0 here, so what is observed is exactly what the
functions wrote; the operator's reaction belongs to the end-to-end test.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from sandbox.environment import Sandbox
from tests.integration.backup_driver import run_backup
from tests.integration.migration.migration_driver import (
    CONFIGMAPS,
    DEPLOYMENTS,
    HC,
    LABEL,
    NAMESPACES,
    NODEPOOLS,
    SECRETS,
    holding_locks,
    invoke,
    store,
)

KINDS_IN_ORDER = ["namespaces", "secrets", "hostedcontrolplanes", "clusters", "awsclusters",
                  "awsmachinetemplates", "awsmachines", "machinedeployments", "machines",
                  "machinesets", "hostedclusters", "nodepools"]


@pytest.fixture(scope="module")
def migration_state(sandbox: Sandbox) -> Iterator[dict]:
    """A migration state whose backup set exists: a quiesced backup of the source."""
    backup = run_backup(sandbox, consistency="quiesced", timeout=180)
    assert backup.status == "SUCCEEDED", (backup.error, backup.cause)
    plan = sandbox.plan
    execution = "arn:aws:states:us-east-1:123456789012:execution:Migration:restore-test"
    started = datetime.now(UTC).isoformat()
    destination = store(sandbox, "destination")
    replicas = destination.get(DEPLOYMENTS, "hypershift", "operator")["spec"]["replicas"]
    destination.patch(DEPLOYMENTS, "hypershift", "operator", {"spec": {"replicas": 0}})
    # A free HC namespace that already exists: used as it is, never labelled or deleted.
    destination.create(NAMESPACES, None, {"metadata": {"name": plan.namespace}})
    destination.create(CONFIGMAPS, plan.namespace, {"metadata": {"name": "kube-root-ca.crt"},
                                                    "data": {"ca.crt": "x"}})
    yield holding_locks(sandbox, {
        "request": {"hosted_cluster": {"namespace": plan.namespace, "name": plan.name},
                    "source": "source", "destination": "destination"},
        "migration": {"migration_id": backup.output["backup_id"], "execution_id": execution,
                      "started_at": started, "dns_backstop_seconds": 300},
        "backup_state": {
            "request": {"management_cluster": "source", "namespace": plan.namespace,
                        "name": plan.name, "consistency": "quiesced"},
            "backup": {"backup_id": backup.output["backup_id"], "started_at": started,
                       "execution_id": execution}},
        "preflight": {"ocp_minor": 13, "hostnames": plan.route_hostnames(),
                      "zone_ids": [sandbox.zone_id], "nodepools": [plan.nodepool_name],
                      "expected_nodes": plan.nodepool_replicas, "encryption": "aescbc",
                      "destination_namespaces": [plan.namespace]},
        "snapshot_sha256": backup.output["snapshot"]["sha256"],
    })
    destination.patch(DEPLOYMENTS, "hypershift", "operator", {"spec": {"replicas": replicas}})


def _posts(sandbox: Sandbox, since: int) -> list[str]:
    """Kinds (plurals) of the successful creates on the destination since `since`."""
    records = sandbox.management["destination"].cluster.access_log[since:]
    return [r.path.rstrip("/").rsplit("/", 1)[-1] for r in records
            if r.method == "POST" and r.status == 201]


def test_restore_creates_every_object_in_the_guides_order_with_the_label(
        sandbox: Sandbox, migration_state: dict):
    destination = store(sandbox, "destination")
    plan = sandbox.plan
    mark = len(sandbox.management["destination"].cluster.access_log)
    result, error = invoke(sandbox, "RestoreOnDestination", migration_state)
    assert error is None, result
    posted = _posts(sandbox, mark)
    order = [KINDS_IN_ORDER.index(kind) for kind in posted]
    assert order == sorted(order), posted
    assert posted.count("namespaces") == 1  # the HC namespace existed already
    assert result["created"] == len(posted) and result["existing"] == 1
    assert result["url_length"] <= 1024 and "url" not in result
    assert "X-Amz-Signature" not in str(result)

    hc = destination.get(HC, plan.namespace, plan.name)
    urls = hc["spec"]["etcd"]["managed"]["storage"]["restoreSnapshotURL"]
    assert len(urls) == 1 and len(urls[0]) <= 1024
    assert "pausedUntil" not in hc["spec"]
    assert hc["metadata"]["labels"][LABEL] == migration_state["migration"]["migration_id"]
    assert "hcp-dr.openshift.io/quiesced" not in (hc["metadata"].get("annotations") or {})
    assert hc["spec"]["secretEncryption"]["aescbc"]["activeKey"]["name"] == (
        plan.encryption_secret)
    assert destination.get(SECRETS, plan.namespace, plan.encryption_secret)["data"]["key"]
    nodepool = destination.get(NODEPOOLS, plan.namespace, plan.nodepool_name)
    assert not nodepool["metadata"].get("annotations")
    assert "pausedUntil" not in nodepool["spec"]
    existing = destination.get(NAMESPACES, None, plan.namespace)["metadata"]
    assert LABEL not in (existing.get("labels") or {})


def test_the_restore_url_downloads_the_snapshot_without_redirects(
        sandbox: Sandbox, migration_state: dict):
    hc = store(sandbox, "destination").get(HC, sandbox.plan.namespace, sandbox.plan.name)
    url = hc["spec"]["etcd"]["managed"]["storage"]["restoreSnapshotURL"][0]
    response = requests.get(url, allow_redirects=False, timeout=30)
    assert response.status_code == 200
    assert not response.content.startswith(b"<?xml")
    assert hashlib.sha256(response.content).hexdigest() == migration_state["snapshot_sha256"]


def test_a_rerun_creates_nothing(sandbox: Sandbox, migration_state: dict):
    mark = len(sandbox.management["destination"].cluster.access_log)
    result, error = invoke(sandbox, "RestoreOnDestination", migration_state)
    assert error is None, result
    hc = store(sandbox, "destination").get(HC, sandbox.plan.namespace, sandbox.plan.name)
    # The URL the HC was created with, used again (both it and the HCP's are immutable).
    url = hc["spec"]["etcd"]["managed"]["storage"]["restoreSnapshotURL"][0]
    assert result["created"] == 0 and result["url_length"] == len(url)
    assert _posts(sandbox, mark) == []


def test_compensation_deletes_exactly_what_the_restore_created(
        sandbox: Sandbox, migration_state: dict):
    destination = store(sandbox, "destination")
    plan = sandbox.plan
    # The destination operator would add its finalizer to what it reconciles.
    destination.patch(HC, plan.namespace, plan.name,
                      {"metadata": {"finalizers": ["hypershift.openshift.io/finalizer"]}})
    result, error = invoke(sandbox, "CompensateDestination", migration_state)
    assert error is None, result
    assert destination.list(HC) == [] and destination.list(NODEPOOLS) == []
    assert plan.hcp_namespace not in {n["metadata"]["name"] for n in destination.list(NAMESPACES)}
    assert [s["metadata"]["name"] for s in destination.list(SECRETS, plan.namespace)] == []
    assert destination.get(NAMESPACES, None, plan.namespace) is not None
    assert destination.get(CONFIGMAPS, plan.namespace, "kube-root-ca.crt") is not None
    again, error = invoke(sandbox, "CompensateDestination", migration_state)
    assert error is None and again == {"scaled_to_zero": 0, "deleted": {}, "kept_namespaces": []}
