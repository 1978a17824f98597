"""Sandbox start-up time and the latency of a get/patch round trip through the real client.

Target: two management clusters with a HighlyAvailable hosted cluster up in under 10 s.
Start-up is measured twice per availability (the first start in a process also pays imports
and CRD parsing); the round trip is a `read_namespaced_config_map` + merge patch, over HTTPS
with bearer auth, against the source management cluster.
"""

from __future__ import annotations

import statistics
import time

import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from sandbox.environment import Sandbox, SandboxOptions

ROUND_TRIPS = 300
TARGET_HA_STARTUP_SECONDS = 10.0


def _startup(availability: str) -> float:
    with Sandbox(SandboxOptions(availability=availability)) as sandbox:  # type: ignore[arg-type]
        return sandbox.startup_seconds or 0.0


def _round_trips() -> dict[str, float]:
    with Sandbox(SandboxOptions(with_hosted_cluster=False)) as sandbox:
        cluster = sandbox.management["source"].cluster
        api = k8s.CoreV1Api(k8s_config.new_client_from_config_dict(
            yaml.safe_load(cluster.kubeconfig())))
        api.create_namespaced_config_map("default", {"metadata": {"name": "bench"},
                                                     "data": {"n": "0"}})
        samples = []
        for index in range(ROUND_TRIPS):
            began = time.perf_counter()
            api.read_namespaced_config_map("bench", "default")
            api.patch_namespaced_config_map("bench", "default", {"data": {"n": str(index)}})
            samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return {"get_patch_median_ms": round(statistics.median(samples), 2),
            "get_patch_p95_ms": round(samples[int(len(samples) * 0.95)], 2),
            "round_trips": ROUND_TRIPS}


def run() -> dict[str, object]:
    single = [_startup("SingleReplica") for _ in range(2)]
    ha = [_startup("HighlyAvailable") for _ in range(2)]
    return {
        "startup_single_replica_seconds": [round(s, 2) for s in single],
        "startup_highly_available_seconds": [round(s, 2) for s in ha],
        "startup_ha_target_seconds": TARGET_HA_STARTUP_SECONDS,
        "startup_ha_within_target": max(ha) < TARGET_HA_STARTUP_SECONDS,
        **_round_trips(),
    }
