"""Step Functions' `Execution Status Change` event, as EventBridge delivers it: what the
recoveries of an execution that ended without running its failure path are given."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ExecutionStatusDetail(BaseModel):
    model_config = ConfigDict(extra="ignore")

    executionArn: str = Field(min_length=1)  # noqa: N815 - the event's own spelling
    name: str = Field(min_length=1)
    status: Literal["ABORTED", "TIMED_OUT"]
    startDate: int  # noqa: N815 - epoch milliseconds
    stopDate: int | None = None  # noqa: N815 - epoch milliseconds
    input: str | None = None

    @property
    def stopped_at(self) -> float:
        """Epoch seconds of the end (of the start, if the event has none)."""
        return (self.stopDate or self.startDate) / 1000


class ExecutionStatusChange(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    source: Literal["aws.states"]
    detail_type: Literal["Step Functions Execution Status Change"] = Field(alias="detail-type")
    detail: ExecutionStatusDetail
