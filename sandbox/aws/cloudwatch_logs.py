"""CloudWatch Logs for the sandbox's Lambda functions.

On AWS whatever a handler prints (Powertools' JSON log lines, its EMF metric documents) lands
in the function's log group. Here handlers run as threads of one process, so stdout is routed
per thread: lines printed during an invocation are kept under the function's name, everything
else passes through. Tests read them to assert on metrics and to prove no secret is logged;
the drill's terminal output stays readable.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import threading
from collections.abc import Iterator
from typing import Any, TextIO

from stacks.catalog import SERVICE_NAME


class _StdoutRouter:
    """A stand-in for sys.stdout that sends an invoking thread's writes to its log group."""

    def __init__(self, logs: LambdaLogs, passthrough: TextIO) -> None:
        self._logs = logs
        self.passthrough = passthrough

    def write(self, text: str) -> int:
        if not self._logs.collect(text):
            return self.passthrough.write(text)
        return len(text)

    def flush(self) -> None:
        self.passthrough.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.passthrough, name)


class LambdaLogs:
    """Per-function log lines. `service_loggers` are the functions' logging loggers (Powertools
    binds its handler to whatever sys.stdout was when the logger was made; under pytest that is
    pytest's capture, so their streams are pointed at the router on each invocation)."""

    def __init__(self, service_loggers: tuple[str, ...] = (SERVICE_NAME,)) -> None:
        self._service_loggers = service_loggers
        self._local = threading.local()
        self._lock = threading.Lock()
        self._groups: dict[str, list[str]] = {}

    def install(self) -> None:
        with self._lock:
            if not isinstance(sys.stdout, _StdoutRouter):
                sys.stdout = _StdoutRouter(self, sys.stdout)  # type: ignore[assignment]
            router = sys.stdout
        for name in self._service_loggers:
            for handler in logging.getLogger(name).handlers:
                if isinstance(handler, logging.StreamHandler) and handler.stream is not router:
                    # Not setStream: it flushes the old stream, which may be a closed capture
                    # of an earlier test (the logger was made while it was sys.stdout).
                    with handler.lock or contextlib.nullcontext():
                        handler.stream = router

    def uninstall(self) -> None:
        if isinstance(sys.stdout, _StdoutRouter) and sys.stdout._logs is self:
            sys.stdout = sys.stdout.passthrough  # type: ignore[assignment]

    @contextlib.contextmanager
    def capture(self, function_name: str) -> Iterator[None]:
        self.install()  # something (pytest's capture) may have replaced sys.stdout since
        previous = getattr(self._local, "function", None)
        self._local.function, self._local.pending = function_name, ""
        try:
            yield
        finally:
            if self._local.pending:
                self._append(function_name, self._local.pending)
            self._local.function = previous

    def collect(self, text: str) -> bool:
        function = getattr(self._local, "function", None)
        if function is None:
            return False
        pending = self._local.pending + text
        *complete, self._local.pending = pending.split("\n")
        for line in complete:
            if line:
                self._append(function, line)
        return True

    def _append(self, function: str, line: str) -> None:
        with self._lock:
            self._groups.setdefault(function, []).append(line)

    def lines(self, function: str | None = None) -> list[str]:
        with self._lock:
            if function is not None:
                return list(self._groups.get(function, []))
            return [line for group in self._groups.values() for line in group]

    def metrics(self, function: str | None = None) -> list[dict[str, Any]]:
        """The EMF documents (what CloudWatch turns into metrics) printed so far."""
        documents = []
        for line in self.lines(function):
            if line.startswith('{"_aws"'):
                with contextlib.suppress(ValueError):
                    documents.append(json.loads(line))
        return documents
