"""The moto server thread: ThreadedMotoServer on an ephemeral port that can really stop.

Two things stock ThreadedMotoServer lacks: keep-alive connections are tracked so `stop()` can
close them (their handler threads would otherwise outlive the server), and a socket that cannot
be bound raises instead of hanging `start()` (werkzeug calls sys.exit in the server thread).
Requests are not logged. Which backend serves a host is decided once per host: moto decides it
on every request by listing its package directory (a `stat` per service, ~150) and matching the
host against every service's URL patterns, a few ms of each local AWS call.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server


class TrackedRequestHandler(MotoRequestHandler):
    """Registers each connection with the server while it is open; logs no requests."""

    def setup(self) -> None:
        super().setup()
        self.server.sandbox_connections.add(self.connection)  # type: ignore[attr-defined]

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.sandbox_connections.discard(self.connection)  # type: ignore[attr-defined]

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class HostCachingDispatcher(DomainDispatcherApplication):
    """moto's dispatcher, remembering which backend each host name maps to."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._backend_by_host: dict[str | None, Any] = {}

    def get_backend_for_host(self, host: str | None) -> Any:
        # Called under the dispatcher's own lock; the mapping depends on the host alone.
        if host not in self._backend_by_host:
            self._backend_by_host[host] = super().get_backend_for_host(host)
        return self._backend_by_host[host]


class SandboxMotoServer(ThreadedMotoServer):
    """ThreadedMotoServer on 127.0.0.1, port chosen by the kernel, with tracked connections."""

    def __init__(self) -> None:
        super().__init__(ip_address="127.0.0.1", port=0, verbose=False)  # 0: kernel picks
        self.connections: set[socket.socket] = set()
        self.startup_error: BaseException | None = None

    def _server_entry(self) -> None:
        try:
            app = HostCachingDispatcher(create_backend_app)
            self._server = make_server(
                self._ip_address, self._port, app, True, request_handler=TrackedRequestHandler
            )
            self._server.sandbox_connections = self.connections  # type: ignore[attr-defined]
        except BaseException as exc:
            self.startup_error = exc
            self._server_ready_event.set()
            return
        self._server_ready_event.set()
        self._server.serve_forever(poll_interval=0.05)  # shutdown() waits up to one interval

    def close_connections(self) -> None:
        """Shut the sockets of connections still open after `stop()`, ending their threads."""
        for connection in list(self.connections):
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)
