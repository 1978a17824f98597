"""The scheduled run's target list: one bad management cluster never costs the others."""

from __future__ import annotations

import threading

from botocore.exceptions import EndpointConnectionError

from hcp_dr.domain.backup_fleet import FleetSelection, backup_targets
from hcp_dr.errors import AwsRequestRejected, KubernetesApiUnavailable
from hcp_dr.models.kinds import HOSTED_CLUSTERS


class FakeApi:
    def __init__(self, names: list[str], error: Exception | None = None) -> None:
        self.names, self.error = names, error

    def list_custom(self, kind, namespace=None, label_selector=None):
        assert kind == HOSTED_CLUSTERS and namespace is None
        if self.error is not None:
            raise self.error
        return [{"metadata": {"namespace": "clusters", "name": n}} for n in self.names]


class FakeClusters:
    def __init__(self, apis: dict[str, FakeApi | Exception]) -> None:
        self.apis = apis
        self.threads: set[int] = set()

    def registered(self) -> list[str]:
        return list(self.apis)

    def api(self, cluster_id: str) -> FakeApi:
        self.threads.add(threading.get_ident())
        found = self.apis[cluster_id]
        if isinstance(found, Exception):
            raise found
        return found


def test_every_failure_is_reported_per_cluster_and_the_rest_are_listed():
    clusters = FakeClusters({
        "mc-a": FakeApi(["one", "two"]),
        "mc-denied": AwsRequestRejected("Secrets Manager AccessDenied for 'hcp-dr/...'"),
        "mc-down": FakeApi([], error=KubernetesApiUnavailable("list: HTTP 503")),
        "mc-no-crd": FakeApi([]),  # the adapter answers [] where the CRD is not served
        "mc-b": FakeApi(["three"]),
        # A library's own error (botocore's, once its retries are spent, reading the
        # kubeconfig): that cluster's, not the run's.
        "mc-net": EndpointConnectionError(endpoint_url="https://secretsmanager.example"),
    })
    fleet = backup_targets(clusters, FleetSelection(), {})
    assert [(t.management_cluster, t.name) for t in fleet.targets] == [
        ("mc-a", "one"), ("mc-a", "two"), ("mc-b", "three")]
    assert fleet.unreachable == [
        {"management_cluster": "mc-denied", "error": "AwsRequestRejected"},
        {"management_cluster": "mc-down", "error": "KubernetesApiUnavailable"},
        {"management_cluster": "mc-net", "error": "EndpointConnectionError"}]


def test_a_secret_name_that_is_no_cluster_id_is_reported_and_never_connected_to():
    """One misnamed kubeconfig secret under the prefix must not stop every scheduled backup."""
    never = FakeApi([], error=AssertionError("a misnamed cluster was connected to"))
    clusters = FakeClusters({"Prod_East": never, "mc-a": FakeApi(["one"])})
    fleet = backup_targets(clusters, FleetSelection(), {})
    assert [(t.management_cluster, t.name) for t in fleet.targets] == [("mc-a", "one")]
    assert fleet.unreachable == [
        {"management_cluster": "Prod_East", "error": "InvalidManagementClusterId"}]


def test_an_unreadable_listing_is_that_clusters_failure_only():
    class OddApi(FakeApi):
        def list_custom(self, kind, namespace=None, label_selector=None):
            return [{"metadata": {"name": "no-namespace"}}]

    fleet = backup_targets(FakeClusters({"mc-odd": OddApi([]), "mc-a": FakeApi(["one"])}),
                           FleetSelection(), {})
    assert [t.name for t in fleet.targets] == ["one"]
    assert fleet.unreachable == [
        {"management_cluster": "mc-odd", "error": "HostedClusterListUnreadable"}]


