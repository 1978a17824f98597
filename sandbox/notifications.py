"""What hcp-dr publishes on its notification topic (approval requests, failure notices), read
through an SQS subscription as an on-call tool would."""

from __future__ import annotations

import time

from sandbox.environment import Sandbox


def failure_topic_queue(sandbox: Sandbox, name: str, raw: bool = False) -> str:
    """An SQS queue subscribed to the failure topic (approval requests and failure notices);
    `raw` delivers the bare message, otherwise SNS's envelope with its Subject."""
    assert sandbox.backup_env is not None
    sqs = sandbox.aws.client("sqs")
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    sandbox.aws.client("sns").subscribe(
        TopicArn=sandbox.backup_env.failure_topic_arn, Protocol="sqs", Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "true" if raw else "false"})
    return queue_url


def message_containing(sandbox: Sandbox, queue_url: str, text: str,
                       timeout: float = 30) -> str:
    """The body of the first message on the queue that contains `text`."""
    sqs = sandbox.aws.client("sqs")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get(
                "Messages", []):
            if text in message["Body"]:
                return message["Body"]
    raise TimeoutError(f"no message with {text!r} was published")
