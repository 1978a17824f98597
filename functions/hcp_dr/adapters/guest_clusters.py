"""The hosted cluster's own API (the guest), reached with the admin kubeconfig HyperShift
publishes in the HC namespace of the management cluster that serves it.

The same typed wrapper as for management clusters serves the guest. The kubeconfig is a
credential: it is decoded here, handed to the client and never logged or returned.
"""

from __future__ import annotations

import base64
import binascii

import yaml
from kubernetes import config as k8s_config

from hcp_dr.adapters.management_cluster import ManagementClusterApi, api_client_from_kubeconfig
from hcp_dr.errors import KubeconfigInvalid
from hcp_dr.models.kinds import SECRETS

KUBECONFIG_KEY = "kubeconfig"


def connect_guest(management: ManagementClusterApi, namespace: str,
                  secret_name: str) -> ManagementClusterApi:
    """A client for the guest API from `<namespace>/<secret_name>` on `management`."""
    where = f"{management.cluster_id}:{namespace}/{secret_name}"
    secret = management.get_object(SECRETS, namespace, secret_name)
    encoded = ((secret or {}).get("data") or {}).get(KUBECONFIG_KEY)
    if not encoded:
        raise KubeconfigInvalid(f"no guest kubeconfig in secret {where}")
    try:
        config = yaml.safe_load(base64.b64decode(encoded))
        api_client = api_client_from_kubeconfig(config)
    except (binascii.Error, yaml.YAMLError, k8s_config.ConfigException, KeyError, TypeError,
            ValueError, AttributeError):
        raise KubeconfigInvalid(f"guest kubeconfig in secret {where} is unusable") from None
    return ManagementClusterApi(api_client, f"guest:{namespace}/{secret_name}")
