"""A destination whose HyperShift CRDs are main's: the HostedControlPlane takes its
restoreSnapshotURL only at creation, like the HostedCluster, and the operator copies the HC's
etcd spec onto the HCP on every reconcile.

So the restore must create the HCP with the HC's URL (`restore_plan.restoring_from`); an HCP
restored as backed up (no URL) leaves the HC unreconcilable: the operator's copy is refused
and it never builds the control plane.
"""

from __future__ import annotations

import copy
from typing import Any

from kubernetes import client

from hcp_dr.domain.migration.restore_plan import restorable, restore_url_in, restoring_from
from sandbox.environment import Sandbox, SandboxOptions
from tests.contract.migration_sandbox.world import (
    GROUP,
    HC,
    HCP,
    STATEFULSETS,
    VERSION,
    condition,
    get_or_none,
    kube,
    wait_until,
)

SANDBOX_OPTIONS = SandboxOptions(destination_crds="main")
# Refused at once by the etcd init's curl: the URL only has to pass the CRD's scheme rule.
URL = "https://127.0.0.1:9/snapshot.db?X-Amz-Signature=0"
MIGRATION_ID = "m-main-crds"


def _restore(sandbox: Sandbox, namespace: str, hcp_body: dict[str, Any],
             hc_body: dict[str, Any]) -> None:
    """Namespaces, the HCP, then the HC, through the real client, as the restore orders them."""
    name = sandbox.plan.name
    for body, ns in ((hcp_body, f"{namespace}-{name}"), (hc_body, namespace)):
        body["metadata"]["namespace"] = ns
    with kube(sandbox.management["destination"].cluster) as api:
        for ns in (namespace, f"{namespace}-{name}"):
            client.CoreV1Api(api).create_namespace({"metadata": {"name": ns}})
        custom = client.CustomObjectsApi(api)
        custom.create_namespaced_custom_object(GROUP, VERSION, f"{namespace}-{name}",
                                               "hostedcontrolplanes", hcp_body)
        custom.create_namespaced_custom_object(GROUP, VERSION, namespace, "hostedclusters",
                                               hc_body)


def _source(sandbox: Sandbox) -> tuple[dict[str, Any], dict[str, Any]]:
    plan, store = sandbox.plan, sandbox.management["source"].cluster.store
    hcp = copy.deepcopy(store.get(HCP, f"{plan.namespace}-{plan.name}", plan.name))
    hcp["spec"]["pausedUntil"] = "true"  # as the source operator leaves a paused HC's HCP
    return hcp, store.get(HC, plan.namespace, plan.name)


def test_an_hcp_restored_with_the_url_is_reconciled_and_the_control_plane_built(
        sandbox: Sandbox):
    hcp, hc = _source(sandbox)
    _restore(sandbox, "restored", restoring_from(hcp, MIGRATION_ID, URL),
             restoring_from(hc, MIGRATION_ID, URL))
    store, name = sandbox.management["destination"].cluster.store, sandbox.plan.name

    wait_until(lambda: get_or_none(store, STATEFULSETS, f"restored-{name}", "etcd"),
               what="the control plane built on the destination")
    restored_hcp = store.get(HCP, f"restored-{name}", name)
    assert restore_url_in(restored_hcp) == URL
    assert "pausedUntil" not in restored_hcp["spec"]
    assert condition(store.get(HC, "restored", name), "Available").get(
        "reason") != "ReconciliationError"


def test_an_hcp_restored_without_the_url_blocks_the_hosted_cluster(sandbox: Sandbox):
    hcp, hc = _source(sandbox)
    _restore(sandbox, "as-backed-up", restorable(hcp, MIGRATION_ID),
             restoring_from(hc, MIGRATION_ID, URL))
    store, name = sandbox.management["destination"].cluster.store, sandbox.plan.name

    refused = wait_until(lambda: condition(get_or_none(store, HC, "as-backed-up", name),
                                           "Available").get("reason") == "ReconciliationError"
                         and condition(store.get(HC, "as-backed-up", name), "Available"),
                         what="the operator's refused HCP update reported on the HC")
    assert "restoreSnapshotURL" in refused["message"]
    assert get_or_none(store, STATEFULSETS, f"as-backed-up-{name}", "etcd") is None
    assert restore_url_in(store.get(HCP, f"as-backed-up-{name}", name)) is None
