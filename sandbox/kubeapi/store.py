"""The in-memory object store of one emulated cluster, with the API server's write semantics.

Both the HTTP layer (on the cluster's event-loop thread) and simulated controllers (on their
own threads) call it, so every method takes one re-entrant lock and hands out deep copies.
Stored objects are never mutated in place: each write builds a new dict, which lets the
watch history keep references safely.

Semantics kept from the real server because DR code depends on them:
- `resourceVersion` comes from one per-cluster counter bumped by every effective write; an
  update that changes nothing is not a write (same RV, no event), as in etcd3 storage.
- Replace with a stale `metadata.resourceVersion` is a 409 Conflict; without one it is
  unconditional. Creating with a `resourceVersion` set fails (restores must strip it).
- With a `status` subresource, the main endpoint ignores status and `/status` only
  changes status; `metadata.generation` moves when anything but metadata/status changes.
- Finalizers: DELETE only sets `deletionTimestamp`; the object goes when an update removes
  the last finalizer; no finalizer may be added once deletion started.
- Namespaces: DELETE marks them Terminating, deletes their content and removes them once
  empty; creating into a missing namespace is 404, into a terminating one 403.

Validation hook: `validator(resource_type, new_object, old_object_or_None)` runs on every
create/update (including /status and /scale writes) with copies of the objects and returns
a list of `FieldCause`; a non-empty list turns the write into a 422 Invalid.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import queue
import secrets
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from sandbox.kubeapi.errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    FieldCause,
    Forbidden,
    Gone,
    InternalError,
    Invalid,
    NotFound,
    object_details,
)
from sandbox.kubeapi.patches import PatchType, apply_patch
from sandbox.kubeapi.resources import ResourceRef, ResourceRegistry, ResourceType
from sandbox.kubeapi.scale import scale_of, with_replicas
from sandbox.kubeapi.selectors import FieldSelector, LabelSelector
from sandbox.kubeapi.strategies import (
    NAMESPACES,
    apply_defaults,
    check_name,
    set_initial_status,
    spec_changed,
)

ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"

Validator = Callable[[ResourceType, dict[str, Any], dict[str, Any] | None], list[FieldCause]]
# Admission mutation (CRD pruning + defaulting): returns the object to store.
Mutator = Callable[[ResourceType, dict[str, Any]], dict[str, Any]]
_NAME_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


class ChangeEvent(NamedTuple):
    """One write, as controllers and watches see it (`object` is the caller's own copy)."""

    type: str
    resource_type: ResourceType
    object: dict[str, Any]


class EventSink(Protocol):
    def put_nowait(self, item: ChangeEvent, /) -> None: ...


@dataclass(frozen=True)
class DeleteResult:
    """The object after DELETE and whether it is gone already (False: finalizers pending)."""

    object: dict[str, Any]
    removed: bool


@dataclass(frozen=True)
class ListPage:
    items: list[dict[str, Any]]
    resource_version: str
    continue_token: str | None


def now_rfc3339() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ObjectStore:
    """Objects of one cluster keyed by (group, plural) then (namespace, name)."""

    def __init__(self, registry: ResourceRegistry, validator: Validator | None = None,
                 *, mutator: Mutator | None = None, history_size: int = 4096) -> None:
        self.registry = registry
        self.validator = validator
        self.mutator = mutator
        self._lock = threading.RLock()
        self._revision = 0
        self._buckets: dict[tuple[str, str], dict[tuple[str, str], tuple[ResourceType, dict]]]
        self._buckets = {}
        self._history: deque[tuple[int, ChangeEvent]] = deque(maxlen=history_size)
        self._sinks: list[EventSink] = []

    # ----------------------------------------------------------------- lookups
    @property
    def resource_version(self) -> str:
        with self._lock:
            return str(self._revision)

    def resolve(self, ref: ResourceRef) -> ResourceType:
        if isinstance(ref, ResourceType):
            return ref
        found = self.registry.find(*ref)
        if found is None:
            raise NotFound("the server could not find the requested resource")
        return found

    @staticmethod
    def _namespace_key(rt: ResourceType, namespace: str | None) -> str:
        if not rt.namespaced:
            return ""
        if not namespace:
            raise BadRequest("a namespace is required for namespaced resources")
        return namespace

    def _entry(self, rt: ResourceType, namespace: str, name: str) -> dict[str, Any] | None:
        entry = self._buckets.get(rt.storage_key, {}).get((namespace, name))
        return entry[1] if entry else None

    def _require(self, rt: ResourceType, namespace: str, name: str) -> dict[str, Any]:
        current = self._entry(rt, namespace, name)
        if current is None:
            raise NotFound.of(rt, name)
        return current

    @staticmethod
    def _view(rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        result = copy.deepcopy(obj)
        result["apiVersion"], result["kind"] = rt.api_version, rt.kind
        return result

    def get(self, ref: ResourceRef, namespace: str | None, name: str) -> dict[str, Any]:
        rt = self.resolve(ref)
        with self._lock:
            return self._view(rt, self._require(rt, self._namespace_key(rt, namespace), name))

    def list(self, ref: ResourceRef, namespace: str | None = None, *,
             label_selector: str | None = None,
             field_selector: str | None = None) -> list[dict[str, Any]]:
        """Objects of a type (all namespaces when `namespace` is None), sorted like etcd."""
        return self.list_page(ref, namespace, label_selector=label_selector,
                              field_selector=field_selector).items

    def list_page(self, ref: ResourceRef, namespace: str | None = None, *,
                  label_selector: str | None = None, field_selector: str | None = None,
                  limit: int | None = None, continue_token: str | None = None) -> ListPage:
        rt = self.resolve(ref)
        labels = LabelSelector.parse(label_selector)
        fields = FieldSelector.parse(field_selector, rt.field_labels)
        start: tuple[str, str] | None = None
        if continue_token:
            try:
                decoded = json.loads(base64.urlsafe_b64decode(continue_token))
                start = (str(decoded[0]), str(decoded[1]))
            except (ValueError, IndexError, TypeError) as error:
                raise BadRequest(f"continue key is not valid: {error}") from error
        with self._lock:
            keys = sorted(self._buckets.get(rt.storage_key, {}))
            items: list[dict[str, Any]] = []
            last_key: tuple[str, str] | None = None
            next_token = None
            for key in keys:
                if (rt.namespaced and namespace and key[0] != namespace) or (
                        start is not None and key <= start):
                    continue
                obj = self._buckets[rt.storage_key][key][1]
                if not (labels.matches(obj) and fields.matches(obj)):
                    continue
                if limit and len(items) == limit and last_key is not None:
                    next_token = base64.urlsafe_b64encode(
                        json.dumps(list(last_key)).encode()).decode()
                    break
                items.append(self._view(rt, obj))
                last_key = key
            return ListPage(items, str(self._revision), next_token)

    # ------------------------------------------------------------------ writes
    def _commit(self, rt: ResourceType, obj: dict[str, Any], change: str,
                dry_run: bool = False) -> dict[str, Any]:
        if dry_run:
            return self._view(rt, obj)
        self._revision += 1
        obj["metadata"]["resourceVersion"] = str(self._revision)
        key = (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        bucket = self._buckets.setdefault(rt.storage_key, {})
        if change == DELETED:
            bucket.pop(key, None)
        else:
            bucket[key] = (rt, obj)
        self._history.append((self._revision, ChangeEvent(change, rt, obj)))
        for sink in list(self._sinks):
            sink.put_nowait(ChangeEvent(change, rt, self._view(rt, obj)))
        return self._view(rt, obj)

    def _mutate(self, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        """Pruning and defaulting of custom resources, before validation as on the server."""
        return obj if self.mutator is None else self.mutator(rt, obj)

    def _validate(self, rt: ResourceType, new: dict[str, Any],
                  old: dict[str, Any] | None) -> None:
        if self.validator is None:
            return
        causes = self.validator(rt, self._view(rt, new), self._view(rt, old) if old else None)
        if causes:
            raise Invalid.of(rt, new["metadata"].get("name", ""), list(causes))

    def _check_namespace_open(self, rt: ResourceType, namespace: str, name: str) -> None:
        if not rt.namespaced:
            return
        ns_type = self.registry.preferred(NAMESPACES)
        ns = self._entry(ns_type, "", namespace)
        if ns is None:
            raise NotFound.of(ns_type, namespace)
        if ns["metadata"].get("deletionTimestamp"):
            details = object_details(rt, name)
            details["causes"] = [{"reason": "NamespaceTerminating", "field": "metadata.namespace",
                                  "message": f"namespace {namespace} is being terminated"}]
            raise Forbidden(
                f'{rt.qualified_resource} "{name}" is forbidden: unable to create new content '
                f"in namespace {namespace} because it is being terminated", details)

    def _scope_body(self, rt: ResourceType, namespace: str | None,
                    body: dict[str, Any]) -> tuple[dict[str, Any], str]:
        if not isinstance(body, dict):
            raise BadRequest("the body of the request must be a JSON object")
        obj = copy.deepcopy(body)
        meta = obj.get("metadata")
        if not isinstance(meta, dict):
            meta = obj["metadata"] = {}
        if not rt.namespaced:
            meta.pop("namespace", None)
            return obj, ""
        namespace = namespace or meta.get("namespace")
        if not namespace:
            raise BadRequest("a namespace is required for namespaced resources")
        if meta.get("namespace") and meta["namespace"] != namespace:
            raise BadRequest("the namespace of the provided object does not match the "
                             "namespace sent on the request")
        meta["namespace"] = namespace
        return obj, namespace

    def create(self, ref: ResourceRef, namespace: str | None, body: dict[str, Any], *,
               keep_status: bool = False, dry_run: bool = False) -> dict[str, Any]:
        """POST semantics. `keep_status=True` lets simulated controllers create an object
        with its status in one write (the HTTP path never sets it)."""
        rt = self.resolve(ref)
        obj, namespace = self._scope_body(rt, namespace, body)
        meta = obj["metadata"]
        with self._lock:
            if meta.get("resourceVersion"):
                raise InternalError("Internal error occurred: resourceVersion should not be "
                                    "set on objects to be created")
            name = meta.get("name") or self._generated_name(rt, namespace, meta)
            check_name(rt, name)
            self._check_namespace_open(rt, namespace, name)
            if self._entry(rt, namespace, name) is not None:
                raise AlreadyExists.of(rt, name)
            obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind
            meta["name"] = name
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = now_rfc3339()
            for server_field in ("deletionTimestamp", "deletionGracePeriodSeconds",
                                 "generation", "resourceVersion", "selfLink"):
                meta.pop(server_field, None)
            if rt.tracks_generation:
                meta["generation"] = 1
            if not meta.get("finalizers"):
                meta.pop("finalizers", None)
            apply_defaults(rt, obj)
            obj = self._mutate(rt, obj)
            set_initial_status(rt, obj, keep=keep_status)
            self._validate(rt, obj, None)
            return self._commit(rt, obj, ADDED, dry_run)

    def _generated_name(self, rt: ResourceType, namespace: str, meta: dict[str, Any]) -> str:
        prefix = meta.get("generateName")
        if not prefix:
            raise Invalid.of(rt, "", [FieldCause(
                "metadata.name", "FieldValueRequired",
                "Required value: name or generateName is required")])
        for _ in range(8):
            name = prefix[:58] + "".join(secrets.choice(_NAME_SUFFIX_ALPHABET) for _ in range(5))
            if self._entry(rt, namespace, name) is None:
                return name
        raise AlreadyExists.of(rt, name)

    @staticmethod
    def _check_preconditions(rt: ResourceType, current: dict[str, Any], uid: str | None,
                             resource_version: str | None, *, on_delete: bool = False) -> None:
        meta = current["metadata"]
        if uid and uid != meta["uid"]:
            raise Conflict.of(rt, meta["name"], f"Precondition failed: UID in precondition: "
                              f"{uid}, UID in object meta: {meta['uid']}")
        if resource_version and resource_version != meta["resourceVersion"]:
            if on_delete:
                raise Conflict.of(
                    rt, meta["name"], "Precondition failed: ResourceVersion in precondition: "
                    f"{resource_version}, ResourceVersion in object meta: "
                    f"{meta['resourceVersion']}")
            raise Conflict.modified(rt, meta["name"])

    def _finish_update(self, rt: ResourceType, current: dict[str, Any], new: dict[str, Any],
                       dry_run: bool) -> dict[str, Any]:
        """Common tail of every update: server-owned metadata, finalizers, no-op, commit."""
        old_meta, meta = current["metadata"], new["metadata"]
        for server_field in ("uid", "creationTimestamp", "deletionTimestamp",
                             "deletionGracePeriodSeconds", "namespace", "name",
                             "resourceVersion", "generation"):
            if server_field in old_meta:
                meta[server_field] = old_meta[server_field]
            else:
                meta.pop(server_field, None)
        new["apiVersion"], new["kind"] = rt.api_version, rt.kind
        apply_defaults(rt, new)
        new = self._mutate(rt, new)
        meta = new["metadata"]
        if rt.tracks_generation and spec_changed(current, new):
            meta["generation"] = old_meta.get("generation", 0) + 1
        if old_meta.get("deletionTimestamp"):
            added = [f for f in meta.get("finalizers") or []
                     if f not in (old_meta.get("finalizers") or [])]
            if added:
                raise Invalid.of(rt, meta["name"], [FieldCause(
                    "metadata.finalizers", "FieldValueForbidden",
                    "Forbidden: no new finalizers can be added if the object is being deleted, "
                    f"found new finalizers {json.dumps(added)}")])
        if not meta.get("finalizers"):
            meta.pop("finalizers", None)
        stored_shape = {**current, "apiVersion": rt.api_version, "kind": rt.kind}
        if new == stored_shape:
            return self._view(rt, current)
        self._validate(rt, new, current)
        if meta.get("deletionTimestamp") and not self._has_finalizers(rt, new):
            result = self._commit(rt, new, DELETED, dry_run)
            if not dry_run:
                self._finalize_namespace_if_empty(meta.get("namespace", ""))
            return result
        return self._commit(rt, new, MODIFIED, dry_run)

    @staticmethod
    def _has_finalizers(rt: ResourceType, obj: dict[str, Any]) -> bool:
        if obj["metadata"].get("finalizers"):
            return True
        return rt.storage_key == NAMESPACES and bool((obj.get("spec") or {}).get("finalizers"))

    def _prepare_replacement(self, rt: ResourceType, namespace: str, name: str,
                             body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        current = self._require(rt, namespace, name)
        new, _ = self._scope_body(rt, namespace or None, body)
        meta = new["metadata"]
        if meta.get("name") and meta["name"] != name:
            raise BadRequest(f"the name of the object ({meta['name']}) does not match the name "
                             f"on the URL ({name})")
        self._check_preconditions(rt, current, meta.get("uid"), meta.get("resourceVersion"))
        if rt.has_subresource("status"):
            if "status" in current:
                new["status"] = copy.deepcopy(current["status"])
            else:
                new.pop("status", None)
        if rt.storage_key == NAMESPACES:
            new.setdefault("spec", {})["finalizers"] = copy.deepcopy(
                (current.get("spec") or {}).get("finalizers", []))
        return current, new

    def replace(self, ref: ResourceRef, namespace: str | None, name: str,
                body: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        """PUT semantics (conflict on a stale resourceVersion, unconditional without one)."""
        rt = self.resolve(ref)
        with self._lock:
            current, new = self._prepare_replacement(
                rt, self._namespace_key(rt, namespace), name, body)
            return self._finish_update(rt, current, new, dry_run)

    def patch(self, ref: ResourceRef, namespace: str | None, name: str, patch: Any,
              patch_type: PatchType = PatchType.MERGE, *, dry_run: bool = False) -> dict[str, Any]:
        rt = self.resolve(ref)
        with self._lock:
            ns = self._namespace_key(rt, namespace)
            patched = apply_patch(self._view(rt, self._require(rt, ns, name)), patch, patch_type)
            current, new = self._prepare_replacement(rt, ns, name, patched)
            return self._finish_update(rt, current, new, dry_run)

    def _require_subresource(self, rt: ResourceType, subresource: str) -> None:
        if not rt.has_subresource(subresource):
            raise NotFound("the server could not find the requested resource")

    def update_status(self, ref: ResourceRef, namespace: str | None, name: str,
                      body: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        """PUT /status: only `status` of `body` is taken (plus its resourceVersion check)."""
        rt = self.resolve(ref)
        self._require_subresource(rt, "status")
        with self._lock:
            current = self._require(rt, self._namespace_key(rt, namespace), name)
            meta = body.get("metadata") or {}
            if meta.get("name") and meta["name"] != name:
                raise BadRequest(f"the name of the object ({meta['name']}) does not match the "
                                 f"name on the URL ({name})")
            self._check_preconditions(rt, current, meta.get("uid"), meta.get("resourceVersion"))
            new = copy.deepcopy(current)
            if "status" in body:
                new["status"] = copy.deepcopy(body["status"])
            else:
                new.pop("status", None)
            return self._finish_update(rt, current, new, dry_run)

    def patch_status(self, ref: ResourceRef, namespace: str | None, name: str, patch: Any,
                     patch_type: PatchType = PatchType.MERGE, *,
                     dry_run: bool = False) -> dict[str, Any]:
        rt = self.resolve(ref)
        self._require_subresource(rt, "status")
        with self._lock:
            current = self._require(rt, self._namespace_key(rt, namespace), name)
            patched = apply_patch(self._view(rt, current), patch, patch_type)
            return self.update_status(rt, namespace, name, patched, dry_run=dry_run)

    # ------------------------------------------------------------------- scale
    def get_scale(self, ref: ResourceRef, namespace: str | None, name: str) -> dict[str, Any]:
        rt = self.resolve(ref)
        self._require_subresource(rt, "scale")
        with self._lock:
            return scale_of(
                rt, self._require(rt, self._namespace_key(rt, namespace), name))

    def replace_scale(self, ref: ResourceRef, namespace: str | None, name: str,
                      scale: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        """PUT /scale: writes `spec.replicas` of the Scale to the object's replicas path."""
        rt = self.resolve(ref)
        self._require_subresource(rt, "scale")
        with self._lock:
            current = self._require(rt, self._namespace_key(rt, namespace), name)
            meta = scale.get("metadata") or {}
            self._check_preconditions(rt, current, meta.get("uid"), meta.get("resourceVersion"))
            new = with_replicas(rt, current, scale)
            self._finish_update(rt, current, new, dry_run)
            stored = self._entry(rt, current["metadata"].get("namespace", ""), name)
            return scale_of(rt, new if dry_run or stored is None else stored)

    def patch_scale(self, ref: ResourceRef, namespace: str | None, name: str, patch: Any,
                    patch_type: PatchType = PatchType.MERGE, *,
                    dry_run: bool = False) -> dict[str, Any]:
        rt = self.resolve(ref)
        with self._lock:
            patched = apply_patch(self.get_scale(rt, namespace, name), patch, patch_type)
            return self.replace_scale(rt, namespace, name, patched, dry_run=dry_run)

    # ------------------------------------------------------------------ delete
    def delete(self, ref: ResourceRef, namespace: str | None, name: str, *,
               preconditions: dict[str, Any] | None = None,
               dry_run: bool = False) -> DeleteResult:
        """DELETE semantics; grace periods are ignored (objects go at once unless finalized)."""
        rt = self.resolve(ref)
        preconditions = preconditions or {}
        with self._lock:
            current = self._require(rt, self._namespace_key(rt, namespace), name)
            self._check_preconditions(rt, current, preconditions.get("uid"),
                                      preconditions.get("resourceVersion"), on_delete=True)
            if rt.storage_key == NAMESPACES:
                return self._terminate_namespace(rt, current, dry_run)
            return self._delete_object(rt, current, dry_run)

    def _delete_object(self, rt: ResourceType, current: dict[str, Any],
                       dry_run: bool) -> DeleteResult:
        if not self._has_finalizers(rt, current):
            result = self._commit(rt, copy.deepcopy(current), DELETED, dry_run)
            if not dry_run:
                self._finalize_namespace_if_empty(current["metadata"].get("namespace", ""))
            return DeleteResult(result, True)
        if current["metadata"].get("deletionTimestamp"):
            return DeleteResult(self._view(rt, current), False)
        new = copy.deepcopy(current)
        new["metadata"]["deletionTimestamp"] = now_rfc3339()
        new["metadata"]["deletionGracePeriodSeconds"] = 0
        return DeleteResult(self._commit(rt, new, MODIFIED, dry_run), False)

    def _terminate_namespace(self, rt: ResourceType, current: dict[str, Any],
                             dry_run: bool) -> DeleteResult:
        name = current["metadata"]["name"]
        if dry_run:
            return DeleteResult(self._view(rt, current), False)
        if current["metadata"].get("deletionTimestamp") and (
                current.get("spec") or {}).get("finalizers"):
            # As the real registry answers a DELETE of a namespace still being emptied.
            raise Conflict.of(rt, name, "The system is ensuring all content is removed from "
                              "this namespace.  Upon completion, this namespace will "
                              "automatically be purged by the system.")
        if not current["metadata"].get("deletionTimestamp"):
            marked = copy.deepcopy(current)
            marked["metadata"]["deletionTimestamp"] = now_rfc3339()
            marked["metadata"]["deletionGracePeriodSeconds"] = 0
            marked["status"] = {"phase": "Terminating"}
            self._commit(rt, marked, MODIFIED)
        answer = self._view(rt, self._require(rt, "", name))
        for storage_key, bucket in list(self._buckets.items()):
            for (namespace, _), (stored_type, obj) in list(bucket.items()):
                if namespace == name and storage_key != NAMESPACES:
                    self._delete_object(stored_type, obj, False)
        self._finalize_namespace_if_empty(name)
        return DeleteResult(answer, self._entry(rt, "", name) is None)

    def finalize_namespace(self, name: str, finalizers: list[str]) -> dict[str, Any]:
        """PUT /api/v1/namespaces/{name}/finalize: set `spec.finalizers`. Clearing them on a
        terminating namespace removes it at once even if objects remain (they are orphaned,
        as with the well-known manual "unstick a namespace" fix on a real cluster)."""
        ns_type = self.registry.preferred(NAMESPACES)
        with self._lock:
            current = self._require(ns_type, "", name)
            new = copy.deepcopy(current)
            new.setdefault("spec", {})["finalizers"] = list(finalizers)
            if new == current:
                return self._view(ns_type, current)
            gone = bool(new["metadata"].get("deletionTimestamp")) and not self._has_finalizers(
                ns_type, new)
            return self._commit(ns_type, new, DELETED if gone else MODIFIED)

    def _finalize_namespace_if_empty(self, namespace: str) -> None:
        """The namespace controller's job: remove a terminating namespace once it is empty."""
        if not namespace:
            return
        ns_type = self.registry.preferred(NAMESPACES)
        ns = self._entry(ns_type, "", namespace)
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            return
        for storage_key, bucket in self._buckets.items():
            if storage_key != NAMESPACES and any(k[0] == namespace for k in bucket):
                return
        if ns["metadata"].get("finalizers") and not (ns.get("spec") or {}).get("finalizers"):
            return  # already finalized; waits for its metadata finalizers
        finalized = copy.deepcopy(ns)
        finalized.setdefault("spec", {})["finalizers"] = []
        change = MODIFIED if finalized["metadata"].get("finalizers") else DELETED
        self._commit(ns_type, finalized, change)

    # ----------------------------------------------------------------- changes
    def subscribe(self) -> queue.Queue[ChangeEvent]:
        """A queue receiving a copy of every later write (for simulated controllers)."""
        feed: queue.Queue[ChangeEvent] = queue.Queue()
        with self._lock:
            self._sinks.append(feed)
        return feed

    def unsubscribe(self, sink: EventSink) -> None:
        with self._lock:
            if sink in self._sinks:
                self._sinks.remove(sink)

    def watch(self, sink: EventSink, resource_version: str | None) -> list[ChangeEvent]:
        """Attach `sink` and return the backlog a watch from `resource_version` must send
        first: synthetic ADDED events for everything when no RV (or "0") is given, else the
        retained events after it (410 Gone when older than the history)."""
        with self._lock:
            if not resource_version or resource_version == "0":
                backlog = [ChangeEvent(ADDED, rt, self._view(rt, obj))
                           for bucket in self._buckets.values() for rt, obj in bucket.values()]
            else:
                try:
                    since = int(resource_version)
                except ValueError as error:
                    raise BadRequest(f"invalid resource version: {resource_version}") from error
                full = len(self._history) == self._history.maxlen
                if full and since < self._history[0][0] - 1:
                    raise Gone(f"too old resource version: {since} ({self._history[0][0]})")
                backlog = [ChangeEvent(e.type, e.resource_type, self._view(e.resource_type,
                                                                           e.object))
                           for revision, e in self._history if revision > since]
            self._sinks.append(sink)
            return backlog
