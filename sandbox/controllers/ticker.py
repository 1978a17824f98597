"""A clock for what AWS and Kubernetes do periodically (a schedule rule, a controller resync).

One daemon thread per ticker calls `action` every `interval` seconds until stopped; errors
are recorded and the ticking goes on, as a schedule keeps firing after a failed target.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("sandbox.controllers")


class Ticker:
    def __init__(self, name: str, interval: float, action: Callable[[], None],
                 first_tick_after: float | None = None) -> None:
        if interval <= 0:
            raise ValueError(f"{name}: interval must be positive, not {interval}")
        self.name, self.interval, self._action = name, interval, action
        self._first = interval if first_tick_after is None else max(0.0, first_tick_after)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"tick-{name}", daemon=True)
        self.ticks = 0
        self.errors: list[str] = []

    def start(self) -> Ticker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        wait = self._first
        while not self._stop.wait(wait):
            wait = self.interval
            try:
                self._action()
                self.ticks += 1
            except Exception as exc:  # a failed tick is recorded; the clock keeps going
                message = f"{self.name}: {type(exc).__name__}: {exc}"
                self.errors.append(message)
                log.warning(message)
