"""One boto3 client per AWS service for moto's Step Functions interpreter, not one per task.

moto 5.2.5's interpreter calls `boto_client_for(region, service, credentials)` for every
Task it runs (each Lambda invoke, each `startExecution`, each SNS publish) and gets a brand
new boto3 client: a new service-model lookup, a new event-hook chain and a new connection pool,
so a new TCP connection to the moto server. Measured here, building the client alone costs
4-6 ms of CPU per task, about a third of the interpreter's Lambda invoke round trip; a
22-step migration paid it 22 times, a 50-cluster fan-out over 600 times. Clients are
thread-safe and moto 5.2.5 ignores the credentials argument (every client talks to the one
local server), so one client per (region, service) serves every execution for as long as
the sandbox runs. The cache lives and dies with the PatchSet, so a later LocalAws on another
port never sees a client aimed at a stopped server.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

from sandbox.aws.patching import PatchSet

_INTERPRETER_PACKAGE = "moto.stepfunctions.parser"
_NAME = "boto_client_for"


def reusing(create: Callable[..., Any]) -> Callable[..., Any]:
    """`create`, memoised per (region, service), safe under concurrent first calls."""
    clients: dict[tuple[str, str], Any] = {}
    lock = threading.Lock()

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        key = (region, service)
        with lock:
            client = clients.get(key)
            if client is None:
                client = clients[key] = create(region, service, state_credentials)
        return client

    return boto_client_for


def install(patches: PatchSet) -> None:
    """Give every interpreter module that imported `boto_client_for` the reusing version."""
    import moto.stepfunctions.parser.models  # noqa: F401  (imports every integration module)
    from moto.stepfunctions.parser.asl.utils import boto_client

    original = boto_client.boto_client_for
    replacement = reusing(original)
    holders = [module for name, module in list(sys.modules.items())
               if name.startswith(_INTERPRETER_PACKAGE)
               and getattr(module, _NAME, None) is original]
    for module in holders:
        patches.replace(module, _NAME, replacement)
