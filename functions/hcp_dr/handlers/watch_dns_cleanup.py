"""Route 53 `ChangeResourceRecordSets` CloudTrail events and the fallback schedule: check every
pending DNS wait against its zones and complete the tasks whose records are gone (or late).

The event only says "look again", so any EventBridge event shape is accepted; its kind is
logged for the benchmarks (event path vs fallback poll).
"""

from __future__ import annotations

import time

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from hcp_dr import dns_wait_dependencies
from hcp_dr.handlers.event_parsing import parse_event
from hcp_dr.observability import logger


class WatchTrigger(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    source: str = "unknown"
    detail_type: str = Field("unknown", alias="detail-type")
    detail: dict | str = {}

    @property
    def event_name(self) -> str:
        if isinstance(self.detail, dict):
            return str(self.detail.get("eventName", self.detail_type))
        return self.detail_type


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    trigger = parse_event(WatchTrigger, event or {})
    result = dns_wait_dependencies.dns_watch().check_all(int(time.time()))
    log = logger.info if result["checked"] else logger.debug  # the schedule ticks every minute
    log("DNS waits checked", extra={"trigger": trigger.event_name, "source": trigger.source,
                                    **result})
    return result
