"""The DNS wait's adapters, for the two functions that register and check DNS waits.

Apart from `migration_dependencies` so the other migration functions do not import the wait's
domain and its DynamoDB and Step Functions task adapters. Built per use from the shared
per-container clients of `dependencies`, like the rest.
"""

from __future__ import annotations

from hcp_dr import dependencies, migration_dependencies
from hcp_dr.adapters.dns_waits import DnsWaits
from hcp_dr.adapters.task_results import TaskResults
from hcp_dr.domain.migration.dns_wait import DnsWatch


def dns_waits() -> DnsWaits:
    return DnsWaits(dependencies.aws_client("dynamodb"), dependencies.settings().lock_table)


def task_results() -> TaskResults:
    return TaskResults(dependencies.aws_client("stepfunctions"))


def dns_watch() -> DnsWatch:
    return DnsWatch(dns_waits(), migration_dependencies.dns_zones(), task_results())
