"""The HTTP face of an emulated cluster: Kubernetes REST paths over aiohttp.

Every request is authenticated with the cluster's bearer token (401 Status otherwise, except
the public `/version` and health endpoints), recorded in a bounded access log (tests assert
on what a client really did), and every `ApiError` becomes a `Status` body with the real
code and reason.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sandbox.kubeapi import discovery
from sandbox.kubeapi.discovery import ServerVersion
from sandbox.kubeapi.errors import (
    ApiError,
    BadRequest,
    Gone,
    InternalError,
    MethodNotAllowed,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
)
from sandbox.kubeapi.patches import patch_type_of
from sandbox.kubeapi.resources import ResourceType
from sandbox.kubeapi.selectors import FieldSelector, LabelSelector
from sandbox.kubeapi.store import ChangeEvent, ObjectStore

_LOG = logging.getLogger(__name__)

ExecHandler = Callable[[web.Request, str, dict[str, Any]], Awaitable[web.StreamResponse]]
# Asked before every request: None to serve it, or why the server is unavailable (-> 503).
AvailabilityGate = Callable[[], str | None]
_PUBLIC_PATHS = frozenset({"/version", "/healthz", "/livez", "/readyz"})
_NO_ROUTE = "the server could not find the requested resource"


@dataclass(frozen=True)
class AccessRecord:
    """One request as the server saw it (what tests assert a client really did)."""

    method: str
    path: str
    query: str
    status: int
    content_type: str = ""


@dataclass(frozen=True)
class Target:
    """A resource path resolved against the registry."""

    resource_type: ResourceType
    namespace: str | None
    name: str | None
    subresource: str | None


class _LoopSink:
    """Store change feed -> asyncio queue of the watch handler, across threads."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        # None ends the watch (server shutdown).
        self.queue: asyncio.Queue[ChangeEvent | None] = asyncio.Queue()

    def put_nowait(self, item: ChangeEvent, /) -> None:
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, item)
        except RuntimeError:
            # The loop closed while a controller thread wrote: the watch is gone anyway.
            _LOG.debug("dropped change event for a closed watch loop")


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=json.dumps(data).encode(), status=status,
                        content_type="application/json")


def _dry_run(request: web.Request, options: dict[str, Any] | None = None) -> bool:
    values = request.query.getall("dryRun", []) + list((options or {}).get("dryRun") or [])
    return "All" in values


