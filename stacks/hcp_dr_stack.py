"""The one stack: a construct per concern, wired by typed arguments."""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from stacks.cluster_network import ClusterNetworkAccess
from stacks.config import StackConfig
from stacks.execution_recovery import ExecutionRecovery
from stacks.functions import Functions
from stacks.monitoring import FailureNotifications, Monitoring, ScheduleWatch
from stacks.schedules import Schedules
from stacks.signer import RestoreUrlSigner
from stacks.storage import Storage
from stacks.triggers import MigrationTriggers
from stacks.workflows import Workflows

SCHEDULED_MACHINE = "ScheduledBackup"


class HcpDrStack(Stack):
    """Storage -> notifications -> signer -> (cluster network) -> functions -> workflows
    -> schedule -> triggers -> monitoring."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = StackConfig.from_node(self.node)

        self.storage = Storage(self, "Storage", config=self.config)
        self.notifications = FailureNotifications(self, "Notifications")
        self.signer = (
            RestoreUrlSigner(self, "RestoreUrlSigner", config=self.config, storage=self.storage)
            if self.config.restore_url_signer else None
        )
        network = self.config.management_cluster_network
        self.cluster_network = (
            ClusterNetworkAccess(self, "ClusterNetwork", network=network) if network else None
        )
        self.functions = Functions(
            self, "Functions",
            config=self.config, storage=self.storage, notifications=self.notifications,
            signer=self.signer, cluster_network=self.cluster_network,
        )
        self.workflows = Workflows(
            self, "Workflows",
            config=self.config, functions=self.functions,
            notifications=self.notifications,
        )
        self.functions.connect_state_machines(self.workflows.by_name)
        self.schedules = Schedules(
            self, "Schedules",
            config=self.config, target=self.workflows.by_name[SCHEDULED_MACHINE],
        )
        self.triggers = MigrationTriggers(
            self, "Triggers", config=self.config, functions=self.functions,
        )
        self.execution_recovery = ExecutionRecovery(
            self, "Recovery", functions=self.functions, machines=self.workflows.by_name,
        )
        self.monitoring = Monitoring(
            self, "Monitoring",
            config=self.config, topic=self.notifications.topic,
            state_machines=self.workflows.by_name,
            event_driven={**self.triggers.event_driven, **self.execution_recovery.event_driven},
            schedule=ScheduleWatch(SCHEDULED_MACHINE, self.schedules.dead_letters),
        )

        CfnOutput(self, "BackupBucketName", value=self.storage.bucket.bucket_name)
        CfnOutput(self, "FailureTopicArn", value=self.notifications.topic.topic_arn)
        for name, machine in self.workflows.by_name.items():
            CfnOutput(self, f"{name}StateMachineArn", value=machine.state_machine_arn)
