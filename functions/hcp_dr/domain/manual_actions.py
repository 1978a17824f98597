"""The runbook half of a failure notice, shared by backups and migrations: the actions a person
must still take, numbered in the order to take them, or the plain statement that none remain."""

from __future__ import annotations

from collections.abc import Sequence

MANUAL_ACTION_REQUIRED = "MANUAL ACTION REQUIRED"


def runbook(actions: Sequence[str], nothing_left: str) -> str:
    if not actions:
        return nothing_left
    return f"{MANUAL_ACTION_REQUIRED}: " + " ".join(
        f"({number}) {action}" for number, action in enumerate(actions, start=1))
