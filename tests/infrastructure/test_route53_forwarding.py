"""Route 53's CloudTrail events outside us-east-1: the forwarder stack the app adds for a stack
bound to another commercial region, and the warning when none is built."""

from __future__ import annotations

import json
from typing import Any

import pytest
from synth_helpers import Synth, as_list, ref, synthesize

from stacks.application import (
    FORWARDER_STACK_NAME,
    create_app,
    deployment_environment,
    forwarder_stack_name,
)
from stacks.triggers import ROUTE53_CHANGES_PATTERN, forwarding_needed

ACCOUNT = "111122223333"  # synth_helpers binds region-bound synths to this account
HCP_DR_REGION = "eu-west-1"
REGION_BUS = f"arn:aws:events:{HCP_DR_REGION}:{ACCOUNT}:event-bus/default"
FORWARDER = forwarder_stack_name(HCP_DR_REGION)


@pytest.fixture(scope="module")
def forwarded(tmp_path_factory: pytest.TempPathFactory, asl_dir) -> Synth:
    return synthesize(tmp_path_factory.mktemp("cdk.out.eu"), asl_dir, region=HCP_DR_REGION)


@pytest.fixture(scope="module")
def unforwarded(tmp_path_factory: pytest.TempPathFactory, asl_dir) -> Synth:
    return synthesize(tmp_path_factory.mktemp("cdk.out.eu-off"), asl_dir,
                      region=HCP_DR_REGION, route53EventForwarder=False)


def _resources(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def _warnings(synth: Synth) -> list[str]:
    manifest = json.loads((synth.outdir / "manifest.json").read_text())
    artifact = manifest["artifacts"][synth.stack.stack_name]
    metadata = dict(artifact.get("metadata", {}))
    if "additionalMetadataFile" in artifact:
        metadata.update(json.loads((synth.outdir / artifact["additionalMetadataFile"]).read_text()))
    return [entry["data"] for entries in metadata.values() for entry in entries
            if entry["type"] == "aws:cdk:warning"]


def test_the_forwarder_runs_in_us_east_1_of_the_same_account(forwarded: Synth) -> None:
    manifest = json.loads((forwarded.outdir / "manifest.json").read_text())
    assert manifest["artifacts"][FORWARDER]["environment"] == (
        f"aws://{ACCOUNT}/us-east-1")
    assert manifest["artifacts"][forwarded.stack.stack_name]["environment"] == (
        f"aws://{ACCOUNT}/{HCP_DR_REGION}")


def test_the_forwarder_sends_exactly_the_watched_events_to_the_region_bus(
    forwarded: Synth,
) -> None:
    template = forwarded.others[FORWARDER]
    [rule] = _resources(template, "AWS::Events::Rule").values()
    # The same pattern as the rule that wakes WatchDnsCleanup in hcp-dr's region, so every
    # event that rule would match there is forwarded, and nothing else.
    assert rule["Properties"]["EventPattern"] == ROUTE53_CHANGES_PATTERN
    [watcher_rule] = [r for k, r in forwarded.of_type("AWS::Events::Rule").items()
                      if k.startswith("TriggersRoute53Changes")]
    assert watcher_rule["Properties"]["EventPattern"] == ROUTE53_CHANGES_PATTERN
    [target] = rule["Properties"]["Targets"]
    assert target["Arn"] == REGION_BUS
    [role_id] = _resources(template, "AWS::IAM::Role")
    assert ref(target["RoleArn"]) == role_id


def test_the_forwarding_role_may_only_put_events_on_that_bus(forwarded: Synth) -> None:
    template = forwarded.others[FORWARDER]
    [(role_id, role)] = _resources(template, "AWS::IAM::Role").items()
    [trust] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    assert "ManagedPolicyArns" not in role["Properties"]
    statements = [s for policy in _resources(template, "AWS::IAM::Policy").values()
                  if role_id in [ref(r) for r in policy["Properties"]["Roles"]]
                  for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    assert [(s["Effect"], as_list(s["Action"]), as_list(s["Resource"])) for s in statements] == [
        ("Allow", ["events:PutEvents"], [REGION_BUS])]


def test_a_forwarded_region_needs_no_warning(forwarded: Synth, synth: Synth) -> None:
    assert not [w for w in _warnings(forwarded) if "Route 53" in w]
    assert not [w for w in _warnings(synth) if "Route 53" in w]  # region unknown at synth
    assert not synth.others  # nor a forwarder


def test_without_the_forwarder_the_synth_says_dns_waits_rely_on_the_poll(
    unforwarded: Synth,
) -> None:
    assert not unforwarded.others
    [warning] = [w for w in _warnings(unforwarded) if "Route 53" in w]
    assert "us-east-1" in warning and HCP_DR_REGION in warning and "fallback poll" in warning


@pytest.mark.parametrize(("region", "needed"), [
    ("eu-west-1", True), ("ap-northeast-1", True), ("us-east-2", True),
    ("us-east-1", False),  # delivered there already
    # Other partitions deliver elsewhere.
    ("cn-north-1", False), ("us-gov-west-1", False), ("eusc-de-east-1", False),
    ("us-isob-east-1", False),
])
def test_which_regions_get_a_forwarder(region: str, needed: bool) -> None:
    assert forwarding_needed(region) is needed


def _forwarders(region: str | None, **context: Any) -> list[tuple[str, str | None]]:
    """(stack name, region) of the forwarders the app builds beside a stack in `region`."""
    from aws_cdk import Environment, Stack

    env = Environment(account=ACCOUNT, region=region) if region else None
    app, _ = create_app({"bundle": False, **context}, checks=False, env=env)
    return [(child.stack_name, child.region) for child in app.node.children
            if isinstance(child, Stack) and child.stack_name.startswith(FORWARDER_STACK_NAME)]


def test_the_app_builds_a_forwarder_only_where_one_is_needed() -> None:
    assert _forwarders("eu-central-1") == [(f"{FORWARDER_STACK_NAME}-eu-central-1",
                                            "us-east-1")]
    assert _forwarders("us-east-1") == []  # Route 53 delivers there
    assert _forwarders("cn-north-1") == []  # another partition: the main stack warns
    assert _forwarders(None) == []  # region unknown at synth
    assert _forwarders("eu-central-1", route53EventForwarder="false") == []


def test_two_regions_of_one_account_keep_a_forwarder_each() -> None:
    assert forwarder_stack_name("eu-west-1") != forwarder_stack_name("eu-central-1")


@pytest.mark.parametrize(("environ", "bound"), [
    ({"CDK_DEFAULT_ACCOUNT": ACCOUNT, "CDK_DEFAULT_REGION": "eu-west-1"},
     (ACCOUNT, "eu-west-1")),
    # The CLI sets its default region even offline, but an account only with credentials:
    # an offline synth stays environment-agnostic instead of being bound to us-east-1.
    ({"CDK_DEFAULT_REGION": "us-east-1"}, None),
    ({}, None),
])
def test_the_app_is_bound_where_the_cli_deploys(environ: dict[str, str],
                                                  bound: tuple[str, str] | None) -> None:
    env = deployment_environment(environ)
    assert (None if env is None else (env.account, env.region)) == bound
