"""Grandfather-father-son retention keeps exactly the right set."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from hcp_dr.domain.retention import RetainedBackup, RetentionPolicy, backups_to_keep

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _backups(ages_minutes: list[int], verified: list[bool]) -> list[RetainedBackup]:
    return [
        RetainedBackup(f"b{i:04d}", NOW - timedelta(minutes=age), ok)
        for i, (age, ok) in enumerate(zip(ages_minutes, verified, strict=False))
    ]


def _expected(backups: list[RetainedBackup], policy: RetentionPolicy,
              now: datetime = NOW) -> set[str]:
    """Independent statement of the policy: for each rule, what it alone keeps."""
    keep = {b.backup_id for b in backups
            if (now - b.taken_at).total_seconds() < policy.keep_all_hours * 3600}
    today = now.date()
    this_monday = today - timedelta(days=today.weekday())
    for first_day, span, count in ((today, 1, policy.daily_days),
                                   (this_monday, 7, policy.weekly_weeks)):
        for period in range(count):
            start = first_day - timedelta(days=span * period)
            inside = [b for b in backups
                      if start <= b.taken_at.date() < start + timedelta(days=span)]
            if inside:
                keep.add(max(inside, key=lambda b: b.taken_at).backup_id)
    verified = [b for b in backups if b.verified]
    if verified:
        keep.add(max(verified, key=lambda b: (b.taken_at, b.backup_id)).backup_id)
    return keep


@settings(max_examples=300, deadline=None)
@given(
    ages=st.lists(st.integers(min_value=0, max_value=60 * 24 * 70), min_size=0, max_size=40,
                  unique=True),
    verified=st.lists(st.booleans(), min_size=40, max_size=40),
    hours=st.integers(0, 72), days=st.integers(0, 14), weeks=st.integers(0, 8),
)
def test_keeps_exactly_what_the_policy_says(ages, verified, hours, days, weeks):
    policy = RetentionPolicy(keep_all_hours=hours, daily_days=days, weekly_weeks=weeks)
    backups = _backups(ages, verified)
    assert backups_to_keep(backups, NOW, policy) == _expected(backups, policy)


@settings(max_examples=200, deadline=None)
@given(ages=st.lists(st.integers(0, 60 * 24 * 400), min_size=1, max_size=30, unique=True),
       verified=st.lists(st.booleans(), min_size=30, max_size=30))
def test_newest_verified_backup_always_survives_even_a_zero_policy(ages, verified):
    backups = _backups(ages, verified)
    kept = backups_to_keep(backups, NOW, RetentionPolicy(keep_all_hours=0, daily_days=0,
                                                         weekly_weeks=0))
    good = [b for b in backups if b.verified]
    if good:
        assert max(good, key=lambda b: b.taken_at).backup_id in kept
        assert len(kept) == 1
    else:
        assert kept == set()


def test_one_per_day_keeps_the_newest_of_each_calendar_day():
    backups = [RetainedBackup(f"d{d}h{h}", NOW - timedelta(days=d, hours=h), True)
               for d in range(1, 4) for h in (1, 5, 20)]
    # NOW is noon: d1h1 (yesterday 11:00) is yesterday's newest, d1h20 (16:00 two days ago)
    # the newest of the day before, d2h20 of the day before that; today (the first of the
    # days) has none, and d3h20 (16:00 four days ago) is a day too old for 4 days.
    policy = RetentionPolicy(keep_all_hours=0, daily_days=4, weekly_weeks=0)
    assert backups_to_keep(backups, NOW, policy) == {"d1h1", "d1h20", "d2h20"}
    policy = RetentionPolicy(keep_all_hours=0, daily_days=3, weekly_weeks=0)
    assert backups_to_keep(backups, NOW, policy) == {"d1h1", "d1h20"}


def test_hourly_pruning_keeps_the_dailies_and_weeklies_the_policy_promises():
    """Pruned after every hourly backup for 40 days, as the Backup machine does: the set that
    is left holds one backup of each of the last 7 days and of each of the last 4 weeks."""
    policy = RetentionPolicy(keep_all_hours=24, daily_days=7, weekly_weeks=4)
    start = datetime(2026, 10, 1, 0, 30, tzinfo=UTC)
    kept: list[RetainedBackup] = []
    now = start
    for hour in range(40 * 24):
        now = start + timedelta(hours=hour)
        kept.append(RetainedBackup(f"b{hour:04d}", now, True))
        survivors = backups_to_keep(kept, now, policy)
        kept = [b for b in kept if b.backup_id in survivors]
    days = {b.taken_at.date() for b in kept}
    assert {now.date() - timedelta(days=n) for n in range(7)} <= days
    mondays = {d - timedelta(days=d.weekday()) for d in days}
    this_monday = now.date() - timedelta(days=now.date().weekday())
    assert {this_monday - timedelta(weeks=n) for n in range(4)} <= mondays
    assert max(now - b.taken_at for b in kept) > timedelta(days=14)  # the 4th week back
    assert set(survivors) == _expected(kept, policy, now)
