"""Test harness: an HTTPS server that serves only pods/exec, and the real client driving it.

The full emulated API server is built elsewhere; here a minimal aiohttp app routes
`/api/v1/namespaces/{ns}/pods/{name}/exec` to `PodExecHandler`, behind a bearer token and
a per-cluster CA, so the `kubernetes` client goes through its real WebSocket code path.
(A module with its own name, not conftest: other test folders have conftests too.)
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path

import kubernetes.client
from aiohttp import web
from kubernetes.stream import stream

from sandbox.pods.exec_stream import PodExecHandler
from sandbox.pods.pod_runtime import PodRuntime
from sandbox.tls import CertificateAuthority

TOKEN = "sha256~pods-contract-test-token"


def _status(code: int, reason: str, message: str) -> web.Response:
    return web.json_response({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                              "code": code, "reason": reason, "message": message}, status=code)


class ExecServer:
    """One management cluster's exec endpoint on https://127.0.0.1:<port>, in a thread."""

    def __init__(self, runtime: PodRuntime, cluster: str, tmp: Path) -> None:
        self.runtime, self.cluster = runtime, cluster
        ca = CertificateAuthority(f"{cluster}-api")
        serving = ca.issue("kube-apiserver", ["127.0.0.1", "localhost"])
        self.ca_file = tmp / "ca.crt"
        self.ca_file.write_bytes(ca.cert_pem)
        (tmp / "tls.crt").write_bytes(serving.cert_pem)
        (tmp / "tls.key").write_bytes(serving.key_pem)
        self._ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ssl.load_cert_chain(tmp / "tls.crt", tmp / "tls.key")
        self._handler = PodExecHandler(runtime, cluster)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def _exec(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _status(401, "Unauthorized", "Unauthorized")
        ns, name = request.match_info["ns"], request.match_info["name"]
        sandbox = self.runtime.get(self.cluster, ns, name)
        if sandbox is None:
            return _status(404, "NotFound", f'pods "{name}" not found')
        pod = {"metadata": {"name": name, "namespace": ns},
               "spec": {"containers": [{"name": c} for c in sandbox.containers]}}
        return await self._handler(request, ns, pod)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/v1/namespaces/{ns}/pods/{name}/exec", self._exec)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._ssl)
        await site.start()
        self.port = self._runner.addresses[0][1]

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def core_api(self, token: str = TOKEN) -> kubernetes.client.CoreV1Api:
        """A client as the domain code builds it: own Configuration, CA, bearer token."""
        config = kubernetes.client.Configuration()
        config.host = f"https://127.0.0.1:{self.port}"
        config.ssl_ca_cert = str(self.ca_file)
        config.api_key = {"authorization": token}
        config.api_key_prefix = {"authorization": "Bearer"}
        return kubernetes.client.CoreV1Api(kubernetes.client.ApiClient(config))


@dataclass(frozen=True)
class ExecResult:
    returncode: int
    stdout: str
    stderr: str


def pod_exec(api: kubernetes.client.CoreV1Api, pod: str, namespace: str, script: str,
             stdin: str | None = None, container: str = "etcd") -> ExecResult:
    """Exec `/bin/sh -c script` exactly as the domain code does, and collect the result."""
    response = stream(
        api.connect_get_namespaced_pod_exec, pod, namespace, container=container,
        command=["/bin/sh", "-c", script], stderr=True, stdin=stdin is not None, stdout=True,
        tty=False, _preload_content=False,
    )
    if stdin is not None:
        response.write_stdin(stdin)
        response.close_channel(0)
    response.run_forever()
    result = ExecResult(response.returncode, response.read_stdout(), response.read_stderr())
    response.close()
    return result


def etcd_pids(ips: list[str]) -> list[int]:
    """Processes whose command line is an etcd listening on one of `ips` (read from /proc)."""
    wanted = [f"--listen-client-urls=https://{ip}:2379".encode() for ip in ips]
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                args = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue  # exited while we looked
            if any(arg in wanted for arg in args):
                pids.append(int(proc.name))
    return pids


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
