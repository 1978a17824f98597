"""Build the CDK app the same way for `cdk synth`, `python app.py` and the tests."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import App, Environment, Tags

from stacks import nag
from stacks.config import REPO_ROOT
from stacks.hcp_dr_stack import HcpDrStack

STACK_NAME = "HcpDrStack"


def cdk_json_context() -> dict[str, Any]:
    """The `context` of cdk.json: feature flags and the documented defaults."""
    return json.loads((REPO_ROOT / "cdk.json").read_text()).get("context", {})


def create_app(
    context: dict[str, Any] | None = None, *, outdir: str | None = None, checks: bool = True,
    env: Environment | None = None,
) -> tuple[App, HcpDrStack]:
    """The app with its one stack. cdk.json's context comes first, then `context`; when run
    by the CDK CLI, the CLI's context (cdk.json, cdk.context.json, -c) overrides both.
    Without `env` the stack is environment-agnostic (deployed where the CLI's credentials
    point)."""
    app = App(context={**cdk_json_context(), **(context or {})}, outdir=outdir)
    stack = HcpDrStack(
        app, STACK_NAME,
        description="hcp-dr: event-driven DR for HyperShift hosted control planes",
        env=env,
    )
    Tags.of(app).add("project", "hcp-dr")
    if checks:
        nag.enable_checks(app)
    return app, stack
