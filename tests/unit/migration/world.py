"""A small hosted-cluster world for the unit tests: source and destination `FakeKube`s with
what the migration reads (HC, NodePool, secrets, HCP namespace, operator, versions)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hcp_dr.domain.backup_layout import BackupLocation
from hcp_dr.models.backup_state import BackupRequest, BackupRun, BackupState
from hcp_dr.models.kinds import (
    AWS_CLUSTERS,
    CAPI_CLUSTERS,
    CONFIG_MAPS,
    DEPLOYMENTS,
    HOSTED_CLUSTERS,
    HOSTED_CONTROL_PLANES,
    MACHINES,
    NAMESPACES,
    NODE_POOLS,
    ROUTES,
    SECRETS,
    SERVICE_ACCOUNTS,
    STATEFULSETS,
)
from hcp_dr.models.migration import MigrationPreflight, MigrationState
from hcp_dr.models.migration_run import MigrationRequest, MigrationRun
from tests.unit.migration.fakes import FakeKube, FakeZones

NS, NAME = "clusters", "cesar"
HCP_NS = f"{NS}-{NAME}"
DOMAIN = "hcp.example.com"
ZONE = "Z0HCP"
MIGRATION_ID = "20260101T120000Z-0a1b2c3d"
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:Migration:m-1"
STARTED = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
SERVICES = {"APIServer": "api", "OAuthServer": "oauth", "Konnectivity": "konnectivity",
            "Ignition": "ignition"}


def manifest_document(location: BackupLocation, **changes: object) -> dict:
    """A valid schema-1 manifest of the backup set at `location` (fields overridable)."""
    return {
        "schema_version": 1, "tool_version": "t", "backup_id": location.backup_id,
        "hosted_cluster": {"namespace": location.namespace, "name": location.name},
        "management_cluster": "source", "consistency": "quiesced", "ocp_minor": 13,
        "started_at": "2026-01-01T12:00:00Z", "finished_at": "2026-01-01T12:05:00Z",
        "etcd": {"key": location.snapshot_key, "size_bytes": 1024, "sha256": "a" * 64,
                 "revision": 7, "total_keys": 9, "member": "etcd-0", "trailer_verified": True},
        "encryption": {"type": "aescbc", "key": location.encryption_key},
        "objects": [], **changes}


def hostname(prefix: str) -> str:
    return f"{prefix}-{NAME}.{DOMAIN}"


HOSTNAMES = sorted(hostname(p) for p in SERVICES.values())


def hosted_cluster(version: str = "4.13.10") -> dict:
    return {
        "apiVersion": "hypershift.openshift.io/v1beta1", "kind": "HostedCluster",
        "metadata": {"name": NAME, "namespace": NS, "uid": "u-1", "resourceVersion": "42",
                     "creationTimestamp": "2025-01-01T00:00:00Z", "generation": 3,
                     "finalizers": ["hypershift.openshift.io/finalizer"],
                     "managedFields": [{"manager": "x"}],
                     "annotations": {"keep": "me"}},
        "spec": {
            "release": {"image": f"quay.io/openshift-release-dev/ocp-release:{version}-x86_64"},
            "etcd": {"managementType": "Managed", "managed": {"storage": {
                "type": "PersistentVolume", "persistentVolume": {"size": "8Gi"}}}},
            "secretEncryption": {"type": "aescbc",
                                 "aescbc": {"activeKey": {"name": f"{NAME}-etcd-encryption-key"}}},
            "services": [{"service": s, "servicePublishingStrategy": {
                "type": "Route", "route": {"hostname": hostname(p)}}}
                for s, p in SERVICES.items()],
        },
        "status": {"version": {"desired": {"version": version}},
                   "kubeconfig": {"name": f"{NAME}-admin-kubeconfig"},
                   "conditions": [{"type": "Available", "status": "True"}]},
    }


def nodepool(name: str = f"{NAME}-workers", version: str = "4.13.10", replicas: int = 2) -> dict:
    return {"apiVersion": "hypershift.openshift.io/v1beta1", "kind": "NodePool",
            "metadata": {"name": name, "namespace": NS, "annotations": {"a": "b"},
                         "finalizers": ["hypershift.openshift.io/finalizer"]},
            "spec": {"clusterName": NAME, "replicas": replicas,
                     "release": {"image": f"quay.io/ocp-release:{version}-x86_64"}},
            "status": {"version": version}}


def operator(replicas: int = 2) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "operator", "namespace": "hypershift"},
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [
                {"name": "operator", "args": ["run", "--namespace=hypershift",
                                              "--metrics-addr=:9000"]}]}}}}


def external_dns(domain: str | None = DOMAIN, provider: str | None = "aws") -> dict:
    """`hypershift/external-dns` as `hypershift install --external-dns-*` makes it."""
    args = ["--source=service", "--source=openshift-route", "--registry=txt",
            "--txt-suffix=-external-dns"]
    if provider:
        args.append(f"--provider={provider}")
    if domain:
        args.append(f"--domain-filter={domain}")
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "external-dns", "namespace": "hypershift"},
            "spec": {"replicas": 1, "template": {"spec": {"containers": [
                {"name": "external-dns", "command": ["/external-dns"], "args": args}]}}}}


def supported_versions(*minors: str) -> dict:
    return {"metadata": {"name": "supported-versions", "namespace": "hypershift"},
            "data": {"supported-versions": json.dumps({"versions": list(minors)})}}


def deployment(name: str, replicas: int) -> dict:
    return {"metadata": {"name": name, "namespace": HCP_NS}, "spec": {"replicas": replicas}}


def source_cluster() -> FakeKube:
    kube = FakeKube("source")
    kube.put(NAMESPACES, None, {"metadata": {"name": NS}})
    kube.put(NAMESPACES, None, {"metadata": {"name": HCP_NS}})
    kube.put(HOSTED_CLUSTERS, NS, hosted_cluster())
    kube.put(NODE_POOLS, NS, nodepool())
    kube.put(SECRETS, NS, {"metadata": {"name": f"{NAME}-etcd-encryption-key",
                                        "labels": {"hypershift.openshift.io/safe-to-delete-"
                                                   "with-cluster": "true"}},
                           "data": {"key": "a2V5"}})
    kube.put(DEPLOYMENTS, "hypershift", operator())
    kube.put(DEPLOYMENTS, "hypershift", external_dns())
    for name, replicas in (("kube-apiserver", 3), ("openshift-apiserver", 3),
                           ("openshift-oauth-apiserver", 3), ("control-plane-operator", 1),
                           ("cluster-api", 1)):
        kube.put(DEPLOYMENTS, HCP_NS, deployment(name, replicas))
    kube.put(STATEFULSETS, HCP_NS, {"metadata": {"name": "etcd"}, "spec": {"replicas": 3}})
    kube.put(HOSTED_CONTROL_PLANES, HCP_NS, {"metadata": {"name": NAME, "finalizers": ["f"]},
                                             "spec": {}})
    kube.put(CAPI_CLUSTERS, HCP_NS, {"metadata": {"name": f"{NAME}-x"}, "spec": {}})
    kube.put(AWS_CLUSTERS, HCP_NS, {"metadata": {"name": f"{NAME}-x"}, "spec": {}})
    kube.put(MACHINES, HCP_NS, {"metadata": {"name": "m-1", "finalizers": ["machine"]},
                                "spec": {}})
    for service, prefix in SERVICES.items():
        kube.put(ROUTES, HCP_NS, {"metadata": {"name": f"{prefix}-route", "uid": "r",
                                               "resourceVersion": "7"},
                                  "spec": {"host": hostname(prefix)}, "status": {"x": service}})
    return kube


def destination_cluster(*minors: str) -> FakeKube:
    kube = FakeKube("destination", kinds=[CONFIG_MAPS, SECRETS, SERVICE_ACCOUNTS])
    kube.put(DEPLOYMENTS, "hypershift", operator())
    kube.put(DEPLOYMENTS, "hypershift", external_dns())
    kube.put(CONFIG_MAPS, "hypershift", supported_versions(*(minors or ("4.13", "4.12"))))
    return kube


def zones() -> FakeZones:
    fake = FakeZones({ZONE: DOMAIN})
    for host in HOSTNAMES:
        fake.add(ZONE, host, "CNAME", "router.source.example")
        fake.add(ZONE, f"external-dns-{host}", "TXT", '"owner=source"')
    return fake


def request(**overrides: object) -> MigrationRequest:
    fields = {"hosted_cluster": {"namespace": NS, "name": NAME}, "source": "source",
              "destination": "destination", **overrides}
    return MigrationRequest.model_validate(fields)


@dataclass
class StateBuilder:
    extra: dict = field(default_factory=dict)

    def build(self, **overrides: object) -> MigrationState:
        req = request()
        backup = BackupState(
            request=BackupRequest(management_cluster="source", namespace=NS, name=NAME,
                                  consistency="quiesced"),
            backup=BackupRun(backup_id=MIGRATION_ID, started_at=STARTED, execution_id=EXECUTION))
        base = {"request": req.model_dump(), "backup_state": backup.model_dump(),
                "migration": MigrationRun(migration_id=MIGRATION_ID, execution_id=EXECUTION,
                                          started_at=STARTED, dns_backstop_seconds=1080
                                          ).model_dump()}
        return MigrationState.model_validate({**base, **self.extra, **overrides})


def preflighted(**overrides: object) -> MigrationState:
    preflight = MigrationPreflight(ocp_minor=13, hostnames=HOSTNAMES, zone_ids=[ZONE],
                                   nodepools=[f"{NAME}-workers"], expected_nodes=2,
                                   encryption="aescbc")
    return StateBuilder().build(preflight=preflight.model_dump(), **overrides)
