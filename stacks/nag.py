"""cdk-nag (AwsSolutions pack) wiring and the one way this stack acknowledges a finding.

Every acknowledgment names the exact finding (for IAM5, the exact wildcard resource or action)
and is placed on the narrowest construct it concerns, with a reason a reviewer can check.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

PACK = "AwsSolutions"
MIN_REASON_LENGTH = 40


def enable_checks(app: IConstruct) -> None:
    """Run the AwsSolutions rules at synth; an unacknowledged finding fails the synth."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, rule: str, reason: str, *, finding: str | None = None) -> None:
    """Acknowledge `rule` (e.g. "AwsSolutions-IAM5") on scope and everything below it."""
    if len(reason) < MIN_REASON_LENGTH:
        raise ValueError(f"acknowledgment of {rule} needs a real reason, got {reason!r}")
    rule_id = f"{rule}[{finding}]" if finding else rule
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{PACK}::{rule_id}", reason=reason))


def acknowledge_wildcard_resource(scope: IConstruct, resource: str, reason: str) -> None:
    """Acknowledge IAM5 for one wildcard resource, given as the ARN (token) put in the policy."""
    acknowledge(
        scope, "AwsSolutions-IAM5", reason,
        finding=f"Resource::{flatten_reference(Stack.of(scope).resolve(resource))}",
    )


def acknowledge_wildcard_action(scope: IConstruct, action: str, reason: str) -> None:
    """Acknowledge IAM5 for one wildcard action such as "s3:GetObject*"."""
    acknowledge(scope, "AwsSolutions-IAM5", reason, finding=f"Action::{action}")


def flatten_reference(node: Any) -> str:
    """Render a resolved CloudFormation value the way cdk-nag names it in a finding:
    `Ref X` -> `<X>`, `Fn::GetAtt [X, A]` -> `<X.A>`, `Fn::Join` joined, `${X}` -> `<X>`."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return delimiter.join(flatten_reference(item) for item in items)
        if "Fn::Sub" in node:
            return flatten_reference(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{flatten_reference(resource)}.{flatten_reference(attribute)}>"
        if "Fn::ImportValue" in node:
            return flatten_reference(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{flatten_reference(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))
