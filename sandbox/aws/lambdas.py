"""In-process Lambda runtime: every invoke that reaches moto runs our real handler.

moto (with `lambda.use_docker: false`) funnels all invokes - plain ARN Task states,
`arn:aws:states:::lambda:invoke[.waitForTaskToken]`, direct `lambda.invoke`, EventBridge and
Scheduler targets - into `LambdaSimpleBackend.invoke`, which only echoes the payload. The
runtime replaces that method, looks the handler up by function name (stacks/catalog.py or
`register_handler`) and reproduces the parts of Lambda the state machines depend on: the
context object, the `Unhandled` error payload whose `errorType` drives Retry/Catch, timeouts
and the ResourceNotFoundException for a function that is not deployed.
"""

from __future__ import annotations

import importlib
import json
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from moto.awslambda.exceptions import UnknownFunctionException

from sandbox.aws.api_calls import attributed_to
from sandbox.aws.cloudwatch_logs import LambdaLogs
from stacks.catalog import LAMBDA_FUNCTIONS, LambdaFunctionSpec

Handler = Callable[[Any, Any], Any]

ACCOUNT_ID = "123456789012"  # moto's default account; the ASL ARNs use it too
_DEFAULT_TIMEOUT_SECONDS = 60
_DEFAULT_MEMORY_MB = 256


@dataclass(frozen=True)
class LambdaContext:
    """The attributes of the Python runtime's context object that our handlers and
    aws-lambda-powertools read. `memory_limit_in_mb` is a string, as on AWS."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: str
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline: float  # time.monotonic() value at which Lambda would stop the function
    identity: Any = None
    client_context: Any = None
    tenant_id: str | None = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class Invocation:
    """One handler run, kept for benchmarks and assertions."""

    function_name: str
    request_id: str
    started_at: float  # time.time()
    duration_seconds: float
    error_type: str | None
    asynchronous: bool
    # CPU time of the invoking thread over the same span as duration_seconds
    # (time.thread_time(): the handler and the libraries it calls on that thread; not the
    # moto server, the emulated clusters or threads the handler starts).
    cpu_seconds: float | None = None


@dataclass(frozen=True)
class _Function:
    name: str
    handler: Handler
    timeout_seconds: int
    memory_mb: int


def function_name_of(function_ref: str) -> tuple[str, str | None]:
    """Split a name, partial ARN or full ARN (optionally qualified) into (name, qualifier)."""
    parts = function_ref.split(":")
    if function_ref.startswith("arn:"):
        # arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
        return parts[6], (parts[7] if len(parts) > 7 else None)
    if len(parts) >= 3 and parts[1] == "function":  # <account>:function:<name>[:<qualifier>]
        return parts[2], (parts[3] if len(parts) > 3 else None)
    return parts[0], (parts[1] if len(parts) > 1 else None)


def lambda_error_payload(exc: BaseException, skip_frames: int = 0) -> dict[str, Any]:
    """The body Lambda's Python runtime returns for an exception the handler let escape."""
    return {
        "errorType": type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_tb(exc.__traceback__)[skip_frames:],
    }


