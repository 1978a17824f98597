"""Stage 6: rebuild the hosted cluster on the destination from the backup set.

Safe to run twice: each object is created unless present (the API server refuses to create
one that exists); one carrying this migration's label is left as is (a rerun), one without it
is never touched and stops the restore (`ForeignObjectsOnDestination`). The presigned URL is
made and checked before the first create, so `RestoreUrlTooLong` leaves the destination
untouched; a rerun reuses the one an earlier attempt created the HC or HCP with.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from hcp_dr.adapters.backup_bucket import BackupBucket, json_sha256
from hcp_dr.domain.backup_layout import BackupLocation
from hcp_dr.domain.backup_set import PARALLEL_TRANSFERS
from hcp_dr.domain.migration.identity import created_by, location_of
from hcp_dr.domain.migration.restore_plan import PlannedCreate, restore_plan, restore_url_in
from hcp_dr.domain.migration.restore_url import UrlSigner, build_restore_url
from hcp_dr.errors import (
    BackupIncomplete,
    BackupObjectCorrupted,
    ForeignObjectsOnDestination,
    KubernetesRequestRejected,
    MigrationStateIncomplete,
    ObjectAlreadyExists,
    RecordUnreadable,
)
from hcp_dr.models.kinds import HOSTED_CLUSTERS, HOSTED_CONTROL_PLANES, NAMESPACES
from hcp_dr.models.manifest import BackupManifest
from hcp_dr.models.migration import MigrationState, RestoreResult
from hcp_dr.models.validation_summary import where_invalid

if TYPE_CHECKING:
    from hcp_dr.adapters.management_cluster import ManagementClusterApi


def load_manifest(bucket: BackupBucket, state: MigrationState) -> BackupManifest:
    """This migration's manifest, or a named refusal before anything is created. Everything it
    lists must lie under its own backup's prefix: the snapshot key is presigned for the
    destination's etcd, and the objects are created on the destination."""
    location = BackupLocation.of(state.request.source_ref, state.migration_id)
    document = bucket.get_json(location.manifest_key)
    if document is None:
        raise BackupIncomplete(f"{location.prefix}: no manifest; the backup stage did not finish")
    try:
        manifest = BackupManifest.model_validate(document)
    except ValidationError as exc:
        raise RecordUnreadable(f"{location.manifest_key}: {where_invalid(exc)}") from None
    ref = state.request.source_ref
    if manifest.backup_id != state.migration_id or manifest.hosted_cluster != {
            "namespace": ref.namespace, "name": ref.name}:
        raise RecordUnreadable(f"{location.manifest_key} describes another backup")
    listed = [manifest.etcd.key, *(e.key for e in manifest.objects),
              *(k for k in (manifest.encryption.key, manifest.encryption.backup_key) if k)]
    outside = [key for key in listed if not key.startswith(location.prefix)]
    if outside:
        raise RecordUnreadable(f"{location.manifest_key} lists {len(outside)} object(s) outside "
                               f"{location.prefix}")
    listed_objects = {(e.kind, e.namespace, e.name) for e in manifest.objects}
    if (HOSTED_CLUSTERS.plural, ref.namespace, ref.name) not in listed_objects:
        # Checked first: the namespaces and secrets would otherwise be created before it.
        raise BackupIncomplete(f"{location.manifest_key} lists no HostedCluster {ref.key}")
    return manifest


def _stored_object(key: str, body: Any) -> dict:
    """An object body as the restore needs it: a mapping with a metadata.name."""
    meta = body.get("metadata") if isinstance(body, dict) else None
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
        raise RecordUnreadable(f"{key} is not a Kubernetes object")
    return body


def backed_up_objects(bucket: BackupBucket, manifest: BackupManifest) -> list[tuple[str, dict]]:
    """The manifest's objects, plus the AES key secrets (the active one, and the previous one
    during a rotation) when their names did not put them there."""
    # Read while the hosted cluster is paused on the source: in parallel.
    with ThreadPoolExecutor(max_workers=PARALLEL_TRANSFERS) as pool:
        bodies = list(pool.map(bucket.get_json, [entry.key for entry in manifest.objects]))
    objects = []
    for entry, body in zip(manifest.objects, bodies, strict=True):
        if body is None:
            raise BackupIncomplete(f"{entry.key} is listed in the manifest but missing")
        if json_sha256(body) != entry.sha256:  # changed since the backup wrote it
            raise BackupObjectCorrupted(f"{entry.key} differs from the SHA-256 in the manifest")
        objects.append((entry.kind, _stored_object(entry.key, body)))
    for stored in (manifest.encryption.key, manifest.encryption.backup_key):
        if not stored:
            continue
        key_secret = bucket.get_json(stored)
        if key_secret is None:
            raise BackupIncomplete(f"{stored} is missing")
        key_secret = _stored_object(stored, key_secret)
        names = {(b["metadata"].get("namespace"), b["metadata"]["name"])
                 for k, b in objects if k == "secrets"}
        meta = key_secret["metadata"]
        if (meta.get("namespace"), meta["name"]) not in names:
            objects.append(("secrets", key_secret))
    return objects


