"""The stack's ended-execution rules, as the sandbox installs them (stacks/execution_recovery.py
builds the same patterns; tests/infrastructure compares the two)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

# machine -> (rule name, function)
RECOVERY_RULES = {
    "Backup": ("hcp-dr-ended-backups", "RecoverEndedBackup"),
    "Migration": ("hcp-dr-stopped-migrations", "RecoverStoppedMigration"),
}


def ended_execution_pattern(machine_arn: str) -> dict[str, Any]:
    return {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {"status": ["ABORTED", "TIMED_OUT"], "stateMachineArn": [machine_arn]},
    }


def install_recovery_rules(events: Any, function_arn: Callable[[str], str],
                           machines: dict[str, str]) -> None:
    """One rule per deployed machine that has a recovery."""
    for machine, (rule, function) in RECOVERY_RULES.items():
        if machine not in machines:
            continue
        events.put_rule(Name=rule, State="ENABLED",
                        Description=f"hcp-dr: a {machine} execution stopped or timed out",
                        EventPattern=json.dumps(ended_execution_pattern(machines[machine])))
        events.put_targets(Rule=rule, Targets=[{"Id": function, "Arn": function_arn(function)}])
