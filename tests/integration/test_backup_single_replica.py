"""Backups of a SingleReplica hosted cluster through the real Backup state machine."""

from __future__ import annotations

import base64
import threading
import time

import pytest

from hcp_dr.adapters.backup_bucket import BackupBucket
from hcp_dr.domain.backup_catalog import restorable_backups
from sandbox.aws.executions import execution_timeline
from sandbox.environment import Sandbox
from tests.integration.backup_driver import (
    bucket_keys,
    handler_wrapped,
    manifests,
    run_backup,
    start_backup,
    wait_until,
)

HC = ("hypershift.openshift.io", "v1beta1", "hostedclusters")
DEPLOYMENTS = ("apps", "v1", "deployments")
PODS = ("", "v1", "pods")
WRITERS = ("kube-apiserver", "openshift-apiserver", "openshift-oauth-apiserver")


def _bucket(sandbox: Sandbox) -> BackupBucket:
    env = sandbox.backup_env
    assert env is not None
    return BackupBucket(sandbox.aws.client("s3"), env.bucket, env.kms_key_arn)


def _manifest(sandbox: Sandbox, backup_id: str) -> dict:
    prefix = f"backups/{sandbox.plan.namespace}/{sandbox.plan.name}/{backup_id}/"
    document = _bucket(sandbox).get_json(prefix + "manifest.json")
    assert document is not None
    return document


def test_online_backup_writes_a_complete_verified_set(sandbox: Sandbox):
    run = run_backup(sandbox)
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    backup_id = run.output["backup_id"]
    manifest = _manifest(sandbox, backup_id)
    etcd = manifest["etcd"]
    assert etcd["trailer_verified"] is True
    assert etcd["revision"] == run.output["snapshot"]["revision"] > 0
    assert manifest["schema_version"] == 1 and manifest["consistency"] == "online"
    assert manifest["management_cluster"] == "source"
    # The bytes in S3 are the pod's snapshot: SHA-256 as measured in the pod, KMS-encrypted.
    head = sandbox.aws.client("s3").head_object(
        Bucket=sandbox.backup_env.bucket, Key=etcd["key"], ChecksumMode="ENABLED")
    assert head["ContentLength"] == etcd["size_bytes"]
    assert base64.b64decode(head["ChecksumSHA256"]).hex() == etcd["sha256"]
    assert head["ServerSideEncryption"] == "aws:kms"
    # Every part the manifest lists exists.
    keys = set(bucket_keys(sandbox, f"backups/{sandbox.plan.namespace}/"))
    assert {o["key"] for o in manifest["objects"]} <= keys
    assert backup_id in [e.location.backup_id for e in restorable_backups(
        _bucket(sandbox), sandbox.plan.namespace, sandbox.plan.name)]


def test_backup_set_holds_the_objects_of_migration_step_5(sandbox: Sandbox):
    run = run_backup(sandbox)
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    manifest = _manifest(sandbox, run.output["backup_id"])
    by_kind: dict[str, set[str]] = {}
    for entry in manifest["objects"]:
        by_kind.setdefault(entry["kind"], set()).add(entry["name"])
    plan = sandbox.plan
    assert by_kind["hostedclusters"] == {plan.name}
    assert by_kind["nodepools"] == {plan.nodepool_name}
    for kind in ("hostedcontrolplanes", "clusters", "awsclusters", "awsmachinetemplates",
                 "machinedeployments", "machinesets", "machines", "awsmachines"):
        assert by_kind.get(kind), f"no {kind} in the backup"
    assert len(by_kind["machines"]) == plan.nodepool_replicas
    secrets = by_kind["secrets"]
    assert plan.encryption_secret in secrets and plan.admin_kubeconfig_secret in secrets
    assert "etcd-client-tls" in secrets
    skipped = [s for s in secrets if "docker" in s or s.startswith(("default-token-",
                                                                     f"token-{plan.name}"))
               or "oauth-openshift" in s]
    assert skipped == []
    # Status is dropped; the encryption key is stored as its own part.
    hc_key = next(o["key"] for o in manifest["objects"] if o["kind"] == "hostedclusters")
    assert "status" not in _bucket(sandbox).get_json(hc_key)
    assert manifest["encryption"]["type"] == "aescbc"
    key_secret = _bucket(sandbox).get_json(manifest["encryption"]["key"])
    assert key_secret["metadata"]["name"] == plan.encryption_secret
    assert key_secret["data"]["key"]


def test_snapshot_file_is_removed_and_the_lock_released(sandbox: Sandbox):
    run = run_backup(sandbox)
    assert run.status == "SUCCEEDED"
    pod = sandbox.hosted.etcd.members[0].pod
    assert not list(pod.pv_dir.glob("data/hcp-dr-*.db"))
    assert not list(pod.pv_dir.rglob("hcp-dr-*.db"))
    table = sandbox.backup_env.lock_table
    items = sandbox.aws.client("dynamodb").scan(TableName=table)["Items"]
    assert items == []


