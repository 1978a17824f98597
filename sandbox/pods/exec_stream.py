"""`pods/exec` over WebSocket, speaking the channel protocol of the `kubernetes` client.

`kubernetes.stream.stream(connect_get_namespaced_pod_exec, ...)` opens a WebSocket with
subprotocols `v5.channel.k8s.io,v4.channel.k8s.io` and repeated `command` query parameters.
Every frame starts with a channel byte: 0 stdin, 1 stdout, 2 stderr, 3 error (a `Status`
sent once at the end, from which the client derives `returncode`), 4 resize; on v5 a frame
`255, N` closes channel N (the client closing stdin = EOF). Requests the API server would
refuse before the upgrade (no such container, container not running, no command) get the
same HTTP `Status` error as from the API server, so the client raises `ApiException`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

from aiohttp import WSMsgType, web

from sandbox.pods.pod_runtime import OutputSink, PodRuntime, PodSandbox

V5_PROTOCOL = "v5.channel.k8s.io"
V4_PROTOCOL = "v4.channel.k8s.io"
STDIN, STDOUT, STDERR, ERROR, RESIZE = 0, 1, 2, 3, 4
CLOSE = 255
_TRUE = {"1", "t", "T", "true", "TRUE", "True"}  # Go's strconv.ParseBool, as the API server
_CLOSE_TIMEOUT = 2.0


class ExecRefused(Exception):
    """The exec cannot start; carries the HTTP code and reason of the API server's Status."""

    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message

    def response(self) -> web.Response:
        return web.json_response({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": self.message, "reason": self.reason, "code": self.code,
        }, status=self.code)


def exit_status_message(argv: list[str], code: int) -> dict[str, Any]:
    """The Status on channel 3 when the command ended: the client's `returncode` reads it."""
    if code == 0:
        return {"metadata": {}, "status": "Success"}
    return {
        "metadata": {}, "status": "Failure",
        "message": f"command terminated with non-zero exit code: command '{' '.join(argv)}'"
                   f" exited with {code}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
    }


def _outcome(command: asyncio.Task[int], argv: list[str]) -> dict[str, Any]:
    try:
        return exit_status_message(argv, command.result())
    except ConnectionError:
        raise  # the client is gone: there is no one to tell
    except OSError as error:
        # The runtime could not start the command: kubelet reports such errors this way.
        return {"metadata": {}, "status": "Failure", "message": str(error),
                "reason": "InternalError", "code": 500,
                "details": {"causes": [{"message": str(error)}]}}


def _flag(query: Mapping[str, str], name: str) -> bool:
    return query.get(name, "") in _TRUE


class PodExecHandler:
    """Serves `GET .../namespaces/{ns}/pods/{name}/exec` for the pods of one cluster."""

    def __init__(self, runtime: PodRuntime, cluster: str) -> None:
        self.runtime, self.cluster = runtime, cluster

    async def __call__(self, request: web.Request, namespace: str,
                       pod: dict[str, Any]) -> web.StreamResponse:
        # No frame size limit: a client may pipe a whole file to stdin in one write.
        ws = web.WebSocketResponse(protocols=(V5_PROTOCOL, V4_PROTOCOL), timeout=_CLOSE_TIMEOUT,
                                   max_msg_size=0)
        try:
            sandbox, argv = self._admit(request, namespace, pod, ws)
        except ExecRefused as refused:
            return refused.response()
        await ws.prepare(request)
        await _Session(ws, request.query).run(sandbox, argv)
        return ws

    def _admit(self, request: web.Request, namespace: str, pod: dict[str, Any],
               ws: web.WebSocketResponse) -> tuple[PodSandbox, list[str]]:
        """The API server's and kubelet's checks, in their order."""
        name = pod.get("metadata", {}).get("name", "")
        query = request.query
        spec_containers = [c["name"] for c in pod.get("spec", {}).get("containers", [])]
        container = query.get("container")
        if not container:
            if len(spec_containers) != 1:
                raise ExecRefused(400, "BadRequest", f"a container name must be specified for "
                                  f"pod {name}, choose one of: [{' '.join(spec_containers)}]")
            container = spec_containers[0]
        if container not in spec_containers:
            raise ExecRefused(400, "BadRequest",
                              f"container {container} is not valid for pod {name}")
        argv = query.getall("command", [])
        if not argv:
            raise ExecRefused(400, "BadRequest", "you must specify at least 1 command")
        if not any(_flag(query, stream) for stream in ("stdin", "stdout", "stderr")):
            raise ExecRefused(400, "BadRequest",
                              "you must specify at least 1 of stdin, stdout, stderr")
        ready = ws.can_prepare(request)
        if not ready.ok or ready.protocol is None:
            raise ExecRefused(400, "BadRequest",
                              f"Upgrade request required (subprotocol {V5_PROTOCOL} or "
                              f"{V4_PROTOCOL})")
        sandbox = self.runtime.get(self.cluster, namespace, name)
        if sandbox is None or container not in sandbox.containers:
            raise ExecRefused(404, "NotFound", f'container not found ("{container}")')
        if not sandbox.is_running(container):
            raise ExecRefused(500, "InternalError", "unable to upgrade connection: "
                              f'container not running ("{container}")')
        return sandbox, argv


class _Session:
    """One upgraded exec: pumps frames to and from the command, then reports its exit."""

    def __init__(self, ws: web.WebSocketResponse, query: Mapping[str, str]) -> None:
        self.ws = ws
        self.stdin = _flag(query, "stdin")
        self.stdout = _flag(query, "stdout")
        self.stderr = _flag(query, "stderr")
        self.tty = _flag(query, "tty")
        self._input: asyncio.Queue[bytes | None] = asyncio.Queue()

    async def run(self, sandbox: PodSandbox, argv: list[str]) -> None:
        command = asyncio.create_task(sandbox.run(
            argv,
            stdin=self._stdin_chunks() if self.stdin else None,
            stdout=self._sender(STDOUT) if self.stdout else None,
            # With a TTY there is one output stream, as in a terminal.
            stderr=self._sender(STDOUT if self.tty else STDERR) if self.stderr else None,
        ))
        frames = asyncio.create_task(self._receive())
        try:
            await asyncio.wait({command, frames}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            frames.cancel()
            if not command.done():
                # The client hung up first (or the server stops): stop the command.
                command.cancel()
                with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                    await command
        if command.cancelled():
            return
        with contextlib.suppress(ConnectionError):
            await self.ws.send_bytes(bytes([ERROR]) + json.dumps(_outcome(command, argv)).encode())
        await self.ws.close()

    def _sender(self, channel: int) -> OutputSink:
        prefix = bytes([channel])

        async def send(chunk: bytes) -> None:
            await self.ws.send_bytes(prefix + chunk)

        return send

    async def _stdin_chunks(self) -> AsyncIterator[bytes]:
        while (chunk := await self._input.get()) is not None:
            yield chunk

    async def _receive(self) -> None:
        """Read client frames until the client closes the WebSocket."""
        async for message in self.ws:
            if message.type == WSMsgType.BINARY:
                data = message.data
            elif message.type == WSMsgType.TEXT:
                # The client sends str payloads as text frames: chr(channel) + data.
                data = message.data.encode()
            else:
                continue
            if not data:
                continue
            channel, payload = data[0], data[1:]
            if channel == STDIN and self.stdin:
                self._input.put_nowait(payload)
            elif (channel == CLOSE and self.ws.ws_protocol == V5_PROTOCOL
                  and payload[:1] == bytes([STDIN])):
                self._input.put_nowait(None)
            # RESIZE and anything else: no terminal to resize, nothing to do.
        self._input.put_nowait(None)
