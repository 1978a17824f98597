"""A small client for etcd's v3 JSON gateway, for seeding and checking emulated etcds.

The gateway speaks HTTPS with the same client certificate as etcdctl, needs no gRPC stack in
the venv, and one `/v3/kv/txn` carries up to 128 puts (etcd's default --max-txn-ops), which
makes seeding thousands of keys take a few round trips.
"""

from __future__ import annotations

import base64
import http.client
import json
import ssl
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_TXN_OPS = 128
_PAGE = 1000
_ALL_KEYS = b"\0"  # with range_end "\0": every key


class EtcdRequestFailed(RuntimeError):
    """The gateway answered with an HTTP error (the body carries etcd's gRPC error)."""


@dataclass(frozen=True)
class KeyValue:
    """One key as etcd stores it: its value and the revisions that matter for a restore."""

    key: bytes
    value: bytes
    create_revision: int
    mod_revision: int
    version: int
    lease: int


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _key_value(raw: dict[str, Any]) -> KeyValue:
    # proto3 JSON leaves out zero values and prints int64 as strings.
    return KeyValue(
        key=base64.b64decode(raw["key"]),
        value=base64.b64decode(raw.get("value", "")),
        create_revision=int(raw.get("create_revision", 0)),
        mod_revision=int(raw.get("mod_revision", 0)),
        version=int(raw.get("version", 0)),
        lease=int(raw.get("lease", 0)),
    )


def client_context(ca_cert: Path, cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(ca_cert))
    context.load_cert_chain(str(cert), str(key))
    return context


class EtcdClient:
    """Talks to one member's client URL (https://<pod-ip>:2379) over a kept-alive connection."""

    def __init__(self, host: str, context: ssl.SSLContext, port: int = 2379,
                 timeout: float = 10.0) -> None:
        self.host, self.port = host, port
        self._context, self._timeout = context, timeout
        self._connection: http.client.HTTPSConnection | None = None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> EtcdClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST a gateway request; one retry on a fresh connection if the old one went stale."""
        payload = json.dumps(body).encode()
        for attempt in range(2):
            if self._connection is None:
                self._connection = http.client.HTTPSConnection(
                    self.host, self.port, context=self._context, timeout=self._timeout)
            try:
                self._connection.request("POST", path, payload,
                                         {"Content-Type": "application/json"})
                response = self._connection.getresponse()
                data = response.read()
            except (ConnectionError, http.client.HTTPException):
                self.close()
                if attempt:
                    raise
                continue
            if response.status != 200:
                raise EtcdRequestFailed(f"{path}: HTTP {response.status}: {data[:300]!r}")
            return json.loads(data)
        raise AssertionError("unreachable")

    def health(self) -> bool:
        """etcd's own /health: a leader exists and a quorum read works."""
        connection = http.client.HTTPSConnection(self.host, self.port, context=self._context,
                                                 timeout=self._timeout)
        try:
            connection.request("GET", "/health")
            response = connection.getresponse()
            return response.status == 200 and json.loads(response.read()).get("health") == "true"
        finally:
            connection.close()

    def status(self) -> dict[str, Any]:
        return self.call("/v3/maintenance/status", {})

    def grant_lease(self, ttl: int) -> int:
        return int(self.call("/v3/lease/grant", {"TTL": ttl})["ID"])

    def put_many(self, items: Iterable[tuple[bytes, bytes]], lease: int = 0) -> int:
        """Put keys in transactions of MAX_TXN_OPS; returns the revision after the last one."""
        revision = self.revision()
        batch: list[dict[str, Any]] = []
        for key, value in items:
            put: dict[str, Any] = {"key": _b64(key), "value": _b64(value)}
            if lease:
                put["lease"] = str(lease)
            batch.append({"request_put": put})
            if len(batch) == MAX_TXN_OPS:
                revision = self._commit(batch)
                batch = []
        if batch:
            revision = self._commit(batch)
        return revision

    def _commit(self, operations: list[dict[str, Any]]) -> int:
        answer = self.call("/v3/kv/txn", {"success": operations})
        return int(answer["header"]["revision"])

    def revision(self) -> int:
        answer = self.call("/v3/kv/range", {"key": _b64(_ALL_KEYS), "range_end": _b64(_ALL_KEYS),
                                            "count_only": True})
        return int(answer["header"]["revision"])

    def key_count(self, prefix: bytes | None = None) -> int:
        """Number of keys (under `prefix`, or all of them) at the current revision."""
        key, end = (_ALL_KEYS, _ALL_KEYS) if prefix is None else (prefix, _prefix_end(prefix))
        answer = self.call("/v3/kv/range", {"key": _b64(key), "range_end": _b64(end),
                                            "count_only": True})
        return int(answer.get("count", 0))

    def range_all(self, revision: int | None = None) -> Iterator[KeyValue]:
        """Every key at `revision` (default: now), in key order, paged."""
        if revision is None:
            revision = self.revision()
        start = _ALL_KEYS
        while True:
            answer = self.call("/v3/kv/range", {
                "key": _b64(start), "range_end": _b64(_ALL_KEYS),
                "revision": str(revision), "limit": str(_PAGE),
            })
            kvs = [_key_value(raw) for raw in answer.get("kvs", [])]
            yield from kvs
            if not answer.get("more") or not kvs:
                return
            start = kvs[-1].key + b"\0"

    def dump(self, revision: int | None = None) -> dict[bytes, bytes]:
        """Every key and value at `revision`: what a restore must reproduce exactly."""
        return {kv.key: kv.value for kv in self.range_all(revision)}


def _prefix_end(prefix: bytes) -> bytes:
    """The range end that covers every key starting with `prefix` (etcdctl's --prefix)."""
    trimmed = prefix.rstrip(b"\xff")
    if not trimmed:
        return _ALL_KEYS
    return trimmed[:-1] + bytes([trimmed[-1] + 1])
