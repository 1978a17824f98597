"""Migration stage 5 (`.waitForTaskToken`): register the DNS wait and check the zone once.

The task completes when this or a later `WatchDnsCleanup` invocation finds the records gone.
"""

from __future__ import annotations

import time

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import dns_wait_dependencies
from hcp_dr.domain.migration.dns_wait import DnsWaitRequest, await_dns_cleanup
from hcp_dr.handlers.event_parsing import parse_event
from hcp_dr.observability import bind_execution, logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    request = parse_event(DnsWaitRequest, event)
    bind_execution(request.execution_id)
    result = await_dns_cleanup(request, dns_wait_dependencies.dns_waits(),
                               dns_wait_dependencies.dns_watch(), int(time.time()))
    logger.info("DNS wait registered", extra={"purpose": request.purpose, **result})
    return result