class LambdaRuntime:
    """Routes invokes by function name to Python callables; safe under concurrent invokes."""

    def __init__(self, region: str, catalog: tuple[LambdaFunctionSpec, ...] = LAMBDA_FUNCTIONS):
        self.region = region
        self._specs = {spec.name: spec for spec in catalog}
        self._functions: dict[str, _Function] = {}
        self._lock = threading.Lock()
        self._invocations: list[Invocation] = []
        self._async_pool: ThreadPoolExecutor | None = None
        self._pending: set[Future[Any]] = set()
        self.logs = LambdaLogs()
        # Called before each invocation when set. Lambda gives every function its own
        # containers; here all handlers share one process and its per-container caches, so a
        # kubeconfig one function read is not read again by the next. Dropping the caches makes
        # each invocation a cold container that makes its own first calls (the IAM check needs
        # to see them: sandbox/aws/iam_evaluation.py).
        self.cold_start: Callable[[], None] | None = None

    # -- registry -------------------------------------------------------------------------

    def register_handler(
        self,
        name: str,
        handler: Handler,
        *,
        timeout_seconds: int | None = None,
        memory_mb: int | None = None,
    ) -> None:
        """Serve `name` with `handler` (overrides the catalog entry of the same name)."""
        spec = self._specs.get(name)
        function = _Function(
            name,
            handler,
            timeout_seconds or (spec.timeout_seconds if spec else _DEFAULT_TIMEOUT_SECONDS),
            memory_mb or (spec.memory_mb if spec else _DEFAULT_MEMORY_MB),
        )
        with self._lock:
            self._functions[name] = function

    def handler_of(self, function_ref: str) -> Handler:
        """The handler that serves `function_ref` now (the catalog's, or a registered one)."""
        return self._resolve(function_ref).handler

    def function_arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{name}"

    def _resolve(self, function_ref: str) -> _Function:
        name, _ = function_name_of(function_ref)
        with self._lock:  # the import happens once, even when a Map fans out invokes
            function = self._functions.get(name)
            if function is None:
                spec = self._specs.get(name)
                if spec is None:
                    raise UnknownFunctionException(self.function_arn(name))
                module_name, _, attribute = spec.handler.rpartition(".")
                handler = getattr(importlib.import_module(module_name), attribute)
                function = _Function(name, handler, spec.timeout_seconds, spec.memory_mb)
                self._functions[name] = function
        return function

    # -- invocation -----------------------------------------------------------------------

    def invoke(
        self, function_ref: str, payload: bytes | str | None, *, asynchronous: bool = False
    ) -> tuple[bytes, str | None]:
        """Run the handler; return (response body, `x-amz-function-error` value or None)."""
        function = self._resolve(function_ref)
        name, qualifier = function_name_of(function_ref)
        event = json.loads(payload) if payload else {}
        request_id = str(uuid.uuid4())
        started = time.monotonic()
        cpu_started = time.thread_time()
        context = LambdaContext(
            function_name=name,
            function_version="$LATEST",
            invoked_function_arn=self.function_arn(name) + (f":{qualifier}" if qualifier else ""),
            memory_limit_in_mb=str(function.memory_mb),
            aws_request_id=request_id,
            log_group_name=f"/aws/lambda/{name}",
            log_stream_name=f"{time.strftime('%Y/%m/%d')}/[$LATEST]{request_id.replace('-', '')}",
            deadline=started + function.timeout_seconds,
        )
        error: dict[str, Any] | None = None
        body = b""
        if self.cold_start is not None:
            self.cold_start()
        try:
            with self.logs.capture(name), attributed_to(name):
                result = function.handler(event, context)
        except Exception as exc:
            error = lambda_error_payload(exc, skip_frames=1)  # from the handler's frame on
        else:
            try:
                body = json.dumps(result).encode()
            except (TypeError, ValueError) as exc:
                error = {"errorType": "Runtime.MarshalError",
                         "errorMessage": f"Unable to marshal response: {exc}"}
        elapsed = time.monotonic() - started
        cpu = time.thread_time() - cpu_started
        if elapsed > function.timeout_seconds:
            # Lambda would have stopped the function; the caller sees a timeout, not the result.
            error = {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"RequestId: {request_id} Error: Task timed out after "
                f"{function.timeout_seconds:.2f} seconds",
            }
        self._record(
            Invocation(
                name, request_id, time.time() - elapsed, elapsed,
                error["errorType"] if error else None, asynchronous, cpu,
            )
        )
        if error is not None:
            return json.dumps(error).encode(), "Unhandled"
        return body, None

    def invoke_async(self, function_ref: str, payload: bytes | str | None) -> None:
        """Queue an `Event` invoke (EventBridge, Scheduler, InvocationType=Event) like Lambda's
        internal queue: the caller does not wait and never sees the handler's error."""
        self._resolve(function_ref)  # unknown functions fail the caller, as on AWS
        with self._lock:
            if self._async_pool is None:
                self._async_pool = ThreadPoolExecutor(8, thread_name_prefix="sandbox-lambda-async")
            future = self._async_pool.submit(
                self.invoke, function_ref, payload, asynchronous=True
            )
            self._pending.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    def wait_for_async(self, timeout: float = 30.0) -> None:
        """Block until every queued asynchronous invoke has finished."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = list(self._pending)
            if not pending:
                return
            for future in pending:
                future.result(timeout=max(0.0, deadline - time.monotonic()))

    def shutdown(self) -> None:
        with self._lock:
            pool, self._async_pool = self._async_pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    # -- log ------------------------------------------------------------------------------

    def _record(self, invocation: Invocation) -> None:
        with self._lock:
            self._invocations.append(invocation)

    @property
    def invocations(self) -> list[Invocation]:
        """A snapshot of every invoke so far, in completion order."""
        with self._lock:
            return list(self._invocations)

    def clear_invocations(self) -> None:
        with self._lock:
            self._invocations.clear()

    # -- moto hook ------------------------------------------------------------------------

    def moto_invoke(self) -> Callable[..., bytes]:
        """A drop-in for `LambdaSimpleBackend.invoke` that runs the routed handler."""
        runtime = self

        def invoke(
            backend: Any,
            function_name: str,
            qualifier: str | None,
            body: Any,
            headers: Any,
            response_headers: dict[str, str],
        ) -> bytes:
            ref = f"{function_name}:{qualifier}" if qualifier else function_name
            invocation_type = headers.get("X-Amz-Invocation-Type", "RequestResponse")
            if invocation_type == "DryRun":
                runtime._resolve(ref)
                return b""
            if invocation_type == "Event":
                runtime.invoke_async(ref, body)
                return b""
            payload, function_error = runtime.invoke(ref, body)
            if function_error:
                response_headers["x-amz-function-error"] = function_error
            return payload

        return invoke
