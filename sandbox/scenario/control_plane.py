"""The hosted control plane namespace `<ns>-<name>`: what HyperShift creates there.

HostedControlPlane, the CAPI/CAPA objects for the NodePool's machines, the control-plane
deployments, the etcd StatefulSet and its pods, the secrets, and one Route per published
service carrying the external-DNS hostname.
"""

from __future__ import annotations

import copy
import secrets
import uuid

from sandbox.scenario.hosted_cluster import (
    CONTROL_PLANE_DEPLOYMENTS,
    HA_SCALED,
    ROUTED_SERVICES,
    HostedClusterPlan,
    PlannedObject,
    _hosted_cluster_body,
    _meta,
    _secret,
    condition,
)

CAPI = "cluster.x-k8s.io"
CAPA = "infrastructure.cluster.x-k8s.io"
HCP_LABEL = "hypershift.openshift.io/hosted-control-plane"


def _hcp_body(plan: HostedClusterPlan) -> dict:
    hc_spec = _hosted_cluster_body(plan)["spec"]
    spec = {key: copy.deepcopy(hc_spec[key]) for key in (
        "dns", "etcd", "infraID", "issuerURL", "platform", "pullSecret", "services", "sshKey",
        "networking", "secretEncryption", "controllerAvailabilityPolicy", "fips",
    ) if key in hc_spec}
    spec["releaseImage"] = hc_spec["release"]["image"]
    return {"apiVersion": "hypershift.openshift.io/v1beta1", "kind": "HostedControlPlane",
            "metadata": _meta(plan.name, plan.hcp_namespace,
                              labels={"cluster.x-k8s.io/cluster-name": plan.infra_id}),
            "spec": spec}


def _capi_objects(plan: HostedClusterPlan) -> list[PlannedObject]:
    ns, infra = plan.hcp_namespace, plan.infra_id
    pool = plan.nodepool_name
    labels = {"cluster.x-k8s.io/cluster-name": infra}
    template = f"{pool}-{secrets.token_hex(4)}"
    machine_set = f"{pool}-{secrets.token_hex(3)}"
    selector = {"matchLabels": {"cluster.x-k8s.io/deployment-name": pool}}
    infra_ref = {"apiVersion": f"{CAPA}/v1beta2", "kind": "AWSMachineTemplate", "name": template,
                 "namespace": ns}
    machine_template = {
        "metadata": {"labels": {"cluster.x-k8s.io/deployment-name": pool}},
        "spec": {"clusterName": infra, "bootstrap": {"dataSecretName": f"user-data-{pool}"},
                 "infrastructureRef": infra_ref},
    }
    objects = [
        PlannedObject(CAPI, "v1beta1", "clusters", ns, {
            "apiVersion": f"{CAPI}/v1beta1", "kind": "Cluster",
            "metadata": _meta(infra, ns, labels=labels),
            "spec": {"controlPlaneEndpoint": {"host": plan.hostname("APIServer"), "port": 443},
                     "infrastructureRef": {"apiVersion": f"{CAPA}/v1beta2",
                                           "kind": "AWSCluster", "name": infra,
                                           "namespace": ns}}}),
        PlannedObject(CAPA, "v1beta2", "awsclusters", ns, {
            "apiVersion": f"{CAPA}/v1beta2", "kind": "AWSCluster",
            "metadata": _meta(infra, ns, labels=labels),
            "spec": {"region": "us-east-2",
                     "controlPlaneEndpoint": {"host": plan.hostname("APIServer"), "port": 443}}}),
        PlannedObject(CAPA, "v1beta2", "awsmachinetemplates", ns, {
            "apiVersion": f"{CAPA}/v1beta2", "kind": "AWSMachineTemplate",
            "metadata": _meta(template, ns, labels=labels),
            "spec": {"template": {"spec": {"instanceType": "m5.large",
                                           "ami": {"id": "ami-0123456789abcdef0"}}}}}),
        PlannedObject(CAPI, "v1beta1", "machinedeployments", ns, {
            "apiVersion": f"{CAPI}/v1beta1", "kind": "MachineDeployment",
            "metadata": _meta(pool, ns, labels=labels),
            "spec": {"clusterName": infra, "replicas": plan.nodepool_replicas,
                     "selector": selector, "template": copy.deepcopy(machine_template)}}),
        PlannedObject(CAPI, "v1beta1", "machinesets", ns, {
            "apiVersion": f"{CAPI}/v1beta1", "kind": "MachineSet",
            "metadata": _meta(machine_set, ns, labels=labels),
            "spec": {"clusterName": infra, "replicas": plan.nodepool_replicas,
                     "selector": selector, "template": copy.deepcopy(machine_template)}}),
    ]
    for index in range(plan.nodepool_replicas):
        machine = f"{machine_set}-{secrets.token_hex(3)}"
        objects.append(PlannedObject(CAPI, "v1beta1", "machines", ns, {
            "apiVersion": f"{CAPI}/v1beta1", "kind": "Machine",
            "metadata": _meta(machine, ns, labels={
                **labels, "cluster.x-k8s.io/deployment-name": pool}),
            "spec": {"clusterName": infra, "bootstrap": {"dataSecretName": f"user-data-{pool}"},
                     "infrastructureRef": {"apiVersion": f"{CAPA}/v1beta2",
                                           "kind": "AWSMachine", "name": machine,
                                           "namespace": ns},
                     "providerID": f"aws:///us-east-2a/i-0{index:07d}abcdef00"}}))
        objects.append(PlannedObject(CAPA, "v1beta2", "awsmachines", ns, {
            "apiVersion": f"{CAPA}/v1beta2", "kind": "AWSMachine",
            "metadata": _meta(machine, ns, labels=labels),
            "spec": {"instanceType": "m5.large",
                     "providerID": f"aws:///us-east-2a/i-0{index:07d}abcdef00"}}))
    return objects


