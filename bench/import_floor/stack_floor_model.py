"""One pydantic model, built at import: the least a handler validating its input imports."""

from pydantic import BaseModel


class StackFloorEvent(BaseModel):
    name: str
    replicas: int = 1
