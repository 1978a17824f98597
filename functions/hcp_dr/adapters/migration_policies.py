"""Migration policies: an SSM parameter holding a JSON list, one entry per alarm."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from hcp_dr.adapters.aws_network import NETWORK_ERRORS, network_failure
from hcp_dr.errors import AwsRequestRejected, AwsServiceUnavailable, MigrationPoliciesInvalid

_THROTTLING = {"ThrottlingException", "InternalServerError", "TooManyUpdates"}


class MigrationPolicies:
    def __init__(self, ssm: Any, parameter: str) -> None:
        self._client = ssm
        self.parameter = parameter

    def load(self) -> list[Any]:
        """The raw policy documents (validated by the domain)."""
        try:
            value = self._client.get_parameter(Name=self.parameter,
                                               WithDecryption=True)["Parameter"]["Value"]
        except NETWORK_ERRORS as exc:
            raise network_failure("SSM", exc) from None
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in _THROTTLING:
                raise AwsServiceUnavailable(f"SSM: {code}") from None
            if code == "ParameterNotFound":
                raise MigrationPoliciesInvalid(f"parameter {self.parameter!r} not found") from None
            raise AwsRequestRejected(f"SSM GetParameter: {code}") from None
        try:
            document = json.loads(value)
        except ValueError:
            raise MigrationPoliciesInvalid(f"parameter {self.parameter!r} is not JSON") from None
        if not isinstance(document, list):
            raise MigrationPoliciesInvalid(f"parameter {self.parameter!r} is not a JSON list")
        return document
