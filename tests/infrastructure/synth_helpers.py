"""Helpers of the infrastructure tier: synthesize the CDK app in-process.

One synth per module (bundle=false: the package alone, no dependency install), with the
catalog's ASL files. A file the catalog names that does not exist yet is replaced, in a
temporary directory only, by a minimal valid definition using the same placeholders; tests
that judge a real definition skip such machines.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
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
    outdir: Path, asl: tuple[Path, frozenset[str]], **context: Any
) -> Synth:
    """Build and synthesize the app with cdk-nag on; a finding makes this raise."""
    from stacks.application import create_app

    directory, missing = asl
    app, stack = create_app(
        {**TEST_CONTEXT, "stateMachinesDir": str(directory), **context}, outdir=str(outdir)
    )
    assembly = app.synth()
    template = assembly.get_stack_by_name(stack.stack_name).template
    return Synth(stack=stack, template=template, outdir=outdir, missing_asl=missing)
