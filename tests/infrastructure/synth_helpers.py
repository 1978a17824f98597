"""Helpers of the infrastructure tier: synthesize the CDK app in-process.

One synth per module (bundle=false: the package alone, no dependency install), with the
catalog's ASL files. A file the catalog names that does not exist yet is replaced, in a
temporary directory only, by a minimal valid definition using the same placeholders; tests
that judge a real definition skip such machines.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Before aws_cdk is imported (it starts the jsii runtime with this environment).
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("CDK_VALIDATION", "false")

from stacks import catalog

TEST_CONTEXT: dict[str, Any] = {
    "bundle": False,
    "backupSchedule": "rate(30 minutes)",
    "monitoredClusters": ["clusters/alpha", "fleet-2/beta"],
    "kubeconfigSecretPrefix": "hcp-dr/test-management-clusters/",
    "backupScheduleInput": {"consistency": "online"},
}


@dataclass(frozen=True)
class Synth:
    """One synthesized app: the stack object, its template and the cloud assembly dir."""

    stack: Any
    template: dict[str, Any]
    outdir: Path
    missing_asl: frozenset[str]  # state machines built from a stand-in definition
    others: dict[str, dict[str, Any]] = field(default_factory=dict)  # other stacks' templates

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template["Resources"]

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == resource_type}


def stand_in_definition(spec: catalog.StateMachineSpec) -> dict[str, Any]:
    """A minimal valid ASL using every placeholder the catalog lists for spec."""
    names = [*spec.functions]
    states: dict[str, Any] = {}
    for index, name in enumerate(names):
        states[f"Call{name}"] = {
            "Type": "Task",
            "Resource": f"${{{catalog.function_arn_placeholder(name)}}}",
            "Next": f"Call{names[index + 1]}" if index + 1 < len(names) else "Extras",
        }
    states["Extras"] = {
        "Type": "Pass",
        "Parameters": {extra: f"${{{extra}}}" for extra in spec.extra_substitutions},
        "End": True,
    }
    return {"Comment": f"test stand-in for {spec.asl_file}", "StartAt": next(iter(states)),
            "States": states}


def synthesize(
    outdir: Path, asl: tuple[Path, frozenset[str]], *, region: str | None = None,
    **context: Any,
) -> Synth:
    """Build and synthesize the app with cdk-nag on; a finding makes this raise. With
    `region` the stack is bound to that region of a test account."""
    from aws_cdk import Environment

    from stacks.application import create_app

    directory, missing = asl
    app, stack = create_app(
        {**TEST_CONTEXT, "stateMachinesDir": str(directory), **context}, outdir=str(outdir),
        env=Environment(account="111122223333", region=region) if region else None,
    )
    assembly = app.synth()
    template = assembly.get_stack_by_name(stack.stack_name).template
    others = {other.stack_name: other.template for other in assembly.stacks
              if other.stack_name != stack.stack_name}
    return Synth(stack=stack, template=template, outdir=outdir, missing_asl=missing,
                 others=others)


# --- reading a template ----------------------------------------------------------------------


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def ref(value: dict[str, Any]) -> str:
    """Logical id behind a Ref or Fn::GetAtt."""
    return value["Ref"] if "Ref" in value else value["Fn::GetAtt"][0]


def statements_by_principal(synth: Synth) -> dict[str, list[dict[str, Any]]]:
    """Logical id of a role or user -> the statements of every AWS::IAM::Policy attached."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for policy in synth.of_type("AWS::IAM::Policy").values():
        properties = policy["Properties"]
        for principal in properties.get("Roles", []) + properties.get("Users", []):
            found[ref(principal)].extend(properties["PolicyDocument"]["Statement"])
    return found


def functions_by_name(synth: Synth) -> dict[str, tuple[str, dict[str, Any]]]:
    """Catalog name -> (logical id, properties) of its Lambda function."""
    found = {}
    for logical_id, resource in synth.of_type("AWS::Lambda::Function").items():
        for spec in catalog.LAMBDA_FUNCTIONS:
            if logical_id.startswith(f"Functions{spec.name}Function"):
                found[spec.name] = (logical_id, resource["Properties"])
    return found


def actions_of(statements: list[dict[str, Any]]) -> set[str]:
    return {a for s in statements if s["Effect"] == "Allow" for a in as_list(s["Action"])}


def assert_no_dependency_cycle(synth: Synth) -> None:
    """CloudFormation's view: Ref, Fn::GetAtt and DependsOn edges form no cycle."""
    from graphlib import TopologicalSorter

    def references(node: Any) -> set[str]:
        if isinstance(node, dict):
            found = set()
            if "Ref" in node and node["Ref"] in synth.resources:
                found.add(node["Ref"])
            if "Fn::GetAtt" in node:
                found.add(node["Fn::GetAtt"][0])
            for value in node.values():
                found |= references(value)
            return found
        if isinstance(node, list):
            return set().union(*map(references, node)) if node else set()
        return set()

    graph = {
        logical_id: references(resource.get("Properties", {}))
        | set(as_list(resource.get("DependsOn", [])))
        for logical_id, resource in synth.resources.items()
    }
    list(TopologicalSorter(graph).static_order())  # raises CycleError
