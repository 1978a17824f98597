"""Independent checks of a finished migration, from the sandbox's own view of the world.

The Migration state machine reports its own post-checks; the drill does not take its word for
it and looks for itself: etcd data key for key, objects by spec, DNS, the source, the nodes.
"""

from __future__ import annotations

import json
from typing import Any

from sandbox.environment import Sandbox
from sandbox.restore_check import compare_dumps
from sandbox.scenario.management_cluster import OPERATOR_NAMESPACE, router_hostname

HC = ("hypershift.openshift.io", "v1beta1", "hostedclusters")
NODEPOOLS = ("hypershift.openshift.io", "v1beta1", "nodepools")
NAMESPACES = ("", "v1", "namespaces")
DEPLOYMENTS = ("apps", "v1", "deployments")
BY_PLURAL = {
    "hostedclusters": HC, "nodepools": NODEPOOLS, "secrets": ("", "v1", "secrets"),
    "hostedcontrolplanes": ("hypershift.openshift.io", "v1beta1", "hostedcontrolplanes"),
    "clusters": ("cluster.x-k8s.io", "v1beta1", "clusters"),
    "machinedeployments": ("cluster.x-k8s.io", "v1beta1", "machinedeployments"),
    "machinesets": ("cluster.x-k8s.io", "v1beta1", "machinesets"),
    "machines": ("cluster.x-k8s.io", "v1beta1", "machines"),
    "awsclusters": ("infrastructure.cluster.x-k8s.io", "v1beta2", "awsclusters"),
    "awsmachinetemplates": ("infrastructure.cluster.x-k8s.io", "v1beta2", "awsmachinetemplates"),
    "awsmachines": ("infrastructure.cluster.x-k8s.io", "v1beta2", "awsmachines"),
}
# What a migration changes on purpose (guide 4.2 step 7): the HC gains its restore URL, and
# neither the HC nor its NodePools arrive paused.
_CHANGED_ON_PURPOSE = {"pausedUntil"}


def _content(obj: dict[str, Any]) -> Any:
    if "spec" not in obj:  # secrets
        return {"type": obj.get("type"), "data": obj.get("data")}
    spec = {k: v for k, v in obj["spec"].items() if k not in _CHANGED_ON_PURPOSE}
    storage = (((spec.get("etcd") or {}).get("managed") or {}).get("storage") or {})
    if "restoreSnapshotURL" in storage:
        spec = json.loads(json.dumps(spec))
        spec["etcd"]["managed"]["storage"].pop("restoreSnapshotURL")
    return spec


def _objects_identical(sandbox: Sandbox, manifest: dict[str, Any]) -> tuple[bool, list[str]]:
    assert sandbox.backup_env is not None
    s3 = sandbox.aws.client("s3")
    store = sandbox.management["destination"].cluster.store
    different = []
    for entry in manifest["objects"]:
        backed_up = json.loads(s3.get_object(Bucket=sandbox.backup_env.bucket,
                                              Key=entry["key"])["Body"].read())
        try:
            current = store.get(BY_PLURAL[entry["kind"]], entry["namespace"], entry["name"])
        except Exception:  # NotFound: reported as a difference
            different.append(f"{entry['kind']}/{entry['name']} missing")
            continue
        if _content(current) != _content(backed_up):
            different.append(f"{entry['kind']}/{entry['name']} differs")
    return not different, different


def _source_clean(sandbox: Sandbox) -> bool:
    store = sandbox.management["source"].cluster.store
    plan = sandbox.plan
    hcs = [h for h in store.list(HC, plan.namespace) if h["metadata"]["name"] == plan.name]
    pools = [n for n in store.list(NODEPOOLS, plan.namespace)
             if (n.get("spec") or {}).get("clusterName") == plan.name]
    namespaces = {n["metadata"]["name"] for n in store.list(NAMESPACES)}
    return not hcs and not pools and plan.hcp_namespace not in namespaces


def check_migration(sandbox: Sandbox, report: dict[str, Any],
                    operator_replicas_before: int) -> dict[str, Any]:
    plan = sandbox.plan
    final = sandbox.etcd_final_state("source", plan.hcp_namespace)
    restored = sandbox.etcd_of("destination", plan.hcp_namespace)
    etcd = None
    if final is not None and restored is not None:
        with restored.client() as client:
            etcd = compare_dumps(final.dump, client.dump(final.revision))
    assert sandbox.backup_env is not None
    manifest_key = (f"backups/{plan.namespace}/{plan.name}/{report['migration_id']}/"
                    "manifest.json")  # the migration's backup set (its id = the migration's)
    manifest = json.loads(sandbox.aws.client("s3").get_object(
        Bucket=sandbox.backup_env.bucket, Key=manifest_key)["Body"].read())
    objects_ok, differences = _objects_identical(sandbox, manifest)
    destination_router = router_hostname("destination")
    records = sandbox.dns_records()
    nodes = sandbox.guest_nodes()
    operator = sandbox.management["source"].cluster.store.get(
        DEPLOYMENTS, OPERATOR_NAMESPACE, "operator")
    return {
        "etcd_identical": bool(etcd and etcd.identical),
        "etcd_keys_compared": etcd.source_keys if etcd else 0,
        "etcd_revision": final.revision if final else None,
        "objects_identical": objects_ok, "objects_compared": len(manifest["objects"]),
        "object_differences": differences,
        "dns_points_to_destination": bool(records) and all(
            records.get(h) == destination_router for h in plan.route_hostnames()),
        "source_clean": _source_clean(sandbox),
        "nodes_ready": sum(1 for n in nodes if n.ready and n.control_plane == "destination"),
        "nodes_expected": plan.nodepool_replicas,
        "operator_restored": operator["spec"]["replicas"] == operator_replicas_before,
    }
