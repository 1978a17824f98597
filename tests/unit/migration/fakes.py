"""In-memory stand-ins for the adapters the migration domain talks to.

`FakeKube` keeps objects per (group, plural, namespace, name) with the API server semantics the
domain relies on: finalizers delay deletion, namespaces take their content with them, labels
select, merge patches remove keys set to None; every write is logged in order.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from hcp_dr.adapters.backup_bucket import json_sha256
from hcp_dr.adapters.dns_waits import DnsWait
from hcp_dr.adapters.dns_zones import DnsRecord
from hcp_dr.domain.migration.restore_url import SignerIdentity
from hcp_dr.errors import ObjectAlreadyExists
from hcp_dr.models.kinds import ApiResource

Key = tuple[str, str, str, str]  # group, plural, namespace ("" = cluster scope), name


def merge(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge(result.get(key), value)
    return result


def _matches(obj: dict, selector: str | None) -> bool:
    if not selector:
        return True
    labels = obj.get("metadata", {}).get("labels") or {}
    for term in selector.split(","):
        key, _, value = term.partition("=")
        if labels.get(key) != value:
            return False
    return True


class FakeKube:
    """The subset of `ManagementClusterApi` the migration domain uses."""

    def __init__(self, cluster_id: str = "fake", kinds: list[ApiResource] | None = None):
        self.cluster_id = cluster_id
        self.objects: dict[Key, dict] = {}
        self.writes: list[tuple[str, str, str, str]] = []  # verb, plural, namespace, name
        self.kinds = kinds or []
        self.unavailable = False

    # --- helpers for tests -------------------------------------------------------------------
    def put(self, kind: ApiResource, namespace: str | None, body: dict) -> dict:
        body = copy.deepcopy(body)
        body.setdefault("metadata", {})
        if namespace:
            body["metadata"]["namespace"] = namespace
        self.objects[(kind.group, kind.plural, namespace or "", body["metadata"]["name"])] = body
        if kind not in self.kinds and namespace:
            self.kinds.append(kind)
        return body

    def names(self, kind: ApiResource, namespace: str | None = None) -> list[str]:
        return sorted(k[3] for k in self.objects if k[:2] == (kind.group, kind.plural)
                      and (namespace is None or k[2] == namespace))

    def _check(self) -> None:
        if self.unavailable:
            from hcp_dr.errors import KubernetesApiUnavailable

            raise KubernetesApiUnavailable(f"{self.cluster_id}: HTTP 503")

    # --- generic surface ---------------------------------------------------------------------
    def get_object(self, kind: ApiResource, namespace: str | None, name: str) -> dict | None:
        self._check()
        found = self.objects.get((kind.group, kind.plural, namespace or "", name))
        return copy.deepcopy(found) if found is not None else None

    def list_objects(self, kind: ApiResource, namespace: str | None = None,
                     label_selector: str | None = None) -> list[dict]:
        self._check()
        return [copy.deepcopy(o) for k, o in sorted(self.objects.items())
                if k[:2] == (kind.group, kind.plural)
                and (namespace is None or k[2] == namespace) and _matches(o, label_selector)]

    def create_object(self, kind: ApiResource, namespace: str | None, body: dict) -> dict:
        self._check()
        key = (kind.group, kind.plural, namespace or "", body["metadata"]["name"])
        if key in self.objects:
            raise ObjectAlreadyExists(f"{kind.plural} {body['metadata']['name']}")
        for server_field in ("resourceVersion", "uid", "creationTimestamp"):
            assert server_field not in body["metadata"], f"client set {server_field}"
        self.writes.append(("create", kind.plural, namespace or "", body["metadata"]["name"]))
        stored = self.put(kind, namespace, body)
        return copy.deepcopy(stored)

    def merge_patch_object(self, kind: ApiResource, namespace: str | None, name: str,
                           patch: dict) -> dict | None:
        self._check()
        key = (kind.group, kind.plural, namespace or "", name)
        if key not in self.objects:
            return None
        self.writes.append(("patch", kind.plural, namespace or "", name))
        updated = merge(self.objects[key], patch)
        meta = updated["metadata"]
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            del self.objects[key]
            self._finish_namespace(namespace)
            return updated
        self.objects[key] = updated
        return copy.deepcopy(updated)

    def delete_object(self, kind: ApiResource, namespace: str | None, name: str) -> bool:
        self._check()
        key = (kind.group, kind.plural, namespace or "", name)
        if key not in self.objects:
            return False
        self.writes.append(("delete", kind.plural, namespace or "", name))
        obj = self.objects[key]
        if kind.plural == "namespaces":
            obj["metadata"]["deletionTimestamp"] = "now"
            for other in [k for k in self.objects if k[2] == name]:
                if self.objects[other]["metadata"].get("finalizers"):
                    self.objects[other]["metadata"]["deletionTimestamp"] = "now"
                else:
                    del self.objects[other]
            self._finish_namespace(name)
            return True
        if obj["metadata"].get("finalizers"):
            obj["metadata"]["deletionTimestamp"] = "now"
        else:
            del self.objects[key]
            self._finish_namespace(namespace)
        return True

    def _finish_namespace(self, namespace: str | None) -> None:
        key = ("", "namespaces", "", namespace or "")
        ns = self.objects.get(key)
        if ns and ns["metadata"].get("deletionTimestamp") and not any(
                k[2] == namespace for k in self.objects):
            del self.objects[key]

    def namespaced_kinds(self) -> list[ApiResource]:
        self._check()
        return list(self.kinds)

    # --- typed helpers of the real adapter ------------------------------------------------------
    def get_custom(self, kind: ApiResource, namespace: str, name: str) -> dict | None:
        return self.get_object(kind, namespace, name)

    def list_custom(self, kind: ApiResource, namespace: str | None = None,
                    label_selector: str | None = None) -> list[dict]:
        return self.list_objects(kind, namespace, label_selector)

    def merge_patch_custom(self, kind: ApiResource, namespace: str, name: str,
                           patch: dict) -> dict:
        result = self.merge_patch_object(kind, namespace, name, patch)
        assert result is not None
        return result

    def get_deployment_replicas(self, namespace: str, name: str) -> int | None:
        found = self.objects.get(("apps", "deployments", namespace, name))
        return None if found is None else int(found["spec"].get("replicas", 0))

    def scale_deployment(self, namespace: str, name: str, replicas: int) -> None:
        self._check()
        self.writes.append(("scale", "deployments", namespace, name))
        self.objects[("apps", "deployments", namespace, name)]["spec"]["replicas"] = replicas


class FakeBucket:
    def __init__(self, bucket: str = "hcp-dr-backups") -> None:
        self.bucket = bucket
        self.documents: dict[str, Any] = {}

    def put_json(self, key: str, document: Any) -> str:
        self.documents[key] = copy.deepcopy(document)
        return json_sha256(document)

    def get_json(self, key: str) -> Any | None:
        return copy.deepcopy(self.documents.get(key))

    def head(self, key: str) -> dict | None:
        return {"ContentLength": 1} if key in self.documents else None


class FakeZones:
    def __init__(self, zones: dict[str, str] | None = None) -> None:
        self.zone_names = zones or {}  # zone id -> zone name
        self.records_by_zone: dict[str, list[DnsRecord]] = {z: [] for z in self.zone_names}
        self.lookups = 0

    def add(self, zone_id: str, name: str, kind: str, value: str) -> None:
        self.records_by_zone[zone_id].append(DnsRecord(name, kind, (value,)))

    def remove(self, zone_id: str, name: str) -> None:
        self.records_by_zone[zone_id] = [r for r in self.records_by_zone[zone_id]
                                         if not r.name.endswith(name)]

    def zone_for(self, hostname: str) -> str | None:
        matches = [(len(n), z) for z, n in self.zone_names.items()
                   if hostname == n or hostname.endswith("." + n)]
        return max(matches)[1] if matches else None

    def records(self, zone_id: str) -> list[DnsRecord]:
        self.lookups += 1
        if zone_id not in self.records_by_zone:
            from hcp_dr.errors import ExternalDnsZoneNotFound

            raise ExternalDnsZoneNotFound(f"Route 53 list records: NoSuchHostedZone {zone_id}")
        return list(self.records_by_zone[zone_id])


class FakeWaits:
    """Same semantics as the DynamoDB adapter: deadline kept, forget on the token only."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], DnsWait] = {}

    def register(self, execution_id: str, purpose: str, task_token: str, zone_ids: list[str],
                 hostnames: list[str], deadline: int) -> DnsWait:
        previous = self.items.get((execution_id, purpose))
        wait = DnsWait(execution_id, purpose, task_token, tuple(zone_ids), tuple(hostnames),
                       previous.deadline if previous else deadline)
        self.items[(execution_id, purpose)] = wait
        return wait

    def pending(self) -> list[DnsWait]:
        return list(self.items.values())

    def forget(self, wait: DnsWait) -> bool:
        current = self.items.get((wait.execution_id, wait.purpose))
        if current is None or current.task_token != wait.task_token:
            return False
        del self.items[(wait.execution_id, wait.purpose)]
        return True


