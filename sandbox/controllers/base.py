"""A simulated controller: a thread reacting to one cluster's change feed.

Like a real controller it sees changes after they are committed, acts asynchronously and
retries failed reconciles a few times; unlike one it reads the store directly.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from sandbox.kubeapi.store import ChangeEvent, ObjectStore

log = logging.getLogger("sandbox.controllers")
_STOP = object()


class Controller:
    """Subclasses implement `wants` and `reconcile`."""

    name = "controller"
    retries = 3

    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self._queue: queue.Queue = store.subscribe()
        self._thread = threading.Thread(target=self._run, name=f"ctrl-{self.name}", daemon=True)
        self.errors: list[str] = []

    def start(self) -> Controller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.store.unsubscribe(self._queue)
        self._queue.put_nowait(_STOP)
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def requeue(self, event: ChangeEvent) -> None:
        """Reconcile `event` again (a periodic resync, as controllers do on their interval)."""
        self._queue.put_nowait(event)

    def wants(self, event: ChangeEvent) -> bool:
        raise NotImplementedError

    def reconcile(self, event: ChangeEvent) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        while True:
            event = self._queue.get()
            if event is _STOP:
                return
            if not self.wants(event):
                continue
            for attempt in range(self.retries):
                try:
                    self.reconcile(event)
                    break
                except Exception as exc:  # a controller never dies; it records and retries
                    if attempt == self.retries - 1:
                        message = f"{self.name}: {type(exc).__name__}: {exc}"
                        self.errors.append(message)
                        log.warning(message)
                    time.sleep(0.05 * (attempt + 1))
