"""ASL substitution as CDK does it, and deployment of the catalog's real state machines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox.aws import LocalAws, SubstitutionError, deploy_state_machine, deploy_state_machines
from sandbox.aws.statemachines import STATEMACHINES_DIR, substitute
from stacks.catalog import STATE_MACHINES


def test_substitute_replaces_keys_pseudo_parameters_and_escapes() -> None:
    text = '{"a": "${Topic}", "r": "${AWS::Region}", "literal": "${!NotMine}"}'

    result = substitute(text, {"Topic": "arn:t"}, source="t.json", region="eu-west-1")

    assert json.loads(result) == {"a": "arn:t", "r": "eu-west-1", "literal": "${NotMine}"}


def test_leftover_placeholder_fails(local_aws: LocalAws, tmp_path: Path) -> None:
    asl = tmp_path / "leftover.asl.json"
    asl.write_text(json.dumps({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Result": "${NobodySubstitutesMe}", "End": True}}}))

    with pytest.raises(SubstitutionError, match="NobodySubstitutesMe"):
        deploy_state_machine(local_aws, "Leftover", asl, {})


def test_unused_substitution_fails(local_aws: LocalAws, tmp_path: Path) -> None:
    asl = tmp_path / "plain.asl.json"
    asl.write_text(json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))

    with pytest.raises(SubstitutionError, match="never uses: \\['Spare'\\]"):
        deploy_state_machine(local_aws, "Plain", asl, {"Spare": "x"})


def test_missing_asl_file_fails(local_aws: LocalAws, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"backup\.asl\.json"):
        deploy_state_machines(local_aws, {"FailureTopicArn": "arn:t"}, asl_dir=tmp_path)


def test_redeploy_updates_in_place(local_aws: LocalAws, tmp_path: Path) -> None:
    asl = tmp_path / "versioned.asl.json"
    for version in (1, 2):
        asl.write_text(json.dumps({"StartAt": "P", "States": {
            "P": {"Type": "Pass", "Result": {"version": version}, "End": True}}}))
        arn = deploy_state_machine(local_aws, "Versioned", asl, {})

    description = local_aws.wait_for_execution(local_aws.start_execution(arn), timeout=10)
    assert json.loads(description["output"]) == {"version": 2}


@pytest.mark.skipif(
    not all((STATEMACHINES_DIR / spec.asl_file).is_file() for spec in STATE_MACHINES),
    reason="the catalog's ASL files are not all written yet",
)
def test_catalog_state_machines_deploy(local_aws: LocalAws) -> None:
    topic = local_aws.client("sns").create_topic(Name="failures")["TopicArn"]

    arns = deploy_state_machines(local_aws, {"FailureTopicArn": topic})

    assert set(arns) == {spec.name for spec in STATE_MACHINES}
    sfn = local_aws.client("stepfunctions")
    scheduled = sfn.describe_state_machine(stateMachineArn=arns["ScheduledBackup"])
    assert arns["Backup"] in scheduled["definition"]
    assert "${" not in scheduled["definition"]
