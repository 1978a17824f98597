"""The etcd command line per OCP version (DOMAIN.md "etcd snapshot"): the CA under
`etcd-ca/` from 4.12 on and under `client/` before, `etcdutl` for reading snapshot files from
4.21 on; and, during an upgrade across 4.12, the other layout's CA when the pod lacks the
version's (the pods roll over one by one)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hcp_dr.domain.etcd_tooling import (
    CA_BEFORE_4_12,
    CA_SINCE_4_12,
    EtcdTooling,
    ocp_minor_version,
    tooling_for,
)


def _hc(desired: str | None, *history: str) -> dict:
    version = {"history": [{"version": v, "state": "Completed"} for v in history]}
    if desired:
        version["desired"] = {"version": desired}
    return {"status": {"version": version}}


@pytest.mark.parametrize(("hc", "minor"), [
    (_hc("4.13.10", "4.13.10"), 13), (_hc(None, "4.11.40"), 11), (_hc(None), 13),
    (_hc("4.21.0", "4.20.8"), 21), ({}, 13)])
def test_the_minor_version_is_read_from_the_hosted_cluster(hc: dict, minor: int):
    assert ocp_minor_version(hc) == minor


@pytest.mark.parametrize(("minor", "ca", "tool"), [
    (11, CA_BEFORE_4_12, "ETCDCTL_API=3 etcdctl"), (12, CA_SINCE_4_12, "ETCDCTL_API=3 etcdctl"),
    (13, CA_SINCE_4_12, "ETCDCTL_API=3 etcdctl"), (21, CA_SINCE_4_12, "etcdutl")])
def test_flags_and_tools_follow_the_version(minor: int, ca: str, tool: str):
    tooling = tooling_for(_hc(f"4.{minor}.1"))
    assert tooling.ca_file == ca
    assert tooling.snapshot_status("/var/lib/data/x.db").startswith(f"{tool} -w json snapshot")
    assert tooling.select_ca().startswith(f"ETCD_CA={ca};")
    assert '--cacert "$ETCD_CA" --cert /etc/etcd/tls/client/etcd-client.crt' in (
        tooling.etcdctl("endpoint", "health"))


@pytest.mark.parametrize(("minor", "present", "chosen"), [
    (12, "since", "since"), (12, "before", "before"), (11, "before", "before"),
    (11, "since", "since")])
def test_the_ca_falls_back_to_the_layout_the_pod_has(tmp_path: Path, minor: int, present: str,
                                                      chosen: str):
    """Run the selection in a shell with only one layout's file, paths moved under tmp."""
    paths = {"since": CA_SINCE_4_12, "before": CA_BEFORE_4_12}
    script = EtcdTooling(minor).select_ca().replace("/etc/etcd", str(tmp_path))
    existing = tmp_path / paths[present].removeprefix("/etc/etcd/")
    existing.parent.mkdir(parents=True)
    existing.write_text("ca")
    result = subprocess.run(["/bin/sh", "-c", script + '; echo "$ETCD_CA"'],
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == str(tmp_path / paths[chosen].removeprefix("/etc/etcd/"))