def test_snapshots_an_earlier_failed_cleanup_left_are_removed_by_the_next_backup(
        sandbox: Sandbox):
    pod = sandbox.hosted.etcd.members[0].pod
    leftovers = [pod.pv_dir / "data" / f"hcp-dr-20260101T00000{n}Z-0a1b2c3d.db" for n in (1, 2)]
    leftovers.append(pod.pv_dir / "data" / "hcp-dr-20260101T000003Z-0a1b2c3d.db.part")
    for path in leftovers:
        path.write_bytes(b"x" * 4096)
    unrelated = pod.pv_dir / "data" / "operator-notes.db"
    unrelated.write_bytes(b"not ours")
    try:
        run = run_backup(sandbox)
        assert run.status == "SUCCEEDED", run.cause
        assert run.output["snapshot"]["stale_removed"] == 3
        assert not any(path.exists() for path in leftovers)
        assert unrelated.read_bytes() == b"not ours"
    finally:
        unrelated.unlink()


def test_a_failed_prune_does_not_fail_a_complete_verified_backup(sandbox: Sandbox):
    def broken_prune(real):
        def handler(event, context):
            raise RuntimeError("S3 said no")
        return handler

    with handler_wrapped(sandbox, "PruneBackups", broken_prune):
        run = run_backup(sandbox)
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert run.output["prune"] == {"skipped": True, "error": "RuntimeError"}
    assert _manifest(sandbox, run.output["backup_id"])["etcd"]["sha256"]


def _broken(real):
    def handler(event, context):
        raise RuntimeError("cleanup said no")
    return handler


def test_cleanup_that_fails_is_reported_and_a_lock_left_behind_is_taken_over(sandbox: Sandbox):
    """A verified backup whose file removal and lock release both failed still succeeds, says
    so in its output (and the BackupWarnings metric), and the next backup takes over the lock
    of the ended execution instead of failing on it."""
    with handler_wrapped(sandbox, "RemoveSnapshotFile", _broken), \
            handler_wrapped(sandbox, "ReleaseClusterLock", _broken):
        first = run_backup(sandbox)
    assert first.status == "SUCCEEDED", (first.error, first.cause)
    assert first.output["warnings"] == {"snapshot_file_left": {"error": "RuntimeError"},
                                        "lock_not_released": {"error": "RuntimeError"}}

    second = run_backup(sandbox)
    assert second.status == "SUCCEEDED", (second.error, second.cause)
    assert second.output["warnings"] == {"snapshot_file_left": None, "lock_not_released": None}
    assert second.output["snapshot"]["stale_removed"]  # the first one's file, gone now


def _writer_pods(store, namespace: str) -> list[str]:
    return [pod["metadata"]["name"] for pod in store.list(PODS, namespace)
            if pod["metadata"]["labels"].get("app") in WRITERS]


def test_quiesced_backup_pauses_scales_down_and_restores(sandbox: Sandbox):
    store = sandbox.management["source"].cluster.store
    ns = sandbox.plan.hcp_namespace
    seen_zero = threading.Event()
    pods_at_snapshot: list[list[str]] = []
    assert len(_writer_pods(store, ns)) == 3  # one pod per writer deployment (SingleReplica)

    def watch_snapshot(real):
        def handler(event, context):
            writers = [store.get(DEPLOYMENTS, ns, d)["spec"]["replicas"] for d in WRITERS]
            hc = store.get(HC, sandbox.plan.namespace, sandbox.plan.name)
            if writers == [0, 0, 0] and hc["spec"].get("pausedUntil") == "true":
                seen_zero.set()
            pods_at_snapshot.append(_writer_pods(store, ns))
            return real(event, context)
        return handler

    with handler_wrapped(sandbox, "SnapshotEtcd", watch_snapshot):
        run = run_backup(sandbox, consistency="quiesced")
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert seen_zero.is_set(), "writers were not at 0 / HC not paused during the snapshot"
    # The deployments said 0 at once, but their pods took pod_shutdown_seconds to stop: the
    # snapshot waited for them (QuiesceWriters retried on WritersStillRunning).
    assert pods_at_snapshot == [[]], f"writer pods still there at the snapshot: {pods_at_snapshot}"
    quiesce = [stage for stage in execution_timeline(sandbox.aws.client("stepfunctions"), run.arn)
               if stage.name == "QuiesceWriters"]
    assert [(q.attempts > 1, q.error) for q in quiesce] == [(True, "WritersStillRunning")]
    assert store.get(DEPLOYMENTS, ns, "kube-apiserver")["spec"]["replicas"] == 1
    wait_until(lambda: len(_writer_pods(store, ns)) == 3)
    hc = store.get(HC, sandbox.plan.namespace, sandbox.plan.name)
    assert "pausedUntil" not in hc["spec"]
    assert "hcp-dr.openshift.io/quiesced" not in (hc["metadata"].get("annotations") or {})


