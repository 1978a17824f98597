"""Helpers of the migration-sandbox contract tests: what a migration does, by hand, through the
real clients (boto3 for S3, the `kubernetes` client for both management clusters and the
guest), so the tests prove the simulation reacts to real API traffic."""

from __future__ import annotations

import copy
import json
import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from kubernetes import client

from sandbox.environment import Sandbox
from sandbox.kubeapi.cluster import EmulatedCluster
from tests.contract.kubeapi.cluster_access import api_client_for
from tests.integration.backup_driver import run_backup

GROUP, VERSION = "hypershift.openshift.io", "v1beta1"
HC = (GROUP, VERSION, "hostedclusters")
NODEPOOLS = (GROUP, VERSION, "nodepools")
HCP = (GROUP, VERSION, "hostedcontrolplanes")
DEPLOYMENTS = ("apps", "v1", "deployments")
STATEFULSETS = ("apps", "v1", "statefulsets")
PODS = ("", "v1", "pods")
SECRETS = ("", "v1", "secrets")
ROUTES = ("route.openshift.io", "v1", "routes")
FINALIZER = "hypershift.openshift.io/finalizer"
TIMINGS: dict[str, float] = {}


@dataclass(frozen=True)
class Snapshot:
    """The etcd part of a backup manifest: where the snapshot is and at which revision."""

    key: str
    revision: int
    sha256: str


def wait_until(predicate: Callable[[], Any], timeout: float = 30.0, interval: float = 0.05,
               what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not met within {timeout} s")
        time.sleep(interval)


def take_backup(sandbox: Sandbox, **request: Any) -> Snapshot:
    """A backup through the real Backup state machine; its manifest's etcd section."""
    run = run_backup(sandbox, **request)
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert sandbox.backup_env is not None
    prefix = f"backups/{sandbox.plan.namespace}/{sandbox.plan.name}/{run.output['backup_id']}/"
    body = sandbox.aws.client("s3").get_object(
        Bucket=sandbox.backup_env.bucket, Key=prefix + "manifest.json")["Body"].read()
    etcd = json.loads(body)["etcd"]
    return Snapshot(etcd["key"], etcd["revision"], etcd["sha256"])


def presigned_get(sandbox: Sandbox, key: str, ttl_seconds: int = 3600) -> str:
    assert sandbox.backup_env is not None
    return sandbox.aws.client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": sandbox.backup_env.bucket, "Key": key},
        ExpiresIn=ttl_seconds)


@contextmanager
def kube(cluster: EmulatedCluster):  # type: ignore[no-untyped-def]
    with api_client_for(cluster) as api:
        yield api


def restored_hc_body(sandbox: Sandbox, url: str | None, namespace: str | None = None,
                     **spec_changes: Any) -> dict[str, Any]:
    """The source HC as a migration recreates it: no status, no server metadata, no pause,
    exactly one restoreSnapshotURL."""
    plan = sandbox.plan
    source = sandbox.management["source"].cluster.store.get(HC, plan.namespace, plan.name)
    spec = copy.deepcopy(source["spec"])
    spec.pop("pausedUntil", None)
    if url is not None:
        spec["etcd"]["managed"]["storage"]["restoreSnapshotURL"] = [url]
    spec.update(spec_changes)
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": "HostedCluster",
            "metadata": {"name": plan.name, "namespace": namespace or plan.namespace},
            "spec": spec}


def create_on_destination(sandbox: Sandbox, hc: dict[str, Any], *,
                          with_key: bool = True) -> None:
    """Namespace, encryption key secret (same key as the source), then the HC, with the real
    client against the destination's API."""
    plan = sandbox.plan
    namespace = hc["metadata"]["namespace"]
    source = sandbox.management["source"].cluster.store
    with kube(sandbox.management["destination"].cluster) as api:
        core = client.CoreV1Api(api)
        core.create_namespace({"metadata": {"name": namespace}})
        if with_key:
            key = source.get(SECRETS, plan.namespace, plan.encryption_secret)
            core.create_namespaced_secret(namespace, {
                "metadata": {"name": plan.encryption_secret}, "data": key["data"]})
        client.CustomObjectsApi(api).create_namespaced_custom_object(
            GROUP, VERSION, namespace, "hostedclusters", hc)


def create_nodepool_on_destination(sandbox: Sandbox) -> None:
    """The source NodePool as the migration recreates it (after the HC): no status, no
    annotations, not paused."""
    plan = sandbox.plan
    source = sandbox.management["source"].cluster.store.get(NODEPOOLS, plan.namespace,
                                                            plan.nodepool_name)
    spec = copy.deepcopy(source["spec"])
    spec.pop("pausedUntil", None)
    body = {"apiVersion": f"{GROUP}/{VERSION}", "kind": "NodePool",
            "metadata": {"name": plan.nodepool_name, "namespace": plan.namespace},
            "spec": spec}
    with kube(sandbox.management["destination"].cluster) as api:
        client.CustomObjectsApi(api).create_namespaced_custom_object(
            GROUP, VERSION, plan.namespace, "nodepools", body)


def condition(obj: dict[str, Any] | None, kind: str) -> dict[str, Any]:
    for entry in ((obj or {}).get("status") or {}).get("conditions") or []:
        if entry.get("type") == kind:
            return entry
    return {}


def get_or_none(store: Any, ref: tuple[str, str, str], namespace: str | None,
                name: str) -> dict[str, Any] | None:
    from sandbox.kubeapi.errors import NotFound

    try:
        return store.get(ref, namespace, name)
    except NotFound:
        return None


def hc_available(store: Any, namespace: str, name: str) -> bool:
    return condition(get_or_none(store, HC, namespace, name), "Available").get("status") == "True"


def scale(cluster: EmulatedCluster, namespace: str, deployment: str, replicas: int) -> None:
    with kube(cluster) as api:
        client.AppsV1Api(api).patch_namespaced_deployment_scale(
            deployment, namespace, {"spec": {"replicas": replicas}})


def etcd_pids(ips: list[str]) -> list[int]:
    """Processes whose command line serves etcd on one of `ips` (read from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                argv = handle.read().split(b"\0")
        except OSError:
            continue
        if any(arg.startswith(b"--listen-client-urls=") and any(
                ip.encode() + b":" in arg for ip in ips) for arg in argv):
            found.append(int(entry))
    return found
