"""Grandfather-father-son retention, as a pure function of backup times.

Keep every backup of the last N hours, the newest of each of the last D days and of each of
the last W weeks (days and weeks counted back from now), and always the newest verified backup,
so that pruning can never leave a cluster without a restorable backup.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field


class RetentionPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    keep_all_hours: int = Field(ge=0)
    daily_days: int = Field(ge=0)
    weekly_weeks: int = Field(ge=0)


@dataclass(frozen=True)
class RetainedBackup:
    backup_id: str
    taken_at: datetime
    verified: bool


def _newest_per_bucket(backups: list[RetainedBackup], now: datetime, width: timedelta,
                       buckets: int) -> set[str]:
    newest: dict[int, RetainedBackup] = {}
    for backup in backups:
        index = (now - backup.taken_at) // width
        if 0 <= index < buckets and (
            index not in newest or backup.taken_at > newest[index].taken_at
        ):
            newest[index] = backup
    return {b.backup_id for b in newest.values()}


def backups_to_keep(backups: Iterable[RetainedBackup], now: datetime,
                    policy: RetentionPolicy) -> set[str]:
    """The ids that survive pruning; everything else in `backups` may be deleted."""
    candidates = list(backups)
    keep = {b.backup_id for b in candidates
            if now - b.taken_at < timedelta(hours=policy.keep_all_hours)}
    keep |= _newest_per_bucket(candidates, now, timedelta(days=1), policy.daily_days)
    keep |= _newest_per_bucket(candidates, now, timedelta(weeks=1), policy.weekly_weeks)
    verified = [b for b in candidates if b.verified]
    if verified:
        keep.add(max(verified, key=lambda b: (b.taken_at, b.backup_id)).backup_id)
    return keep
