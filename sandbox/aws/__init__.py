"""AWS for one process, on moto: our real ASL executed, our real handlers invoked in-process.

Start with `LocalAws` (a context manager), then `provision_backup_environment` and
`deploy_state_machines`. See the module docstrings for what is emulated beyond stock moto.
"""

from sandbox.aws.eventbridge import Delivery
from sandbox.aws.executions import StageTiming
from sandbox.aws.lambdas import Invocation, LambdaContext
from sandbox.aws.provisioning import BackupEnvironment, provision_backup_environment
from sandbox.aws.server import LocalAws
from sandbox.aws.statemachines import (
    SubstitutionError,
    deploy_state_machine,
    deploy_state_machines,
)

__all__ = [
    "BackupEnvironment",
    "Delivery",
    "Invocation",
    "LambdaContext",
    "LocalAws",
    "StageTiming",
    "SubstitutionError",
    "deploy_state_machine",
    "deploy_state_machines",
    "provision_backup_environment",
]
