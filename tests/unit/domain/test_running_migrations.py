"""Which locks a scheduled tick treats as a migration (or backup) in progress."""

from __future__ import annotations

from hcp_dr.domain.dr_locks import running_backups, running_migrations
from hcp_dr.errors import AwsRequestRejected, AwsServiceUnavailable

EXECUTION = "arn:aws:states:eu-west-1:111122223333:execution:Migration"


class Locks:
    def __init__(self, held: dict[str, str], purpose: str = "migration") -> None:
        self.held, self.purpose = held, purpose

    def held_for(self, purpose: str, now: int) -> dict[str, str]:
        return self.held if purpose == self.purpose else {}


class Executions:
    """RUNNING, ended, or failing to answer, by execution name."""

    def __init__(self, answers: dict[str, object]) -> None:
        self.answers = answers

    def is_running(self, arn: str) -> bool:
        answer = self.answers[arn.rsplit(":", 1)[-1]]
        if isinstance(answer, Exception):
            raise answer
        return bool(answer)


def test_each_lock_is_judged_on_its_own():
    locks = Locks({f"hosted-cluster/clusters/{name}": f"{EXECUTION}:{name}"
                   for name in ("running", "stopped", "throttled", "denied")})
    executions = Executions({
        "running": True, "stopped": False,
        "throttled": AwsServiceUnavailable("Step Functions: ThrottlingException"),
        "denied": AwsRequestRejected("Step Functions DescribeExecution: AccessDenied")})
    assert running_migrations(locks, executions, 0) == {
        "hosted-cluster/clusters/running": "running",
        "hosted-cluster/clusters/throttled": "throttled"}


def test_backup_locks_are_judged_the_same_way_and_apart_from_migrations():
    locks = Locks({"hosted-cluster/clusters/slow": "arn:aws:states:r:1:execution:Backup:slow",
                   "hosted-cluster/clusters/ended": "arn:aws:states:r:1:execution:Backup:ended"},
                  purpose="backup")
    executions = Executions({"slow": True, "ended": False})
    assert running_backups(locks, executions, 0) == {"hosted-cluster/clusters/slow": "slow"}
    assert running_migrations(locks, executions, 0) == {}
