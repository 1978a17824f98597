"""What IAM must allow for an API call to succeed on AWS: actions, resources, condition keys.

The mapping follows the Service Authorization Reference for the operations hcp-dr uses,
including the permissions a call needs that its name does not say: S3 reads and writes of
SSE-KMS objects need `kms:Decrypt` / `kms:GenerateDataKey` on the key (called by S3, so
`kms:ViaService` is S3), a HEAD needs `s3:GetObject`, a listing is `s3:ListBucket` with the
`s3:prefix` condition key. An operation missing here is reported as unmapped rather than
guessed: whoever adds a call adds its permissions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from sandbox.aws.api_calls import ApiCall

WHOLE_ACCOUNT = "*"


@dataclass(frozen=True)
class Requirement:
    """One action on one resource, with the request's condition keys."""

    action: str  # "s3:GetObject"
    resource: str  # an ARN, or "*" for actions without resource-level permissions
    context: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountContext:
    """Where the calls were made and which KMS key encrypts what."""

    region: str
    account: str
    bucket_keys: Mapping[str, str] = field(default_factory=dict)  # bucket -> KMS key ARN
    # secret ARN or name -> the customer-managed KMS key encrypting it (absent: AWS's key)
    secret_keys: Mapping[str, str] = field(default_factory=dict)
    partition: str = "aws"

    def arn(self, service: str, resource: str, *, regional: bool = True,
            in_account: bool = True) -> str:
        return (f"arn:{self.partition}:{service}:{self.region if regional else ''}:"
                f"{self.account if in_account else ''}:{resource}")


class UnmappedApiCall(Exception):
    """The operation has no entry here: its permissions are unknown, so it cannot be checked."""


Mapper = Callable[[ApiCall, AccountContext], Iterator[Requirement]]


def requirements(call: ApiCall, account: AccountContext) -> list[Requirement]:
    mapper = _MAPPERS.get((call.service, call.operation))
    if mapper is None:
        raise UnmappedApiCall(f"{call.service}:{call.operation}")
    return list(mapper(call, account))


# -- S3 -----------------------------------------------------------------------------------

def _object(account: AccountContext, bucket: str, key: str) -> str:
    return f"arn:{account.partition}:s3:::{bucket}/{key}"


def _through_s3(account: AccountContext, bucket: str, *actions: str) -> Iterator[Requirement]:
    key = account.bucket_keys.get(bucket)
    if key is None:
        return
    via = {"kms:ViaService": f"s3.{account.region}.amazonaws.com"}
    for action in actions:
        yield Requirement(action, key, via)


_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})


def _object_action(action: str, versioned_action: str, *kms: str,
                   also: tuple[str, str] | None = None) -> Mapper:
    """`also`: a second (action, versioned action) S3 checks on the object."""
    def mapper(call: ApiCall, account: AccountContext) -> Iterator[Requirement]:
        bucket, key = call.parameters["Bucket"], call.parameters["Key"]
        versioned = bool(call.parameters.get("VersionId"))
        for plain, version in ((action, versioned_action), *((also,) if also else ())):
            yield Requirement(version if versioned else plain, _object(account, bucket, key))
        yield from _through_s3(account, bucket, *kms)
        if call.error in _MISSING:
            # Without s3:ListBucket S3 answers a missing key with 403, not 404: what a reader
            # of optional objects needs to tell "absent" from "denied" (BackupBucket lists
            # the key itself after a 403).
            yield Requirement("s3:ListBucket", f"arn:{account.partition}:s3:::{bucket}",
                              {"s3:prefix": key})
    return mapper


def _head_object(call: ApiCall, account: AccountContext) -> Iterator[Requirement]:
    """With ChecksumMode=ENABLED on an SSE-KMS object, S3 needs kms:Decrypt to return the
    stored checksum."""
    kms = ("kms:Decrypt",) if call.parameters.get("ChecksumMode") == "ENABLED" else ()
    yield from _object_action("s3:GetObject", "s3:GetObjectVersion", *kms)(call, account)


