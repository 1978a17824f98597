"""The migration's adapters, built on the shared per-container clients of `dependencies`.

The adapters are thin wrappers, so they are built per use from the cached boto3 clients (which
`dependencies.reset()` drops when the environment changes); nothing is cached here. Kubernetes
is only imported by the functions that ask for the guest connector; the DNS wait's adapters
are in `dns_wait_dependencies`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hcp_dr import dependencies
from hcp_dr.adapters.dns_zones import DnsZones
from hcp_dr.adapters.migration_executions import MigrationExecutions
from hcp_dr.adapters.migration_policies import MigrationPolicies
from hcp_dr.adapters.trigger_marks import TriggerMarks

if TYPE_CHECKING:
    from hcp_dr.adapters.restore_url_signer import S3UrlSigner
    from hcp_dr.domain.migration.guest import GuestConnector


def dns_zones() -> DnsZones:
    return DnsZones(dependencies.aws_client("route53"))


def migration_executions() -> MigrationExecutions:
    return MigrationExecutions(dependencies.aws_client("stepfunctions"),
                               dependencies.settings().migration_state_machine_arn)


def migration_policies() -> MigrationPolicies:
    return MigrationPolicies(dependencies.aws_client("ssm"),
                             dependencies.settings().migration_policies_parameter)


def trigger_marks() -> TriggerMarks:
    return TriggerMarks(dependencies.aws_client("dynamodb"), dependencies.settings().lock_table)


def restore_url_signer() -> S3UrlSigner:
    """The dedicated signer when its secret is configured, else the function's credentials."""
    from hcp_dr.adapters import restore_url_signer as signers

    config = dependencies.settings()
    region = config.backup_bucket_region or dependencies.aws_client("s3").meta.region_name
    if config.restore_url_signer_secret:
        return signers.signer_from_secret(dependencies.aws_client("secretsmanager"),
                                          config.restore_url_signer_secret, region,
                                          dependencies.aws_session())
    return signers.signer_from_function_credentials(region, dependencies.aws_session())


def guest_connector() -> GuestConnector:
    from hcp_dr.adapters.guest_clusters import connect_guest

    return connect_guest
