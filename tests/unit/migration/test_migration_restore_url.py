"""The restoreSnapshotURL: <= 1024 characters, and valid for its whole lifetime.

Real botocore presigning (offline): a URL signed with session credentials carries
`X-Amz-Security-Token` and exceeds the CRD's limit; one signed by the dedicated long-term
signer is short, regional and virtual-hosted.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.stub import Stubber

from hcp_dr.adapters.restore_url_signer import S3UrlSigner, signer_from_secret
from hcp_dr.domain.migration.restore_url import (
    MAX_RESTORE_URL_LENGTH,
    SignerIdentity,
    build_restore_url,
)
from hcp_dr.errors import RestoreUrlOutlivesCredentials, RestoreUrlSignerInvalid, RestoreUrlTooLong
from tests.unit.migration.fakes import FakeSigner

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
BUCKET = "hcp-dr-backups-123456789012-eu-west-1"
KEY = "backups/clusters/cesar/20260101T120000Z-0a1b2c3d/etcd/snapshot.db"
# Role-session tokens are several hundred to over a thousand characters long.
SESSION_TOKEN = "IQoJb3JpZ2luX2VjE" + "A" * 880


def _session_signer(expires_at: datetime | None) -> S3UrlSigner:
    return S3UrlSigner("eu-west-1", SignerIdentity("function-credentials", True, expires_at),
                       "ASIAEXAMPLEEXAMPLE00", "s" * 40, SESSION_TOKEN)


def _dedicated_signer(region: str = "eu-west-1") -> S3UrlSigner:
    return S3UrlSigner(region, SignerIdentity("dedicated-signer", False, None),
                       "AKIAEXAMPLEEXAMPLE00", "s" * 40)


def test_session_credentials_give_a_url_longer_than_the_crd_allows():
    signer = _session_signer(NOW + timedelta(hours=12))
    assert len(signer.presign_get(BUCKET, KEY, 3600)) > MAX_RESTORE_URL_LENGTH
    with pytest.raises(RestoreUrlTooLong, match="session token") as raised:
        build_restore_url(signer, BUCKET, KEY, 3600, NOW)
    assert "X-Amz" not in str(raised.value) and SESSION_TOKEN[:20] not in str(raised.value)


def test_dedicated_signer_gives_a_short_regional_virtual_hosted_url_for_seven_days():
    url = build_restore_url(_dedicated_signer(), BUCKET, KEY, 7 * 24 * 3600, NOW)
    assert url.length <= MAX_RESTORE_URL_LENGTH
    parts = urlsplit(url.url)
    assert parts.scheme == "https"
    assert parts.netloc == f"{BUCKET}.s3.eu-west-1.amazonaws.com"
    assert parts.path == f"/{KEY}"
    query = parse_qs(parts.query)
    assert "X-Amz-Security-Token" not in query
    assert query["X-Amz-Expires"] == ["604800"]
    assert url.expires_at == NOW + timedelta(days=7) and url.signer == "dedicated-signer"
    assert "X-Amz" not in repr(url)


def test_us_east_1_uses_the_regional_endpoint_not_the_global_one():
    url = build_restore_url(_dedicated_signer("us-east-1"), "b-us", KEY, 3600, NOW)
    assert urlsplit(url.url).netloc == "b-us.s3.us-east-1.amazonaws.com"


def test_session_expiring_before_the_url_is_refused():
    signer = FakeSigner(identity=SignerIdentity("function-credentials", True,
                                                NOW + timedelta(minutes=30)))
    with pytest.raises(RestoreUrlOutlivesCredentials, match="expire"):
        build_restore_url(signer, BUCKET, KEY, 3600, NOW)


def test_session_of_unknown_expiry_is_refused():
    signer = FakeSigner(identity=SignerIdentity("function-credentials", True, None))
    with pytest.raises(RestoreUrlOutlivesCredentials, match="unknown expiry"):
        build_restore_url(signer, BUCKET, KEY, 3600, NOW)


def test_session_outliving_the_url_with_a_short_url_is_accepted():
    signer = FakeSigner(identity=SignerIdentity("function-credentials", True,
                                                NOW + timedelta(hours=6)))
    assert build_restore_url(signer, BUCKET, KEY, 3600, NOW).signer == "function-credentials"


def test_more_than_seven_days_is_refused_before_signing():
    signer = FakeSigner()
    with pytest.raises(RestoreUrlOutlivesCredentials):
        build_restore_url(signer, BUCKET, KEY, 7 * 24 * 3600 + 1, NOW)
    assert signer.calls == 0


def _secrets_with(value: str | None, error: str | None = None):
    client = boto3.client("secretsmanager", region_name="eu-west-1",
                          aws_access_key_id="x", aws_secret_access_key="y")
    stubber = Stubber(client)
    if error:
        stubber.add_client_error("get_secret_value", service_error_code=error)
    else:
        stubber.add_response("get_secret_value", {"SecretString": value, "Name": "s"})
    stubber.activate()
    return client


def test_signer_from_secret_reads_a_long_term_key():
    client = _secrets_with(json.dumps({"access_key_id": "AKIAEXAMPLEEXAMPLE00",
                                       "secret_access_key": "s" * 40}))
    signer = signer_from_secret(client, "hcp-dr/restore-url-signer", "eu-west-1")
    assert signer.identity == SignerIdentity("dedicated-signer", False, None)
    assert "AKIA" not in repr(signer)
    assert build_restore_url(signer, BUCKET, KEY, 3600, NOW).length < 600


@pytest.mark.parametrize(("value", "error"), [
    ("not json", None), (json.dumps({"access_key_id": "only"}), None),
    (None, "ResourceNotFoundException"), (None, "AccessDeniedException"),
])
def test_unusable_signer_secret(value, error):
    with pytest.raises(RestoreUrlSignerInvalid) as raised:
        signer_from_secret(_secrets_with(value, error), "hcp-dr/signer", "eu-west-1")
    assert "only" not in str(raised.value)
