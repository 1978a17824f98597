"""One pydantic model, built at import: the least a handler validating its input imports.

Alone in its directory, which the import-time benchmark puts first on the probe's sys.path in
place of `functions/`, so measuring the floor needs neither the repository root nor hcp_dr.
"""

from pydantic import BaseModel


class StackFloorEvent(BaseModel):
    name: str
    replicas: int = 1
