"""Remembered rule outcomes, keyed by what a rule can see: its node, `self` and `oldSelf`.

cel-python interprets a rule in ~0.5-2 ms and a HostedCluster runs ~40 of them, while a test
session validates the same specs over and over (every status update re-validates the whole
object, as the API server does). A rule's outcome depends only on the rule, the schema node
that types `self`, and the JSON values of `self` and `oldSelf`, so it is safe to remember.
The cache is bounded (least recently used entries go first) and shared by all validators.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

# (failed: bool, detail) where detail is the evaluated message or the evaluation error text;
# None means the rule holds.
Outcome = tuple[bool, str] | None

_MAX_ENTRIES = 50_000
_lock = threading.Lock()
_entries: OrderedDict[tuple[Any, ...], Outcome] = OrderedDict()
_MISSING = object()


def value_key(value: Any) -> str:
    """A canonical text of a JSON value (key order does not matter, list order does)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def lookup(key: tuple[Any, ...]) -> Any:
    """The remembered outcome, or `MISSING`."""
    with _lock:
        found = _entries.get(key, _MISSING)
        if found is not _MISSING:
            _entries.move_to_end(key)
        return found


def remember(key: tuple[Any, ...], outcome: Outcome) -> None:
    with _lock:
        _entries[key] = outcome
        if len(_entries) > _MAX_ENTRIES:
            _entries.popitem(last=False)


def clear() -> None:
    """Forget every outcome (tests that measure cold evaluation use it)."""
    with _lock:
        _entries.clear()


MISSING = _MISSING