def _deployment(plan: HostedClusterPlan, name: str) -> PlannedObject:
    replicas = plan.etcd_members if name in HA_SCALED else 1
    labels = {"app": name, HCP_LABEL: plan.hcp_namespace}
    body = {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": _meta(name, plan.hcp_namespace, labels=labels),
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": name,
                                                           "image": "sandbox/" + name}]}}}}
    return PlannedObject("apps", "v1", "deployments", plan.hcp_namespace, body,
                         {"replicas": replicas, "readyReplicas": replicas,
                          "availableReplicas": replicas, "updatedReplicas": replicas})


def etcd_statefulset(plan: HostedClusterPlan) -> PlannedObject:
    labels = {"app": "etcd", HCP_LABEL: plan.hcp_namespace}
    members = plan.etcd_members
    body = {"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": _meta("etcd", plan.hcp_namespace, labels=labels),
            "spec": {"replicas": members, "serviceName": "etcd-discovery",
                     "selector": {"matchLabels": {"app": "etcd"}},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "etcd",
                                                           "image": "sandbox/etcd"}]}}}}
    return PlannedObject("apps", "v1", "statefulsets", plan.hcp_namespace, body,
                         {"replicas": members, "readyReplicas": members,
                          "currentReplicas": members, "availableReplicas": members})


def etcd_pod(plan: HostedClusterPlan, index: int, pod_ip: str) -> PlannedObject:
    labels = {"app": "etcd", HCP_LABEL: plan.hcp_namespace,
              "statefulset.kubernetes.io/pod-name": f"etcd-{index}"}
    body = {"apiVersion": "v1", "kind": "Pod",
            "metadata": _meta(f"etcd-{index}", plan.hcp_namespace, labels=labels,
                              ownerReferences=[{"apiVersion": "apps/v1", "kind": "StatefulSet",
                                                "name": "etcd", "controller": True,
                                                "blockOwnerDeletion": True,
                                                "uid": str(uuid.uuid5(uuid.NAMESPACE_URL,
                                                          f"{plan.hcp_namespace}/etcd"))}]),
            "spec": {"containers": [{"name": "etcd", "image": "sandbox/etcd"}],
                     "hostname": f"etcd-{index}", "subdomain": "etcd-discovery"}}
    status = {"phase": "Running", "podIP": pod_ip,
              "conditions": [{"type": "Ready", "status": "True"},
                             {"type": "ContainersReady", "status": "True"}],
              "containerStatuses": [{"name": "etcd", "ready": True, "restartCount": 0,
                                     "image": "sandbox/etcd", "imageID": "sandbox/etcd",
                                     "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}]}
    return PlannedObject("", "v1", "pods", plan.hcp_namespace, body, status)


def _route(plan: HostedClusterPlan, service: str) -> PlannedObject:
    name = ROUTED_SERVICES[service]
    hostname = plan.hostname(service)
    body = {"apiVersion": "route.openshift.io/v1", "kind": "Route",
            "metadata": _meta(name, plan.hcp_namespace,
                              labels={HCP_LABEL: plan.hcp_namespace,
                                      "hypershift.openshift.io/external-dns": "true"},
                              annotations={"external-dns.alpha.kubernetes.io/hostname": hostname}),
            "spec": {"host": hostname, "to": {"kind": "Service", "name": name},
                     "tls": {"termination": "passthrough"}}}
    return PlannedObject("route.openshift.io", "v1", "routes", plan.hcp_namespace, body)


def _hcp_secrets(plan: HostedClusterPlan) -> list[PlannedObject]:
    ns = plan.hcp_namespace
    opaque = ["etcd-client-tls", "etcd-server-tls", "etcd-peer-tls", "root-ca",
              "service-account-key", "kas-server-crt", "pull-secret"]
    objects = [_secret(name, ns, {"tls.key": secrets.token_bytes(48)}) for name in opaque]
    # Secrets the destination recreates itself; the backup must skip them (DOMAIN step 5).
    objects += [
        _secret(f"builder-dockercfg-{secrets.token_hex(3)}", ns, {".dockercfg": b"{}"},
                kind="kubernetes.io/dockercfg"),
        _secret(f"default-token-{secrets.token_hex(3)}", ns, {"token": b"t"},
                kind="kubernetes.io/service-account-token"),
        _secret("oauth-openshift-session", ns, {"session": b"s"}),
        _secret(f"token-{plan.name}-{secrets.token_hex(3)}", ns, {"token": b"t"}),
    ]
    return objects


def control_plane_namespace_objects(plan: HostedClusterPlan) -> list[PlannedObject]:
    ns = plan.hcp_namespace
    objects = [PlannedObject("", "v1", "namespaces", None, {
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": _meta(ns, labels={"hypershift.openshift.io/hosted-control-plane": "true"})})]
    objects += _hcp_secrets(plan)
    objects.append(PlannedObject("hypershift.openshift.io", "v1beta1", "hostedcontrolplanes",
                                 ns, _hcp_body(plan), {
                                     "ready": True, "initialized": True,
                                     "conditions": [condition("Available", "True", "AsExpected")],
                                 }))
    objects += _capi_objects(plan)
    objects += [_deployment(plan, name) for name in CONTROL_PLANE_DEPLOYMENTS]
    objects.append(etcd_statefulset(plan))
    objects += [_route(plan, service) for service in ROUTED_SERVICES]
    return objects
