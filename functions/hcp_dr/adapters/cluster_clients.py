"""One authenticated Kubernetes client per management cluster, cached per Lambda container."""

from __future__ import annotations

import threading

from kubernetes import config as k8s_config

from hcp_dr.adapters.kubeconfig_secrets import KubeconfigSecrets
from hcp_dr.adapters.management_cluster import ManagementClusterApi, api_client_from_kubeconfig
from hcp_dr.errors import KubeconfigInvalid


class ManagementClusters:
    """Builds `ManagementClusterApi`s from registered kubeconfigs, once per cluster."""

    def __init__(self, kubeconfigs: KubeconfigSecrets) -> None:
        self._kubeconfigs = kubeconfigs
        self._apis: dict[str, ManagementClusterApi] = {}
        self._lock = threading.Lock()

    def api(self, cluster_id: str) -> ManagementClusterApi:
        with self._lock:
            cached = self._apis.get(cluster_id)
        if cached is not None:
            return cached
        config = self._kubeconfigs.load(cluster_id)
        try:
            api_client = api_client_from_kubeconfig(config)
        except (k8s_config.ConfigException, KeyError, TypeError, ValueError):
            # The exception text may quote the kubeconfig: report only which secret is bad.
            raise KubeconfigInvalid(
                f"kubeconfig of management cluster {cluster_id!r} is unusable"
            ) from None
        api = ManagementClusterApi(api_client, cluster_id)
        with self._lock:
            self._apis[cluster_id] = api
        return api

    def forget(self, cluster_id: str) -> None:
        """Drop a cached client, e.g. after its credentials were rejected."""
        with self._lock:
            self._apis.pop(cluster_id, None)

    def registered(self) -> list[str]:
        return self._kubeconfigs.registered_clusters()
