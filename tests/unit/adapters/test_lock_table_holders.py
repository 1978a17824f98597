"""A refused lock says who holds it (moto DynamoDB): the migration waits for a backup and
fails at once on another migration, so the refusal must carry the holder's purpose."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from hcp_dr.adapters.lock_table import LockTable
from hcp_dr.errors import AwsServiceUnavailable, ClusterLocked, LockChangingHands

LOCK = "hosted-cluster/clusters/cesar"


@pytest.fixture
def locks():
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="eu-west-1")
        dynamodb.create_table(
            TableName="locks", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}])
        yield LockTable(dynamodb, "locks")


@pytest.mark.parametrize("purpose", ["backup", "migration"])
def test_the_refusal_names_the_holder_and_its_purpose(locks, purpose):
    locks.acquire(LOCK, "arn:aws:states:eu-west-1:1:execution:m:holder-7", 100, 60, purpose)
    with pytest.raises(ClusterLocked, match=f"locked by {purpose} execution holder-7") as refused:
        locks.acquire(LOCK, "arn:aws:states:eu-west-1:1:execution:m:late", 101, 60, "migration")
    assert refused.value.holder_purpose == purpose
    assert refused.value.holder == "arn:aws:states:eu-west-1:1:execution:m:holder-7"


def test_an_expired_lock_is_taken_over_whatever_held_it(locks):
    locks.acquire(LOCK, "crashed", 100, 60, "backup")
    locks.acquire(LOCK, "next", 161, 60, "migration")
    assert not locks.release(LOCK, "crashed")  # a late release cannot free the new holder's
    assert locks.release(LOCK, "next")


def test_a_lock_is_taken_over_only_from_the_holder_that_ended(locks):
    locks.acquire(LOCK, "stopped-backup", 100, 60, "backup")
    with pytest.raises(LockChangingHands, match="changed hands"):  # transient: looked at again
        locks.take_over(LOCK, "some-other-run", "migration-1", 101, 60, "migration")
    locks.take_over(LOCK, "stopped-backup", "migration-1", 101, 60, "migration")
    with pytest.raises(ClusterLocked) as refused:
        locks.acquire(LOCK, "migration-2", 102, 60, "migration")
    assert (refused.value.holder, refused.value.holder_purpose) == ("migration-1", "migration")


def test_a_holder_that_lets_go_while_we_look_costs_one_more_try(locks):
    """Released between our refused write and our look at the holder: the lock is free, so
    the caller gets it instead of a refusal naming nobody."""
    locks.acquire(LOCK, "finishing-backup", 100, 60, "backup")
    client = locks._client

    class ReleasingOnLook:
        def __getattr__(self, name):
            return getattr(client, name)

        def get_item(self, **kwargs):
            locks_of_client.release(LOCK, "finishing-backup")
            return client.get_item(**kwargs)

    locks_of_client = LockTable(client, "locks")
    LockTable(ReleasingOnLook(), "locks").acquire(LOCK, "migration-1", 101, 60, "migration")
    with pytest.raises(ClusterLocked) as refused:
        locks.acquire(LOCK, "migration-2", 102, 60, "migration")
    assert refused.value.holder == "migration-1"


class _Throttled:
    """A DynamoDB client whose every call is throttled after botocore's own retries."""

    def __getattr__(self, operation):
        def call(**_kwargs):
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}},
                              operation)
        return call


@pytest.mark.parametrize("call", [
    lambda table: table.release(LOCK, "me"),
    lambda table: table.acquire(LOCK, "me", 100, 60, "backup"),
    lambda table: table._holder(LOCK),
])
def test_throttling_is_a_retryable_error_for_every_lock_call(call):
    """Released or not, a throttled call must reach the state machine as the error its
    Retry names, not as a raw ClientError no Retry matches."""
    with pytest.raises(AwsServiceUnavailable, match="ThrottlingException"):
        call(LockTable(_Throttled(), "locks"))


def test_a_lock_that_keeps_changing_hands_is_looked_at_again_not_refused(locks):
    """Refused twice, with nobody holding it when we look: a race the stage's Retry resolves
    (LockChangingHands is transient), not another run's lock (ClusterLocked fails at once)."""
    client = locks._client

    class AlwaysRefusedNeverHeld:
        def __getattr__(self, name):
            return getattr(client, name)

        def put_item(self, **kwargs):
            raise ClientError({"Error": {"Code": "ConditionalCheckFailedException"}}, "PutItem")

        def get_item(self, **kwargs):
            return {}

    with pytest.raises(LockChangingHands):
        LockTable(AlwaysRefusedNeverHeld(), "locks").acquire(LOCK, "m-1", 1, 60, "migration")