def _ensure(api: ManagementClusterApi, planned: PlannedCreate, migration_id: str,
            allowed_namespaces: set[str]) -> bool:
    """Create unless present; True if created. Foreign objects are never touched.

    Create first and read only on a conflict: a first run (the usual case) costs one request
    per object instead of two, and the API server refuses the create of an existing object
    atomically, so nothing foreign is ever overwritten."""
    try:
        api.create_object(planned.kind, planned.namespace, planned.body)
        return True
    except ObjectAlreadyExists:
        current = api.get_object(planned.kind, planned.namespace, planned.name) or {}
    except KubernetesRequestRejected:
        # Authorization and admission run before the conflict check: a quota at its limit or
        # a terminating namespace refuses the create of an object that exists (a rerun).
        # Judge what is there; refuse as before when nothing is.
        found = api.get_object(planned.kind, planned.namespace, planned.name)
        if found is None:
            raise
        current = found
    if created_by(current, migration_id):
        return False
    if planned.kind == NAMESPACES and planned.name in allowed_namespaces:
        return False  # existed and was free at preflight: used, never labelled or deleted
    where = f"{planned.namespace}/" if planned.namespace else ""
    raise ForeignObjectsOnDestination(
        f"{planned.kind.plural} {where}{planned.name} exists on {api.cluster_id} and was not "
        "created by this migration")


def _url_created_earlier(api: ManagementClusterApi, state: MigrationState,
                         existing_hc: dict | None) -> str | None:
    """The URL an earlier attempt of this migration created our HC or HCP with: on both it is
    immutable, and the operator copies the HC's onto the HCP, so a rerun must use it again."""
    if existing_hc is not None:
        return restore_url_in(existing_hc)
    ref = state.request.destination_ref
    hcp = api.get_custom(HOSTED_CONTROL_PLANES, ref.hcp_namespace, ref.name)
    return restore_url_in(hcp) if hcp is not None and created_by(hcp, state.migration_id) else None


def restore_on_destination(api: ManagementClusterApi, bucket: BackupBucket, signer: UrlSigner,
                           state: MigrationState, now: datetime) -> RestoreResult:
    if state.preflight is None:
        raise MigrationStateIncomplete("restore ran before preflight")
    ref = state.request.destination_ref
    manifest = load_manifest(bucket, state)
    objects = backed_up_objects(bucket, manifest)  # before any create: a gap stops us here
    existing_hc = api.get_custom(HOSTED_CLUSTERS, ref.namespace, ref.name)
    if existing_hc is not None and not created_by(existing_hc, state.migration_id):
        raise ForeignObjectsOnDestination(
            f"HostedCluster {ref.key} exists on {ref.management_cluster} and was not created by "
            "this migration")
    earlier_url = _url_created_earlier(api, state, existing_hc)
    restore_url = None if earlier_url else build_restore_url(
        signer, bucket.bucket, manifest.etcd.key, state.request.restore_url_ttl_seconds, now)
    url = earlier_url or restore_url.url  # type: ignore[union-attr]
    plan = restore_plan(objects, ref, state.migration_id, url,
                        hosted_cluster_exists=existing_hc is not None)
    allowed = set(state.preflight.destination_namespaces)
    created = existing = 0
    by_kind: dict[str, int] = {}
    for planned in plan:
        if planned.kind == HOSTED_CLUSTERS:
            bucket.put_json(location_of(state).destination_hc_requested_key, {
                "migration_id": state.migration_id, "destination": ref.management_cluster,
                "requested_at": now.isoformat()})
        if _ensure(api, planned, state.migration_id, allowed):
            created += 1
        else:
            existing += 1
        by_kind[planned.kind.plural] = by_kind.get(planned.kind.plural, 0) + 1
    if existing_hc is not None:
        existing += 1
        by_kind[HOSTED_CLUSTERS.plural] = by_kind.get(HOSTED_CLUSTERS.plural, 0) + 1
    return RestoreResult(
        created=created, existing=existing, by_kind=by_kind, url_length=len(url),
        url_expires_at=restore_url.expires_at if restore_url else None,
        signer=restore_url.signer if restore_url else None,
    )
