"""The IAM evaluation the grant-coverage check relies on: it must refuse what AWS refuses."""

from __future__ import annotations

import pytest

from sandbox.aws.api_calls import ApiCall, naming_parameters
from sandbox.aws.iam_evaluation import (
    Statement,
    TemplateReader,
    UnsupportedPolicy,
    allowed,
    bind_to_environment,
    unauthorized_calls,
)
from sandbox.aws.iam_requirements import (
    AccountContext,
    Requirement,
    UnmappedApiCall,
    requirements,
)

ACCOUNT = AccountContext("eu-west-1", "111122223333",
                         {"backups": "arn:aws:kms:eu-west-1:111122223333:key/k1"})
KEY = "arn:aws:kms:eu-west-1:111122223333:key/k1"
VIA_S3 = {"StringEquals": {"kms:ViaService": ("s3.eu-west-1.amazonaws.com",)}}


def allow(actions: str | tuple[str, ...], resources: str | tuple[str, ...],
          conditions: dict | None = None, effect: str = "Allow") -> Statement:
    return Statement(effect, (actions,) if isinstance(actions, str) else actions,
                     (resources,) if isinstance(resources, str) else resources,
                     conditions or {})


def needs(operation: str, service: str = "s3", **parameters: object) -> list[Requirement]:
    return requirements(ApiCall("F", service, operation, parameters), ACCOUNT)


def test_actions_match_case_insensitively_with_wildcards_and_resources_exactly():
    statement = allow("S3:Get*", "arn:aws:s3:::backups/backups/*/etcd/snapshot.db")
    assert allowed([statement], Requirement(
        "s3:GetObject", "arn:aws:s3:::backups/backups/a/b/etcd/snapshot.db"))
    assert not allowed([statement], Requirement(
        "s3:GetObject", "arn:aws:s3:::backups/backups/a/b/encryption/key.json"))
    assert not allowed([statement], Requirement("s3:PutObject",
                                                "arn:aws:s3:::backups/backups/x/etcd/snapshot.db"))
    assert not allowed([allow("s3:GetObject", "arn:aws:s3:::Backups/*")],
                       Requirement("s3:GetObject", "arn:aws:s3:::backups/k"))


def test_an_explicit_deny_wins_over_any_allow():
    requirement = Requirement("s3:DeleteObject", "arn:aws:s3:::backups/k")
    assert not allowed([allow("s3:*", "*"), allow("s3:DeleteObject", "*", effect="Deny")],
                       requirement)
    assert not allowed([], requirement)


def test_sse_kms_reads_and_writes_need_the_key_through_s3():
    put = needs("PutObject", Bucket="backups", Key="backups/a/manifest.json")
    assert [r.action for r in put] == ["s3:PutObject", "kms:GenerateDataKey"]
    get = needs("GetObject", Bucket="backups", Key="backups/a/manifest.json")
    assert get[1] == Requirement("kms:Decrypt", KEY, {"kms:ViaService":
                                                      "s3.eu-west-1.amazonaws.com"})
    assert allowed([allow("kms:Decrypt", KEY, VIA_S3)], get[1])
    via_secrets = {"StringEquals": {"kms:ViaService": ("secretsmanager.eu-west-1.amazonaws.com",)}}
    assert not allowed([allow("kms:Decrypt", KEY, via_secrets)], get[1])
    # A HEAD reads metadata only: s3:GetObject, no key.
    assert needs("HeadObject", Bucket="backups", Key="k") == [
        Requirement("s3:GetObject", "arn:aws:s3:::backups/k")]
    # An unencrypted bucket asks nothing of KMS.
    assert [r.action for r in needs("GetObject", Bucket="logs", Key="k")] == ["s3:GetObject"]


def test_a_versioned_read_or_delete_needs_the_version_action():
    assert needs("GetObject", Bucket="logs", Key="k", VersionId="v1")[0].action == \
        "s3:GetObjectVersion"
    deletes = needs("DeleteObjects", **naming_parameters("DeleteObjects", {
        "Bucket": "backups",
        "Delete": {"Objects": [{"Key": "a"}, {"Key": "b", "VersionId": "v2"}]}}))
    assert deletes == [Requirement("s3:DeleteObject", "arn:aws:s3:::backups/a"),
                       Requirement("s3:DeleteObjectVersion", "arn:aws:s3:::backups/b")]


