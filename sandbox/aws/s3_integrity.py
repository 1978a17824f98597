"""S3 upload integrity checks that moto 5.2.5 skips and the backup design relies on.

Measured on moto 5.2.5: a PUT whose body does not match its `x-amz-checksum-sha256` (or
`Content-MD5`) header is stored anyway, and a presigned URL's signature is never checked, so
a PUT that drops or alters a signed header also succeeds. AWS rejects all of these. While a
`LocalAws` runs, object PUTs (and multipart parts) get the AWS behaviour, and so do the
signatures of presigned GETs and HEADs (the restore URL the etcd init script fetches):

- `x-amz-checksum-sha256|sha1|crc32` or `Content-MD5` that differs from the body: 400 BadDigest;
- a presigned SigV4 URL whose signature does not match the request (e.g. the signed
  `x-amz-checksum-sha256` header missing or changed): 403 SignatureDoesNotMatch;
  expired: 403 AccessDenied;
- a presigned SigV2 URL (what boto3 produces for S3 unless the client is configured with
  `signature_version="s3v4"`): 400 InvalidRequest, as in S3 regions that only accept SigV4;
  SigV2 cannot sign the checksum header.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import zlib
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto.s3.responses import S3Response

from sandbox.aws.patching import PatchSet

_Response = tuple[int, dict[str, str], str]


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


_DIGESTS: dict[str, Callable[[bytes], str]] = {
    "x-amz-checksum-sha256": lambda body: _b64(hashlib.sha256(body).digest()),
    "x-amz-checksum-sha1": lambda body: _b64(hashlib.sha1(body).digest()),
    "x-amz-checksum-crc32": lambda body: _b64(zlib.crc32(body).to_bytes(4, "big")),
    "content-md5": lambda body: _b64(hashlib.md5(body).digest()),
}


def _error(status: int, code: str, message: str) -> _Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return status, {"Content-Type": "application/xml"}, body


def checksum_mismatch(headers: Any, body: bytes) -> _Response | None:
    """BadDigest if a checksum header the client sent does not describe `body`."""
    for header, digest in _DIGESTS.items():
        claimed = headers.get(header)
        if claimed and claimed != digest(body):
            name = "Content-MD5" if header == "content-md5" else header.rsplit("-", 1)[1].upper()
            return _error(
                400, "BadDigest", f"The {name} you specified did not match the calculated checksum."
            )
    return None


def presigned_url_rejection(
    method: str, raw_path: str, raw_query: str, headers: Any, secret_keys: dict[str, str]
) -> _Response | None:
    """Recompute a presigned URL's SigV4 signature over what actually arrived."""
    query = parse_qs(raw_query, keep_blank_values=True)
    if "Signature" in query and "AWSAccessKeyId" in query:
        return _error(
            400, "InvalidRequest",
            "The authorization mechanism you have provided is not supported. "
            "Please use AWS4-HMAC-SHA256.",
        )
    if "X-Amz-Signature" not in query:
        return None  # header-signed SDK request: moto's (absent) checks apply
    access_key, _date, region, service, _terminator = query["X-Amz-Credential"][0].split("/")
    secret = secret_keys.get(access_key)
    if secret is None:
        return _error(403, "InvalidAccessKeyId",
                      "The AWS Access Key Id you provided does not exist in our records.")
    timestamp = query["X-Amz-Date"][0]
    signed_at = dt.datetime.strptime(timestamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    expires = dt.timedelta(seconds=int(query["X-Amz-Expires"][0]))
    if dt.datetime.now(dt.UTC) > signed_at + expires:
        return _error(403, "AccessDenied", "Request has expired")

    unsigned_query = "&".join(
        part for part in raw_query.split("&") if not part.startswith("X-Amz-Signature=")
    )
    signed_headers = query["X-Amz-SignedHeaders"][0].split(";")
    request = AWSRequest(
        method=method,
        url=f"http://{headers.get('Host')}{raw_path}?{unsigned_query}",
        headers={name: headers.get(name) for name in signed_headers if headers.get(name)},
    )
    request.context["timestamp"] = timestamp
    signer = S3SigV4QueryAuth(Credentials(access_key, secret), service, region)
    string_to_sign = signer.string_to_sign(request, signer.canonical_request(request))
    if signer.signature(string_to_sign, request) != query["X-Amz-Signature"][0]:
        return _error(
            403, "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
        )
    return None


def install(patches: PatchSet, secret_keys: dict[str, str]) -> None:
    """Check integrity on object PUTs and multipart parts, and presigned signatures on object
    reads, while `patches` is applied. `secret_keys` (access key id -> secret) is read at each
    request: keys added later (the restore-URL signer's) are honoured."""

    def guarded(original: Callable[[S3Response], Any]) -> Callable[[S3Response], Any]:
        def put(self: S3Response) -> Any:
            # raw path and query as sent: the signature covers their percent-encoded form
            rejection = presigned_url_rejection(
                self.method, self.raw_path, self.parsed_url.query, self.headers, secret_keys
            ) or checksum_mismatch(self.headers, _as_bytes(self.body))
            return rejection or original(self)

        return put

    def signature_checked(original: Callable[[S3Response], Any]) -> Callable[[S3Response], Any]:
        def read(self: S3Response, *args: Any, **kwargs: Any) -> Any:
            return presigned_url_rejection(self.method, self.raw_path, self.parsed_url.query,
                                           self.headers, secret_keys) \
                or original(self, *args, **kwargs)

        return read

    for operation in ("put_object", "upload_part"):
        patches.replace(S3Response, operation, guarded(getattr(S3Response, operation)))
    for operation in ("get_object", "head_object"):
        patches.replace(S3Response, operation, signature_checked(getattr(S3Response, operation)))



def _as_bytes(body: bytes | str | None) -> bytes:
    return body.encode() if isinstance(body, str) else body or b""
