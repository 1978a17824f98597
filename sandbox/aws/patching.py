"""Reversible attribute patches on moto's classes.

The sandbox bends a few moto internals (Lambda invoke, EventBridge delivery, S3 integrity
checks, Step Functions integrations) for as long as a `LocalAws` runs. Each replacement is
recorded so `stop()` puts the original back and a later test sees stock moto again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_INHERITED = object()


@dataclass
class PatchSet:
    """Attributes replaced on classes or modules, restorable in reverse order."""

    _originals: list[tuple[Any, str, Any]] = field(default_factory=list)

    def replace(self, owner: Any, name: str, replacement: Any) -> Any:
        """Install `replacement` as `owner.name`; return the previous (bound-able) value."""
        previous = getattr(owner, name)
        self._originals.append((owner, name, vars(owner).get(name, _INHERITED)))
        setattr(owner, name, replacement)
        return previous

    def restore(self) -> None:
        """Put every original back, newest patch first."""
        while self._originals:
            owner, name, original = self._originals.pop()
            if original is _INHERITED:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
