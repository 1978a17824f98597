"""Scheduled fan-out over 50 hosted clusters in the sandbox: wall time, per-cluster overhead.

49 hosted clusters are added to the sandbox's source management cluster (each with its own
etcd process and guest API, 200 seeded keys), then one ScheduledBackup execution backs all
50 up through the real state machines (MaxConcurrency 5 in the ASL). Reported: wall time of
the execution, wall time per cluster, and how that time splits between our handlers (sum of
Lambda invocation durations) and everything else (state transitions, polling of .sync:2).
"""

from __future__ import annotations

import json
import time

from sandbox.environment import Sandbox, SandboxOptions

CLUSTERS = 50


def run() -> dict[str, object]:
    with Sandbox(SandboxOptions(etcd_seed_keys=200)) as sandbox:
        began = time.perf_counter()
        for index in range(CLUSTERS - 1):
            sandbox.add_hosted_cluster(f"fleet-{index:02d}", seed_keys=200)
        fleet_seconds = time.perf_counter() - began
        sandbox.aws.runtime.clear_invocations()
        sfn = sandbox.aws.client("stepfunctions")
        began = time.perf_counter()
        arn = sandbox.fire_backup_schedule()
        description = sandbox.aws.wait_for_execution(arn, timeout=1800)
        wall = time.perf_counter() - began
        summary = json.loads(description.get("output") or "{}")
        invocations = sandbox.aws.runtime.invocations
        lambda_seconds = sum(i.duration_seconds for i in invocations)
        backups = sfn.list_executions(stateMachineArn=sandbox.state_machines["Backup"])
    return {
        "hosted_clusters": CLUSTERS,
        "fleet_deploy_seconds": round(fleet_seconds, 1),
        "status": description["status"],
        "succeeded": summary.get("succeeded"), "failed": summary.get("failed"),
        "backup_executions": len(backups["executions"]),
        "wall_seconds": round(wall, 2),
        "wall_seconds_per_cluster": round(wall / CLUSTERS, 3),
        "lambda_invocations": len(invocations),
        "lambda_seconds_total": round(lambda_seconds, 2),
        "lambda_seconds_per_cluster": round(lambda_seconds / CLUSTERS, 3),
    }
