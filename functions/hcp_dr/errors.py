"""Domain errors, named for what went wrong.

The class name is the error name Step Functions sees (Lambda reports the exception's class
name as `errorType`), so the ASL files Retry on `TransientError` subclasses by name and Catch
the rest. Transient vs. permanent is decided here, by type, never by message text. Messages
must never contain secrets (kubeconfigs, keys, presigned URLs).
"""

from __future__ import annotations


class HcpDrError(Exception):
    """Base of every error this project raises on purpose."""


class TransientError(HcpDrError):
    """Worth retrying: the same call may succeed a moment later."""


class PermanentError(HcpDrError):
    """Retrying changes nothing; the execution must fail or compensate."""


# --- input -------------------------------------------------------------------------------
class ConfigurationInvalid(PermanentError):
    """A function's environment (set by the stack) lacks a setting or holds a malformed one."""


class InvalidRequest(PermanentError):
    """The execution input or event failed validation; nothing was changed."""


class UnknownManagementCluster(PermanentError):
    """No kubeconfig secret is registered for the named management cluster."""


class KubeconfigInvalid(PermanentError):
    """The registered kubeconfig secret cannot be parsed into a usable client config."""


# --- Kubernetes ----------------------------------------------------------------------------
class KubernetesApiUnavailable(TransientError):
    """The management cluster's API did not answer or answered 429/5xx."""


class KubernetesRequestRejected(PermanentError):
    """The API server refused a request (403, 422, ...) for a reason retrying won't fix."""


class ObjectAlreadyExists(KubernetesRequestRejected):
    """A create answered 409: the object appeared between our check and our create. Callers
    re-read it and decide (their own object from a rerun, or a foreign one)."""


class ObjectNameInvalid(PermanentError):
    """A name or namespace (read from a cluster object, a backup or a request) that cannot
    address a Kubernetes object: refused before any request, so it cannot reach another one."""


class HostedClusterNotFound(PermanentError):
    """The HostedCluster named in the request does not exist on its management cluster."""


class EtcdUnhealthy(TransientError):
    """Not every etcd member is Ready; a backup taken now may miss recent writes."""


class PodCommandFailed(PermanentError):
    """A command run inside a pod exited non-zero."""


# --- locks ----------------------------------------------------------------------------------
class ClusterLocked(PermanentError):
    """Another backup or migration of this hosted cluster holds the DR lock."""

    def __init__(self, message: str, holder_purpose: str | None = None,
                 holder: str | None = None) -> None:
        super().__init__(message)
        self.holder_purpose = holder_purpose  # "backup", "migration", None: unknown
        self.holder = holder  # the holding execution's ARN, when known


class LockChangingHands(TransientError):
    """The DR lock changed hands while this run looked at it (released and taken between our
    write and our read, or taken over by another run first): the stage's retry looks again."""


class BackupInProgress(TransientError):
    """A backup of this hosted cluster holds the DR lock. It ends within minutes, so a
    migration waits for it (the Migration machine retries) instead of failing."""


# --- snapshots -------------------------------------------------------------------------------
class InsufficientSnapshotSpace(PermanentError):
    """The etcd volume has too little free space to hold a snapshot next to the database."""


class SnapshotFailed(PermanentError):
    """etcdctl could not produce a snapshot."""


class SnapshotChecksumMismatch(PermanentError):
    """S3 refused the upload because the bytes differ from the SHA-256 taken in the pod."""


class SnapshotCorrupted(PermanentError):
    """The stored snapshot fails etcd's own SHA-256 trailer check or its recorded checksum."""


class SnapshotUploadFailed(TransientError):
    """The upload from the pod failed for a reason other than a checksum mismatch."""


class SnapshotTooLarge(PermanentError):
    """The snapshot exceeds what one presigned PUT may carry (5 GiB): no retry can upload it
    (etcd's own quota, 8 GiB at most, can exceed it; compact and defragment first)."""


class EncryptionKeyMissing(PermanentError):
    """The AES-CBC key secret the HostedCluster names does not exist: data would be lost."""


class BackupObjectCorrupted(PermanentError):
    """A stored object of a backup set no longer matches the SHA-256 its manifest recorded."""


class BackupIncomplete(PermanentError):
    """A part of the backup set that the manifest would list is missing from S3."""


class AwsServiceUnavailable(TransientError):
    """An AWS API throttled or failed server-side."""


# --- migration: preflight refusals (nothing was changed yet) ----------------------------------
class AwsRequestRejected(PermanentError):
    """An AWS API refused a request for a reason retrying does not change (access denied, a
    missing resource, a validation error)."""


class RecordUnreadable(PermanentError):
    """A stored JSON record (manifest, index) could not be parsed: treated as absent where a
    missing record is tolerated (the catalog never offers such a backup for restore)."""


class ForeignObjectsOnDestination(PermanentError):
    """The destination holds objects under the hosted cluster's names that this migration did
    not create: restoring there could overwrite or later delete someone else's data."""


