"""Build the CDK app the same way for `cdk synth`, `python app.py` and the tests."""

from __future__ import annotations

import json
import os
from typing import Any

from aws_cdk import App, Environment, Tags, Token

from stacks import nag
from stacks.config import REPO_ROOT
from stacks.hcp_dr_stack import HcpDrStack
from stacks.route53_forwarding import Route53EventForwarder
from stacks.triggers import forwarding_needed

STACK_NAME = "HcpDrStack"
FORWARDER_STACK_NAME = "HcpDrRoute53Forwarder"


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
    point). A stack bound to a commercial region other than us-east-1 gets the Route 53 event
    forwarder stack beside it (context `route53EventForwarder`, on by default)."""
    app = App(context={**cdk_json_context(), **(context or {})}, outdir=outdir)
    stack = HcpDrStack(
        app, STACK_NAME,
        description="hcp-dr: event-driven DR for HyperShift hosted control planes",
        env=env,
    )
    region = stack.region
    if (stack.config.route53_event_forwarder and not Token.is_unresolved(region)
            and forwarding_needed(region)):
        Route53EventForwarder(
            app, FORWARDER_STACK_NAME,
            description=f"hcp-dr: forwards Route 53 record changes from us-east-1 to {region}",
            account=None if Token.is_unresolved(stack.account) else stack.account,
            target_region=region,
        )
    Tags.of(app).add("project", "hcp-dr")
    if checks:
        nag.enable_checks(app)
    return app, stack


def deployment_environment() -> Environment | None:
    """Where the CDK CLI deploys (it sets CDK_DEFAULT_REGION/ACCOUNT from its credentials and
    profile); None, i.e. environment-agnostic, when it knows no region (an offline synth)."""
    region = os.environ.get("CDK_DEFAULT_REGION")
    if not region:
        return None
    return Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT") or None, region=region)
