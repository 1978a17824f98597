"""Parse a handler's event into its pydantic model, failing with a named domain error.

The error lists where the input is wrong, never the offending values (`where_invalid`).
Step Functions task payloads have no envelope, so plain pydantic validation is all
Powertools' Parser would do here, and importing the Parser (all its built-in event models)
costs ~60 ms of every cold start.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hcp_dr.errors import InvalidRequest
from hcp_dr.models.validation_summary import where_invalid

ModelT = TypeVar("ModelT", bound=BaseModel)


def parse_event(model: type[ModelT], event: Any) -> ModelT:
    try:
        return model.model_validate(event)
    except ValidationError as exc:
        raise InvalidRequest(f"invalid {model.__name__}: {where_invalid(exc)}") from None