@dataclass
class FakeTasks:
    """Step Functions' task tokens: each completes once; later sends return False."""

    succeeded: list[tuple[str, dict]] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    done: set[str] = field(default_factory=set)

    def succeed(self, task_token: str, output: dict) -> bool:
        if task_token in self.done:
            return False
        self.done.add(task_token)
        self.succeeded.append((task_token, output))
        return True

    def fail(self, task_token: str, error: str, cause: str) -> bool:
        if task_token in self.done:
            return False
        self.done.add(task_token)
        self.failed.append((task_token, error, cause))
        return True


@dataclass
class FakeSigner:
    url: str = "https://hcp-dr-backups.s3.us-east-1.amazonaws.com/k?X-Amz-Signature=abc"
    identity: SignerIdentity = field(default_factory=lambda: SignerIdentity(
        "dedicated-signer", session=False, expires_at=None))
    calls: int = 0

    def presign_get(self, bucket: str, key: str, ttl_seconds: int) -> str:
        self.calls += 1
        return self.url


class FakeLocks:
    def __init__(self) -> None:
        self.held: dict[str, str] = {}
        self.purposes: dict[str, str] = {}

    def acquire(self, lock_id: str, owner: str, now: int, ttl_seconds: int,
                purpose: str) -> None:
        from hcp_dr.errors import ClusterLocked

        if self.held.get(lock_id, owner) != owner:
            raise ClusterLocked(f"{lock_id} is locked", holder_purpose=self.purposes[lock_id],
                                holder=self.held[lock_id])
        self.held[lock_id] = owner
        self.purposes[lock_id] = purpose

    def take_over(self, lock_id: str, stale_owner: str, owner: str, now: int,
                  ttl_seconds: int, purpose: str) -> None:
        from hcp_dr.errors import LockChangingHands

        if self.held.get(lock_id) != stale_owner:
            raise LockChangingHands(f"{lock_id} changed hands")
        self.held[lock_id], self.purposes[lock_id] = owner, purpose

    def owner(self, lock_id: str) -> str | None:
        return self.held.get(lock_id)

    def release(self, lock_id: str, owner: str) -> bool:
        if self.held.get(lock_id) != owner:
            return False
        del self.held[lock_id]
        return True