class UnsupportedVersionOnDestination(PermanentError):
    """The destination operator's `supported-versions` does not list the HC's minor version."""


class ExternalDnsNotConfigured(PermanentError):
    """A management cluster has no ExternalDNS for Route 53 (`hypershift/external-dns`, from
    `hypershift install --external-dns-*`) whose domain filter covers the HC's hostnames: the
    API URL would not survive the move."""


class ServicesNotPublishedByRoute(PermanentError):
    """A HostedCluster service is not published as a Route with a hostname in the external-DNS
    domain, so its address would change with the management cluster."""


class ExternalDnsZoneNotFound(PermanentError):
    """No Route 53 hosted zone holds the HC's hostnames: the DNS cleanup could not be watched."""


class NodePoolNewerThanControlPlane(PermanentError):
    """A NodePool runs a newer minor than its HostedCluster (version skew policy)."""


class PrivateEndpointAccess(PermanentError):
    """The HC's endpoints are published privately too (`endpointAccess` PublicAndPrivate or
    Private): its nodes reach the API through the source's PrivateLink endpoint
    (`hypershift.local`) and stay with the old control plane while the old HC exists, so
    they cannot be found Ready on the destination before the source is torn down (DOMAIN,
    "Known failure modes")."""


class BackupLockLost(PermanentError):
    """A backup stage ran without its execution holding the hosted cluster's lock: a stopped
    run redriven after RecoverEndedBackup released it (or after it expired). It must not
    quiesce, snapshot (whose clean-up removes other runs' files), complete or prune."""


class MigrationLocksLost(PermanentError):
    """A stage that changes a cluster ran without this execution holding its locks: a stopped
    run redriven after RecoverStoppedMigration put the source back and released them (or
    after they expired). It must not pause, unpublish, restore or tear down anything."""


class EtcdNotRestorable(PermanentError):
    """The HC's etcd is not HyperShift-managed with persistent storage, so it cannot be
    restored from `restoreSnapshotURL`."""


class LeftoverPauseRecord(PermanentError):
    """The HC or a NodePool still carries the pause record of another backup or migration, one
    that never finished resuming: its writers may still be at 0 and its counts are not ours to
    restore. A person checks the cluster and removes the annotation."""


class HostedClusterBeingDeleted(PermanentError):
    """The source HostedCluster already has a deletionTimestamp."""


# --- migration: restore ------------------------------------------------------------------------
class RestoreUrlTooLong(PermanentError):
    """The presigned snapshot URL exceeds the CRD's 1024 characters (session-token signature);
    configure the restore-URL signer secret."""


class RestoreUrlOutlivesCredentials(PermanentError):
    """The signing credentials expire (or may expire) before the requested URL lifetime ends,
    so the URL would stop working during the restore."""


class RestoreUrlSignerInvalid(PermanentError):
    """The restore-URL signer secret is missing or does not hold an access key pair."""


class MigrationStateIncomplete(PermanentError):
    """A migration stage ran without the results of the stages it depends on."""


# --- migration: waits ----------------------------------------------------------------------------
class DnsCleanupTimeout(PermanentError):
    """ExternalDNS did not remove the hosted cluster's Route 53 records before the deadline."""


class HostedClusterNotReady(TransientError):
    """The destination HC is not Available yet, or fewer worker nodes are Ready than the
    NodePools ask for; the state machine retries within a bounded budget."""


class GuestApiUnavailable(TransientError):
    """The hosted cluster's own API did not answer (its control plane may be moving)."""


class DestinationCleanupPending(TransientError):
    """Objects this migration created on the destination are still being deleted."""


class DestinationStillStopping(TransientError):
    """Pods of the control plane restored on the destination are still stopping after being
    scaled to 0 (a long grace period, a NotReady node): until they are gone, resuming the
    source could run two control planes for one cluster, so the compensation holds it."""


class DestinationMayStillRun(TransientError):
    """The destination could not be reached (or refused) while its restored control plane was
    to be stopped, after the hosted cluster had been created there: resuming the source could
    put two control planes on one cluster, so the compensation holds the source paused."""


class WritersStillRunning(TransientError):
    """Pods of the scaled-down etcd writers have not ended yet: until they are gone they may
    still accept writes that a snapshot taken now would miss."""


class SourceTeardownPending(TransientError):
    """Source objects of the migrated HC are still terminating."""


class ApprovalRejected(PermanentError):
    """An operator rejected the teardown of the source (SendTaskFailure with this error)."""


class MigrationPostChecksFailed(PermanentError):
    """The migration finished but a post-check failed; see the migration report."""


# --- migration: triggers -------------------------------------------------------------------------
class MigrationNotConfigured(PermanentError):
    """A setting the migration trigger needs (the state machine ARN) is not set."""


class MigrationPoliciesInvalid(PermanentError):
    """The migration policies parameter is missing or does not parse."""
