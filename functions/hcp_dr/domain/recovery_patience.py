"""When a recovery of an ended execution acts, and how long it keeps trying.

A stopped execution does not stop the task Lambda it was running: one that changes the
cluster (QuiesceWriters, PauseHostedCluster, DeleteSourceRoutes; 60-s timeouts) could undo
the recovery behind it, so the recovery waits a grace period after the stop. And the likely
reason someone stopped the execution is a management cluster that did not answer: the
recovery keeps trying through it for a while, in one invocation, rather than give up after
Lambda's two asynchronous retries.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from hcp_dr.errors import TransientError

Result = TypeVar("Result")


@dataclass(frozen=True)
class RecoveryPatience:
    grace_seconds: float = 75.0  # after the stop
    budget_seconds: float = 720.0  # of retries on transient errors
    retry_seconds: float = 30.0
    wall_clock: Callable[[], float] = time.time
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = field(default=time.sleep)


def after_grace(recover: Callable[[], Result], stopped_at: float,
                patience: RecoveryPatience) -> Result:
    """`recover()` once the grace after `stopped_at` (epoch seconds) is over, tried again on
    transient errors until the budget is spent (then the last error)."""
    patience.sleep(max(0.0, stopped_at + patience.grace_seconds - patience.wall_clock()))
    deadline = patience.monotonic() + patience.budget_seconds
    while True:
        try:
            return recover()
        except TransientError:
            if patience.monotonic() + patience.retry_seconds > deadline:
                raise
            patience.sleep(patience.retry_seconds)
