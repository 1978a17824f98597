"""Management-cluster kubeconfigs, registered as Secrets Manager secrets `<prefix><cluster-id>`.

The kubeconfig is a credential: it is parsed here and handed to the Kubernetes client, never
logged, returned or put in an exception message.
"""

from __future__ import annotations

from typing import Any

import yaml
from botocore.exceptions import ClientError

from hcp_dr.adapters.aws_network import NETWORK_ERRORS, network_failure
from hcp_dr.errors import (
    AwsRequestRejected,
    AwsServiceUnavailable,
    KubeconfigInvalid,
    UnknownManagementCluster,
)

_THROTTLING = {"ThrottlingException", "InternalServiceError", "ServiceUnavailable"}


class KubeconfigSecrets:
    """Reads registered kubeconfigs; one instance per Lambda container."""

    def __init__(self, secretsmanager: Any, prefix: str) -> None:
        self._client = secretsmanager
        self._prefix = prefix

    def secret_name(self, cluster_id: str) -> str:
        return f"{self._prefix}{cluster_id}"

    def load(self, cluster_id: str) -> dict[str, Any]:
        """Return the parsed kubeconfig of a registered management cluster."""
        try:
            text = self._client.get_secret_value(
                SecretId=self.secret_name(cluster_id)).get("SecretString")
        except NETWORK_ERRORS as exc:
            raise network_failure("Secrets Manager", exc) from None
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code == "ResourceNotFoundException":
                raise UnknownManagementCluster(
                    f"no kubeconfig secret {self.secret_name(cluster_id)!r} is registered"
                ) from None
            if code in _THROTTLING:
                raise AwsServiceUnavailable(f"Secrets Manager: {code}") from None
            # AccessDenied, DecryptionFailure (a key the role may not use): named, and the
            # secret's name only, never its value.
            raise AwsRequestRejected(
                f"Secrets Manager {code} for {self.secret_name(cluster_id)!r}") from None
        try:
            config = yaml.safe_load(text) if isinstance(text, str) else None  # binary: not ours
        except yaml.YAMLError:
            config = None
        if not isinstance(config, dict) or not config.get("clusters"):
            raise KubeconfigInvalid(
                f"secret {self.secret_name(cluster_id)!r} does not hold a kubeconfig"
            )
        return config

    def registered_clusters(self) -> list[str]:
        """Every management cluster id that has a kubeconfig secret under the prefix."""
        ids: list[str] = []
        paginator = self._client.get_paginator("list_secrets")
        try:
            for page in paginator.paginate(Filters=[{"Key": "name", "Values": [self._prefix]}]):
                for secret in page.get("SecretList", []):
                    name = secret.get("Name", "")
                    if name.startswith(self._prefix) and not secret.get("DeletedDate"):
                        ids.append(name[len(self._prefix):])
        except NETWORK_ERRORS as exc:
            raise network_failure("Secrets Manager", exc) from None
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in _THROTTLING:
                raise AwsServiceUnavailable(f"Secrets Manager ListSecrets: {code}") from None
            raise AwsRequestRejected(f"Secrets Manager ListSecrets: {code}") from None
        return sorted(ids)
