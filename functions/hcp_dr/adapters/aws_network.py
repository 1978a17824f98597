"""What botocore raises once its own retries are spent on the network rather than on the
request: a connection that failed or timed out, a body that stopped arriving. Every AWS
adapter names it `AwsServiceUnavailable`, which the state machines retry; under its own
name (EndpointConnectionError, ReadTimeoutError...) no Retry would match it and the stage
would go straight to its failure path."""

from __future__ import annotations

from botocore.exceptions import ConnectionError, HTTPClientError, IncompleteReadError

from hcp_dr.errors import AwsServiceUnavailable

NETWORK_ERRORS = (ConnectionError, HTTPClientError, IncompleteReadError)


def network_failure(service: str, exc: Exception) -> AwsServiceUnavailable:
    """The error to raise (`from None`) in place of `exc`: its type only, never its text,
    which may hold the request's URL."""
    return AwsServiceUnavailable(f"{service}: {type(exc).__name__}")
