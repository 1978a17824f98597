"""A function whose environment is incomplete or malformed fails with `ConfigurationInvalid`
naming the variables, never quoting the environment: on Lambda it holds the function's
session credentials, and pydantic's own message quotes a truncated repr of it."""

from __future__ import annotations

import pytest

from hcp_dr.errors import ConfigurationInvalid
from hcp_dr.settings import load_settings

NEEDLE = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch: pytest.MonkeyPatch):
    for name in ("HCP_DR_BACKUP_BUCKET", "HCP_DR_BACKUP_KMS_KEY_ID", "HCP_DR_LOCK_TABLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", NEEDLE)
    monkeypatch.setenv("AWS_SESSION_TOKEN", NEEDLE * 3)
    load_settings.cache_clear()
    yield
    load_settings.cache_clear()


def test_a_missing_variable_is_named_and_nothing_of_the_environment_is_quoted():
    with pytest.raises(ConfigurationInvalid) as raised:
        load_settings()
    message = str(raised.value)
    assert "HCP_DR_BACKUP_BUCKET: missing" in message and "HCP_DR_LOCK_TABLE: missing" in message
    assert NEEDLE[:8] not in message and NEEDLE[-8:] not in message
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_a_malformed_variable_is_named_without_its_value(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HCP_DR_BACKUP_BUCKET", "bucket")
    monkeypatch.setenv("HCP_DR_BACKUP_KMS_KEY_ID", "key")
    monkeypatch.setenv("HCP_DR_LOCK_TABLE", "locks")
    monkeypatch.setenv("HCP_DR_LOCK_TTL_SECONDS", f"12{NEEDLE}")
    with pytest.raises(ConfigurationInvalid) as raised:
        load_settings()
    assert "HCP_DR_LOCK_TTL_SECONDS: int_parsing" in str(raised.value)
    assert NEEDLE[:8] not in str(raised.value)
