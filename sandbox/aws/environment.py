"""The process environment while a LocalAws runs: fake credentials and moto's endpoint.

Handlers create plain boto3 clients, so the whole process is pointed at moto through
`AWS_ENDPOINT_URL`, fake credentials and a region, and every other `AWS_*` variable (a profile,
per-service endpoints, real keys) is taken away meanwhile: nothing reaches, or depends on, the
user's AWS configuration. `restore()` puts back exactly what was there.
"""

from __future__ import annotations

import logging
import os

import boto3

ACCESS_KEY_ID = "sandbox-access-key"
SECRET_ACCESS_KEY = "sandbox-secret-key"
_QUIET_LOGGERS = {"moto.stepfunctions.parser": logging.CRITICAL, "werkzeug": logging.ERROR}


def _ours(key: str) -> bool:
    return key.startswith("AWS_") or key == "MOTO_PORT"


class SandboxEnvironment:
    """Takes over, and later restores, `AWS_*`, `MOTO_PORT`, boto3's default session and the
    level of moto's noisy loggers."""

    def __init__(self) -> None:
        self._saved_env: dict[str, str] | None = None
        self._saved_session: boto3.Session | None = None
        self._saved_levels: dict[str, int] = {}

    def take(self, region: str, endpoint_url: str, port: int) -> None:
        self._saved_env = {key: os.environ.pop(key) for key in [k for k in os.environ if _ours(k)]}
        os.environ.update(
            AWS_ACCESS_KEY_ID=ACCESS_KEY_ID,
            AWS_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY,
            AWS_DEFAULT_REGION=region,
            AWS_REGION=region,
            AWS_ENDPOINT_URL=endpoint_url,
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
            AWS_EC2_METADATA_DISABLED="true",
            MOTO_PORT=str(port),  # the ASL interpreter calls back to localhost:$MOTO_PORT
        )
        # Handlers use boto3's default session: start it afresh from this environment, and
        # create one client now so its lazy internals are not first built by racing threads.
        self._saved_session = boto3.DEFAULT_SESSION
        boto3.setup_default_session()
        boto3.client("sts")
        for name, level in _QUIET_LOGGERS.items():
            self._saved_levels[name] = logging.getLogger(name).level
            logging.getLogger(name).setLevel(level)

    def restore(self) -> None:
        if self._saved_env is not None:
            for key in [k for k in os.environ if _ours(k)]:
                del os.environ[key]
            os.environ.update(self._saved_env)
            self._saved_env = None
            boto3.DEFAULT_SESSION = self._saved_session
            self._saved_session = None
        for name, level in self._saved_levels.items():
            logging.getLogger(name).setLevel(level)
        self._saved_levels.clear()
