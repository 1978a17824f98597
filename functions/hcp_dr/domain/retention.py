"""Grandfather-father-son retention, as a pure function of backup times.

Keep every backup of the last N hours, the newest of each of the last D days and of each of
the last W weeks (UTC calendar days, weeks starting on Monday; today and this week count as
the first), and always the newest verified backup, so that pruning can never leave a cluster
without a restorable backup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

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


def _day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _monday(moment: datetime) -> date:
    day = _day(moment)
    return day - timedelta(days=day.weekday())


def _newest_per_period(backups: list[RetainedBackup], now: datetime,
                       period: Callable[[datetime], date], days_per_period: int,
                       periods: int) -> set[str]:
    """The newest backup of each of the last `periods` calendar periods (today's included).

    Periods are anchored to the calendar, not to `now`: once a day (or week) is over, its
    newest backup stays its newest, so pruning every hour keeps it. (Windows sliding with
    `now` would hand each window's "newest" to the backup that just aged into it, and every
    older one would be pruned an hour later: nothing would ever live past the first day.)
    """
    newest: dict[int, RetainedBackup] = {}
    for backup in backups:
        index = (period(now) - period(backup.taken_at)).days // days_per_period
        if 0 <= index < periods and (
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
    keep |= _newest_per_period(candidates, now, _day, 1, policy.daily_days)
    keep |= _newest_per_period(candidates, now, _monday, 7, policy.weekly_weeks)
    verified = [b for b in candidates if b.verified]
    if verified:
        keep.add(max(verified, key=lambda b: (b.taken_at, b.backup_id)).backup_id)
    return keep
