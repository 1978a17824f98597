"""Would the synthesized roles allow what the functions did in the sandbox?

Reads the CloudFormation template `cdk synth` writes, resolves its intrinsic functions against
the sandbox's resources (a resource is bound through the function environment that names it,
as the stack passes bucket, table, key and state machine to the functions), and evaluates each
function's identity policies against the requirements of every call it made
(`sandbox.aws.iam_requirements`). The evaluation is IAM's for identity policies: an explicit
Deny wins, otherwise an Allow whose action, resource and conditions match is needed.
Resource policies (bucket, key, topic) are not evaluated: the stack grants through roles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sandbox.aws.api_calls import ApiCall
from sandbox.aws.iam_requirements import (
    AccountContext,
    Requirement,
    UnmappedApiCall,
    requirements,
)

_UNRESOLVED = "<unresolved:{}>"  # matches no ARN a call names


class UnsupportedPolicy(Exception):
    """A policy element this evaluator cannot judge (NotAction, an unknown condition
    operator): refusing is safer than guessing."""


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    sid: str = ""

    def matches(self, requirement: Requirement) -> bool:
        return (any(_glob(p, requirement.action, ignore_case=True) for p in self.actions)
                and any(_glob(p, requirement.resource) for p in self.resources)
                and all(_condition(operator, key, values, requirement.context)
                        for operator, pairs in self.conditions.items()
                        for key, values in pairs.items()))


@dataclass(frozen=True)
class Finding:
    """A call the role of the function that made it would not allow on AWS."""

    function: str
    call: ApiCall
    requirement: Requirement | None  # None: the call's permissions are not mapped
    reason: str

    def __str__(self) -> str:
        what = (f"{self.requirement.action} on {self.requirement.resource}"
                if self.requirement else "")
        return f"{self.function}: {self.call.service}:{self.call.operation} needs {what} " \
               f"({self.reason})"


def allowed(statements: Iterable[Statement], requirement: Requirement) -> bool:
    matching = [s for s in statements if s.matches(requirement)]
    return bool(matching) and all(s.effect == "Allow" for s in matching)


# -- matching -----------------------------------------------------------------------------

@cache
def _pattern(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _glob(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _pattern(pattern, ignore_case).fullmatch(value) is not None


_STRING_OPERATORS = frozenset({
    "StringEquals", "StringLike", "StringNotEquals", "StringNotLike",
    "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"})


def _condition(operator: str, key: str, values: tuple[str, ...],
               context: Mapping[str, str]) -> bool:
    """IAM's rule for a key the request does not carry: positive operators fail, negated
    ones hold."""
    base = operator.removesuffix("IfExists")
    if base not in _STRING_OPERATORS:
        raise UnsupportedPolicy(f"condition operator {operator}")
    if key not in context:
        return operator.endswith("IfExists") or base.startswith(("StringNot", "ArnNot"))
    value = context[key]
    if base in ("StringEquals", "ArnEquals"):
        return value in values
    if base in ("StringLike", "ArnLike"):
        return any(_glob(v, value) for v in values)
    if base in ("StringNotEquals", "ArnNotEquals"):
        return value not in values
    return not any(_glob(v, value) for v in values)  # StringNotLike, ArnNotLike


# -- the template -------------------------------------------------------------------------

@dataclass(frozen=True)
class TemplateReader:
    """Resolves a template's intrinsics to the sandbox's names and ARNs."""

    template: Mapping[str, Any]
    account: AccountContext
    bound: Mapping[tuple[str, str | None], str]  # (logical id, None=Ref | attribute) -> value

    @property
    def resources(self) -> Mapping[str, Mapping[str, Any]]:
        return self.template["Resources"]

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.resolve(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "Ref" in node:
            return self._value(node["Ref"], None)
        if "Fn::GetAtt" in node:
            logical_id, attribute = node["Fn::GetAtt"]
            return self._value(logical_id, attribute)
        if "Fn::Join" in node:
            separator, parts = node["Fn::Join"]
            return separator.join(str(self.resolve(part)) for part in parts)
        if "Fn::Select" in node:
            index, items = node["Fn::Select"]
            return self.resolve(items)[int(index)]
        if "Fn::Split" in node:
            separator, text = node["Fn::Split"]
            return str(self.resolve(text)).split(separator)
        return {key: self.resolve(value) for key, value in node.items()}

    def _value(self, logical_id: str, attribute: str | None) -> str:
        pseudo = {"AWS::Region": self.account.region, "AWS::AccountId": self.account.account,
                  "AWS::Partition": self.account.partition, "AWS::URLSuffix": "amazonaws.com"}
        if attribute is None and logical_id in pseudo:
            return pseudo[logical_id]
        return self.bound.get((logical_id, attribute),
                              _UNRESOLVED.format(f"{logical_id}.{attribute or 'Ref'}"))

    def statements(self, principal: str) -> list[Statement]:
        """The identity policies of a role or user (logical id): inline, attached
        AWS::IAM::Policy and customer-managed policies."""
        documents = [p["PolicyDocument"] for p in
                     self.resources[principal]["Properties"].get("Policies", [])]
        for resource in self.resources.values():
            if resource["Type"] not in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                continue
            properties = resource["Properties"]
            attached = [ref.get("Ref") for ref in
                        properties.get("Roles", []) + properties.get("Users", [])]
            if principal in attached:
                documents.append(properties["PolicyDocument"])
        return [_statement(self.resolve(s)) for d in documents for s in d["Statement"]]


def _statement(raw: Mapping[str, Any]) -> Statement:
    unsupported = {"NotAction", "NotResource", "NotPrincipal"} & raw.keys()
    if unsupported:
        raise UnsupportedPolicy(", ".join(sorted(unsupported)))
    conditions = {operator: {key: tuple(_as_list(values)) for key, values in pairs.items()}
                  for operator, pairs in raw.get("Condition", {}).items()}
    return Statement(raw["Effect"], tuple(_as_list(raw["Action"])),
                     tuple(_as_list(raw.get("Resource", "*"))), conditions, raw.get("Sid", ""))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# -- binding the template to the sandbox ----------------------------------------------------

def _derived(resource_type: str, ref: str | None, arn: str | None,
             account: AccountContext) -> dict[str | None, str]:
    """Ref and Arn of a resource from whichever of them the environment gave."""
    if resource_type == "AWS::S3::Bucket" and ref:
        return {None: ref, "Arn": f"arn:{account.partition}:s3:::{ref}"}
    if resource_type == "AWS::DynamoDB::Table" and ref:
        return {None: ref, "Arn": account.arn("dynamodb", f"table/{ref}")}
    if resource_type == "AWS::KMS::Key":
        key_arn = arn or (ref and account.arn("kms", f"key/{ref}"))
        return {None: key_arn.rsplit("/", 1)[-1], "Arn": key_arn} if key_arn else {}
    value = ref or arn  # topics, state machines and secrets: Ref is the ARN
    if not value:
        return {}
    if resource_type == "AWS::StepFunctions::StateMachine":
        return {None: value, "Arn": value, "Name": value.rsplit(":", 1)[-1]}
    return {None: value, "Arn": value}


def bind_to_environment(template: Mapping[str, Any], environment: Mapping[str, str],
                        account: AccountContext) -> TemplateReader:
    """Bind every resource a function's environment variable names (by Ref or Fn::GetAtt ...
    Arn) to the value that variable has in `environment` (the sandbox's)."""
    resources = template["Resources"]
    found: dict[str, dict[str, str | None]] = {}
    for resource in resources.values():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        variables = resource["Properties"].get("Environment", {}).get("Variables", {})
        for name, value in variables.items():
            if name not in environment or not isinstance(value, dict):
                continue
            if "Ref" in value and value["Ref"] in resources:
                found.setdefault(value["Ref"], {})["ref"] = environment[name]
            elif "Fn::GetAtt" in value and value["Fn::GetAtt"][1] == "Arn":
                found.setdefault(value["Fn::GetAtt"][0], {})["arn"] = environment[name]
    bound: dict[tuple[str, str | None], str] = {}
    for logical_id, values in found.items():
        derived = _derived(resources[logical_id]["Type"], values.get("ref"),
                           values.get("arn"), account)
        bound.update({(logical_id, attribute): value for attribute, value in derived.items()})
    return TemplateReader(template, account, bound)


def function_roles(template: Mapping[str, Any],
                   function_names: Iterable[str]) -> dict[str, str]:
    """Catalog function name -> logical id of its execution role."""
    found = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        for name in function_names:
            if logical_id.startswith(f"Functions{name}Function"):
                found[name] = resource["Properties"]["Role"]["Fn::GetAtt"][0]
    return found


# -- the check ----------------------------------------------------------------------------

def unauthorized_calls(reader: TemplateReader, calls_by_function: Mapping[str, list[ApiCall]],
                       roles: Mapping[str, str], *, function_access_key: str,
                       other_principals: Mapping[str, str] | None = None) -> list[Finding]:
    """Every call that the principal who signed it would not be allowed (or that cannot be
    judged). A call signed with `function_access_key` is judged as its function's role; one
    signed with a key of `other_principals` (access key id -> logical id of a user or role,
    e.g. the restore-URL signer) as that principal."""
    findings: list[Finding] = []
    others = {key: reader.statements(principal)
              for key, principal in (other_principals or {}).items()}
    for function, calls in sorted(calls_by_function.items()):
        if function not in roles:
            findings.extend(Finding(function, call, None, "no role in the template")
                            for call in calls[:1])
            continue
        signers = {function_access_key: reader.statements(roles[function]), **others}
        for call in _distinct(calls):
            findings.extend(_judge(function, call, signers, reader.account))
    return findings


def _distinct(calls: list[ApiCall]) -> list[ApiCall]:
    seen: dict[tuple[Any, ...], ApiCall] = {}
    for call in calls:
        identity = (call.service, call.operation, call.presigned, call.access_key_id,
                    call.error, repr(sorted(call.parameters.items())))
        seen.setdefault(identity, call)
    return list(seen.values())


def _judge(function: str, call: ApiCall, signers: Mapping[str, list[Statement]],
           account: AccountContext) -> list[Finding]:
    statements = signers.get(call.access_key_id)
    if statements is None:
        return [Finding(function, call, None, "signed with credentials of no known principal")]
    try:
        needed = requirements(call, account)
    except UnmappedApiCall as exc:
        return [Finding(function, call, None, f"no IAM mapping for {exc}: add it to "
                                              "sandbox/aws/iam_requirements.py")]
    return [Finding(function, call, requirement, "not allowed by the signer's policies")
            for requirement in needed if not allowed(statements, requirement)]
