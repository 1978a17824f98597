"""A refused lock says who holds it (moto DynamoDB): the migration waits for a backup and
fails at once on another migration, so the refusal must carry the holder's purpose."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from hcp_dr.adapters.lock_table import LockTable
from hcp_dr.errors import ClusterLocked

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


def test_an_expired_lock_is_taken_over_whatever_held_it(locks):
    locks.acquire(LOCK, "crashed", 100, 60, "backup")
    locks.acquire(LOCK, "next", 161, 60, "migration")
    assert not locks.release(LOCK, "crashed")  # a late release cannot free the new holder's
    assert locks.release(LOCK, "next")
