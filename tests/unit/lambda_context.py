"""The Lambda context handlers receive, as unit tests hand it to them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LambdaContextStub:
    function_name: str = "test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test"
    aws_request_id: str = "req-1"
