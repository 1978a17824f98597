"""The whole migration through the real Migration state machine, against the sandbox's
simulated HyperShift operator on both management clusters (docs/migration-design.md).

Checks what the issue promises: the destination etcd holds the source's data key for key, the
hosted cluster is Available there with every node Ready and connected to it, Route 53 points at
the destination, nothing of the HC is left on the source, the source operator is back at its
count, the report is in S3, and the restoreSnapshotURL appears nowhere but in the HC spec.
"""

from __future__ import annotations

import json

import pytest

from sandbox.environment import Sandbox
from tests.integration.migration.migration_driver import (
    DEPLOYMENTS,
    HC,
    NAMESPACES,
    held_locks,
    needs_simulated_hypershift,
    run_migration,
    store,
)
from tests.integration.secret_needles import secret_needles

pytestmark = needs_simulated_hypershift

MAIN_STAGES = ["Preflight", "AcquireLocks", "MarkSourceCluster", "PauseHostedCluster",
               "SnapshotEtcd", "UploadSnapshot", "VerifySnapshot", "BackupClusterObjects",
               "WriteBackupManifest", "DeleteSourceRoutes", "AwaitDnsCleanup",
               "RestoreOnDestination", "AwaitHostedClusterReady", "TeardownSource",
               "RestoreSourceOperator", "RestartOvn"]


@pytest.fixture(scope="module")
def migrated(sandbox: Sandbox) -> dict:
    operator = store(sandbox, "source").get(DEPLOYMENTS, "hypershift", "operator")
    run = run_migration(sandbox, timeout=600)
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    return {"run": run, "operator_replicas": operator["spec"]["replicas"]}


def test_the_execution_succeeds_with_a_passing_report(sandbox: Sandbox, migrated: dict):
    output = migrated["run"].output
    report = output["report"]
    assert output["status"] == "SUCCEEDED" and report["passed"] is True
    assert all(report["checks"][k] for k in (
        "hc_available", "all_nodes_ready", "dns_points_to_destination", "source_clean",
        "source_operator_restored", "ovn_restarted"))
    assert report["checks"]["nodes_ready"] == sandbox.plan.nodepool_replicas
    assert report["rto_seconds"] > 0
    assert [s for s in MAIN_STAGES if s not in [st["name"] for st in report["stages"]]] == []
    assert sandbox.backup_env is not None
    stored = json.loads(sandbox.aws.client("s3").get_object(
        Bucket=sandbox.backup_env.bucket, Key=report["report_key"])["Body"].read())
    assert stored["passed"] is True and stored["etcd"]["revision"] == report["etcd_revision"]
    assert held_locks(sandbox) == []


def test_the_destination_etcd_holds_the_source_data_key_for_key(sandbox: Sandbox,
                                                                 migrated: dict):
    namespace = sandbox.plan.hcp_namespace
    source = sandbox.etcd_final_state("source", namespace)
    restored = sandbox.etcd_of("destination", namespace)
    assert source is not None and restored is not None
    revision = migrated["run"].output["report"]["etcd_revision"]
    with restored.client() as client:
        assert client.dump(revision) == source.dump


def test_the_hosted_cluster_runs_on_the_destination(sandbox: Sandbox, migrated: dict):
    assert sandbox.serving_control_plane() == "destination"
    nodes = sandbox.guest_nodes()
    assert len(nodes) == sandbox.plan.nodepool_replicas
    assert all(n.ready and n.control_plane == "destination" for n in nodes)
    assert all("apps.destination." in target for target in sandbox.dns_records().values())
    assert len(sandbox.dns_records()) == len(sandbox.plan.route_hostnames())
    hc = store(sandbox, "destination").get(HC, sandbox.plan.namespace, sandbox.plan.name)
    assert len(hc["spec"]["etcd"]["managed"]["storage"]["restoreSnapshotURL"]) == 1
    assert "pausedUntil" not in hc["spec"]


def test_nothing_of_the_hosted_cluster_is_left_on_the_source(sandbox: Sandbox, migrated: dict):
    source = store(sandbox, "source")
    assert source.list(HC, sandbox.plan.namespace) == []
    assert sandbox.plan.hcp_namespace not in {n["metadata"]["name"]
                                              for n in source.list(NAMESPACES)}
    operator = source.get(DEPLOYMENTS, "hypershift", "operator")
    assert operator["spec"]["replicas"] == migrated["operator_replicas"]
    assert "hcp-dr.openshift.io/operator-replicas" not in (
        operator["metadata"].get("annotations") or {})


def test_the_restore_url_appears_only_in_the_hosted_cluster(sandbox: Sandbox, migrated: dict):
    hc = store(sandbox, "destination").get(HC, sandbox.plan.namespace, sandbox.plan.name)
    url = hc["spec"]["etcd"]["managed"]["storage"]["restoreSnapshotURL"][0]
    signature = url.split("X-Amz-Signature=")[-1][:32]
    sfn = sandbox.aws.client("stepfunctions")
    arn = migrated["run"].arn
    history = json.dumps(sfn.get_execution_history(executionArn=arn)["events"], default=str)
    assert signature not in history and signature not in json.dumps(migrated["run"].output)
    logs = getattr(getattr(sandbox.aws.runtime, "logs", None), "lines", lambda: [])()
    assert all(signature not in line for line in logs)


def test_no_other_secret_leaks_from_the_migration(sandbox: Sandbox, migrated: dict):
    """The AES key, tokens, kubeconfig credentials, the signer's key: in no log line, no
    history event or output of the run, no exec request to either management cluster."""
    sfn = sandbox.aws.client("stepfunctions")
    arn = migrated["run"].arn
    texts = {
        "history": json.dumps(sfn.get_execution_history(executionArn=arn)["events"],
                              default=str) + json.dumps(migrated["run"].output),
        "logs": "\n".join(sandbox.aws.runtime.logs.lines()),
        "exec requests": "\n".join(f"{r.path}?{r.query}" for rt in sandbox.management.values()
                                   for r in rt.cluster.access_log if "/exec" in r.path),
    }
    assert "restored on destination" in texts["logs"] and texts["exec requests"]
    for needle in secret_needles(sandbox, "destination"):
        for where, text in texts.items():
            assert needle not in text, f"{needle[:12]}... in the {where}"
