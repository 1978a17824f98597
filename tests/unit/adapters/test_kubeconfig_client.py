"""`api_client_from_kubeconfig`: credentials that expire keep the client's refresh hook; a
fixed token or certificate does not pay for it on every request."""

from __future__ import annotations

import urllib.request

import pytest

from hcp_dr.adapters.management_cluster import api_client_from_kubeconfig


def _kubeconfig(user: dict) -> dict:
    return {
        "apiVersion": "v1", "kind": "Config", "current-context": "admin",
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:6443"}}],
        "contexts": [{"name": "admin", "context": {"cluster": "c", "user": "u"}}],
        "users": [{"name": "u", "user": user}],
    }


def test_fixed_token_is_sent_without_reapplying_the_kubeconfig(monkeypatch):
    client = api_client_from_kubeconfig(_kubeconfig({"token": "sekret"}))
    lookups = []
    real = urllib.request.getproxies
    monkeypatch.setattr("kubernetes.client.configuration.getproxies",
                        lambda: lookups.append(1) or real(), raising=False)
    headers: dict = {}
    for _ in range(3):
        client.update_params_for_auth(headers, [], ["BearerToken"], "/api", "GET", None)
    assert headers["authorization"] == "Bearer sekret"
    assert client.configuration.refresh_api_key_hook is None
    assert lookups == []


@pytest.mark.parametrize("user", [
    {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "true"}},
    {"auth-provider": {"name": "oidc", "config": {"id-token": "x", "idp-issuer-url": "https://i"}}},
])
def test_expiring_credentials_keep_the_refresh_hook(user):
    from hcp_dr.adapters.management_cluster import _refreshing_user

    assert _refreshing_user(_kubeconfig(user))
    assert not _refreshing_user(_kubeconfig({"token": "t"}))
    assert not _refreshing_user({})  # nothing to refresh in an empty kubeconfig


def test_a_read_that_timed_out_is_not_retried_by_urllib3():
    """Against an API server that accepts and never answers, urllib3's default would retry
    the read three more times; the state machines do the retrying, on their own clock."""
    client = api_client_from_kubeconfig(_kubeconfig({"token": "sekret"}))
    retries = client.rest_client.pool_manager.connection_pool_kw["retries"]
    assert (retries.read, retries.connect, retries.total) == (0, 1, 1)
