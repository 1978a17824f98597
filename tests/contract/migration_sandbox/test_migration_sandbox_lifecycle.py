"""stop() takes everything the migration simulation adds down with the sandbox: the restored
etcd on the destination included, also when stop comes in the middle of a restore."""

from __future__ import annotations

import threading

from sandbox.environment import Sandbox
from sandbox.pods.network import listening_ports
from tests.contract.migration_sandbox.world import (
    create_on_destination,
    etcd_pids,
    hc_available,
    presigned_get,
    restored_hc_body,
    take_backup,
    wait_until,
)


def _ports_open(urls: list[str]) -> list[str]:
    import socket

    open_ = []
    for url in urls:
        host, port = url.removeprefix("https://").removeprefix("http://").split(":")
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex((host, int(port))) == 0:
                open_.append(url)
    return open_


def test_stop_leaves_no_process_thread_port_or_file():
    threads_before = set(threading.enumerate())
    sandbox = Sandbox().start()
    try:
        snapshot = take_backup(sandbox)
        create_on_destination(sandbox, restored_hc_body(sandbox, presigned_get(sandbox,
                                                                               snapshot.key)))
        store = sandbox.management["destination"].cluster.store
        wait_until(lambda: hc_available(store, sandbox.plan.namespace, sandbox.plan.name),
                   what="restored HC Available")
        # Another restore is still running when stop() comes.
        create_on_destination(sandbox, restored_hc_body(
            sandbox, presigned_get(sandbox, snapshot.key), "second"))
        wait_until(lambda: sandbox.etcd_of("destination", f"second-{sandbox.plan.name}"),
                   what="second restore under way")
        etcds = [sandbox.etcd_of("source", sandbox.plan.hcp_namespace),
                 sandbox.etcd_of("destination", sandbox.plan.hcp_namespace)]
        serving = [member.pod.ip for etcd in etcds if etcd for member in etcd.members]
        assert len(serving) == 2 and len(etcd_pids(serving)) == 2
        all_ips = [pod.ip for pod in sandbox.pods.pods()]
        assert len(all_ips) == 3
        urls = [rt.cluster.url for rt in sandbox.management.values()] + [
            sandbox.hosted.guest.url, sandbox.aws.endpoint_url]
        workdir = sandbox.pods.base_dir
    finally:
        sandbox.stop()
    assert not etcd_pids(all_ips)
    assert not any(listening_ports(ip) for ip in all_ips)
    assert not _ports_open(urls)
    assert not workdir.exists()
    leftover = [t for t in set(threading.enumerate()) - threads_before if t.is_alive()]
    assert not leftover, [t.name for t in leftover]
    assert sandbox.etcd_of("destination", sandbox.plan.hcp_namespace) is None
