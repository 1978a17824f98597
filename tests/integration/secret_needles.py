"""The secret strings of a sandbox that must never reach a log line, an execution's history
or output, or an exec request: the AES key (base64 and hex), every cluster's bearer token,
the dedicated URL signer's secret key, and the markers of kubeconfig credentials, PEM keys
and presigned URLs (a signature, a credential scope, a session token)."""

from __future__ import annotations

import base64

from sandbox.environment import Sandbox

SECRETS = ("", "v1", "secrets")
MARKERS = ("X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token",
           "certificate-authority-data", "client-key-data", "client-certificate-data",
           "BEGIN CERTIFICATE", "PRIVATE KEY-----")


def secret_needles(sandbox: Sandbox, role: str = "source") -> list[str]:
    store = sandbox.management[role].cluster.store
    key_secret = store.get(SECRETS, sandbox.plan.namespace, sandbox.plan.encryption_secret)
    aes_key = key_secret["data"]["key"]
    needles = [aes_key, base64.b64decode(aes_key).hex(),
               *(rt.cluster.token for rt in sandbox.management.values()),
               sandbox.hosted.guest.token, *MARKERS]
    if sandbox.restore_url_signer is not None:
        needles.append(sandbox.restore_url_signer.secret_access_key)
    return needles
