"""Parse a handler's event into its pydantic model, failing with a named domain error.

The error lists where the input is wrong, never the offending values: an event can carry
something secret in a field that was put in the wrong place.
"""

from __future__ import annotations

from typing import Any, TypeVar

from aws_lambda_powertools.utilities.parser import parse
from pydantic import BaseModel, ValidationError

from hcp_dr.errors import InvalidRequest

ModelT = TypeVar("ModelT", bound=BaseModel)


def parse_event(model: type[ModelT], event: Any) -> ModelT:
    try:
        return parse(event=event, model=model)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['type']}"
            for err in exc.errors()[:10]
        )
        raise InvalidRequest(f"invalid {model.__name__}: {problems}") from None