def test_management_clusters_are_listed_at_the_same_time_not_one_after_another():
    """Each listing waits until all six are in progress: sequential listing could never get
    there (the barrier breaks and the test fails), so no clock is needed."""
    everyone = threading.Barrier(6, timeout=30)

    class WaitingApi(FakeApi):
        def list_custom(self, kind, namespace=None, label_selector=None):
            everyone.wait()
            return super().list_custom(kind, namespace, label_selector)

    clusters = FakeClusters({f"mc-{i}": WaitingApi([f"hc-{i}"]) for i in range(6)})
    fleet = backup_targets(clusters, FleetSelection(), {})
    assert sorted(t.name for t in fleet.targets) == [f"hc-{i}" for i in range(6)]
    assert len(clusters.threads) == 6


def test_one_name_on_two_management_clusters_is_reported_not_backed_up_as_one_series():
    """Backups are kept per namespace/name: two live `clusters/dev` would share a series and
    one's retention would prune the other's backups."""
    clusters = FakeClusters({
        "mc-a": FakeApi(["dev", "prod"]),
        "mc-b": FakeApi(["dev"]),
    })
    fleet = backup_targets(clusters, FleetSelection(), {})
    assert [(t.management_cluster, t.name) for t in fleet.targets] == [("mc-a", "prod")]
    assert fleet.ambiguous == [{"hosted_cluster": "clusters/dev",
                                "management_clusters": ["mc-a", "mc-b"]}]


def test_a_cluster_a_migration_holds_is_skipped_and_reported_not_failed_or_ambiguous():
    """Mid-migration the HC exists on both management clusters and its lock is the
    migration's: the scheduled run leaves it to the migration, which takes its own backup."""
    clusters = FakeClusters({
        "mc-a": FakeApi(["moving", "staying"]),
        "mc-b": FakeApi(["moving"]),
    })
    migrations = {"hosted-cluster/clusters/moving": "alarm-1f2e-clusters-moving",
                  "operator/mc-a": "alarm-1f2e-clusters-moving"}
    fleet = backup_targets(clusters, FleetSelection(), migrations)
    assert [(t.management_cluster, t.name) for t in fleet.targets] == [("mc-a", "staying")]
    assert fleet.ambiguous == []
    assert fleet.migrating == [{"hosted_cluster": "clusters/moving",
                                "migration": "alarm-1f2e-clusters-moving",
                                "management_clusters": ["mc-a", "mc-b"]}]


def test_a_configured_selection_skips_a_migrating_cluster_too():
    selection = FleetSelection(hosted_clusters=[
        {"management_cluster": "mc-a", "namespace": "clusters", "name": "moving"},
        {"management_cluster": "mc-a", "namespace": "clusters", "name": "staying"}])
    fleet = backup_targets(FakeClusters({}), selection,
                           {"hosted-cluster/clusters/moving": "m-1"})
    assert [t.name for t in fleet.targets] == ["staying"]
    assert [m["hosted_cluster"] for m in fleet.migrating] == ["clusters/moving"]


def test_a_cluster_an_earlier_ticks_backup_still_holds_is_skipped_not_failed():
    """A fleet whose backups outlast the interval: the next tick would only meet the lock of
    the backup still running and page (BackupFailed). It is skipped and reported."""
    clusters = FakeClusters({"mc-a": FakeApi(["slow", "quick"])})
    backups = {"hosted-cluster/clusters/slow": "tick-0900-clusters-slow"}
    fleet = backup_targets(clusters, FleetSelection(), {}, backups)
    assert [t.name for t in fleet.targets] == ["quick"]
    assert fleet.backing_up == [{"hosted_cluster": "clusters/slow",
                                 "backup": "tick-0900-clusters-slow",
                                 "management_clusters": ["mc-a"]}]
    assert fleet.migrating == [] and fleet.unreachable == []

    selection = FleetSelection(hosted_clusters=[
        {"management_cluster": "mc-a", "namespace": "clusters", "name": "slow"}])
    assert backup_targets(clusters, selection, {}, backups).targets == []
