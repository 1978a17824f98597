"""The restoreSnapshotURL: a SigV4 presigned GET of the snapshot that the etcd init container
downloads with `curl -o` (no redirects followed, so a regional virtual-hosted endpoint).

Two limits decide whether a URL works: the CRD's 1024 characters (a signature made with
session credentials carries `X-Amz-Security-Token`, typically pushing the URL past 1200), and
the signer's own lifetime (a presigned URL dies with the session that signed it). A dedicated
signer (a long-term access key allowed only s3:GetObject on the backup prefix and
kms:Decrypt) gives short URLs that live up to 7 days. Both limits are checked here, before the
destination sees anything. The URL is a credential: it goes into the HostedCluster spec only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from hcp_dr.errors import RestoreUrlOutlivesCredentials, RestoreUrlTooLong
from hcp_dr.models.migration_run import MAX_PRESIGNED_SECONDS

MAX_RESTORE_URL_LENGTH = 1024  # CRD: maxLength of each restoreSnapshotURL entry
# The URL must still be valid this long after its nominal lifetime is over, as far as the
# signing credentials are concerned (clock skew, the operator's reconcile delay).
CREDENTIAL_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class SignerIdentity:
    """What is known of the credentials that sign: a session or a long-term key, and until
    when they are valid (None: unknown)."""

    kind: str  # "dedicated-signer" | "function-credentials"
    session: bool
    expires_at: datetime | None


class UrlSigner(Protocol):
    @property
    def identity(self) -> SignerIdentity: ...

    def presign_get(self, bucket: str, key: str, ttl_seconds: int) -> str: ...


@dataclass(frozen=True)
class RestoreUrl:
    url: str = field(repr=False)
    expires_at: datetime
    signer: str

    @property
    def length(self) -> int:
        return len(self.url)


def build_restore_url(signer: UrlSigner, bucket: str, key: str, ttl_seconds: int,
                      now: datetime) -> RestoreUrl:
    """Presign and check; raises before anything is created on the destination."""
    if not 0 < ttl_seconds <= MAX_PRESIGNED_SECONDS:
        raise RestoreUrlOutlivesCredentials(
            f"a SigV4 presigned URL lives at most {MAX_PRESIGNED_SECONDS} s, not {ttl_seconds}")
    identity = signer.identity
    url = signer.presign_get(bucket, key, ttl_seconds)
    if len(url) > MAX_RESTORE_URL_LENGTH:
        token = " (it carries a session token)" if identity.session else ""
        raise RestoreUrlTooLong(
            f"the presigned snapshot URL has {len(url)} characters{token}, more than the "
            f"{MAX_RESTORE_URL_LENGTH} the HostedCluster CRD allows; configure "
            "HCP_DR_RESTORE_URL_SIGNER_SECRET (a dedicated long-term signer)")
    expires_at = now + timedelta(seconds=ttl_seconds)
    if identity.session:
        if identity.expires_at is None:
            raise RestoreUrlOutlivesCredentials(
                f"the {identity.kind} are session credentials of unknown expiry; a URL valid "
                f"for {ttl_seconds} s cannot be promised (configure a dedicated signer)")
        if identity.expires_at < expires_at + CREDENTIAL_MARGIN:
            raise RestoreUrlOutlivesCredentials(
                f"the {identity.kind} expire at {identity.expires_at.isoformat()}, before the "
                f"requested URL lifetime ends ({expires_at.isoformat()})")
    return RestoreUrl(url=url, expires_at=expires_at, signer=identity.kind)
