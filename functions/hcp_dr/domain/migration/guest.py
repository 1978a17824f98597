"""How the domain reaches a hosted cluster's own API: through a connector the handler passes
(the Kubernetes client is built in the adapter), from the admin kubeconfig secret the HC names
in its status (`<hc>-admin-kubeconfig` by default)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hcp_dr.adapters.management_cluster import ManagementClusterApi

GuestConnector = Callable[["ManagementClusterApi", str, str], "ManagementClusterApi"]


def admin_kubeconfig_secret(hosted_cluster: dict | None, hc_name: str) -> str:
    named = (((hosted_cluster or {}).get("status") or {}).get("kubeconfig") or {}).get("name")
    return named or f"{hc_name}-admin-kubeconfig"
