"""Pause a hosted cluster's reconciliation and scale its etcd writers to zero, and undo it.

What was there before (replica counts, an existing `pausedUntil`) is written to an annotation
on the HostedCluster BEFORE anything is scaled, so a retried or crashed stage never mistakes
its own zeros for the original counts, and resume restores HA clusters to 3, not to 1.

Scaling to 0 only asks for the pods to go: a kube-apiserver keeps serving through its
graceful shutdown. The pause is done when no pod of a scaled deployment is left, terminating
ones included (`WritersStillRunning` until then, which the state machines retry), so the
snapshot that follows holds every write the cluster accepted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from hcp_dr.errors import (
    HostedClusterNotFound,
    KubernetesRequestRejected,
    LeftoverPauseRecord,
    WritersStillRunning,
)
from hcp_dr.models.backup_records import QuiesceRecord
from hcp_dr.models.cluster import HostedClusterRef
from hcp_dr.models.kinds import DEPLOYMENTS, HOSTED_CLUSTERS, PODS

if TYPE_CHECKING:
    from hcp_dr.adapters.management_cluster import ManagementClusterApi

ETCD_WRITERS = ("kube-apiserver", "openshift-apiserver", "openshift-oauth-apiserver")
QUIESCE_ANNOTATION = "hcp-dr.openshift.io/quiesced"
ENDED_POD_PHASES = frozenset({"Succeeded", "Failed"})  # evicted or finished: nothing runs
_SELECTOR_OPERATORS = {"In": "{key} in ({values})", "NotIn": "{key} notin ({values})",
                       "Exists": "{key}", "DoesNotExist": "!{key}"}


def _hosted_cluster(api: ManagementClusterApi, ref: HostedClusterRef) -> dict:
    hc = api.get_custom(HOSTED_CLUSTERS, ref.namespace, ref.name)
    if hc is None:
        raise HostedClusterNotFound(
            f"HostedCluster {ref.key} not found on {ref.management_cluster}"
        )
    return hc


def recorded_quiesce(hosted_cluster: dict) -> QuiesceRecord | None:
    raw = (hosted_cluster.get("metadata", {}).get("annotations") or {}).get(QUIESCE_ANNOTATION)
    if raw is None:
        return None
    try:
        return QuiesceRecord.model_validate_json(raw)
    except ValidationError:
        raise KubernetesRequestRejected(
            f"annotation {QUIESCE_ANNOTATION} is not a quiesce record"
        ) from None


def require_no_foreign_quiesce(hosted_cluster: dict, ref: HostedClusterRef, owner: str) -> None:
    """Refuse to act over another run's record: LeftoverPauseRecord."""
    record = recorded_quiesce(hosted_cluster)
    if record is not None and record.owner != owner:
        raise LeftoverPauseRecord(
            f"HostedCluster {ref.key} on {ref.management_cluster} carries {QUIESCE_ANNOTATION} "
            f"of {record.owner or 'an earlier run'}, which never finished resuming it: check "
            f"that its etcd writers run and spec.pausedUntil is as intended, then remove the "
            f"annotation")


def pause_reconciliation(api: ManagementClusterApi, ref: HostedClusterRef, owner: str,
                         deployments: tuple[str, ...] = ETCD_WRITERS) -> QuiesceRecord:
    """Pause the HC and scale `deployments` in its HCP namespace to 0; safe to run twice (by
    the same `owner`: the backup or migration id)."""
    hc = _hosted_cluster(api, ref)
    require_no_foreign_quiesce(hc, ref, owner)
    record = recorded_quiesce(hc)
    if record is None:
        counts = {d: api.get_deployment_replicas(ref.hcp_namespace, d) for d in deployments}
        record = QuiesceRecord(
            paused_until_before=(hc.get("spec") or {}).get("pausedUntil"),
            replicas={d: n for d, n in counts.items() if n is not None},
            owner=owner,
        )
        api.merge_patch_custom(HOSTED_CLUSTERS, ref.namespace, ref.name, {
            "metadata": {"annotations": {QUIESCE_ANNOTATION: record.model_dump_json()}},
            "spec": {"pausedUntil": "true"},
        })
    for deployment in record.replicas:
        api.scale_deployment(ref.hcp_namespace, deployment, 0)
    remaining = pods_still_running(api, ref.hcp_namespace, tuple(record.replicas))
    if remaining:
        raise WritersStillRunning(
            f"{len(remaining)} pod(s) of the scaled-down deployments still run in "
            f"{ref.hcp_namespace} on {ref.management_cluster}: {', '.join(remaining[:5])}; "
            f"{STUCK_POD_HINT}")
    return record


def label_selector(selector: dict) -> str:
    """A Deployment's `spec.selector` in the API's labelSelector query syntax."""
    terms = [f"{key}={value}" for key, value in sorted((selector.get("matchLabels") or {}).items())]
    for expression in selector.get("matchExpressions") or []:
        terms.append(_SELECTOR_OPERATORS[expression["operator"]].format(
            key=expression["key"], values=",".join(expression.get("values") or [])))
    return ",".join(terms)


def pods_still_running(api: ManagementClusterApi, namespace: str,
                       deployments: tuple[str, ...]) -> list[str]:
    """Pods the deployments' selectors match that have not ended (terminating ones count)."""
    names: list[str] = []
    for name in deployments:
        deployment = api.get_object(DEPLOYMENTS, namespace, name)
        selector = label_selector(((deployment or {}).get("spec") or {}).get("selector") or {})
        if not selector:  # gone, or selecting nothing: no pod of it to wait for
            continue
        names += [_described(pod) for pod in api.list_objects(PODS, namespace, selector)
                  if (pod.get("status") or {}).get("phase") not in ENDED_POD_PHASES]
    return sorted(set(names))


def _described(pod: dict) -> str:
    """`name`, with its node and whether it is terminating: a pod on a node that is gone
    stays Terminating, and only a person can tell that it no longer runs."""
    node = (pod.get("spec") or {}).get("nodeName")
    terminating = pod["metadata"].get("deletionTimestamp")
    return pod["metadata"]["name"] + (f" on {node}" if node else "") + (
        " (terminating)" if terminating else "")


STUCK_POD_HINT = ("a pod whose node is gone stays Terminating: once you know it no longer "
                  "runs, force-delete it (oc delete pod --force --grace-period=0)")


def resume_reconciliation(api: ManagementClusterApi, ref: HostedClusterRef, owner: str,
                          fallback: QuiesceRecord | None = None) -> QuiesceRecord | None:
    """Scale back to the recorded counts, then restore `pausedUntil`; safe to run twice.

    The annotation is the source of truth; `fallback` (from the execution state) covers an HC
    whose annotation was lost. Returns None when there was nothing to resume, or when the
    record is another run's (`owner` differs): that one is left for a person to settle.
    """
    hc = api.get_custom(HOSTED_CLUSTERS, ref.namespace, ref.name)
    if hc is None:
        return None
    record = recorded_quiesce(hc) or fallback
    if record is None or record.owner != owner:
        return None
    for deployment, replicas in record.replicas.items():
        if api.get_deployment_replicas(ref.hcp_namespace, deployment) is not None:
            api.scale_deployment(ref.hcp_namespace, deployment, replicas)
    api.merge_patch_custom(HOSTED_CLUSTERS, ref.namespace, ref.name, {
        "metadata": {"annotations": {QUIESCE_ANNOTATION: None}},
        "spec": {"pausedUntil": record.paused_until_before},
    })
    return record
