"""One emulated management cluster: store + HTTPS API server on a loopback ephemeral port.

The server runs its own event loop in its own thread so that synchronous test code and
simulated controllers can use the real (blocking) `kubernetes` client against it. `stop()`
closes the listener and every connection, joins the thread and is idempotent.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import socket
import ssl
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml
from aiohttp import web

from sandbox.kubeapi.discovery import ServerVersion
from sandbox.kubeapi.resources import ResourceRegistry, builtin_types, load_crd_types
from sandbox.kubeapi.server import AccessRecord, ApiServer, ExecHandler
from sandbox.kubeapi.store import Mutator, ObjectStore, Validator
from sandbox.tls import CertificateAuthority

_BOOTSTRAP_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def _server_tls(ca: CertificateAuthority, name: str) -> ssl.SSLContext:
    issued = ca.issue(f"{name}-apiserver", ["127.0.0.1", "localhost"], server=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    # load_cert_chain only reads files; they are needed for the call and nothing after.
    with tempfile.TemporaryDirectory(prefix="kubeapi-tls-") as directory:
        cert, key = Path(directory, "tls.crt"), Path(directory, "tls.key")
        cert.write_bytes(issued.cert_pem)
        key.write_bytes(issued.key_pem)
        context.load_cert_chain(cert, key)
    return context


class EmulatedCluster:
    """A running emulated cluster; create it with `EmulatedCluster.start(...)`."""

    def __init__(self, name: str, store: ObjectStore, api: ApiServer,
                 ca: CertificateAuthority) -> None:
        self.name = name
        self.store = store
        self.api = api
        self.ca = ca
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._stop_lock = threading.Lock()
        self._stopped = False

    @classmethod
    def start(cls, name: str, crd_dir: str | Path | None = None, validator: Validator | None = None,
              exec_handler: ExecHandler | None = None, ca: CertificateAuthority | None = None,
              *, version: ServerVersion | None = None,
              mutator: Mutator | None = None) -> EmulatedCluster:
        """Start serving `name` with the built-in types plus the CRDs of `crd_dir`."""
        types = builtin_types() + (load_crd_types(crd_dir) if crd_dir else [])
        store = ObjectStore(ResourceRegistry(types), validator, mutator=mutator)
        for namespace in _BOOTSTRAP_NAMESPACES:
            store.create(("", "v1", "namespaces"), None, {"metadata": {"name": namespace}})
        api = ApiServer(store, secrets.token_urlsafe(32), exec_handler=exec_handler,
                        version=version)
        cluster = cls(name, store, api, ca or CertificateAuthority(f"{name}-ca"))
        cluster._serve(_server_tls(cluster.ca, name))
        return cluster

    def _serve(self, tls: ssl.SSLContext) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        self.url = f"https://127.0.0.1:{listener.getsockname()[1]}"
        ready = threading.Event()
        failure: list[BaseException] = []

        async def open_site() -> None:
            runner = web.AppRunner(self.api.application(), handle_signals=False,
                                   access_log=None, shutdown_timeout=1.0)
            await runner.setup()
            await web.SockSite(runner, listener, ssl_context=tls).start()
            self._runner = runner

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            try:
                self._loop.run_until_complete(open_site())
            except BaseException as error:  # reported to start() below
                failure.append(error)
                listener.close()
                ready.set()
                return
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name=f"kubeapi-{self.name}", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._loop.close()
            raise failure[0]

    @property
    def token(self) -> str:
        return self.api.token

    @property
    def access_log(self) -> list[AccessRecord]:
        return list(self.api.access_log)

    @property
    def pod_logs(self) -> dict[tuple[str, str], str]:
        """(namespace, pod) -> text served by `pods/{name}/log`."""
        return self.api.pod_logs

    def kubeconfig_dict(self, namespace: str = "default") -> dict[str, Any]:
        ca_data = base64.b64encode(self.ca.cert_pem).decode()
        user = f"{self.name}-admin"
        return {
            "apiVersion": "v1", "kind": "Config", "preferences": {},
            "clusters": [{"name": self.name, "cluster": {
                "server": self.url, "certificate-authority-data": ca_data}}],
            "users": [{"name": user, "user": {"token": self.token}}],
            "contexts": [{"name": self.name, "context": {
                "cluster": self.name, "user": user, "namespace": namespace}}],
            "current-context": self.name,
        }

    def kubeconfig(self, namespace: str = "default") -> str:
        """Kubeconfig YAML: CA data, server URL, bearer token, context named after the
        cluster."""
        return yaml.safe_dump(self.kubeconfig_dict(namespace), sort_keys=False)

    def stop(self) -> None:
        """Close the listener and all connections, end the loop and join its thread."""
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
        if self._runner is not None and not self._loop.is_closed():
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        if self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        if not self._loop.is_closed():
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.run_until_complete(self._loop.shutdown_default_executor())
            self._loop.close()

    def __enter__(self) -> EmulatedCluster:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"EmulatedCluster(name={self.name!r}, url={self.url!r})"