def test_a_listing_is_judged_on_its_prefix():
    statement = allow("s3:ListBucket", "arn:aws:s3:::backups",
                      {"StringLike": {"s3:prefix": ("backups/*",)}})
    assert allowed([statement], needs("ListObjectsV2", Bucket="backups",
                                      Prefix="backups/ns/name/")[0])
    assert not allowed([statement], needs("ListObjectsV2", Bucket="backups",
                                          Prefix="migrations/")[0])
    # No prefix at all is the whole bucket: the condition does not hold.
    assert not allowed([statement], needs("ListObjectsV2", Bucket="backups")[0])


def test_a_missing_condition_key_fails_positive_operators_and_passes_negated_ones():
    requirement = Requirement("kms:Decrypt", KEY)
    assert not allowed([allow("kms:Decrypt", KEY, VIA_S3)], requirement)
    assert allowed([allow("kms:Decrypt", KEY,
                          {"StringNotEquals": {"kms:ViaService": ("x",)}})], requirement)
    assert allowed([allow("kms:Decrypt", KEY,
                          {"StringEqualsIfExists": {"kms:ViaService": ("x",)}})], requirement)
    with pytest.raises(UnsupportedPolicy):
        allowed([allow("kms:Decrypt", KEY,
                       {"NumericLessThan": {"kms:ViaService": ("1",)}})], requirement)


def test_a_secret_named_without_its_arn_needs_a_policy_that_allows_for_its_suffix():
    [requirement] = needs("GetSecretValue", "secretsmanager", SecretId="hcp-dr/clusters/a")
    exact = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:hcp-dr/clusters/a"
    assert not allowed([allow("secretsmanager:GetSecretValue", exact)], requirement)
    assert allowed([allow("secretsmanager:GetSecretValue", exact + "-??????")], requirement)


def test_batch_and_transaction_items_are_judged_one_by_one():
    parameters = naming_parameters("TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "locks", "Item": {"pk": {"S": "secret-looking"}}}},
        {"ConditionCheck": {"TableName": "locks", "Key": {}}}]})
    assert "secret-looking" not in repr(parameters)
    assert [r.action for r in needs("TransactWriteItems", "dynamodb", **parameters)] == [
        "dynamodb:PutItem", "dynamodb:ConditionCheckItem"]


def test_the_record_of_a_call_names_resources_and_keeps_no_value():
    kept = naming_parameters("SendTaskSuccess", {"taskToken": "TOKEN", "output": "{}"})
    assert kept == {}
    kept = naming_parameters("PutObject", {"Bucket": "b", "Key": "k", "Body": b"SECRET",
                                           "ChecksumSHA256": "x"})
    assert kept == {"Bucket": "b", "Key": "k"}


def test_an_operation_without_a_mapping_is_a_finding_not_a_pass():
    with pytest.raises(UnmappedApiCall):
        needs("PutBucketPolicy", Bucket="backups")
    reader = TemplateReader({"Resources": {"Role": {"Type": "AWS::IAM::Role",
                                                    "Properties": {}}}}, ACCOUNT, {})
    call = ApiCall("F", "s3", "PutBucketPolicy", {"Bucket": "backups"}, access_key_id="AK")
    [finding] = unauthorized_calls(reader, {"F": [call]}, {"F": "Role"},
                                   function_access_key="AK")
    assert "no IAM mapping for s3:PutBucketPolicy" in str(finding)