def test_byte_flipped_after_checksum_fails_and_is_not_restorable(sandbox: Sandbox):
    pod = sandbox.hosted.etcd.members[0].pod

    def corrupt_before_upload(real):
        def handler(event, context):
            path = pod.pv_dir / event["snapshot"]["path"].removeprefix("/var/lib/")
            data = bytearray(path.read_bytes())
            data[len(data) // 2] ^= 0x01
            path.write_bytes(bytes(data))
            return real(event, context)
        return handler

    before = set(manifests(sandbox))
    with handler_wrapped(sandbox, "UploadSnapshot", corrupt_before_upload):
        run = run_backup(sandbox)
    assert run.status == "FAILED"
    assert run.error == "SnapshotChecksumMismatch", run.cause
    assert set(manifests(sandbox)) == before
    restorable = [e.location.backup_id for e in restorable_backups(
        _bucket(sandbox), sandbox.plan.namespace, sandbox.plan.name)]
    assert all(b not in run.arn for b in restorable)
    assert not list(pod.pv_dir.rglob("hcp-dr-*.db")), "failed backup left its file behind"


def test_second_concurrent_backup_is_refused_by_the_lock(sandbox: Sandbox):
    release = threading.Event()

    def slow_snapshot(real):
        def handler(event, context):
            release.wait(timeout=30)
            return real(event, context)
        return handler

    with handler_wrapped(sandbox, "SnapshotEtcd", slow_snapshot):
        first = start_backup(sandbox)
        time.sleep(1.0)
        second = run_backup(sandbox)
        release.set()
        sfn = sandbox.aws.client("stepfunctions")
        deadline = time.monotonic() + 60
        while sfn.describe_execution(executionArn=first)["status"] == "RUNNING":
            assert time.monotonic() < deadline
            time.sleep(0.1)
    assert second.status == "FAILED" and second.error == "ClusterLocked", second.cause
    assert sfn.describe_execution(executionArn=first)["status"] == "SUCCEEDED"


@pytest.mark.parametrize(("request_overrides", "error"), [
    ({"name": "Not_A_Name"}, "InvalidRequest"),
    ({"namespace": ""}, "InvalidRequest"),
    ({"consistency": "sometimes"}, "InvalidRequest"),
    ({"surprise": "field"}, "InvalidRequest"),
    ({"management_cluster": "nowhere"}, "UnknownManagementCluster"),
    ({"management_cluster": "broken"}, "KubeconfigInvalid"),
])
def test_bad_input_fails_fast_and_changes_nothing(sandbox: Sandbox, request_overrides, error):
    _register_broken_kubeconfig(sandbox)
    store = sandbox.management["source"].cluster.store
    hc_before = store.get(HC, sandbox.plan.namespace, sandbox.plan.name)
    keys_before = set(bucket_keys(sandbox))
    run = run_backup(sandbox, **request_overrides)
    assert run.status == "FAILED"
    assert run.error == error, run.cause
    assert BROKEN_KUBECONFIG not in run.cause  # the secret's content never reaches the error
    assert set(bucket_keys(sandbox)) == keys_before
    hc_after = store.get(HC, sandbox.plan.namespace, sandbox.plan.name)
    assert hc_after["metadata"]["resourceVersion"] == hc_before["metadata"]["resourceVersion"]
    table = sandbox.backup_env.lock_table
    assert sandbox.aws.client("dynamodb").scan(TableName=table)["Items"] == []
    history = sandbox.aws.client("stepfunctions").get_execution_history(executionArn=run.arn)
    entered = [e["stateEnteredEventDetails"]["name"] for e in history["events"]
               if e["type"].endswith("StateEntered")]
    assert entered[0] == "ValidateRequest" and "AcquireLock" not in entered, entered
    assert run.output == {}  # a failed execution has no output


BROKEN_KUBECONFIG = "not: [a kubeconfig"


def _register_broken_kubeconfig(sandbox: Sandbox) -> None:
    secrets = sandbox.aws.client("secretsmanager")
    names = [s["Name"] for s in secrets.list_secrets()["SecretList"]]
    if "hcp-dr/management-clusters/broken" not in names:
        secrets.create_secret(Name="hcp-dr/management-clusters/broken",
                              SecretString=BROKEN_KUBECONFIG)