def _listing(action: str) -> Mapper:
    def mapper(call: ApiCall, account: AccountContext) -> Iterator[Requirement]:
        bucket = call.parameters["Bucket"]
        yield Requirement(action, f"arn:{account.partition}:s3:::{bucket}",
                          {"s3:prefix": call.parameters.get("Prefix", "")})
    return mapper


def _delete_objects(call: ApiCall, account: AccountContext) -> Iterator[Requirement]:
    bucket = call.parameters["Bucket"]
    for key, version in call.parameters.get("Delete", []):
        yield Requirement("s3:DeleteObjectVersion" if version else "s3:DeleteObject",
                          _object(account, bucket, key))


# -- DynamoDB -----------------------------------------------------------------------------

_TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                     "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}
_BATCH_ACTIONS = {"PutRequest": "PutItem", "DeleteRequest": "DeleteItem", "Get": "GetItem"}


def _table(account: AccountContext, table: str, index: str | None = None) -> str:
    return account.arn("dynamodb", f"table/{table}" + (f"/index/{index}" if index else ""))


def _table_action(call: ApiCall, account: AccountContext) -> Iterator[Requirement]:
    yield Requirement(f"dynamodb:{call.operation}",
                      _table(account, call.parameters["TableName"],
                             call.parameters.get("IndexName")))


def _transact(call: ApiCall, account: AccountContext) -> Iterator[Requirement]:
    for kind, table in call.parameters.get("TransactItems", []):
        yield Requirement(f"dynamodb:{_TRANSACT_ACTIONS[kind]}", _table(account, table))


def _batch(call: ApiCall, account: AccountContext) -> Iterator[Requirement]:
    for table, kinds in call.parameters.get("RequestItems", {}).items():
        for kind in kinds:
            yield Requirement(f"dynamodb:{_BATCH_ACTIONS[kind]}", _table(account, table))


# -- the rest -----------------------------------------------------------------------------

def _secret(call: ApiCall, account: AccountContext) -> Iterator[Requirement]:
    """A secret named without its ARN is authorized against its ARN, which ends in `-` and six
    random characters: a policy must allow for them."""
    secret_id = call.parameters["SecretId"]
    secret = secret_id if secret_id.startswith("arn:") else \
        account.arn("secretsmanager", f"secret:{secret_id}-AbCdEf")
    yield Requirement(f"secretsmanager:{call.operation}", secret)
    key = account.secret_keys.get(secret_id)
    if key is not None and call.operation == "GetSecretValue":
        yield Requirement("kms:Decrypt", key,
                          {"kms:ViaService": f"secretsmanager.{account.region}.amazonaws.com"})


def _unscoped(action: str) -> Mapper:
    def mapper(_call: ApiCall, _account: AccountContext) -> Iterator[Requirement]:
        yield Requirement(action, WHOLE_ACCOUNT)
    return mapper


def _hosted_zone(call: ApiCall, account: AccountContext) -> Iterator[Requirement]:
    zone = call.parameters.get("HostedZoneId") or call.parameters["Id"]
    yield Requirement(f"route53:{call.operation}",
                      f"arn:{account.partition}:route53:::hostedzone/{zone.rsplit('/', 1)[-1]}")


def _by_arn(action: str, parameter: str) -> Mapper:
    def mapper(call: ApiCall, _account: AccountContext) -> Iterator[Requirement]:
        yield Requirement(action, call.parameters[parameter])
    return mapper


def _parameter(call: ApiCall, account: AccountContext) -> Iterator[Requirement]:
    yield Requirement(f"ssm:{call.operation}",
                      account.arn("ssm", f"parameter/{call.parameters['Name'].lstrip('/')}"))


def _kms_key(call: ApiCall, account: AccountContext) -> Iterator[Requirement]:
    key = call.parameters["KeyId"]
    yield Requirement(f"kms:{call.operation}",
                      key if key.startswith("arn:") else account.arn("kms", f"key/{key}"))


def _function(call: ApiCall, account: AccountContext) -> Iterator[Requirement]:
    name = call.parameters["FunctionName"]
    yield Requirement("lambda:InvokeFunction",
                      name if name.startswith("arn:") else account.arn("lambda",
                                                                         f"function:{name}"))


