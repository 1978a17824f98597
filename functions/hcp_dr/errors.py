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


class HostedClusterNotFound(PermanentError):
    """The HostedCluster named in the request does not exist on its management cluster."""


class EtcdUnhealthy(TransientError):
    """Not every etcd member is Ready; a backup taken now may miss recent writes."""


class PodCommandFailed(PermanentError):
    """A command run inside a pod exited non-zero."""


# --- locks ----------------------------------------------------------------------------------
class ClusterLocked(PermanentError):
    """Another backup or migration of this hosted cluster holds the DR lock."""


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


class EncryptionKeyMissing(PermanentError):
    """The AES-CBC key secret the HostedCluster names does not exist: data would be lost."""


class BackupIncomplete(PermanentError):
    """A part of the backup set that the manifest would list is missing from S3."""


class AwsServiceUnavailable(TransientError):
    """An AWS API throttled or failed server-side."""
