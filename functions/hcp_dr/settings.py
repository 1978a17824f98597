"""Run-time configuration of the Lambda functions, parsed once from the environment.

The CDK stack sets these variables on every function; the sandbox sets the same names, so the
functions cannot tell where they run. Nothing deeper in the domain reads `os.environ`.
"""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hcp_dr.errors import ConfigurationInvalid
from hcp_dr.models.validation_summary import where_invalid

BACKUP_MACHINE_TIMEOUT_SECONDS = 7200  # statemachines/backup.asl.json TimeoutSeconds
MIN_BACKUP_LOCK_TTL_SECONDS = BACKUP_MACHINE_TIMEOUT_SECONDS + 600


class Settings(BaseModel):
    """Typed view of the HCP_DR_* environment variables."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    backup_bucket: str = Field(alias="HCP_DR_BACKUP_BUCKET", min_length=3)
    backup_kms_key_id: str = Field(alias="HCP_DR_BACKUP_KMS_KEY_ID", min_length=1)
    lock_table: str = Field(alias="HCP_DR_LOCK_TABLE", min_length=3)
    kubeconfig_secret_prefix: str = Field(
        "hcp-dr/management-clusters/", alias="HCP_DR_KUBECONFIG_SECRET_PREFIX"
    )
    # Grandfather-father-son retention: every backup of the last N hours, one a day for D days,
    # one a week for W weeks.
    retention_keep_all_hours: int = Field(24, alias="HCP_DR_RETENTION_KEEP_ALL_HOURS", ge=0)
    retention_daily_days: int = Field(7, alias="HCP_DR_RETENTION_DAILY_DAYS", ge=0)
    retention_weekly_weeks: int = Field(4, alias="HCP_DR_RETENTION_WEEKLY_WEEKS", ge=0)
    # Lifetime of the presigned PUT the etcd pod uploads through.
    upload_url_ttl_seconds: int = Field(900, alias="HCP_DR_UPLOAD_URL_TTL_SECONDS", ge=60, le=43200)
    # A backup never renews its lock: it must outlive the Backup machine's TimeoutSeconds
    # (7200) with a margin, or a second backup could take it mid-run (and the prune, which
    # collects manifest-less sets older than twice the TTL, could take a set being written).
    lock_ttl_seconds: int = Field(6 * 3600, alias="HCP_DR_LOCK_TTL_SECONDS",
                                  ge=MIN_BACKUP_LOCK_TTL_SECONDS)

    # --- migration ----------------------------------------------------------------------------
    # A migration holds its locks across the approval wait, which may last days; it releases
    # them explicitly at the end, so the TTL only frees the locks of a crashed execution.
    migration_lock_ttl_seconds: int = Field(
        7 * 24 * 3600, alias="HCP_DR_MIGRATION_LOCK_TTL_SECONDS", ge=3600
    )
    # Secrets Manager secret with a long-term access key of a dedicated IAM user (s3:GetObject
    # on the backup prefix + kms:Decrypt only) that signs restoreSnapshotURLs: its signatures
    # carry no session token (short URL) and may last up to 7 days. Unset: the function's own
    # credentials sign, and the URL is refused if too long or outliving them.
    restore_url_signer_secret: str | None = Field(None, alias="HCP_DR_RESTORE_URL_SIGNER_SECRET")
    # Region of the backup bucket (the presigned URL uses its regional endpoint); unset: the
    # function's own region, where the stack creates the bucket.
    backup_bucket_region: str | None = Field(None, alias="HCP_DR_BACKUP_BUCKET_REGION")
    # The Migration state machine, started by the alarm trigger (set only on that function,
    # so the machine and the functions it invokes need not reference each other).
    migration_state_machine_arn: str | None = Field(
        None, alias="HCP_DR_MIGRATION_STATE_MACHINE_ARN"
    )
    migration_policies_parameter: str = Field(
        "/hcp-dr/migration-policies", alias="HCP_DR_MIGRATION_POLICIES_PARAMETER", min_length=1
    )
    # How long an alarm-started migration blocks another start for the same HC (flapping).
    migration_trigger_dedupe_seconds: int = Field(
        3600, alias="HCP_DR_MIGRATION_TRIGGER_DEDUPE_SECONDS", ge=60
    )
    # RecoverEndedBackup acts this long after the execution stopped: a stop does not stop a
    # task Lambda already running, and a QuiesceWriters still running (60-s timeout) would
    # scale the writers to 0 again behind the recovery.
    ended_backup_grace_seconds: int = Field(
        75, alias="HCP_DR_ENDED_BACKUP_GRACE_SECONDS", ge=0, le=150
    )
    # RecoverStoppedMigration likewise: a PauseHostedCluster or DeleteSourceRoutes still
    # running (60-s timeouts) would pause the source or delete its Routes again behind it.
    # (At most 150 s: with the 720-s retry budget it must end inside the 900-s timeout.)
    stopped_migration_grace_seconds: int = Field(
        75, alias="HCP_DR_STOPPED_MIGRATION_GRACE_SECONDS", ge=0, le=150
    )


@lru_cache(maxsize=1)
def load_settings() -> Settings:
    """Parse the environment once per Lambda container. The error names the variables, never
    their values: pydantic would quote the environment, session credentials included."""
    try:
        return Settings.model_validate(dict(os.environ))
    except ValidationError as exc:
        raise ConfigurationInvalid(f"function environment: {where_invalid(exc)}") from None