def _no_permission(_call: ApiCall, _account: AccountContext) -> Iterator[Requirement]:
    """sts:GetCallerIdentity needs no permission."""
    return iter(())


_MAPPERS: dict[tuple[str, str], Mapper] = {
    ("s3", "GetObject"): _object_action("s3:GetObject", "s3:GetObjectVersion", "kms:Decrypt"),
    ("s3", "HeadObject"): _head_object,
    ("s3", "GetObjectAttributes"): _object_action(
        "s3:GetObject", "s3:GetObjectVersion",
        also=("s3:GetObjectAttributes", "s3:GetObjectVersionAttributes")),
    ("s3", "PutObject"): _object_action("s3:PutObject", "s3:PutObject", "kms:GenerateDataKey"),
    ("s3", "CreateMultipartUpload"): _object_action(
        "s3:PutObject", "s3:PutObject", "kms:GenerateDataKey", "kms:Decrypt"),
    ("s3", "UploadPart"): _object_action("s3:PutObject", "s3:PutObject"),
    ("s3", "CompleteMultipartUpload"): _object_action("s3:PutObject", "s3:PutObject",
                                                      "kms:Decrypt"),
    ("s3", "AbortMultipartUpload"): _object_action("s3:AbortMultipartUpload",
                                                   "s3:AbortMultipartUpload"),
    ("s3", "DeleteObject"): _object_action("s3:DeleteObject", "s3:DeleteObjectVersion"),
    ("s3", "DeleteObjects"): _delete_objects,
    ("s3", "ListObjectsV2"): _listing("s3:ListBucket"),
    ("s3", "ListObjects"): _listing("s3:ListBucket"),
    ("s3", "ListObjectVersions"): _listing("s3:ListBucketVersions"),
    ("s3", "HeadBucket"): _listing("s3:ListBucket"),
    **{("dynamodb", op): _table_action for op in (
        "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "DescribeTable")},
    ("dynamodb", "TransactWriteItems"): _transact,
    ("dynamodb", "TransactGetItems"): _transact,
    ("dynamodb", "BatchWriteItem"): _batch,
    ("dynamodb", "BatchGetItem"): _batch,
    ("secretsmanager", "GetSecretValue"): _secret,
    ("secretsmanager", "DescribeSecret"): _secret,
    ("secretsmanager", "ListSecrets"): _unscoped("secretsmanager:ListSecrets"),
    ("route53", "ListResourceRecordSets"): _hosted_zone,
    ("route53", "GetHostedZone"): _hosted_zone,
    ("route53", "ListHostedZonesByName"): _unscoped("route53:ListHostedZonesByName"),
    ("route53", "ListHostedZones"): _unscoped("route53:ListHostedZones"),
    ("stepfunctions", "SendTaskSuccess"): _unscoped("states:SendTaskSuccess"),
    ("stepfunctions", "SendTaskFailure"): _unscoped("states:SendTaskFailure"),
    ("stepfunctions", "SendTaskHeartbeat"): _unscoped("states:SendTaskHeartbeat"),
    ("stepfunctions", "StartExecution"): _by_arn("states:StartExecution", "stateMachineArn"),
    ("stepfunctions", "ListExecutions"): _by_arn("states:ListExecutions", "stateMachineArn"),
    ("stepfunctions", "DescribeExecution"): _by_arn("states:DescribeExecution",
                                                    "executionArn"),
    ("stepfunctions", "StopExecution"): _by_arn("states:StopExecution", "executionArn"),
    ("stepfunctions", "GetExecutionHistory"): _by_arn("states:GetExecutionHistory",
                                                      "executionArn"),
    ("sns", "Publish"): _by_arn("sns:Publish", "TopicArn"),
    ("ssm", "GetParameter"): _parameter,
    ("kms", "Decrypt"): _kms_key,
    ("kms", "GenerateDataKey"): _kms_key,
    ("kms", "DescribeKey"): _kms_key,
    ("lambda", "Invoke"): _function,
    ("cloudwatch", "PutMetricData"): _unscoped("cloudwatch:PutMetricData"),
    ("sts", "GetCallerIdentity"): _no_permission,
}
