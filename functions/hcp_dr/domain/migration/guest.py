"""How the domain reaches a hosted cluster's own API: through a connector the handler passes
(the Kubernetes client is built in the adapter), from the admin kubeconfig secret the HC names
in its status (`<hc>-admin-kubeconfig` by default)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from hcp_dr.errors import GuestApiUnavailable, KubernetesApiUnavailable

if TYPE_CHECKING:
    from hcp_dr.adapters.management_cluster import ManagementClusterApi

GuestConnector = Callable[["ManagementClusterApi", str, str], "ManagementClusterApi"]


def admin_kubeconfig_secret(hosted_cluster: dict | None, hc_name: str) -> str:
    named = (((hosted_cluster or {}).get("status") or {}).get("kubeconfig") or {}).get("name")
    return named or f"{hc_name}-admin-kubeconfig"


@contextmanager
def guest_api_calls(hosted_cluster_key: str) -> Iterator[None]:
    """The hosted cluster's API failing is not its management cluster's: right after a
    cutover it can take a while to answer, so the stages give it retries of its own."""
    try:
        yield
    except KubernetesApiUnavailable as exc:
        raise GuestApiUnavailable(f"API of hosted cluster {hosted_cluster_key}: {exc}") from None