def test_a_url_is_judged_as_whoever_signed_it():
    def principal(statement: dict) -> dict:
        return {"Type": "AWS::IAM::Role", "Properties": {
            "Policies": [{"PolicyDocument": {"Statement": [statement]}}]}}

    reader = TemplateReader({"Resources": {
        "Role": principal({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
        "Signer": principal({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}),
    }}, ACCOUNT, {})
    read = ApiCall("F", "s3", "GetObject", {"Bucket": "logs", "Key": "k"}, presigned=True,
                   access_key_id="SIGNER")
    judged = {key: [f.reason for f in unauthorized_calls(
        reader, {"F": [read]}, {"F": "Role"}, function_access_key="AK",
        other_principals=others)] for key, others in (
            ("as the signer", {"SIGNER": "Signer"}), ("unknown", {}))}
    assert judged == {"as the signer": ["not allowed by the signer's policies"],
                      "unknown": ["signed with credentials of no known principal"]}
    function_signed = ApiCall("F", "s3", "GetObject", {"Bucket": "logs", "Key": "k"},
                              presigned=True, access_key_id="AK")
    assert unauthorized_calls(reader, {"F": [function_signed]}, {"F": "Role"},
                              function_access_key="AK") == []


def test_reading_a_secret_under_a_customer_key_needs_that_key_through_secrets_manager():
    arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:hcp-dr/signer-AbCdEf"
    account = AccountContext("eu-west-1", "111122223333", secret_keys={arn: KEY})
    [read, decrypt] = requirements(ApiCall("F", "secretsmanager", "GetSecretValue",
                                           {"SecretId": arn}), account)
    assert read == Requirement("secretsmanager:GetSecretValue", arn)
    assert decrypt == Requirement("kms:Decrypt", KEY, {
        "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"})
    assert not allowed([allow("kms:Decrypt", KEY, VIA_S3)], decrypt)


def test_template_references_resolve_through_the_function_environment():
    template = {"Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket"},
        "Key": {"Type": "AWS::KMS::Key"},
        "Machine": {"Type": "AWS::StepFunctions::StateMachine"},
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Environment": {"Variables": {
            "BUCKET": {"Ref": "Bucket"}, "KEY": {"Fn::GetAtt": ["Key", "Arn"]},
            "MACHINE": {"Ref": "Machine"}}}}},
    }}
    machine = "arn:aws:states:eu-west-1:111122223333:stateMachine:Migration-x"
    reader = bind_to_environment(template, {"BUCKET": "backups", "KEY": KEY,
                                            "MACHINE": machine}, ACCOUNT)
    resolved = reader.resolve({"Fn::Join": ["", [
        {"Fn::GetAtt": ["Bucket", "Arn"]}, "/", {"Ref": "Key"}, "/",
        {"Fn::GetAtt": ["Machine", "Name"]}, "/", {"Ref": "AWS::Region"}, "/",
        {"Ref": "Unknown"}]]})
    assert resolved == "arn:aws:s3:::backups/k1/Migration-x/eu-west-1/<unresolved:Unknown.Ref>"


def test_a_head_that_asks_for_the_stored_checksum_needs_the_key():
    plain = needs("HeadObject", Bucket="backups", Key="k")
    checked = needs("HeadObject", Bucket="backups", Key="k", ChecksumMode="ENABLED")
    assert [r.action for r in plain] == ["s3:GetObject"]
    assert [r.action for r in checked] == ["s3:GetObject", "kms:Decrypt"]
    assert checked[1].context == {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}


def test_a_read_of_a_missing_key_needs_the_listing_that_tells_absent_from_denied():
    missing = requirements(ApiCall("F", "s3", "GetObject",
                                   {"Bucket": "backups", "Key": "migrations/a/index.json"},
                                   error="NoSuchKey"), ACCOUNT)
    assert missing[-1] == Requirement("s3:ListBucket", "arn:aws:s3:::backups",
                                      {"s3:prefix": "migrations/a/index.json"})
    listing = allow("s3:ListBucket", "arn:aws:s3:::backups",
                    {"StringLike": {"s3:prefix": ("backups/*",)}})
    assert not allowed([listing], missing[-1])
    found = needs("GetObject", Bucket="backups", Key="migrations/a/index.json")
    assert "s3:ListBucket" not in [r.action for r in found]


def test_object_attributes_need_the_read_permission_too():
    assert [r.action for r in needs("GetObjectAttributes", Bucket="logs", Key="k")] == [
        "s3:GetObject", "s3:GetObjectAttributes"]
    assert [r.action for r in needs("GetObjectAttributes", Bucket="logs", Key="k",
                                    VersionId="v")] == [
        "s3:GetObjectVersion", "s3:GetObjectVersionAttributes"]
