"""Fill an etcd with what a hosted cluster's kube-apiserver and openshift-apiserver write.

A backup or a restore is only proven by data that looks like the real thing: keys under
`/kubernetes.io/<resource>/<namespace>/<name>` and `/openshift.io/...`, built-in objects in
the apiserver's protobuf envelope (`k8s\\0` + runtime.Unknown), custom resources as JSON,
secrets encrypted at rest (`k8s:enc:aescbc:v1:key1:` + IV + ciphertext), events on an etcd
lease, and a history of updates (leases renewed) so that revisions run ahead of key counts.
Everything is derived from one seed: the same call always writes the same bytes.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from sandbox.pods.etcd_client import EtcdClient

AESCBC_PREFIX = b"k8s:enc:aescbc:v1:key1:"
EVENT_TTL_SECONDS = 3600  # kube-apiserver's default --event-ttl
SYSTEM_NAMESPACES = (
    "default", "kube-system", "kube-public", "kube-node-lease", "openshift-config",
    "openshift-config-managed", "openshift-ingress", "openshift-monitoring",
    "openshift-ovn-kubernetes", "openshift-dns", "openshift-image-registry",
)

Item = tuple[bytes, bytes]


def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte, number = number & 0x7F, number >> 7
        out.append(byte | (0x80 if number else 0))
        if not number:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


class _Objects:
    """Builds values the way the apiservers store them."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def uid(self) -> str:
        hexed = self.rng.randbytes(16).hex()
        return f"{hexed[:8]}-{hexed[8:12]}-{hexed[12:16]}-{hexed[16:20]}-{hexed[20:]}"

    def protobuf(self, api_version: str, kind: str, namespace: str, name: str,
                 body_size: int) -> bytes:
        """`k8s\\0` + runtime.Unknown{typeMeta, raw}: kube-apiserver's storage encoding."""
        meta = _field(1, name.encode()) + _field(3, namespace.encode()) + _field(
            5, self.uid().encode())
        raw = _field(1, meta) + _field(2, self.rng.randbytes(body_size))
        type_meta = _field(1, api_version.encode()) + _field(2, kind.encode())
        return b"k8s\x00" + _field(1, type_meta) + _field(2, raw)

    def custom(self, api_version: str, kind: str, namespace: str, name: str) -> bytes:
        """Custom resources (CRDs) are stored as JSON."""
        return json.dumps({
            "apiVersion": api_version, "kind": kind,
            "metadata": {"name": name, "namespace": namespace, "uid": self.uid()},
            "spec": {"token": self.rng.randbytes(24).hex()},
        }, separators=(",", ":")).encode()

    def encrypted(self, size: int) -> bytes:
        """A secret as the aescbc provider writes it: IV + whole ciphertext blocks."""
        blocks = max(1, size // 16)
        return AESCBC_PREFIX + self.rng.randbytes(16 + 16 * blocks)


def _name(rng: random.Random, base: str) -> str:
    return f"{base}-{rng.randbytes(3).hex()}"


def _generators(objects: _Objects, namespaces: list[str]) -> list[tuple[float, Callable[[], Item]]]:
    rng = objects.rng

    def namespaced(resource: str, api: str, kind: str, size: tuple[int, int]) -> Callable[[], Item]:
        def make() -> Item:
            ns, name = rng.choice(namespaces), _name(rng, kind.lower())
            value = objects.protobuf(api, kind, ns, name, rng.randint(*size))
            return f"/kubernetes.io/{resource}/{ns}/{name}".encode(), value
        return make

    def secret() -> Item:
        ns, name = rng.choice(namespaces), _name(rng, "secret")
        return f"/kubernetes.io/secrets/{ns}/{name}".encode(), objects.encrypted(
            rng.randint(64, 3000))

    def event() -> Item:
        ns, name = rng.choice(namespaces), _name(rng, "pod")
        key = f"/kubernetes.io/events/{ns}/{name}.{rng.randbytes(8).hex()}"
        return key.encode(), objects.protobuf("v1", "Event", ns, name, rng.randint(200, 600))

    def openshift() -> Item:
        ns = rng.choice(namespaces)
        kind, resource = rng.choice([("Route", "routes"), ("ImageStream", "imagestreams"),
                                     ("Template", "templates"), ("Build", "builds")])
        name = _name(rng, kind.lower())
        value = objects.protobuf(f"{resource}.openshift.io/v1", kind, ns, name, 400)
        return f"/openshift.io/{resource}/{ns}/{name}".encode(), value

    def custom() -> Item:
        ns = rng.choice(namespaces)
        group, plural, kind = rng.choice([
            ("monitoring.coreos.com", "servicemonitors", "ServiceMonitor"),
            ("operator.openshift.io", "ingresscontrollers", "IngressController"),
            ("machineconfiguration.openshift.io", "machineconfigs", "MachineConfig"),
        ])
        name = _name(rng, kind.lower())
        return (f"/kubernetes.io/{group}/{plural}/{ns}/{name}".encode(),
                objects.custom(f"{group}/v1", kind, ns, name))

    return [
        (0.22, secret),
        (0.14, namespaced("configmaps", "v1", "ConfigMap", (200, 4000))),
        (0.14, namespaced("pods", "v1", "Pod", (1500, 6000))),
        (0.05, namespaced("deployments", "apps/v1", "Deployment", (800, 3000))),
        (0.06, namespaced("replicasets", "apps/v1", "ReplicaSet", (800, 2500))),
        (0.04, namespaced("services/specs", "v1", "Service", (300, 900))),
        (0.04, namespaced("services/endpoints", "v1", "Endpoints", (200, 900))),
        (0.06, namespaced("serviceaccounts", "v1", "ServiceAccount", (150, 400))),
        (0.04, namespaced("leases", "coordination.k8s.io/v1", "Lease", (120, 250))),
        (0.13, event),
        (0.05, openshift),
        (0.03, custom),
    ]


@dataclass(frozen=True)
class GuestData:
    """What a seeding run wrote: the leased events are separate (they go on an etcd lease)."""

    items: list[Item]
    events: list[Item]
    update_rounds: list[list[Item]]  # one round per transaction batch: a txn puts a key once

    @property
    def key_count(self) -> int:
        return len({key for key, _ in self.items + self.events})


def guest_data(count: int = 1500, seed: int = 0, update_rounds: int = 2) -> GuestData:
    """`count` distinct keys of a hosted cluster, plus `update_rounds` renewals of its leases."""
    rng = random.Random(seed)
    objects = _Objects(rng)
    namespaces = [*SYSTEM_NAMESPACES, *(f"app-{i}" for i in range(max(1, count // 150)))]
    fixed: dict[bytes, bytes] = {b"compact_rev_key": b"1"}
    for ns in namespaces:
        fixed[f"/kubernetes.io/namespaces/{ns}".encode()] = objects.protobuf(
            "v1", "Namespace", "", ns, 120)
    fixed[b"/kubernetes.io/config.openshift.io/clusterversions/version"] = objects.custom(
        "config.openshift.io/v1", "ClusterVersion", "", "version")
    weights, makers = zip(*_generators(objects, namespaces), strict=True)
    items = dict(list(fixed.items())[:count])
    events: dict[bytes, bytes] = {}
    while len(items) + len(events) < count:
        maker = rng.choices(makers, weights)[0]
        key, value = maker()
        if key not in items and key not in events:
            (events if key.startswith(b"/kubernetes.io/events/") else items)[key] = value
    leases = [key for key in items if key.startswith(b"/kubernetes.io/leases/")]
    rounds = [[(key, objects.protobuf("coordination.k8s.io/v1", "Lease", "", "renewed", 160))
               for key in leases] for _ in range(update_rounds)]
    return GuestData(list(items.items()), list(events.items()), rounds)


@dataclass(frozen=True)
class SeedResult:
    keys: int
    revision: int
    seconds: float


def seed_guest_data(client: EtcdClient, count: int = 1500, seed: int = 0,
                    update_rounds: int = 2) -> SeedResult:
    """Write `guest_data(...)` into etcd: objects, leased events, then lease renewals."""
    data = guest_data(count, seed, update_rounds)
    started = time.perf_counter()
    revision = client.put_many(data.items)
    if data.events:
        revision = client.put_many(data.events, lease=client.grant_lease(EVENT_TTL_SECONDS))
    for updates in data.update_rounds:
        revision = client.put_many(updates)
    return SeedResult(data.key_count, revision, time.perf_counter() - started)
