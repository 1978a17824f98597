"""What the HyperShift operator (and its control-plane operator) build for a HostedCluster.

The source's control plane is planned up front (control_plane.py); on the destination the
simulated operator derives the same kinds of objects from whatever HostedCluster the
migration created: deployments with the counts of its availability policy, an etcd
StatefulSet whose pods carry the restore init container, one Route per Route-published
service, and the status HyperShift reports. Pure data, no I/O.
"""

from __future__ import annotations

import copy
from typing import Any

from sandbox.controllers.workload_status import STATUS_FROM_PODS
from sandbox.scenario.control_plane import HCP_LABEL
from sandbox.scenario.hosted_cluster import (
    CONTROL_PLANE_DEPLOYMENTS,
    HA_SCALED,
    ROUTED_SERVICES,
    PlannedObject,
    _meta,
    now_rfc3339,
)

FINALIZER = "hypershift.openshift.io/finalizer"
RESTORE_URL_ENV = "RESTORE_URL_ETCD"
ETCD_INIT_CONTAINER = "etcd-init"
ETCD_IMAGE = "sandbox/etcd"
# Marks what this operator built, so it reports status only for control planes it runs.
BUILT_BY = "sandbox.hcp-dr/built-by"
_INIT_INCOMPLETE = f"containers with incomplete status: [{ETCD_INIT_CONTAINER}]"
HC_FIELDS_ON_HCP = ("dns", "etcd", "infraID", "issuerURL", "platform", "pullSecret", "services",
                    "sshKey", "networking", "secretEncryption", "controllerAvailabilityPolicy",
                    "fips")


def hcp_namespace_of(hc: dict[str, Any]) -> str:
    meta = hc["metadata"]
    return f"{meta['namespace']}-{meta['name']}"


def etcd_members_of(hc: dict[str, Any]) -> int:
    policy = (hc.get("spec") or {}).get("controllerAvailabilityPolicy") or "SingleReplica"
    return 3 if policy == "HighlyAvailable" else 1


def restore_url_of(hc: dict[str, Any]) -> str | None:
    etcd = (hc.get("spec") or {}).get("etcd") or {}
    urls = ((etcd.get("managed") or {}).get("storage") or {}).get("restoreSnapshotURL") or []
    return urls[0] if urls else None


def release_version(image: str) -> str:
    """`quay.io/...:4.13.10-x86_64` -> `4.13.10` (what the release payload would report)."""
    tag = image.rsplit(":", 1)[-1] if ":" in image else image
    return tag.removesuffix("-x86_64").removesuffix("-multi")


def is_paused(obj: dict[str, Any]) -> bool:
    return (obj.get("spec") or {}).get("pausedUntil") == "true"


def route_published_services(hc: dict[str, Any]) -> dict[str, str]:
    """Service -> hostname of every service the HC publishes by Route with a hostname."""
    published = {}
    for entry in (hc.get("spec") or {}).get("services") or []:
        strategy = entry.get("servicePublishingStrategy") or {}
        hostname = (strategy.get("route") or {}).get("hostname")
        if strategy.get("type") == "Route" and hostname and entry.get("service") in ROUTED_SERVICES:
            published[entry["service"]] = hostname
    return published


def hosted_control_plane(hc: dict[str, Any]) -> PlannedObject:
    """The HostedControlPlane the operator creates when the migration did not restore one."""
    spec = {key: copy.deepcopy(hc["spec"][key]) for key in HC_FIELDS_ON_HCP if key in hc["spec"]}
    spec["releaseImage"] = hc["spec"]["release"]["image"]
    namespace = hcp_namespace_of(hc)
    body = {"apiVersion": "hypershift.openshift.io/v1beta1", "kind": "HostedControlPlane",
            "metadata": _meta(hc["metadata"]["name"], namespace,
                              labels={"cluster.x-k8s.io/cluster-name": hc["spec"].get(
                                  "infraID", hc["metadata"]["name"])}),
            "spec": spec}
    return PlannedObject("hypershift.openshift.io", "v1beta1", "hostedcontrolplanes",
                         namespace, body)


