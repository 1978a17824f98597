"""`LocalAws`: one moto server on 127.0.0.1 that stands in for AWS for this process.

While it runs, the process's AWS environment points at it (sandbox/aws/environment.py), moto
executes ASL and routes Lambda invokes to our handlers, and the repairs of sfn_fixes,
eventbridge and s3_integrity, and sfn_clients' client reuse, are patched in. `stop()` gives
back the environment, moto's methods and config, and leaves no moto thread or listening
socket behind, so tests can start and stop it freely.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

import boto3
import requests
from botocore.config import Config
from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.core.config import default_user_config

from sandbox.aws import (
    api_calls,
    executions,
    s3_integrity,
    sfn_clients,
    sfn_events,
    sfn_fixes,
)
from sandbox.aws.environment import ACCESS_KEY_ID, SECRET_ACCESS_KEY, SandboxEnvironment
from sandbox.aws.eventbridge import Delivery, EventRouter
from sandbox.aws.lambdas import Invocation, LambdaRuntime
from sandbox.aws.moto_server import SandboxMotoServer
from sandbox.aws.patching import PatchSet

MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
_THREAD_JOIN_SECONDS = 5.0
_MOTO_THREAD_MODULES = ("moto.", "socketserver", "werkzeug", "sandbox.aws")


class LocalAws:
    """Moto in server mode, executing our ASL and routing Lambda invokes to our handlers."""

    _active_lock = threading.Lock()
    _active: LocalAws | None = None  # moto's backends and patches are process-wide

    def __init__(self, region: str = "us-east-1", *, enforce_s3_integrity: bool = True):
        self.region = region
        self.enforce_s3_integrity = enforce_s3_integrity
        self.runtime = LambdaRuntime(region)
        # What each function called, for the IAM check (sandbox/aws/iam_evaluation.py).
        self.api_calls = api_calls.ApiCallLog()
        # Access key id -> secret of every principal that may sign presigned URLs here.
        self._access_keys = {ACCESS_KEY_ID: SECRET_ACCESS_KEY}
        self.events = EventRouter(self.runtime, lambda: self.client("stepfunctions"))
        self._server: SandboxMotoServer | None = None
        self._endpoint_url: str | None = None
        self._patches = PatchSet()
        self._environment = SandboxEnvironment()
        self._saved_moto_config: dict[str, Any] | None = None  # set once moto is configured
        self._threads_before: set[threading.Thread] = set()
        self._session: boto3.Session | None = None
        self._clients: dict[str, Any] = {}
        self._client_lock = threading.Lock()
        self.startup_seconds: float | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> Self:
        """Start the server, take over the process's AWS environment, patch moto."""
        if self._server is not None:
            return self
        with LocalAws._active_lock:
            if LocalAws._active is not None:
                raise RuntimeError("another LocalAws is running in this process; stop it first")
            LocalAws._active = self
        began = time.perf_counter()
        self._threads_before = set(threading.enumerate())
        try:
            server = SandboxMotoServer()
            server.start()
            if server.startup_error is not None:
                raise RuntimeError("moto server did not start") from server.startup_error
            self._server = server
            port = server.get_host_and_port()[1]
            self._endpoint_url = f"http://127.0.0.1:{port}"
            self._environment.take(self.region, self._endpoint_url, port)
            self._patch_moto()
            self._configure_moto()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.perf_counter() - began
        return self

    def stop(self) -> None:
        """Undo `start()`: end executions and deliveries, shut the server, restore the rest."""
        with LocalAws._active_lock:
            if LocalAws._active is not self:
                return
        try:
            if self._server is not None:
                self.events.shutdown()
                self.runtime.shutdown()
                self._stop_running_executions()
                requests.post(f"{self.endpoint_url}/moto-api/reset", timeout=10)
        finally:
            if self._server is not None:
                self._server.stop()
                self._server.close_connections()
            self._join_new_threads()
            self._restore_moto_config()
            self._patches.restore()
            self.runtime.logs.uninstall()
            self._environment.restore()
            self._server = None
            self._endpoint_url = None
            self._session = None
            self._clients.clear()
            with LocalAws._active_lock:
                LocalAws._active = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def endpoint_url(self) -> str:
        if self._endpoint_url is None:
            raise RuntimeError("LocalAws is not running")
        return self._endpoint_url

    @property
    def port(self) -> int:
        return int(self.endpoint_url.rsplit(":", 1)[1])

    # -- clients --------------------------------------------------------------------------

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client for `service` bound to this sandbox (independent of the env); S3
        clients sign with SigV4, as the checksum-carrying presigned URLs need."""
        endpoint_url = self.endpoint_url
        cacheable = not kwargs
        with self._client_lock:
            if cacheable and service in self._clients:
                return self._clients[service]
            if self._session is None:
                self._session = boto3.Session(
                    aws_access_key_id=ACCESS_KEY_ID,
                    aws_secret_access_key=SECRET_ACCESS_KEY,
                    region_name=self.region,
                )
            if service == "s3":
                kwargs.setdefault("config", Config(signature_version="s3v4"))
            created = self._session.client(service, endpoint_url=endpoint_url, **kwargs)
            if cacheable:
                self._clients[service] = created
            return created

    # -- Lambda ---------------------------------------------------------------------------

    def register_handler(
        self, name: str, handler: Callable[[Any, Any], Any], **kwargs: Any
    ) -> None:
        """Route invokes of function `name` to `handler(event, context)`."""
        self.runtime.register_handler(name, handler, **kwargs)

    def function_arn(self, name: str) -> str:
        return self.runtime.function_arn(name)

    @property
    def invocations(self) -> list[Invocation]:
        return self.runtime.invocations

    # -- Step Functions -------------------------------------------------------------------

    def start_execution(
        self, state_machine_arn: str, payload: Any = None, *, name: str | None = None
    ) -> str:
        return executions.start_execution(
            self.client("stepfunctions"), state_machine_arn, payload, name=name
        )

    def wait_for_execution(self, execution_arn: str, timeout: float = 60.0) -> dict[str, Any]:
        return executions.wait_for_execution(self.client("stepfunctions"), execution_arn, timeout)

    def execution_timeline(self, execution_arn: str) -> list[executions.StageTiming]:
        return executions.execution_timeline(self.client("stepfunctions"), execution_arn)

    def trust_access_key(self, access_key_id: str, secret_access_key: str) -> None:
        """Accept presigned URLs signed with this key pair (an IAM user's, made in moto)."""
        self._access_keys[access_key_id] = secret_access_key

    # -- EventBridge and Scheduler --------------------------------------------------------

    def fire_schedule(self, name: str, group: str = "default") -> Delivery:
        return self.events.fire_schedule(self.client("scheduler"), name, group)

    def fire_rule(self, name: str, event_bus: str = "default") -> None:
        self.events.fire_rule(self.client("events"), name, event_bus)

    def wait_for_deliveries(self, timeout: float = 30.0) -> list[Delivery]:
        """Wait for queued EventBridge/Scheduler deliveries and async Lambda invokes."""
        deliveries = self.events.wait(timeout)
        self.runtime.wait_for_async(timeout)
        return deliveries

    # -- internals ------------------------------------------------------------------------

    def _patch_moto(self) -> None:
        self.runtime.logs.install()
        self._patches.replace(LambdaSimpleBackend, "invoke", self.runtime.moto_invoke())
        sfn_fixes.install(self._patches)
        sfn_clients.install(self._patches)
        api_calls.install(self._patches, self.api_calls)
        self.events.install(self._patches)
        sfn_events.install(self._patches, lambda entry: self.client("events").put_events(
            Entries=[entry]))
        if self.enforce_s3_integrity:
            s3_integrity.install(self._patches, self._access_keys)

    def _configure_moto(self) -> None:
        # GET /moto-api/config omits "stepfunctions", so the previous values are read from
        # moto's in-process config to be put back verbatim by stop().
        self._saved_moto_config = copy.deepcopy(
            {key: default_user_config[key] for key in MOTO_CONFIG if key in default_user_config}
        )
        api = f"{self.endpoint_url}/moto-api"
        requests.post(f"{api}/reset", timeout=10).raise_for_status()
        requests.post(f"{api}/config", json=MOTO_CONFIG, timeout=10).raise_for_status()

    def _restore_moto_config(self) -> None:
        if self._saved_moto_config is None:
            return
        for key in MOTO_CONFIG:
            if key in self._saved_moto_config:
                default_user_config[key] = self._saved_moto_config[key]  # type: ignore[literal-required]
            else:
                default_user_config.pop(key, None)  # type: ignore[misc]
        self._saved_moto_config = None

    def _stop_running_executions(self) -> None:
        sfn = self.client("stepfunctions")
        for machine in sfn.list_state_machines()["stateMachines"]:
            running = sfn.list_executions(
                stateMachineArn=machine["stateMachineArn"], statusFilter="RUNNING"
            )["executions"]
            for execution in running:
                sfn.stop_execution(executionArn=execution["executionArn"])

    def _join_new_threads(self) -> None:
        """Wait for the server's and the interpreter's threads started since `start()`; other
        code's threads (e.g. a Kubernetes sandbox started later) are left alone."""
        deadline = time.monotonic() + _THREAD_JOIN_SECONDS
        for thread in set(threading.enumerate()) - self._threads_before:
            if thread is not threading.current_thread() and _is_moto_thread(thread):
                thread.join(timeout=max(0.0, deadline - time.monotonic()))


def _is_moto_thread(thread: threading.Thread) -> bool:
    target = getattr(thread, "_target", None)  # CPython keeps it until run() returns
    module = getattr(target, "__module__", None) or ""
    return module.startswith(_MOTO_THREAD_MODULES)
