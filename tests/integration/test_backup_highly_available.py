"""Backups of a HighlyAvailable hosted cluster (three etcd members, writers at 3)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from sandbox.environment import Sandbox, SandboxOptions
from sandbox.restore_check import restore_and_compare
from tests.integration.backup_driver import (
    WRITERS,
    handler_wrapped,
    manifests,
    run_backup,
    writer_replicas,
)

SANDBOX_OPTIONS = SandboxOptions(availability="HighlyAvailable")
HC = ("hypershift.openshift.io", "v1beta1", "hostedclusters")


def test_ha_backup_snapshots_one_member_and_restores_identically(sandbox: Sandbox):
    assert len(sandbox.hosted.etcd.members) == 3
    run = run_backup(sandbox)
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert run.output["snapshot"]["member"] in {"etcd-0", "etcd-1", "etcd-2"}
    prefix = f"backups/{sandbox.plan.namespace}/{sandbox.plan.name}/{run.output['backup_id']}/"
    s3 = sandbox.aws.client("s3")
    manifest = json.loads(s3.get_object(Bucket=sandbox.backup_env.bucket,
                                        Key=prefix + "manifest.json")["Body"].read())
    with tempfile.TemporaryDirectory() as scratch:
        snapshot = Path(scratch) / "snapshot.db"
        s3.download_file(sandbox.backup_env.bucket, manifest["etcd"]["key"], str(snapshot))
        comparison = restore_and_compare(sandbox.pods, snapshot, sandbox.hosted.etcd.client(1),
                                         manifest["etcd"]["revision"])
    assert comparison.identical, comparison
    assert comparison.source_keys >= 1000


def test_quiesced_failure_restores_ha_replica_counts(sandbox: Sandbox):
    before = writer_replicas(sandbox)
    assert before == dict.fromkeys(WRITERS, 3)
    pod = sandbox.hosted.etcd.members[0].pod
    client_cert = pod.etc_etcd / "tls/client/etcd-client.crt"
    original = client_cert.read_bytes()
    seen: dict[str, int] = {}

    def break_etcd_client_cert(real):
        def handler(event, context):
            seen.update(writer_replicas(sandbox))
            for member in sandbox.hosted.etcd.members:
                (member.pod.etc_etcd / "tls/client/etcd-client.crt").write_bytes(b"garbage")
            return real(event, context)
        return handler

    manifests_before = set(manifests(sandbox))
    try:
        with handler_wrapped(sandbox, "SnapshotEtcd", break_etcd_client_cert):
            run = run_backup(sandbox, consistency="quiesced")
    finally:
        for member in sandbox.hosted.etcd.members:
            (member.pod.etc_etcd / "tls/client/etcd-client.crt").write_bytes(original)
    assert run.status == "FAILED" and run.error == "SnapshotFailed", (run.error, run.cause)
    assert seen == dict.fromkeys(WRITERS, 0), "writers were not scaled down for the snapshot"
    assert writer_replicas(sandbox) == before, "writers not restored to their HA counts"
    hc = sandbox.management["source"].cluster.store.get(HC, sandbox.plan.namespace,
                                                        sandbox.plan.name)
    assert "pausedUntil" not in hc["spec"]
    assert set(manifests(sandbox)) == manifests_before
    history = sandbox.aws.client("stepfunctions").get_execution_history(executionArn=run.arn)
    entered = [e["stateEnteredEventDetails"]["name"] for e in history["events"]
               if e["type"].endswith("StateEntered")]
    assert "ResumeWritersAfterFailure" in entered and "ReleaseLockAfterFailure" in entered
