"""The backup bucket adapter names what S3 refuses, and never mistakes a refusal for success."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    ReadTimeoutError,
    ResponseStreamingError,
)
from moto import mock_aws

from hcp_dr.adapters.backup_bucket import BackupBucket
from hcp_dr.domain.backup_catalog import backup_sets
from hcp_dr.errors import AwsRequestRejected, AwsServiceUnavailable, RecordUnreadable

BUCKET = "hcp-dr-backups"


class PartlyDeleting:
    """DeleteObjects answers 200 and lists the keys it could not delete."""

    def delete_objects(self, Bucket, Delete):  # noqa: N803 - boto3's spelling
        return {"Deleted": [], "Errors": [{"Key": o["Key"], "Code": "InternalError"}
                                          for o in Delete["Objects"]]}


class Denying:
    """GetObject and HeadObject refused with 403; the listing shows `present` (or is refused
    too when `listing` is False)."""

    def __init__(self, present: tuple[str, ...] = ("backups/a/manifest.json",),
                 listing: bool = True) -> None:
        self.present, self.listing = present, listing

    def get_object(self, **kwargs):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetObject")

    def head_object(self, **kwargs):
        raise ClientError({"Error": {"Code": "403", "Message": "Forbidden"}}, "HeadObject")

    def list_objects_v2(self, Bucket, Prefix, MaxKeys):  # noqa: N803 - boto3's spelling
        if not self.listing:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}},
                              "ListObjectsV2")
        return {"Contents": [{"Key": k} for k in self.present if k.startswith(Prefix)][:MaxKeys]}


def test_keys_s3_did_not_delete_stop_the_caller():
    with pytest.raises(AwsServiceUnavailable, match="1 not deleted"):
        BackupBucket(PartlyDeleting(), BUCKET, "key").delete_keys(["backups/a/manifest.json"])


def test_a_refusal_is_a_named_error_with_its_code_only():
    with pytest.raises(AwsRequestRejected, match="AccessDenied"):
        BackupBucket(Denying(), BUCKET, "key").get_json("backups/a/manifest.json")
    with pytest.raises(AwsRequestRejected, match="403"):
        BackupBucket(Denying(), BUCKET, "key").head("backups/a/manifest.json")


def test_a_403_for_a_key_the_listing_does_not_show_is_a_missing_key():
    """S3 answers 403 instead of 404 to a caller whose s3:ListBucket does not count for the
    key: an optional record (an incomplete set's manifest) must still read as absent."""
    bucket = BackupBucket(Denying(present=("backups/a/manifest.json.part",)), BUCKET, "key")
    assert bucket.get_json("backups/a/manifest.json") is None
    assert bucket.head("backups/a/manifest.json") is None
    # The read's own refusal is reported, with the listing's.
    with pytest.raises(AwsRequestRejected,
                       match=r"read backups/b/manifest\.json \(listing it: AccessDenied\): "
                             r"AccessDenied$"):
        BackupBucket(Denying(listing=False), BUCKET, "key").get_json("backups/b/manifest.json")


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def test_an_object_that_is_not_json_is_unreadable(s3):
    s3.put_object(Bucket=BUCKET, Key="backups/clusters/cesar/x/manifest.json", Body=b"{trunc")
    with pytest.raises(RecordUnreadable):
        BackupBucket(s3, BUCKET, "key").get_json("backups/clusters/cesar/x/manifest.json")


def test_an_unreadable_manifest_is_not_restorable_and_does_not_stop_the_catalog(s3):
    backup_id = datetime(2026, 1, 1, tzinfo=UTC).strftime("%Y%m%dT%H%M%SZ") + "-0a1b2c3d"
    s3.put_object(Bucket=BUCKET, Key=f"backups/clusters/cesar/{backup_id}/manifest.json",
                  Body=b"\x00garbage")
    (entry,) = backup_sets(BackupBucket(s3, BUCKET, "key"), "clusters", "cesar")
    assert entry.manifest is None and not entry.restorable


@pytest.mark.parametrize("region", ["eu-west-1", "us-east-1", "ap-southeast-4"])
def test_the_presigned_upload_names_the_buckets_regional_endpoint(monkeypatch, region: str):
    """curl in the etcd pod follows no redirect, and S3 redirects (or, in regions opened since
    2019, refuses) the global `<bucket>.s3.amazonaws.com` name."""
    from hcp_dr import dependencies

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    s3 = boto3.session.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x",
                               region_name=region).client("s3", config=dependencies._S3)
    url, _headers = BackupBucket(s3, BUCKET, "key").presign_put("backups/a/etcd/snapshot.db",
                                                               "c2hh", 900)
    assert url.startswith(f"https://{BUCKET}.s3.{region}.amazonaws.com/backups/a/etcd/")


class CutShort:
    """A body that stops arriving mid-read, and listings throttled after botocore's retries."""

    class Body:
        def iter_chunks(self, size):
            yield b"x" * size
            raise ResponseStreamingError(error="Connection broken: IncompleteRead")

        def read(self):
            raise ReadTimeoutError(endpoint_url="https://s3.example")

        def close(self):
            pass

    def get_object(self, **kwargs):
        return {"Body": self.Body()}

    def put_object(self, **kwargs):
        raise EndpointConnectionError(endpoint_url="https://s3.example")

    def delete_objects(self, **kwargs):
        raise ReadTimeoutError(endpoint_url="https://s3.example")

    def head_object(self, **kwargs):
        raise EndpointConnectionError(endpoint_url="https://s3.example")

    def get_paginator(self, name):
        class Pages:
            def paginate(self, **kwargs):
                raise ClientError({"Error": {"Code": "SlowDown", "Message": "slow"}},
                                  "ListObjectsV2")
        return Pages()


@pytest.mark.parametrize(("call", "code"), [
    (lambda bucket: list(bucket.read_chunks("backups/a/snapshot.db", 4)),
     "ResponseStreamingError"),
    (lambda bucket: bucket.get_json("backups/a/manifest.json"), "ReadTimeoutError"),
    (lambda bucket: bucket.keys_under("backups/a/"), "SlowDown"),
    (lambda bucket: bucket.child_prefixes("backups/"), "SlowDown"),
    (lambda bucket: bucket.put_json("backups/a/manifest.json", {}), "EndpointConnectionError"),
    (lambda bucket: bucket.delete_keys(["backups/a/manifest.json"]), "ReadTimeoutError"),
    (lambda bucket: bucket.head("backups/a/snapshot.db"), "EndpointConnectionError"),
])
def test_a_call_that_fails_in_transit_is_retryable(call, code):
    """Reached the state machine under botocore's own name, no Retry would match it: a paused
    source would be rolled back for one cut-short read."""
    with pytest.raises(AwsServiceUnavailable, match=code):
        call(BackupBucket(CutShort(), BUCKET, "key"))
