"""Deploy our real ASL files into moto the way the CDK stack deploys them.

CDK passes `definition_substitutions` through CloudFormation `Fn::Sub`: every `${Key}` is
replaced, `${!Key}` is the escape for a literal `${Key}`, and `${AWS::Region}`-style pseudo
parameters resolve. An unknown key fails the deployment. Here an unknown key fails too, and so
does a provided key the file never uses: both mean the ASL and stacks/catalog.py disagree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from graphlib import TopologicalSorter
from pathlib import Path
from typing import TYPE_CHECKING

from sandbox.aws.lambdas import ACCOUNT_ID
from stacks.catalog import STATE_MACHINES, StateMachineSpec, function_arn_placeholder

if TYPE_CHECKING:
    from sandbox.aws.server import LocalAws

STATEMACHINES_DIR = Path(__file__).resolve().parents[2] / "statemachines"
STATES_ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/hcp-dr-sandbox-states"
_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
_MACHINE_ARN = re.compile(r"^([A-Za-z0-9]+)StateMachineArn$")


class SubstitutionError(ValueError):
    """The ASL's `${...}` placeholders and the substitutions offered do not line up."""


def substitute(template: str, substitutions: Mapping[str, str], *, source: str,
               region: str) -> str:
    """Apply `Fn::Sub` semantics; raise if a placeholder is unknown or a key goes unused."""
    pseudo = {"AWS::Region": region, "AWS::AccountId": ACCOUNT_ID, "AWS::Partition": "aws",
              "AWS::URLSuffix": "amazonaws.com"}
    unknown: list[str] = []
    used: set[str] = set()

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key.startswith("!"):
            return "${" + key[1:] + "}"
        if key in substitutions:
            used.add(key)
            return substitutions[key]
        if key in pseudo:
            return pseudo[key]
        unknown.append(key)
        return match.group(0)

    result = _PLACEHOLDER.sub(replace, template)
    problems = []
    if unknown:
        problems.append(f"placeholders without a substitution: {sorted(set(unknown))}")
    if unused := sorted(set(substitutions) - used):
        problems.append(f"substitutions the file never uses: {unused}")
    if problems:
        raise SubstitutionError(f"{source}: " + "; ".join(problems))
    return result


def function_substitutions(functions: Iterable[str], region: str) -> dict[str, str]:
    """`${<Name>FunctionArn}` -> the ARN the sandbox routes to that function's handler."""
    return {
        function_arn_placeholder(name): f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}"
        for name in functions
    }


def deploy_state_machine(
    local_aws: LocalAws,
    name: str,
    asl_path: Path,
    substitutions: Mapping[str, str],
    *,
    functions: Iterable[str] = (),
) -> str:
    """Create (or update, if it exists) one state machine from an ASL file; return its ARN."""
    if not asl_path.is_file():
        raise FileNotFoundError(f"ASL file for state machine {name!r} not found: {asl_path}")
    definition = substitute(
        asl_path.read_text(),
        {**function_substitutions(functions, local_aws.region), **substitutions},
        source=str(asl_path),
        region=local_aws.region,
    )
    try:
        json.loads(definition)
    except json.JSONDecodeError as exc:
        raise SubstitutionError(f"{asl_path}: not JSON after substitution: {exc}") from exc
    sfn = local_aws.client("stepfunctions")
    arn = f"arn:aws:states:{local_aws.region}:{ACCOUNT_ID}:stateMachine:{name}"
    try:
        sfn.describe_state_machine(stateMachineArn=arn)
    except sfn.exceptions.StateMachineDoesNotExist:
        return sfn.create_state_machine(
            name=name, definition=definition, roleArn=STATES_ROLE_ARN, type="STANDARD"
        )["stateMachineArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=definition, roleArn=STATES_ROLE_ARN)
    return arn


def deploy_state_machines(
    local_aws: LocalAws,
    substitutions: Mapping[str, str],
    *,
    names: Iterable[str] | None = None,
    asl_dir: Path = STATEMACHINES_DIR,
) -> dict[str, str]:
    """Deploy the catalog's state machines (all, or only `names`); return name -> ARN.

    `substitutions` holds the extra keys (e.g. `FailureTopicArn`); the function ARNs come from
    the catalog. `BackupStateMachineArn` may be omitted when Backup is deployed in the same
    call: it is filled in with the ARN just created, as CDK would wire it.
    """
    specs = _select(names)
    offered = dict(substitutions)
    arns: dict[str, str] = {}
    for spec in specs:
        for name, arn in arns.items():
            offered.setdefault(f"{name}StateMachineArn", arn)
        missing = [key for key in spec.extra_substitutions if key not in offered]
        if missing:
            raise SubstitutionError(f"{spec.asl_file}: no value given for {missing}")
        arns[spec.name] = deploy_state_machine(
            local_aws,
            spec.name,
            asl_dir / spec.asl_file,
            {key: offered[key] for key in spec.extra_substitutions},
            functions=spec.functions,
        )
    declared = {key for spec in specs for key in spec.extra_substitutions}
    if unused := sorted(set(substitutions) - declared):
        raise SubstitutionError(f"substitutions no deployed state machine declares: {unused}")
    return arns


def _select(names: Iterable[str] | None) -> list[StateMachineSpec]:
    """The requested specs, each after the machines whose ARN it substitutes (as the stack
    creates them), so `<Name>StateMachineArn` can be filled in from this deployment."""
    by_name = {spec.name: spec for spec in STATE_MACHINES}
    wanted = list(by_name) if names is None else list(names)
    if unknown := [name for name in wanted if name not in by_name]:
        raise KeyError(f"no state machine named {unknown} in stacks/catalog.py")
    graph = {
        name: {
            match.group(1) for key in by_name[name].extra_substitutions
            if (match := _MACHINE_ARN.match(key)) and match.group(1) in wanted
        }
        for name in wanted
    }
    return [by_name[name] for name in TopologicalSorter(graph).static_order()]