def control_plane_spec_from(hc: dict[str, Any], hcp: dict[str, Any]) -> dict[str, Any] | None:
    """The HCP after upstream's reconcileHostedControlPlane copied the HC's managed etcd spec
    and `pausedUntil` onto it; None when that changes nothing."""
    updated = copy.deepcopy(hcp)
    spec, hc_spec = updated.setdefault("spec", {}), hc.get("spec") or {}
    etcd = hc_spec.get("etcd") or {}
    if etcd.get("managementType") == "Managed" and etcd.get("managed") is not None:
        spec.setdefault("etcd", {})["managed"] = copy.deepcopy(etcd["managed"])
    if hc_spec.get("pausedUntil") is None:
        spec.pop("pausedUntil", None)
    else:
        spec["pausedUntil"] = hc_spec["pausedUntil"]
    return None if updated == hcp else updated


def control_plane_deployments(namespace: str, members: int) -> list[PlannedObject]:
    """The control-plane deployments; their status comes from the workload-status controller."""
    objects = []
    for name in CONTROL_PLANE_DEPLOYMENTS:
        replicas = members if name in HA_SCALED else 1
        labels = {"app": name, HCP_LABEL: namespace}
        objects.append(PlannedObject("apps", "v1", "deployments", namespace, {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": _meta(name, namespace, labels=labels,
                              annotations={BUILT_BY: "hypershift-operator"}),
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": name,
                                                           "image": "sandbox/" + name}]}}}}))
    return objects


def _etcd_pod_spec(restore_url: str | None) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "etcd", "image": ETCD_IMAGE}]}
    if restore_url:
        # As the control-plane operator does: the URL reaches the init container by env only.
        spec["initContainers"] = [{"name": ETCD_INIT_CONTAINER, "image": ETCD_IMAGE,
                                   "env": [{"name": RESTORE_URL_ENV, "value": restore_url}]}]
    return spec


def etcd_statefulset(namespace: str, members: int, restore_url: str | None) -> PlannedObject:
    labels = {"app": "etcd", HCP_LABEL: namespace}
    body = {"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": _meta("etcd", namespace, labels=labels, annotations={
                BUILT_BY: "hypershift-operator", STATUS_FROM_PODS: "true"}),
            "spec": {"replicas": members, "serviceName": "etcd-discovery",
                     "selector": {"matchLabels": {"app": "etcd"}},
                     "template": {"metadata": {"labels": labels},
                                  "spec": _etcd_pod_spec(restore_url)}}}
    return PlannedObject("apps", "v1", "statefulsets", namespace, body,
                         {"replicas": members, "readyReplicas": 0, "currentReplicas": members,
                          "availableReplicas": 0})


