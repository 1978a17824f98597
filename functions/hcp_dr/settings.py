"""Run-time configuration of the Lambda functions, parsed once from the environment.

The CDK stack sets these variables on every function; the sandbox sets the same names, so the
functions cannot tell where they run. Nothing deeper in the domain reads `os.environ`.
"""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field


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
    lock_ttl_seconds: int = Field(6 * 3600, alias="HCP_DR_LOCK_TTL_SECONDS", ge=60)


@lru_cache(maxsize=1)
def load_settings() -> Settings:
    """Parse the environment once per Lambda container."""
    return Settings.model_validate(dict(os.environ))
