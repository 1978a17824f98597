"""The whole sandbox: local AWS, two management clusters, one hosted cluster, controllers.

`Sandbox(options).start()` brings everything up on loopback and `stop()` takes all of it
down again (processes, ports, threads, files, environment), also when start fails half-way.
Nothing here is imported by `functions/`: the handlers see only AWS endpoints (through the
environment) and kubeconfigs (through Secrets Manager), as on AWS.

For migrations (docs/migration-design.md, "What the sandbox simulates") each management
cluster also runs a HyperShift operator and an etcd kubelet, the hosted cluster's API answers
only while a control plane serves it, its nodes follow a new control plane once their OVN pod
restarts, and the migration's EventBridge rules, SSM policies and alarm events exist as the
stack defines them.
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

from sandbox.aws.provisioning import (
    BackupEnvironment,
    RestoreUrlSignerKey,
    provision_backup_environment,
    provision_restore_url_signer,
)
from sandbox.aws.server import LocalAws
from sandbox.aws.statemachines import deploy_state_machines
from sandbox.controllers.base import Controller
from sandbox.controllers.deployment_pods import DeploymentPodsController
from sandbox.controllers.etcd_kubelet import EtcdClusters, EtcdKubelet, FinalState
from sandbox.controllers.external_dns import ExternalDnsController
from sandbox.controllers.guest_cluster import (
    HEARTBEAT_SECONDS,
    GuestNode,
    OvnNodeController,
    ServingControlPlane,
    guest_nodes,
    kubelet_heartbeats,
)
from sandbox.controllers.hypershift_operator import HyperShiftOperator
from sandbox.controllers.ticker import Ticker
from sandbox.controllers.workload_status import WorkloadStatusController
from sandbox.crd_admission import crd_mutator, crd_validator
from sandbox.kubeapi.cluster import EmulatedCluster
from sandbox.kubeapi.store import MODIFIED, ChangeEvent
from sandbox.pods.etcd_member import EtcdCluster
from sandbox.pods.exec_stream import PodExecHandler
from sandbox.pods.pod_runtime import PodRuntime
from sandbox.scenario.apply import apply_planned
from sandbox.scenario.deploy import HostedClusterRuntime, deploy_hosted_cluster
from sandbox.scenario.execution_recovery_rules import install_recovery_rules
from sandbox.scenario.fixture import crd_dir
from sandbox.scenario.hosted_cluster import Availability, HostedClusterPlan
from sandbox.scenario.management_cluster import operator_objects, router_hostname
from sandbox.scenario.migration_triggers import (
    DNS_FALLBACK_RULE,
    POLICIES_PARAMETER,
    SOURCE_ALARM,
    CloudTrailFeed,
    alarm_state_change,
    install_migration_rules,
    migration_policies,
    put_migration_policies,
)

KUBECONFIG_SECRET_PREFIX = "hcp-dr/management-clusters/"
ROUTES = ("route.openshift.io", "v1", "routes")
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
    # ExternalDNS's sync loop (`--interval`, 1m by default; no `--events`): Route changes reach
    # Route 53 only on its next pass. None: at once, on each change (the drill's pace).
    external_dns_sync_interval_seconds: float | None = None
    state_dir: Path | None = None  # where state.json and kubeconfigs go; None: a temp dir
    with_hosted_cluster: bool = True
    # -- migration ------------------------------------------------------------------------
    # The fallback DNS poll rule's clock. On AWS the rule says rate(1 minute); the sandbox
    # ticks faster so a lost CloudTrail event costs a second, not a minute. None: no clock
    # (fire it with `fire_dns_fallback_poll()`).
    dns_fallback_poll_seconds: float | None = 1.0
    # False: ExternalDNS's Route 53 changes produce no CloudTrail event (best-effort delivery
    # lost), so only the fallback poll can complete a DNS wait.
    deliver_route53_events: bool = True
    # ExternalDNS's periodic sync (real default --interval=1m): publishes Routes it skipped
    # while another cluster owned their names. None: event-driven only.
    external_dns_resync_seconds: float | None = 1.0
    migration_policy: str = "auto"  # or "approval-required", for the sandbox's hosted cluster
    migration_alarm_name: str = SOURCE_ALARM
    # Every invocation starts from a cold container (no client or kubeconfig cached by an
    # earlier invocation of another function), so each function makes its own first calls.
    cold_container_per_invocation: bool = False
    # Who signs the restoreSnapshotURL: "dedicated", the IAM user and secret the stack creates
    # by default (context restoreUrlSigner), or "function", the function's own credentials
    # (restoreUrlSigner=false without restoreUrlSignerSecret).
    restore_url_signer: Literal["dedicated", "function"] = "dedicated"
    # How long a deleted Deployment pod stays Terminating (its containers' graceful shutdown;
    # a real kube-apiserver serves for tens of seconds more): what quiesce and teardown wait for.
    pod_shutdown_seconds: float = 0.3


@dataclass
class ManagementClusterRuntime:
    role: Role
    cluster: EmulatedCluster
    controllers: list[Controller] = field(default_factory=list)
    operator: HyperShiftOperator | None = None
    kubelet: EtcdKubelet | None = None
    external_dns: ExternalDnsController | None = None

    @property
    def name(self) -> str:
        return self.cluster.name


class Sandbox:
    def __init__(self, options: SandboxOptions | None = None) -> None:
        self.options = options or SandboxOptions()
        self.aws = LocalAws()
        self.backup_env: BackupEnvironment | None = None
        self.restore_url_signer: RestoreUrlSignerKey | None = None  # when "dedicated"
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
        # -- migration -----------------------------------------------------------------------
        self.etcds = EtcdClusters()  # every hosted control plane's etcd, source and restored
        self.cloudtrail: CloudTrailFeed | None = None
        self.serving: ServingControlPlane | None = None
        self.guest_controllers: list[Controller] = []
        self.tickers: list[Ticker] = []
        self._published_at: dict[tuple[str, str], float] = {}

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
                self.etcds.add(self.hosted.etcd)
                self._serve_guest(self.hosted)
                # The hosted cluster predates the sandbox: ExternalDNS has long published it.
                self.wait_for_dns(self.plan.route_hostnames(), present=True, sync=True)
            self._start_tickers()
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

        for ticker in self.tickers:
            attempt(ticker.stop)
        self.tickers.clear()
        for controller in self.guest_controllers:
            attempt(controller.stop)
        self.guest_controllers.clear()
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
        attempt(self.etcds.destroy_all)  # restored control planes, and anything left over
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
            # The grace the recoveries of stopped executions give task Lambdas still running
            # after their execution stopped: here they end within milliseconds of it.
            "HCP_DR_ENDED_BACKUP_GRACE_SECONDS": "1",
            "HCP_DR_STOPPED_MIGRATION_GRACE_SECONDS": "1",
            # Handler output is captured per function (sandbox/aws/cloudwatch_logs.py).
            "POWERTOOLS_LOG_LEVEL": os.environ.get("HCP_DR_SANDBOX_LOG_LEVEL", "INFO"),
        })
        if self.options.restore_url_signer == "dedicated":
            self.restore_url_signer = provision_restore_url_signer(
                self.aws, self.backup_env.kms_key_arn)
            self.aws.trust_access_key(self.restore_url_signer.access_key_id,
                                      self.restore_url_signer.secret_access_key)
            self._set_environment(
                {"HCP_DR_RESTORE_URL_SIGNER_SECRET": self.restore_url_signer.secret_arn})
        dependencies.reset()  # a new sandbox is a fresh set of Lambda containers
        if self.options.cold_container_per_invocation:
            self.aws.runtime.cold_start = dependencies.reset
        zone = self.aws.client("route53").create_hosted_zone(
            Name=self.plan.external_dns_domain, CallerReference=f"hcp-dr-{time.time_ns()}")
        self.zone_id = zone["HostedZone"]["Id"].rsplit("/", 1)[-1]
        self.state_machines = deploy_state_machines(self.aws, self.backup_env.substitutions)
        self._create_backup_schedule()
        install_recovery_rules(self.aws.client("events"), self.aws.function_arn,
                               self.state_machines)
        self._install_migration_triggers()

    def _create_backup_schedule(self) -> None:
        """The schedule the stack creates: every registered cluster, on a rate expression."""
        self.aws.client("scheduler").create_schedule(
            Name=BACKUP_SCHEDULE, ScheduleExpression="rate(1 hour)",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": self.state_machines["ScheduledBackup"],
                    "RoleArn": "arn:aws:iam::123456789012:role/hcp-dr-scheduler",
                    "Input": json.dumps({"consistency": "online"})})

    def _install_migration_triggers(self) -> None:
        """The migration's rules, policies and function environment, as the stack has them."""
        install_migration_rules(self.aws.client("events"), self.aws.function_arn)
        put_migration_policies(self.aws.client("ssm"), migration_policies(
            self.plan.namespace, self.plan.name, "source", "destination",
            self.options.migration_policy, self.options.migration_alarm_name))
        environment = {"HCP_DR_MIGRATION_POLICIES_PARAMETER": POLICIES_PARAMETER}
        if "Migration" in self.state_machines:
            environment["HCP_DR_MIGRATION_STATE_MACHINE_ARN"] = self.state_machines["Migration"]
        self._set_environment(environment)
        self.cloudtrail = CloudTrailFeed(self.aws.client("events"),
                                         self.options.deliver_route53_events)

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
            runtime.external_dns = ExternalDnsController(
                cluster.store, name, router_hostname(name), self.aws.client("route53"),
                self.cloudtrail or self.aws.client("events"), self.zone_id,
                self.plan.external_dns_domain, self.options.external_dns_delay_seconds,
                self.options.external_dns_sync_interval_seconds)
            runtime.kubelet = EtcdKubelet(cluster.store, name, self.pods, self.etcds,
                                          cluster.pod_logs)
            runtime.operator = HyperShiftOperator(cluster.store, name, self._guest_kubeconfig)
            runtime.controllers = [
                WorkloadStatusController(cluster.store).start(),
                DeploymentPodsController(cluster.store, f"{name}-worker-0",
                                         self.options.pod_shutdown_seconds).start(),
                runtime.external_dns.start(),
                runtime.kubelet.start(),
                runtime.operator.start(),
            ]
        except BaseException:
            for controller in runtime.controllers:
                controller.stop()
            cluster.stop()
            raise
        return runtime

    def _guest_kubeconfig(self, namespace: str, name: str) -> str | None:
        """What the operator publishes as `<hc>-admin-kubeconfig`: the guest API's kubeconfig
        (the same guest API, wherever its control plane runs)."""
        if self.hosted is None or (namespace, name) != (self.plan.namespace, self.plan.name):
            return None
        return self.hosted.guest.kubeconfig()

    def _serve_guest(self, hosted: HostedClusterRuntime) -> None:
        """Gate the guest API on a serving control plane; run its OVN DaemonSet."""
        self.serving = ServingControlPlane(
            self.plan.hcp_namespace, self.plan.hostname("APIServer"),
            lambda: {rt.name: rt.cluster.store for rt in self.management.values()},
            router_hostname, self.etcds, self._dns_target)
        hosted.guest.api.availability_gate = self.serving.unavailable_reason
        self.guest_controllers.append(
            OvnNodeController(hosted.guest.store, self.serving).start())
        self.tickers.append(Ticker("kubelet-heartbeats", HEARTBEAT_SECONDS, kubelet_heartbeats(
            hosted.guest.store, self.serving)).start())

    def _start_tickers(self) -> None:
        if self.options.dns_fallback_poll_seconds:
            self.tickers.append(Ticker("dns-fallback-poll", self.options.dns_fallback_poll_seconds,
                                       self.fire_dns_fallback_poll).start())
        if self.options.external_dns_resync_seconds:
            self.tickers.append(Ticker("external-dns-resync",
                                       self.options.external_dns_resync_seconds,
                                       self._resync_external_dns).start())

    def _resync_external_dns(self) -> None:
        """ExternalDNS's interval sync, reduced to what changes anything: Routes whose name has
        no record yet (for instance because another cluster owned it until now)."""
        records = self.dns_records()
        now = time.monotonic()
        quiet = max(self.options.external_dns_resync_seconds or 0.0,
                    5 * self.options.external_dns_delay_seconds + 1.0)
        for runtime in list(self.management.values()):
            dns = runtime.external_dns
            if dns is None:
                continue
            route_type = runtime.cluster.store.resolve(ROUTES)
            for route in runtime.cluster.store.list(ROUTES):
                event = ChangeEvent(MODIFIED, route_type, route)
                host = (route["metadata"].get("annotations") or {}).get(
                    "external-dns.alpha.kubernetes.io/hostname") or route["spec"].get("host", "")
                key = (runtime.name, host)
                if (not dns.wants(event) or host in records
                        or route["metadata"].get("deletionTimestamp")
                        or now - self._published_at.get(key, -quiet) < quiet):
                    continue
                self._published_at[key] = now
                dns.requeue(event)

    def _dns_target(self, hostname: str) -> str | None:
        """Where the CNAME of `hostname` points (what a client of that name reaches)."""
        found = self.aws.client("route53").list_resource_record_sets(
            HostedZoneId=self.zone_id, StartRecordName=hostname, StartRecordType="CNAME",
            MaxItems="1")["ResourceRecordSets"]
        for record in found:
            if record["Name"].rstrip(".") == hostname and record["Type"] == "CNAME":
                return record["ResourceRecords"][0]["Value"]
        return None

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
        self.etcds.add(runtime.etcd)  # the etcd kubelet tears it down with its namespace
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

    def wait_for_dns(self, hostnames: list[str], *, present: bool, timeout: float = 15.0,
                     sync: bool = False) -> None:
        """Wait until ExternalDNS has (or has removed) the CNAMEs of `hostnames`; `sync`: run
        ExternalDNS's sync passes now rather than on their interval."""
        deadline = time.monotonic() + timeout
        while True:
            if sync:
                for runtime in list(self.management.values()):
                    if runtime.external_dns is not None:
                        runtime.external_dns.sync()
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

    # -- migration: observing and breaking things ------------------------------------------
    def etcd_of(self, management_cluster: str, hcp_namespace: str) -> EtcdCluster | None:
        """The etcd a control plane runs on `management_cluster` (the source's seeded one, or
        one the operator restored), None once its namespace is gone."""
        return self.etcds.get(management_cluster, hcp_namespace)

    def etcd_final_state(self, management_cluster: str, hcp_namespace: str) -> FinalState | None:
        """Keys and values of an etcd at the moment teardown destroyed it."""
        return self.etcds.final_state(management_cluster, hcp_namespace)

    def operator(self, management_cluster: str) -> HyperShiftOperator:
        operator = self._runtime(management_cluster).operator
        assert operator is not None
        return operator

    def serving_control_plane(self) -> str | None:
        """The management cluster whose control plane serves the hosted cluster's API."""
        return self.serving.current() if self.serving is not None else None

    def guest_nodes(self) -> list[GuestNode]:
        """The hosted cluster's nodes: Ready, and which control plane each is connected to."""
        return guest_nodes(self.hosted.guest.store) if self.hosted is not None else []

    def set_api_available(self, management_cluster: str, available: bool) -> None:
        """Take a management cluster's API down (every request: 503) or bring it back."""
        api = self._runtime(management_cluster).cluster.api
        reason = f"the API server of management cluster {management_cluster} is unavailable"
        api.availability_gate = None if available else (lambda: reason)

    def set_operator_crashlooping(self, management_cluster: str, crashlooping: bool) -> None:
        """The known failure mode: an operator in CrashLoopBackOff drops what happens (the
        restoreSnapshotURL of a new HC) until its pod is restarted (False: resync)."""
        self.operator(management_cluster).crashlooping = crashlooping

    def set_route53_event_delivery(self, deliver: bool) -> None:
        assert self.cloudtrail is not None
        self.cloudtrail.deliver = deliver

    def fire_dns_fallback_poll(self) -> None:
        """One tick of the fallback rule (its clock does this every dns_fallback_poll_seconds)."""
        self.aws.fire_rule(DNS_FALLBACK_RULE)

    def trigger_alarm(self, alarm_name: str | None = None, state: str = "ALARM", *,
                      reason: str = "sandbox: threshold crossed",
                      force_event: bool = False) -> bool:
        """Set a CloudWatch alarm's state (created if missing) and, as CloudWatch does when the
        state changes, put the `CloudWatch Alarm State Change` event on the default bus.
        Returns whether an event was sent (`force_event`: also without a change, as a
        duplicated delivery would)."""
        name = alarm_name or self.options.migration_alarm_name
        cloudwatch = self.aws.client("cloudwatch")
        found = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
        if not found:
            cloudwatch.put_metric_alarm(
                AlarmName=name, AlarmDescription="hcp-dr sandbox: source management cluster",
                Namespace="HcpDr/Sandbox", MetricName="ManagementClusterUnhealthy",
                Dimensions=[{"Name": "ManagementCluster", "Value": "source"}],
                Statistic="Maximum", Period=60, EvaluationPeriods=1, Threshold=1,
                ComparisonOperator="GreaterThanOrEqualToThreshold")
            found = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
            previous = {"value": "INSUFFICIENT_DATA", "reason": "Unchecked: Initial alarm creation"}
        else:
            previous = {"value": found[0]["StateValue"],
                        "reason": found[0].get("StateReason", "")}
        cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason=reason)
        if previous["value"] == state and not force_event:
            return False
        self.aws.client("events").put_events(
            Entries=[alarm_state_change(found[0], previous, state, reason)])
        return True

    def _runtime(self, management_cluster: str) -> ManagementClusterRuntime:
        for runtime in self.management.values():
            if runtime.name == management_cluster:
                return runtime
        raise KeyError(f"no management cluster named {management_cluster!r}")

    # -- what others attach to -------------------------------------------------------------
    def kubeconfig_path(self, name: str, kubeconfig: str) -> Path:
        """Where `name`'s kubeconfig is, (re)written aside and renamed: `state()` runs more
        than once while tools that attached already read these files, and an in-place
        rewrite would show them an empty file for a moment."""
        path = self.state_dir / "kubeconfigs" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.read_text() == kubeconfig:
            return path
        partial = path.with_suffix(".yaml.partial")
        partial.touch(mode=0o600)
        partial.chmod(0o600)
        partial.write_text(kubeconfig)
        partial.replace(path)
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
        # Written aside and renamed: a reader polling for the file never sees half of it.
        partial = path.with_suffix(".json.partial")
        partial.write_text(json.dumps(self.state(), indent=2) + "\n")
        partial.replace(path)
        return path
