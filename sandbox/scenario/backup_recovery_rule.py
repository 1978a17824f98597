"""The stack's ended-backup rule, as the sandbox installs it (stacks/backup_recovery.py builds
the same pattern; tests/infrastructure compares the two)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

ENDED_BACKUPS_RULE = "hcp-dr-ended-backups"
RECOVER_FUNCTION = "RecoverEndedBackup"


def ended_backup_pattern(backup_machine_arn: str) -> dict[str, Any]:
    return {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {"status": ["ABORTED", "TIMED_OUT"], "stateMachineArn": [backup_machine_arn]},
    }


def install_backup_recovery_rule(events: Any, function_arn: Callable[[str], str],
                                 backup_machine_arn: str) -> None:
    events.put_rule(Name=ENDED_BACKUPS_RULE, State="ENABLED",
                    Description="hcp-dr: a Backup execution stopped or timed out",
                    EventPattern=json.dumps(ended_backup_pattern(backup_machine_arn)))
    events.put_targets(Rule=ENDED_BACKUPS_RULE, Targets=[
        {"Id": RECOVER_FUNCTION, "Arn": function_arn(RECOVER_FUNCTION)}])
