"""Build the CDK app the same way for `cdk synth`, `python app.py` and the tests."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from aws_cdk import App, Environment, Tags, Token

from stacks import nag
from stacks.config import REPO_ROOT
from stacks.hcp_dr_stack import HcpDrStack
from stacks.route53_forwarding import Route53EventForwarder
from stacks.triggers import forwarder_built

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
    if forwarder_built(stack.config, region):
        Route53EventForwarder(
            app, forwarder_stack_name(region),
            description=f"hcp-dr: forwards Route 53 record changes from us-east-1 to {region}",
            account=None if Token.is_unresolved(stack.account) else stack.account,
            target_region=region,
        )
    Tags.of(app).add("project", "hcp-dr")
    if checks:
        nag.enable_checks(app)
    return app, stack


def forwarder_stack_name(region: str) -> str:
    """One forwarder per hcp-dr region: two deployments of one account (say eu-west-1 and
    eu-central-1) each keep their own stack in us-east-1."""
    return f"{FORWARDER_STACK_NAME}-{region}"


def deployment_environment(environ: Mapping[str, str] = os.environ) -> Environment | None:
    """Where `cdk deploy` goes: the account and region the CDK CLI resolved from its
    credentials (CDK_DEFAULT_ACCOUNT/REGION). The CLI always sets a region, us-east-1 when
    none is configured, but an account only when credentials resolve: without one (an
    offline `make synth`) the stacks stay environment-agnostic rather than being bound to a
    region nobody chose."""
    account, region = environ.get("CDK_DEFAULT_ACCOUNT"), environ.get("CDK_DEFAULT_REGION")
    if not account or not region:
        return None
    return Environment(account=account, region=region)
