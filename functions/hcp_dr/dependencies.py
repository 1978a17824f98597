"""Clients built once per Lambda container, on first use (never at import time).

Handlers ask here for what they need; the domain receives it as parameters. The Kubernetes
client (and yaml, for kubeconfigs) is imported lazily so functions that don't talk to
clusters don't pay its import cost.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from hcp_dr.adapters.backup_bucket import S3_REGIONAL_SIGV4, BackupBucket
from hcp_dr.adapters.execution_status import ExecutionStatus
from hcp_dr.adapters.lock_table import LockTable
from hcp_dr.settings import Settings, load_settings

if TYPE_CHECKING:
    from hcp_dr.adapters.cluster_clients import ManagementClusters
    from hcp_dr.adapters.kubeconfig_secrets import KubeconfigSecrets

_RETRIES = Config(retries={"mode": "standard", "max_attempts": 5})
# S3 presigned URLs must be SigV4 (boto3 falls back to SigV2 against custom endpoints), and
# name the bucket's regional endpoint: botocore otherwise presigns `<bucket>.s3.amazonaws.com`,
# which S3 answers with a 307 redirect (a day after the bucket's creation, or forever in the
# regions opened since 2019) that the pod's `curl -X PUT` does not follow.
_S3 = _RETRIES.merge(S3_REGIONAL_SIGV4)


def settings() -> Settings:
    return load_settings()


@lru_cache(maxsize=1)
def aws_session() -> boto3.session.Session:
    """One session per container: every client made from it shares botocore's parsed endpoint
    and service data (a second session would parse them again, tens of ms per client)."""
    return boto3.session.Session()


@cache
def aws_client(service: str) -> Any:
    return aws_session().client(service, config=_S3 if service == "s3" else _RETRIES)


@lru_cache(maxsize=1)
def kubeconfig_secrets() -> KubeconfigSecrets:
    from hcp_dr.adapters.kubeconfig_secrets import KubeconfigSecrets  # pulls in yaml

    return KubeconfigSecrets(aws_client("secretsmanager"), settings().kubeconfig_secret_prefix)


@lru_cache(maxsize=1)
def management_clusters() -> ManagementClusters:
    from hcp_dr.adapters.cluster_clients import ManagementClusters

    return ManagementClusters(kubeconfig_secrets())


@lru_cache(maxsize=1)
def backup_bucket() -> BackupBucket:
    config = settings()
    return BackupBucket(aws_client("s3"), config.backup_bucket, config.backup_kms_key_id)


@lru_cache(maxsize=1)
def lock_table() -> LockTable:
    return LockTable(aws_client("dynamodb"), settings().lock_table)


def execution_status() -> ExecutionStatus:
    return ExecutionStatus(aws_client("stepfunctions"))


def reset() -> None:
    """Forget every cached client (tests and the sandbox switch environments)."""
    for cached in (aws_session, aws_client, kubeconfig_secrets, management_clusters,
                   backup_bucket, lock_table):
        cached.cache_clear()
    load_settings.cache_clear()
