"""The whole sandbox: local AWS, two management clusters, one hosted cluster, controllers.

`Sandbox(options).start()` brings everything up on loopback and `stop()` takes all of it
down again (processes, ports, threads, files, environment), also when start fails half-way.
Nothing here is imported by `functions/`: the handlers see only AWS endpoints (through the
environment) and kubeconfigs (through Secrets Manager), as on AWS.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sandbox.aws.provisioning import BackupEnvironment, provision_backup_environment
from sandbox.aws.server import LocalAws
from sandbox.aws.statemachines import deploy_state_machines
from sandbox.controllers.base import Controller
from sandbox.controllers.external_dns import ExternalDnsController
from sandbox.controllers.workload_status import WorkloadStatusController
from sandbox.crd_admission import crd_mutator, crd_validator
from sandbox.kubeapi.cluster import EmulatedCluster
from sandbox.pods.exec_stream import PodExecHandler
from sandbox.pods.pod_runtime import PodRuntime
from sandbox.scenario.apply import apply_planned
from sandbox.scenario.deploy import HostedClusterRuntime, deploy_hosted_cluster
from sandbox.scenario.fixture import crd_dir
from sandbox.scenario.hosted_cluster import Availability, HostedClusterPlan
from sandbox.scenario.management_cluster import operator_objects, router_hostname

KUBECONFIG_SECRET_PREFIX = "hcp-dr/management-clusters/"
BACKUP_SCHEDULE = "hcp-dr-scheduled-backup"
Role = Literal["source", "destination"]


@dataclass(frozen=True)
class SandboxOptions:
    availability: Availability = "SingleReplica"
    source_crds: str = "release-4.13"
    destination_crds: str = "release-4.13"
    supported_minors: tuple[str, ...] = ("4.13", "4.12", "4.11")
    etcd_seed_keys: int = 1500
    external_dns_delay_seconds: float = 0.0
    state_dir: Path | None = None  # where state.json and kubeconfigs go; None: a temp dir
    with_hosted_cluster: bool = True


@dataclass
class ManagementClusterRuntime:
    role: Role
    cluster: EmulatedCluster
    controllers: list[Controller] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.cluster.name


class Sandbox:
    def __init__(self, options: SandboxOptions | None = None) -> None:
        self.options = options or SandboxOptions()
        self.aws = LocalAws()
        self.backup_env: BackupEnvironment | None = None
        self.state_machines: dict[str, str] = {}
        self.zone_id = ""
        self.management: dict[Role, ManagementClusterRuntime] = {}
        self.hosted: HostedClusterRuntime | None = None
        self.fleet: list[HostedClusterRuntime] = []  # more hosted clusters (benchmarks)
        self.plan = HostedClusterPlan(availability=self.options.availability)
        self._workdir = Path(tempfile.mkdtemp(prefix="hcp-dr-sandbox-"))
        self.pods = PodRuntime(self._workdir / "pods")
        self.state_dir = self.options.state_dir or self._workdir
        self._saved_env: dict[str, str | None] = {}
        self.startup_seconds: float | None = None

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> Sandbox:
        began = time.perf_counter()
        try:
            self._start_aws()
            for role, crds in (("source", self.options.source_crds),
                               ("destination", self.options.destination_crds)):
                self.management[role] = self._start_management_cluster(role, crds)
            if self.options.with_hosted_cluster:
                self.hosted = deploy_hosted_cluster(
                    self.management["source"].cluster, self.pods, self.plan,
                    self.options.etcd_seed_keys)
                self.wait_for_dns(self.plan.route_hostnames(), present=True)
            self.write_state()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.perf_counter() - began
        return self

    def stop(self) -> None:
        """Idempotent, best effort in reverse order; the first error is raised at the end."""
        errors: list[BaseException] = []

        def attempt(action: Any) -> None:
            try:
                action()
            except BaseException as exc:  # keep tearing down; report afterwards
                errors.append(exc)

        if self.hosted is not None:
            attempt(self.hosted.stop)
            self.hosted = None
        for extra in self.fleet:
            attempt(extra.stop)
        self.fleet.clear()
        for runtime in self.management.values():
            for controller in runtime.controllers:
                attempt(controller.stop)
            attempt(runtime.cluster.stop)
        self.management.clear()
        attempt(self.pods.close)
        attempt(self.aws.stop)
        self._restore_environment()
        shutil.rmtree(self._workdir, ignore_errors=True)
        if errors:
            raise errors[0]

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- parts --------------------------------------------------------------------------
    def _start_aws(self) -> None:
        from hcp_dr import dependencies  # the functions' per-container client cache

        self.aws.start()
        self.backup_env = provision_backup_environment(self.aws)
        self._set_environment({
            **self.backup_env.environment,
            "HCP_DR_KUBECONFIG_SECRET_PREFIX": KUBECONFIG_SECRET_PREFIX,
            # Handler output is captured per function (sandbox/aws/cloudwatch_logs.py).
            "POWERTOOLS_LOG_LEVEL": os.environ.get("HCP_DR_SANDBOX_LOG_LEVEL", "INFO"),
        })
        dependencies.reset()  # a new sandbox is a fresh set of Lambda containers
        zone = self.aws.client("route53").create_hosted_zone(
            Name=self.plan.external_dns_domain, CallerReference=f"hcp-dr-{time.time_ns()}")
        self.zone_id = zone["HostedZone"]["Id"].rsplit("/", 1)[-1]
        self.state_machines = deploy_state_machines(self.aws, self.backup_env.substitutions)
        self._create_backup_schedule()

    def _create_backup_schedule(self) -> None:
        """The schedule the stack creates: every registered cluster, on a rate expression."""
        self.aws.client("scheduler").create_schedule(
            Name=BACKUP_SCHEDULE, ScheduleExpression="rate(1 hour)",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": self.state_machines["ScheduledBackup"],
                    "RoleArn": "arn:aws:iam::123456789012:role/hcp-dr-scheduler",
                    "Input": json.dumps({"consistency": "online"})})

    def _start_management_cluster(self, role: Role, crds: str) -> ManagementClusterRuntime:
        name = role
        crds_path = crd_dir(crds)
        cluster = EmulatedCluster.start(name, crds_path, validator=crd_validator(crds_path),
                                        mutator=crd_mutator(crds_path),
                                        exec_handler=PodExecHandler(self.pods, name))
        runtime = ManagementClusterRuntime(role, cluster)
        try:
            apply_planned(cluster.store, operator_objects(
                name, self.plan.external_dns_domain, self.options.supported_minors))
            self.aws.client("secretsmanager").create_secret(
                Name=f"{KUBECONFIG_SECRET_PREFIX}{name}", SecretString=cluster.kubeconfig())
            runtime.controllers = [
                WorkloadStatusController(cluster.store).start(),
                ExternalDnsController(
                    cluster.store, name, router_hostname(name), self.aws.client("route53"),
                    self.aws.client("events"), self.zone_id, self.plan.external_dns_domain,
                    self.options.external_dns_delay_seconds).start(),
            ]
        except BaseException:
            for controller in runtime.controllers:
                controller.stop()
            cluster.stop()
            raise
        return runtime

    # -- environment ----------------------------------------------------------------------
    def _set_environment(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def _restore_environment(self) -> None:
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()

    def add_hosted_cluster(self, name: str, seed_keys: int = 200,
                           availability: Availability = "SingleReplica") -> HostedClusterRuntime:
        """Another hosted cluster on the source, e.g. for fan-out benchmarks."""
        plan = HostedClusterPlan(availability=availability, hosted_cluster_name=name)
        runtime = deploy_hosted_cluster(self.management["source"].cluster, self.pods, plan,
                                        seed_keys)
        self.fleet.append(runtime)
        return runtime

    # -- operating it ---------------------------------------------------------------------
    def dns_records(self) -> dict[str, str]:
        """CNAME records of the external-DNS zone: hostname -> target."""
        paginator = self.aws.client("route53").get_paginator("list_resource_record_sets")
        records: dict[str, str] = {}
        for page in paginator.paginate(HostedZoneId=self.zone_id):
            for record in page["ResourceRecordSets"]:
                if record["Type"] == "CNAME":
                    records[record["Name"].rstrip(".")] = record["ResourceRecords"][0]["Value"]
        return records

    def wait_for_dns(self, hostnames: list[str], *, present: bool, timeout: float = 15.0) -> None:
        """Wait until ExternalDNS has (or has removed) the CNAMEs of `hostnames`."""
        deadline = time.monotonic() + timeout
        while True:
            records = self.dns_records()
            if all((h in records) == present for h in hostnames):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"DNS records not {'created' if present else 'removed'}")
            time.sleep(0.05)

    def fire_backup_schedule(self) -> str:
        """One tick of the backup schedule, as EventBridge Scheduler delivers it; returns the
        ScheduledBackup execution ARN."""
        delivery = self.aws.events.fire_schedule(self.aws.client("scheduler"), BACKUP_SCHEDULE)
        if delivery.error or not delivery.execution_arn:
            raise RuntimeError(f"schedule tick not delivered: {delivery.error}")
        return delivery.execution_arn

    # -- what others attach to -------------------------------------------------------------
    def kubeconfig_path(self, name: str, kubeconfig: str) -> Path:
        path = self.state_dir / "kubeconfigs" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(kubeconfig)
        path.chmod(0o600)
        return path

    def state(self) -> dict[str, Any]:
        clusters = [
            {"name": rt.name, "role": rt.role,
             "kubeconfig": str(self.kubeconfig_path(rt.name, rt.cluster.kubeconfig()))}
            for rt in self.management.values()
        ]
        hosted = []
        if self.hosted is not None:
            guest = self.hosted.guest
            clusters.append({"name": guest.name, "role": "hosted",
                             "kubeconfig": str(self.kubeconfig_path(guest.name,
                                                                    guest.kubeconfig()))})
            hosted.append({"namespace": self.plan.namespace, "name": self.plan.name,
                           "management_cluster": self.hosted.management_cluster})
        return {"aws": {"endpoint_url": self.aws.endpoint_url, "region": self.aws.region},
                "clusters": clusters, "hosted_clusters": hosted}

    def write_state(self) -> Path:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        path = self.state_dir / "state.json"
        path.write_text(json.dumps(self.state(), indent=2) + "\n")
        return path
