"""Pod IPs on the loopback network.

A real etcd pod listens on its own pod IP, and `localhost` inside the pod is that pod. Linux
routes the whole 127.0.0.0/8 to `lo`, so every emulated pod gets its own 127.x.y.z: two
pods can both listen on :2379, and etcd's peer URLs point at distinct addresses as in a
StatefulSet.
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading
from collections.abc import Iterable
from pathlib import Path

ETCD_PORTS = (2379, 2380)

_allocated: set[str] = set()
_lock = threading.Lock()
_rng = random.SystemRandom()


class NoFreePodIP(RuntimeError):
    """Every random pick was taken: the host is crowded with listeners."""


def _free(ip: str, ports: Iterable[int]) -> bool:
    # SO_REUSEADDR as Go's net.Listen sets it, so a TIME_WAIT leftover does not count as taken
    # while a listener on 0.0.0.0:port (which would make etcd fail) does.
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((ip, port))
            except OSError:
                return False
    return True


def allocate_pod_ip(ports: Iterable[int] = ETCD_PORTS, attempts: int = 64) -> str:
    """Pick an unused 127.x.y.z (x >= 1: 127.0.0.0/16 is where host services live)."""
    wanted = tuple(ports)
    with _lock:
        for _ in range(attempts):
            ip = f"127.{_rng.randint(1, 254)}.{_rng.randint(0, 255)}.{_rng.randint(1, 254)}"
            if ip not in _allocated and _free(ip, wanted):
                _allocated.add(ip)
                return ip
    raise NoFreePodIP(f"no free loopback address after {attempts} tries")


def release_pod_ip(ip: str) -> None:
    with _lock:
        _allocated.discard(ip)


def listening_ports(ip: str) -> list[int]:
    """TCP ports in LISTEN state on `ip`, read from /proc (no psutil on the host)."""
    packed = socket.inet_aton(ip)
    # /proc/net/tcp prints the address as the host-order integer of the network bytes.
    wanted = f"{int.from_bytes(packed, 'little'):08X}"
    ports = []
    with contextlib.suppress(FileNotFoundError):
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            address, port = fields[1].split(":")
            if fields[3] == "0A" and address == wanted:
                ports.append(int(port, 16))
    return sorted(ports)
