"""`make drill`: the main job of hcp-dr, end to end on the local sandbox.

1. Bring up local AWS, two management clusters and a hosted cluster on the source.
2. Show what runs: clusters, the hosted cluster, its etcd keys, its Route 53 records.
3. Fire one tick of the backup schedule and follow the real state machines stage by stage.
4. Print the manifest, then prove the backup restores: `etcdctl snapshot restore` into a
   fresh etcd must hold exactly the source's keys and values at the snapshot's revision.
5. Migrate the hosted cluster from the source to the destination management cluster through
   the real Migration state machine, stage by stage, and check the result independently:
   destination etcd = source etcd at the pause revision, key for key; every backed-up object on
   the destination with equal spec; Route 53 pointing at the destination; nothing of the HC
   left on the source; worker nodes Ready on the new control plane; operator count restored.
Writes `drill-report.json` and exits non-zero if any check fails. With `--fail-at STAGE`,
step 5 is a rehearsed failure instead (sandbox/failure_drill.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from sandbox.drill_feed import follow, say
from sandbox.environment import Sandbox, SandboxOptions
from sandbox.failure_drill import failure_drill_passed, injectable_stages, run_failure_drill
from sandbox.migration_check import check_migration
from sandbox.restore_check import restore_and_compare


def show_overview(sandbox: Sandbox) -> dict[str, Any]:
    say(f"sandbox up in {sandbox.startup_seconds:.1f} s  (AWS at {sandbox.aws.endpoint_url})")
    for cluster in sandbox.state()["clusters"]:
        say(f"  cluster  {cluster['role']:<11} {cluster['name']}")
    hosted = sandbox.hosted
    assert hosted is not None
    keys = hosted.etcd.client().key_count()
    say(f"  hosted   {sandbox.plan.namespace}/{sandbox.plan.name} on {hosted.management_cluster}"
        f" ({sandbox.plan.availability}, {len(hosted.etcd.members)} etcd member(s),"
        f" {keys} etcd keys)")
    records = sandbox.aws.client("route53").list_resource_record_sets(
        HostedZoneId=sandbox.zone_id)["ResourceRecordSets"]
    routed = [r for r in records if r["Type"] == "CNAME"]
    for record in routed:
        say(f"  route53  {record['Name']:<48} CNAME {record['ResourceRecords'][0]['Value']}")
    return {"etcd_keys": keys, "route53_records": len(routed)}


def run_scheduled_backup(sandbox: Sandbox) -> dict[str, Any]:
    say("\nscheduled backup tick")
    final = follow(sandbox, sandbox.fire_backup_schedule(), "Backup", "schedule")
    summary = json.loads(final.get("output") or "{}")
    say(f"  scheduled run {final['status']}: {summary.get('succeeded', 0)} succeeded, "
        f"{summary.get('failed', 0)} failed")
    return {"status": final["status"], "summary": summary}


def check_restore(sandbox: Sandbox, backup_id: str) -> dict[str, Any]:
    assert sandbox.backup_env is not None and sandbox.hosted is not None
    s3 = sandbox.aws.client("s3")
    prefix = f"backups/{sandbox.plan.namespace}/{sandbox.plan.name}/{backup_id}/"
    manifest = json.loads(s3.get_object(Bucket=sandbox.backup_env.bucket,
                                        Key=prefix + "manifest.json")["Body"].read())
    etcd = manifest["etcd"]
    say(f"\nmanifest {prefix}manifest.json")
    say(f"  etcd revision {etcd['revision']}, {etcd['total_keys']} keys, {etcd['size_bytes']}"
        f" bytes, sha256 {etcd['sha256'][:16]}..., trailer verified {etcd['trailer_verified']}")
    say(f"  {len(manifest['objects'])} objects, encryption {manifest['encryption']['type']},"
        f" consistency {manifest['consistency']}")
    with tempfile.TemporaryDirectory() as scratch:
        snapshot = Path(scratch) / "snapshot.db"
        s3.download_file(sandbox.backup_env.bucket, etcd["key"], str(snapshot))
        comparison = restore_and_compare(sandbox.pods, snapshot, sandbox.hosted.etcd.client(),
                                         etcd["revision"])
    verdict = "identical" if comparison.identical else "different"
    say(f"  restore check: {verdict} ({comparison.restored_keys} restored keys vs"
        f" {comparison.source_keys} at revision {etcd['revision']}; missing"
        f" {comparison.missing}, extra {comparison.extra}, different {comparison.different})")
    return {"verified": bool(etcd["trailer_verified"]), "restore_check": verdict,
            "etcd_revision": etcd["revision"], "etcd_keys": etcd["total_keys"],
            "bytes": etcd["size_bytes"], "objects": len(manifest["objects"]),
            "backup_id": backup_id}


def start_migration(sandbox: Sandbox) -> str:
    request = {"hosted_cluster": {"namespace": sandbox.plan.namespace, "name": sandbox.plan.name},
               "source": "source", "destination": "destination", "approval": "skip"}
    return sandbox.aws.start_execution(sandbox.state_machines["Migration"], request)


def run_migration(sandbox: Sandbox) -> dict[str, Any]:
    say(f"\nmigration of {sandbox.plan.namespace}/{sandbox.plan.name}: source -> destination")
    operator_before = sandbox.management["source"].cluster.store.get(
        ("apps", "v1", "deployments"), "hypershift", "operator")["spec"]["replicas"]
    arn = start_migration(sandbox)
    final = follow(sandbox, arn, None, "migration")
    output = json.loads(final.get("output") or "{}")
    report = output.get("report") or {}
    result: dict[str, Any] = {
        "status": final["status"], "error": final.get("error"),
        "rto_seconds": report.get("rto_seconds"),
        "stages": [{"name": s["name"], "seconds": s["seconds"]} for s in report.get("stages", [])],
    }
    if final["status"] == "SUCCEEDED":
        result.update(check_migration(sandbox, report, operator_before))
    say(f"  migration {final['status']}" + (f" in RTO {result['rto_seconds']:.1f} s"
                                             if result["rto_seconds"] else ""))
    for check in ("etcd_identical", "objects_identical", "dns_points_to_destination",
                  "source_clean", "operator_restored"):
        say(f"  {check:<26} {result.get(check)}")
    say(f"  {'nodes_ready':<26} {result.get('nodes_ready')}")
    return result


def drill(options: SandboxOptions, fail_at: str | None = None) -> dict[str, Any]:
    report: dict[str, Any] = {}
    with Sandbox(options) as sandbox:
        report["sandbox"] = {"startup_seconds": round(sandbox.startup_seconds or 0, 2),
                             "availability": options.availability, **show_overview(sandbox)}
        scheduled = run_scheduled_backup(sandbox)
        clusters = scheduled["summary"].get("clusters", [])
        ours = next((c for c in clusters if c["name"] == sandbox.plan.name), {})
        backup: dict[str, Any] = {"status": ours.get("status", scheduled["status"])}
        if ours.get("status") == "SUCCEEDED" and ours.get("backup_id"):
            backup.update(check_restore(sandbox, ours["backup_id"]))
        else:
            backup.update({"verified": False, "restore_check": "not run",
                           "error": ours.get("error")})
        report["backup"] = backup
        if fail_at is None:
            report["migration"] = run_migration(sandbox)
        else:
            report["failure_drill"] = run_failure_drill(
                sandbox, fail_at, lambda: start_migration(sandbox))
    return report


def passed(report: dict[str, Any]) -> bool:
    backup = report.get("backup", {})
    backup_ok = (backup.get("status") == "SUCCEEDED" and backup.get("verified") is True
                 and backup.get("restore_check") == "identical")
    if "failure_drill" in report:
        return backup_ok and failure_drill_passed(report["failure_drill"])
    migration = report.get("migration", {})
    return (backup_ok and migration.get("status") == "SUCCEEDED"
            and all(migration.get(check) is True for check in (
                "etcd_identical", "objects_identical", "dns_points_to_destination",
                "source_clean", "operator_restored"))
            and migration.get("nodes_ready") == migration.get("nodes_expected"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.drill", description=__doc__)
    parser.add_argument("--ha", action="store_true", help="HighlyAvailable hosted cluster")
    parser.add_argument("--report", type=Path, default=Path("drill-report.json"))
    parser.add_argument("--fail-at", choices=sorted(injectable_stages()), metavar="STAGE",
                        help="rehearse a failure: this Migration stage fails once and the "
                        "drill checks the rollback to the source instead of the migration "
                        f"(one of: {', '.join(injectable_stages())})")
    args = parser.parse_args(argv)
    options = SandboxOptions(availability="HighlyAvailable" if args.ha else "SingleReplica")
    report = drill(options, args.fail_at)
    ok = passed(report)
    report["passed"] = ok
    args.report.write_text(json.dumps(report, indent=2) + "\n")
    say(f"\n{'DRILL PASSED' if ok else 'DRILL FAILED'}; report: {args.report}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