class ApiServer:
    """Routes Kubernetes REST requests to an `ObjectStore`."""

    def __init__(self, store: ObjectStore, token: str, *, exec_handler: ExecHandler | None = None,
                 version: ServerVersion | None = None, access_log_size: int = 10_000) -> None:
        self.store = store
        self.token = token
        self.exec_handler = exec_handler
        self.version = version or ServerVersion()
        self.access_log: deque[AccessRecord] = deque(maxlen=access_log_size)
        self.pod_logs: dict[tuple[str, str], str] = {}
        self._watches: set[_LoopSink] = set()
        # Simulations set this: a management cluster taken down, or a hosted cluster's API
        # with no control plane behind its hostname, answers every request with 503.
        self.availability_gate: AvailabilityGate | None = None

    def application(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        app.on_shutdown.append(self._end_watches)
        return app

    async def _end_watches(self, app: web.Application) -> None:
        """Let open watches finish at once, so stop() need not wait for their timeout."""
        del app
        for sink in list(self._watches):
            sink.queue.put_nowait(None)

    # ------------------------------------------------------------ plumbing
    @web.middleware
    async def _middleware(self, request: web.Request,
                          handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                          ) -> web.StreamResponse:
        try:
            self._check_available()
            self._authenticate(request)
            response = await handler(request)
        except ApiError as error:
            response = _json(error.to_status(), error.code)
        except Exception as error:  # the one boundary where a server bug becomes a 500
            _LOG.exception("emulated API server failed on %s %s", request.method, request.path)
            failure = InternalError(f"Internal error occurred: {error}")
            response = _json(failure.to_status(), failure.code)
        self.access_log.append(
            AccessRecord(request.method, request.path, request.query_string, response.status,
                         request.headers.get("Content-Type", "")))
        return response

    def _check_available(self) -> None:
        gate = self.availability_gate
        if gate is not None and (reason := gate()) is not None:
            raise ServiceUnavailable(reason)

    def _authenticate(self, request: web.Request) -> None:
        if request.path.rstrip("/") in _PUBLIC_PATHS:
            return
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip(), self.token):
            raise Unauthorized("Unauthorized")

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        parts = [p for p in request.path.split("/") if p]
        registry = self.store.registry
        if request.path.rstrip("/") in _PUBLIC_PATHS:
            return (_json(self.version.to_json()) if parts == ["version"]
                    else web.Response(text="ok"))
        if parts == ["api"]:
            return _json(discovery.api_versions(request.host))
        if parts == ["apis"]:
            return _json(discovery.api_group_list(registry))
        if len(parts) < 2 or parts[0] not in ("api", "apis"):
            raise NotFound(_NO_ROUTE)
        if parts[0] == "api":
            group, version, rest = "", parts[1], parts[2:]
        elif len(parts) == 2:
            if parts[1] not in registry.groups():
                raise NotFound(_NO_ROUTE)
            return _json(discovery.api_group(registry, parts[1]))
        else:
            group, version, rest = parts[1], parts[2], parts[3:]
        if not registry.in_group_version(group, version):
            raise NotFound(_NO_ROUTE)
        if not rest:
            if request.method != "GET":
                raise MethodNotAllowed()
            return _json(discovery.api_resource_list(registry, group, version))
        return await self._serve(request, self._target(group, version, rest))

    def _target(self, group: str, version: str, rest: list[str]) -> Target:
        registry = self.store.registry
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            candidate = registry.find(group, version, rest[2])
            if candidate is not None and candidate.namespaced:
                namespace, rest = rest[1], rest[2:]
        resource_type = registry.find(group, version, rest[0])
        if resource_type is None or len(rest) > 3:
            raise NotFound(_NO_ROUTE)
        if resource_type.namespaced is False and namespace is not None:
            raise NotFound(_NO_ROUTE)
        name = rest[1] if len(rest) > 1 else None
        subresource = rest[2] if len(rest) > 2 else None
        if resource_type.namespaced and name is not None and namespace is None:
            raise NotFound(_NO_ROUTE)
        if subresource is not None and not resource_type.has_subresource(subresource):
            raise NotFound(_NO_ROUTE)
        return Target(resource_type, namespace, name, subresource)

    @staticmethod
    async def _body(request: web.Request) -> Any:
        raw = await request.read()
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError as error:
            raise BadRequest(f"error decoding request body: {error}") from error

    async def _object_body(self, request: web.Request, rt: ResourceType) -> dict[str, Any]:
        body = await self._body(request)
        if not isinstance(body, dict):
            raise BadRequest("the body of the request must be a JSON object")
        compact = json.dumps(body, separators=(",", ":"))[:200]
        if rt.custom and not body.get("kind"):
            raise BadRequest(f"Object 'Kind' is missing in '{compact}'")
        if rt.custom and not body.get("apiVersion"):
            raise BadRequest(f"Object 'apiVersion' is missing in '{compact}'")
        if body.get("apiVersion") and body["apiVersion"] != rt.api_version:
            raise BadRequest(f"the API version in the data ({body['apiVersion']}) does not "
                             f"match the expected API version ({rt.api_version})")
        if body.get("kind") and body["kind"] != rt.kind:
            raise BadRequest(f"the kind in the data ({body['kind']}) does not match the "
                             f"expected kind ({rt.kind})")
        return body

    # ------------------------------------------------------------ resources
    async def _serve(self, request: web.Request, target: Target) -> web.StreamResponse:
        method = request.method
        if target.subresource is not None:
            return await self._serve_subresource(request, target)
        if target.name is None:
            if method == "GET":
                return await self._list_or_watch(request, target)
            if method == "POST" and (target.namespace or not target.resource_type.namespaced):
                return await self._create(request, target)
            if method == "DELETE" and target.resource_type.plural != "namespaces":
                return await self._delete_collection(request, target)
            raise MethodNotAllowed()
        rt, ns, name = target.resource_type, target.namespace, target.name
        if method == "GET":
            return _json(self.store.get(rt, ns, name))
        if method == "PUT":
            body = await self._object_body(request, rt)
            return _json(self.store.replace(rt, ns, name, body, dry_run=_dry_run(request)))
        if method == "PATCH":
            patch_type = patch_type_of(request.content_type, custom=rt.custom)
            return _json(self.store.patch(rt, ns, name, await self._body(request), patch_type,
                                          dry_run=_dry_run(request)))
        if method == "DELETE":
            return await self._delete(request, target)
        raise MethodNotAllowed()

    async def _create(self, request: web.Request, target: Target) -> web.Response:
        rt = target.resource_type
        body = await self._object_body(request, rt)
        created = self.store.create(rt, target.namespace, body, dry_run=_dry_run(request))
        return _json(created, 201)

    async def _delete(self, request: web.Request, target: Target) -> web.Response:
        rt = target.resource_type
        assert target.name is not None
        options = await self._body(request) or {}
        result = self.store.delete(rt, target.namespace, target.name,
                                   preconditions=options.get("preconditions"),
                                   dry_run=_dry_run(request, options))
        if not result.removed or rt.returns_deleted_object or rt.plural == "namespaces":
            return _json(result.object)
        details: dict[str, Any] = {"name": target.name}
        if rt.group:
            details["group"] = rt.group
        details.update(kind=rt.plural, uid=result.object["metadata"]["uid"])
        return _json({"kind": "Status", "apiVersion": "v1", "metadata": {},
                      "status": "Success", "details": details})

    def _selectors(self, request: web.Request,
                   rt: ResourceType) -> tuple[str | None, str | None]:
        label, field = request.query.get("labelSelector"), request.query.get("fieldSelector")
        LabelSelector.parse(label)
        FieldSelector.parse(field, rt.field_labels)
        return label, field

    def _list_document(self, rt: ResourceType, items: list[dict[str, Any]],
                       resource_version: str, token: str | None = None) -> dict[str, Any]:
        if not rt.custom:  # typed lists carry no apiVersion/kind per item
            for item in items:
                item.pop("apiVersion", None)
                item.pop("kind", None)
        metadata: dict[str, Any] = {"resourceVersion": resource_version}
        if token:
            metadata["continue"] = token
        return {"kind": rt.list_kind, "apiVersion": rt.api_version, "metadata": metadata,
                "items": items}

    async def _list_or_watch(self, request: web.Request, target: Target) -> web.StreamResponse:
        rt = target.resource_type
        label, field = self._selectors(request, rt)
        if request.query.get("watch") in ("true", "1"):
            return await self._watch(request, target, label, field)
        limit = request.query.get("limit")
        page = self.store.list_page(
            rt, target.namespace, label_selector=label, field_selector=field,
            limit=int(limit) if limit and limit.isdigit() else None,
            continue_token=request.query.get("continue"))
        return _json(self._list_document(rt, page.items, page.resource_version,
                                         page.continue_token))

    async def _delete_collection(self, request: web.Request, target: Target) -> web.Response:
        rt = target.resource_type
        label, field = self._selectors(request, rt)
        options = await self._body(request) or {}
        deleted = []
        for item in self.store.list(rt, target.namespace, label_selector=label,
                                    field_selector=field):
            meta = item["metadata"]
            try:
                result = self.store.delete(rt, meta.get("namespace"), meta["name"],
                                           dry_run=_dry_run(request, options))
            except NotFound:
                continue  # removed concurrently, as the real server tolerates
            deleted.append(result.object)
        return _json(self._list_document(rt, deleted, self.store.resource_version))

    async def _watch(self, request: web.Request, target: Target, label: str | None,
                     field: str | None) -> web.StreamResponse:
        rt = target.resource_type
        labels = LabelSelector.parse(label)
        fields = FieldSelector.parse(field, rt.field_labels)
        loop = asyncio.get_running_loop()
        sink = _LoopSink(loop)
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        try:
            backlog = self.store.watch(sink, request.query.get("resourceVersion"))
        except Gone as error:
            await response.prepare(request)
            await response.write(json.dumps({"type": "ERROR",
                                             "object": error.to_status()}).encode() + b"\n")
            return response
        await response.prepare(request)
        deadline = loop.time() + float(request.query.get("timeoutSeconds") or 1800)
        self._watches.add(sink)
        try:
            for event in backlog:
                await self._send_event(response, rt, target.namespace, labels, fields, event)
            while (remaining := deadline - loop.time()) > 0:
                try:
                    event = await asyncio.wait_for(sink.queue.get(), remaining)
                except TimeoutError:
                    break
                if event is None:
                    break
                await self._send_event(response, rt, target.namespace, labels, fields, event)
        finally:
            self._watches.discard(sink)
            self.store.unsubscribe(sink)
        return response

    @staticmethod
    async def _send_event(response: web.StreamResponse, rt: ResourceType,
                          namespace: str | None, labels: LabelSelector, fields: FieldSelector,
                          event: ChangeEvent) -> None:
        obj = event.object
        if event.resource_type.storage_key != rt.storage_key:
            return
        if namespace and obj["metadata"].get("namespace") != namespace:
            return
        if not (labels.matches(obj) and fields.matches(obj)):
            return
        obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind
        await response.write(json.dumps({"type": event.type, "object": obj}).encode() + b"\n")

    # --------------------------------------------------------- subresources
    async def _serve_subresource(self, request: web.Request,
                                 target: Target) -> web.StreamResponse:
        rt, ns, name, method = (target.resource_type, target.namespace, target.name,
                                request.method)
        assert name is not None
        dry_run = _dry_run(request)
        if target.subresource == "status":
            if method == "GET":
                return _json(self.store.get(rt, ns, name))
            if method == "PUT":
                body = await self._object_body(request, rt)
                return _json(self.store.update_status(rt, ns, name, body, dry_run=dry_run))
            if method == "PATCH":
                patch_type = patch_type_of(request.content_type, custom=rt.custom)
                return _json(self.store.patch_status(rt, ns, name, await self._body(request),
                                                     patch_type, dry_run=dry_run))
        elif target.subresource == "scale":
            if method == "GET":
                return _json(self.store.get_scale(rt, ns, name))
            if method == "PUT":
                body = await self._body(request)
                if not isinstance(body, dict):
                    raise BadRequest("the body of the request must be a JSON object")
                return _json(self.store.replace_scale(rt, ns, name, body, dry_run=dry_run))
            if method == "PATCH":
                patch_type = patch_type_of(request.content_type, custom=rt.custom)
                return _json(self.store.patch_scale(rt, ns, name, await self._body(request),
                                                    patch_type, dry_run=dry_run))
        elif target.subresource == "exec" and method in ("GET", "POST"):
            pod = self.store.get(rt, ns, name)
            if self.exec_handler is None:
                raise BadRequest("pods/exec is not available: this emulated cluster was "
                                 "started without an exec handler")
            assert ns is not None
            return await self.exec_handler(request, ns, pod)
        elif target.subresource == "finalize" and method == "PUT":
            body = await self._object_body(request, rt)
            finalizers = (body.get("spec") or {}).get("finalizers") or []
            return _json(self.store.finalize_namespace(name, finalizers))
        elif target.subresource == "log" and method == "GET":
            self.store.get(rt, ns, name)
            return web.Response(text=self.pod_logs.get((ns or "", name), ""),
                                content_type="text/plain")
        raise MethodNotAllowed()