def etcd_pod_body(statefulset: dict[str, Any], index: int) -> dict[str, Any]:
    """Pod `etcd-<index>` of a StatefulSet, from its template (what the STS controller does)."""
    namespace = statefulset["metadata"]["namespace"]
    template = copy.deepcopy(statefulset["spec"]["template"])
    labels = {**(template.get("metadata") or {}).get("labels", {}),
              "statefulset.kubernetes.io/pod-name": f"etcd-{index}"}
    spec = {**template["spec"], "hostname": f"etcd-{index}", "subdomain": "etcd-discovery"}
    metadata = _meta(f"etcd-{index}", namespace, labels=labels)
    metadata["ownerReferences"] = [{
        "apiVersion": "apps/v1", "kind": "StatefulSet", "controller": True,
        "blockOwnerDeletion": True, "name": statefulset["metadata"]["name"],
        "uid": statefulset["metadata"].get("uid", "")}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


def _pod_condition(kind: str, ready: bool, reason: str = "", message: str = "") -> dict:
    condition = {"type": kind, "status": "True" if ready else "False",
                 "lastTransitionTime": now_rfc3339()}
    if not ready:
        condition.update(reason=reason, message=message)
    return condition


def etcd_pod_initializing(has_init: bool) -> dict[str, Any]:
    status: dict[str, Any] = {
        "phase": "Pending", "startTime": now_rfc3339(),
        "conditions": [_pod_condition("PodScheduled", True),
                       _pod_condition("Initialized", not has_init, "ContainersNotInitialized",
                                      _INIT_INCOMPLETE),
                       _pod_condition("Ready", False, "ContainersNotReady",
                                      "containers with unready status: [etcd]"),
                       _pod_condition("ContainersReady", False, "ContainersNotReady",
                                      "containers with unready status: [etcd]")],
        "containerStatuses": [{"name": "etcd", "ready": False, "restartCount": 0,
                               "image": ETCD_IMAGE, "imageID": ETCD_IMAGE,
                               "state": {"waiting": {"reason": "PodInitializing"}}}],
    }
    if has_init:
        status["initContainerStatuses"] = [{
            "name": ETCD_INIT_CONTAINER, "ready": False, "restartCount": 0, "image": ETCD_IMAGE,
            "imageID": ETCD_IMAGE, "state": {"running": {"startedAt": now_rfc3339()}}}]
    return status


def etcd_pod_running(pod_ip: str, has_init: bool) -> dict[str, Any]:
    now = now_rfc3339()
    status: dict[str, Any] = {
        "phase": "Running", "podIP": pod_ip, "podIPs": [{"ip": pod_ip}], "startTime": now,
        "conditions": [_pod_condition(kind, True) for kind in (
            "PodScheduled", "Initialized", "Ready", "ContainersReady")],
        "containerStatuses": [{"name": "etcd", "ready": True, "restartCount": 0,
                               "image": ETCD_IMAGE, "imageID": ETCD_IMAGE, "started": True,
                               "state": {"running": {"startedAt": now}}}],
    }
    if has_init:
        status["initContainerStatuses"] = [{
            "name": ETCD_INIT_CONTAINER, "ready": True, "restartCount": 0, "image": ETCD_IMAGE,
            "imageID": ETCD_IMAGE, "state": {"terminated": {
                "exitCode": 0, "reason": "Completed", "startedAt": now, "finishedAt": now}}}]
    return status


def etcd_pod_failed(pod_ip: str, failed_container: str, exit_code: int,
                    message: str) -> dict[str, Any]:
    """Not Ready, with the failure in the Ready condition's message (what `oc describe` and a
    readiness check show). `failed_container` is the init container or etcd itself."""
    now = now_rfc3339()
    terminated = {"exitCode": exit_code, "reason": "Error", "message": message,
                  "startedAt": now, "finishedAt": now}
    in_init = failed_container == ETCD_INIT_CONTAINER
    reason = "InitContainerFailed" if in_init else "ContainerFailed"
    status: dict[str, Any] = {
        "phase": "Pending" if in_init else "Running", "podIP": pod_ip, "podIPs": [{"ip": pod_ip}],
        "startTime": now,
        "conditions": [
            _pod_condition("PodScheduled", True),
            _pod_condition("Initialized", not in_init, "ContainersNotInitialized",
                           _INIT_INCOMPLETE),
            _pod_condition("Ready", False, reason, f"{failed_container}: {message}"),
            _pod_condition("ContainersReady", False, reason, f"{failed_container}: {message}"),
        ],
        "containerStatuses": [{"name": "etcd", "ready": False, "restartCount": 0,
                               "image": ETCD_IMAGE, "imageID": ETCD_IMAGE,
                               "state": ({"waiting": {"reason": "PodInitializing"}} if in_init
                                         else {"terminated": terminated})}],
    }
    if in_init:
        status["initContainerStatuses"] = [{
            "name": ETCD_INIT_CONTAINER, "ready": False, "restartCount": 0, "image": ETCD_IMAGE,
            "imageID": ETCD_IMAGE, "state": {"terminated": terminated}}]
    return status


def route(namespace: str, service: str, hostname: str) -> PlannedObject:
    """A Route carrying the external-DNS hostname, as the control-plane operator creates it."""
    name = ROUTED_SERVICES[service]
    body = {"apiVersion": "route.openshift.io/v1", "kind": "Route",
            "metadata": _meta(name, namespace,
                              labels={HCP_LABEL: namespace,
                                      "hypershift.openshift.io/external-dns": "true"},
                              annotations={"external-dns.alpha.kubernetes.io/hostname": hostname}),
            "spec": {"host": hostname, "to": {"kind": "Service", "name": name},
                     "tls": {"termination": "passthrough"}}}
    return PlannedObject("route.openshift.io", "v1", "routes", namespace, body)


def with_condition(conditions: list[dict], kind: str, status: str, reason: str,
                   message: str, generation: int = 1) -> list[dict]:
    """Set one condition, keeping lastTransitionTime unless its status changes (so writing the
    same state twice is a no-op for the API server and triggers no event)."""
    result = [dict(c) for c in conditions if c.get("type") != kind]
    previous = next((c for c in conditions if c.get("type") == kind), None)
    since = (previous or {}).get("lastTransitionTime") if (
        previous and previous.get("status") == status) else now_rfc3339()
    result.append({"type": kind, "status": status, "reason": reason, "message": message,
                   "lastTransitionTime": since, "observedGeneration": generation})
    return sorted(result, key=lambda c: c["type"])


def hosted_cluster_status(hc: dict[str, Any], *, available: bool, reason: str, message: str,
                          kubeconfig_secret: str | None) -> dict[str, Any]:
    current = copy.deepcopy(hc.get("status") or {})
    generation = hc["metadata"].get("generation", 1)
    image = hc["spec"]["release"]["image"]
    version = release_version(image)
    status: dict[str, Any] = {
        **current,
        "conditions": with_condition(current.get("conditions") or [], "Available",
                                     "True" if available else "False", reason, message,
                                     generation),
    }
    api_host = route_published_services(hc).get("APIServer")
    if api_host:
        status["controlPlaneEndpoint"] = {"host": api_host, "port": 443}
    if kubeconfig_secret:
        status["kubeconfig"] = {"name": kubeconfig_secret}
    history = (current.get("version") or {}).get("history") or []
    if available and not history:
        now = now_rfc3339()
        history = [{"state": "Completed", "version": version, "image": image,
                    "startedTime": now, "completionTime": now, "verified": True}]
    status["version"] = {"desired": {"version": version, "image": image}, "history": history,
                         "observedGeneration": generation, "availableUpdates": None}
    return status


def hosted_control_plane_status(hcp: dict[str, Any], *, available: bool, reason: str,
                                message: str, api_host: str | None) -> dict[str, Any]:
    current = copy.deepcopy(hcp.get("status") or {})
    status: dict[str, Any] = {
        **current, "ready": available, "initialized": True,
        "conditions": with_condition(current.get("conditions") or [], "Available",
                                     "True" if available else "False", reason, message,
                                     hcp["metadata"].get("generation", 1)),
    }
    if api_host:
        status["controlPlaneEndpoint"] = {"host": api_host, "port": 443}
    image = (hcp.get("spec") or {}).get("releaseImage")
    if image and available:
        status["releaseImage"], status["version"] = image, release_version(image)
    return status


def nodepool_status(nodepool: dict[str, Any], *, ready: bool, message: str) -> dict[str, Any]:
    current = copy.deepcopy(nodepool.get("status") or {})
    spec = nodepool.get("spec") or {}
    image = (spec.get("release") or {}).get("image", "")
    status: dict[str, Any] = {
        **current,
        "conditions": with_condition(current.get("conditions") or [], "Ready",
                                     "True" if ready else "False",
                                     "AsExpected" if ready else "WaitingForControlPlane", message,
                                     nodepool["metadata"].get("generation", 1)),
    }
    if ready:
        status["replicas"] = int(spec.get("replicas") or 0)
        if image:
            status["version"] = release_version(image)
    return status
