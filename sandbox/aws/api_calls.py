"""Every AWS API call a Lambda function makes in the sandbox, by function.

On AWS each function calls with its own role, and IAM refuses what the role does not grant.
moto authorizes nothing, so a missing grant would first show on a real account. The sandbox
therefore records, per function, each botocore call and each presigned URL its handler makes
(operation and the parameters that name a resource: never a value, a token or an item), so
`sandbox.aws.iam_evaluation` can check them against the roles the CDK stack synthesizes.

A call is attributed to the function whose invocation runs on the calling thread
(`LambdaRuntime.invoke`) or submitted the pool task that makes it (a handler's own thread
pool); calls of moto's interpreter and of the sandbox itself have no function.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from botocore import signers
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from sandbox.aws.patching import PatchSet

# Parameters that name what a call acts on. Everything else (bodies, items, secrets, task
# tokens, tags) is left out of the record.
_NAMING_PARAMETERS = frozenset({
    "Bucket", "Key", "VersionId", "Prefix", "SSEKMSKeyId", "UploadId", "ChecksumMode",
    "TableName", "IndexName",
    "SecretId", "Filters",
    "HostedZoneId", "Id", "DNSName",
    "stateMachineArn", "executionArn",
    "TopicArn", "TargetArn", "KeyId", "FunctionName", "Name", "Names",
})
_local = threading.local()


@dataclass(frozen=True)
class ApiCall:
    """One request a function made, or one URL it presigned for somebody else to use."""

    function: str | None  # None: moto's interpreter or the sandbox, not a Lambda function
    service: str  # botocore's service name: "s3", "dynamodb", "stepfunctions"...
    operation: str  # "PutObject"
    parameters: Mapping[str, Any] = field(default_factory=dict)
    presigned: bool = False
    access_key_id: str = ""  # whose credentials signed it (an id, never the secret)
    error: str | None = None  # the service's error code, when it refused (e.g. "404")


def current_function() -> str | None:
    return getattr(_local, "function", None)


@contextlib.contextmanager
def attributed_to(function: str | None) -> Iterator[None]:
    """Calls made on this thread meanwhile are `function`'s."""
    previous = current_function()
    _local.function = function
    try:
        yield
    finally:
        _local.function = previous


def naming_parameters(operation: str, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """What names the resources of a call: the allow-listed scalars, and the structure only of
    batch requests (which tables and item operations; which object keys to delete)."""
    found: dict[str, Any] = {k: v for k, v in parameters.items()
                             if k in _NAMING_PARAMETERS and k != "Filters"}
    if operation == "ListSecrets" and parameters.get("Filters"):
        found["Filters"] = [{"Key": f.get("Key")} for f in parameters["Filters"]]
    if "TransactItems" in parameters:
        found["TransactItems"] = [(kind, item.get("TableName"))
                                  for entry in parameters["TransactItems"]
                                  for kind, item in entry.items()]
    if "RequestItems" in parameters:
        found["RequestItems"] = {table: sorted({kind for entry in requests
                                                for kind in entry} if isinstance(requests, list)
                                               else {"Get"})
                                 for table, requests in parameters["RequestItems"].items()}
    if operation == "DeleteObjects":
        found["Delete"] = [(item.get("Key"), item.get("VersionId"))
                           for item in parameters.get("Delete", {}).get("Objects", [])]
    return found


class ApiCallLog:
    """The calls recorded while installed; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[ApiCall] = []

    def add(self, call: ApiCall) -> None:
        with self._lock:
            self._calls.append(call)

    @property
    def calls(self) -> list[ApiCall]:
        with self._lock:
            return list(self._calls)

    def by_function(self) -> dict[str, list[ApiCall]]:
        found: dict[str, list[ApiCall]] = {}
        for call in self.calls:
            if call.function is not None:
                found.setdefault(call.function, []).append(call)
        return found

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()


def _access_key_id(client: BaseClient) -> str:
    credentials = getattr(client._request_signer, "_credentials", None)
    return getattr(credentials, "access_key", "") or ""


def install(patches: PatchSet, log: ApiCallLog) -> None:
    """Record into `log` until `patches` is restored.

    Presigned URLs are caught where botocore builds them (`signers.generate_presigned_url`,
    which client classes take when they are created: clients made before this are missed, so
    the sandbox installs it before any handler runs)."""
    make_api_call = BaseClient._make_api_call
    presign = signers.generate_presigned_url
    submit = ThreadPoolExecutor.submit

    def recording_api_call(client: BaseClient, operation_name: str,
                           api_params: dict[str, Any]) -> Any:
        def record(error: str | None = None) -> None:
            log.add(ApiCall(function, client.meta.service_model.service_name,
                            operation_name, naming_parameters(operation_name, api_params),
                            access_key_id=_access_key_id(client), error=error))

        function = current_function()
        try:
            result = make_api_call(client, operation_name, api_params)
        except ClientError as exc:
            record(str(exc.response.get("Error", {}).get("Code", "")))
            raise
        record()
        return result

    def recording_presign(client: BaseClient, ClientMethod: str, Params: Any = None,  # noqa: N803
                          *args: Any, **kwargs: Any) -> Any:
        operation = client.meta.method_to_api_mapping.get(ClientMethod, ClientMethod)
        log.add(ApiCall(current_function(), client.meta.service_model.service_name,
                        operation, naming_parameters(operation, Params or {}), presigned=True,
                        access_key_id=_access_key_id(client)))
        return presign(client, ClientMethod, Params, *args, **kwargs)

    def attributed_submit(pool: ThreadPoolExecutor, fn: Callable[..., Any], /,
                          *args: Any, **kwargs: Any) -> Any:
        function = current_function()
        if function is None:
            return submit(pool, fn, *args, **kwargs)

        def run_attributed(*inner: Any, **inner_kwargs: Any) -> Any:
            with attributed_to(function):
                return fn(*inner, **inner_kwargs)

        return submit(pool, run_attributed, *args, **kwargs)

    patches.replace(BaseClient, "_make_api_call", recording_api_call)
    patches.replace(signers, "generate_presigned_url", recording_presign)
    patches.replace(ThreadPoolExecutor, "submit", attributed_submit)
