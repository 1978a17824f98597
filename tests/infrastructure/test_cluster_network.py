"""Private management-cluster API servers (context managementClusterNetwork): the functions
that reach clusters run in the given subnets, the others outside any VPC."""

from __future__ import annotations

from typing import Any

import pytest
from synth_helpers import (
    Synth,
    as_list,
    functions_by_name,
    ref,
    statements_by_principal,
    synthesize,
)

from stacks import catalog
from stacks.cluster_network import ENI_ACTIONS
from stacks.config import ConfigError, StackConfig

SUBNETS = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
VPC = "vpc-0123456789abcdef0"
GROUPS = ["sg-0123456789abcdef0"]
KUBERNETES = {spec.name for spec in catalog.LAMBDA_FUNCTIONS if spec.uses_kubernetes}


@pytest.fixture(scope="module")
def in_vpc(tmp_path_factory: pytest.TempPathFactory, asl_dir) -> Synth:
    return synthesize(tmp_path_factory.mktemp("cdk.out.vpc"), asl_dir,
                      managementClusterNetwork={"vpcId": VPC, "subnetIds": SUBNETS})


@pytest.fixture(scope="module")
def own_groups(tmp_path_factory: pytest.TempPathFactory, asl_dir) -> Synth:
    return synthesize(tmp_path_factory.mktemp("cdk.out.groups"), asl_dir,
                      managementClusterNetwork={"subnetIds": SUBNETS[:1],
                                                "securityGroupIds": GROUPS})


def _vpc_configs(synth: Synth) -> dict[str, dict[str, Any] | None]:
    return {name: properties.get("VpcConfig")
            for name, (_, properties) in functions_by_name(synth).items()}


def test_the_cluster_facing_functions_run_in_the_subnets_and_only_they(in_vpc: Synth) -> None:
    [(group_id, _)] = in_vpc.of_type("AWS::EC2::SecurityGroup").items()
    configs = _vpc_configs(in_vpc)
    assert KUBERNETES and {name for name, c in configs.items() if c} == KUBERNETES
    for name in KUBERNETES:
        config = configs[name]
        assert config is not None
        assert config["SubnetIds"] == SUBNETS, name
        assert [ref(g) for g in config["SecurityGroupIds"]] == [group_id], name


def test_the_security_group_lets_out_https_the_api_port_and_dns_only(in_vpc: Synth) -> None:
    [group] = in_vpc.of_type("AWS::EC2::SecurityGroup").values()
    properties = group["Properties"]
    assert properties["VpcId"] == VPC
    assert "SecurityGroupIngress" not in properties
    assert sorted((e["IpProtocol"], e["FromPort"], e["ToPort"])
                  for e in properties["SecurityGroupEgress"]) == [
        ("tcp", 53, 53), ("tcp", 443, 443), ("tcp", 6443, 6443), ("udp", 53, 53)]
    assert not in_vpc.of_type("AWS::EC2::SecurityGroupIngress")


def test_each_attached_function_may_manage_its_network_interfaces_first(in_vpc: Synth) -> None:
    """Lambda creates the ENIs with the execution role when the function is created: the
    permission must exist by then, or the deployment fails."""
    statements = statements_by_principal(in_vpc)
    for name, (logical_id, properties) in functions_by_name(in_vpc).items():
        role = ref(properties["Role"])
        eni = [s for s in statements[role] if set(ENI_ACTIONS) & set(as_list(s["Action"]))]
        if name not in KUBERNETES:
            assert not eni, name
            continue
        assert [sorted(as_list(s["Action"])) for s in eni] == [sorted(ENI_ACTIONS)], name
        [policy_id] = [k for k, v in in_vpc.of_type("AWS::IAM::Policy").items()
                       if role in [ref(r) for r in v["Properties"].get("Roles", [])]
                       and any(s in v["Properties"]["PolicyDocument"]["Statement"]
                               for s in eni)]
        assert policy_id in in_vpc.resources[logical_id]["DependsOn"], name


def test_given_security_groups_are_used_as_they_are(own_groups: Synth) -> None:
    assert not own_groups.of_type("AWS::EC2::SecurityGroup")
    configs = _vpc_configs(own_groups)
    for name in KUBERNETES:
        assert configs[name] == {"SubnetIds": SUBNETS[:1], "SecurityGroupIds": GROUPS}


def test_public_endpoints_need_no_vpc(synth: Synth) -> None:
    assert not any(_vpc_configs(synth).values())
    assert not synth.of_type("AWS::EC2::SecurityGroup")


@pytest.mark.parametrize(("raw", "message"), [
    ({"vpcId": VPC}, "at least one subnet"),
    ({"subnetIds": SUBNETS}, "vpcId.*or securityGroupIds"),
    ({"subnetIds": SUBNETS, "vpcId": VPC, "securityGroupIds": GROUPS}, "one of the two"),
    ({"subnetIds": ["subnet-xyz"], "vpcId": VPC}, "subnet"),
    ({"subnetIds": SUBNETS + SUBNETS[:1], "vpcId": VPC}, "distinct"),
    ({"subnetIds": SUBNETS, "vpcId": "vpc-1"}, "vpcId"),
    ({"subnetIds": SUBNETS, "securityGroupIds": "sg-0123456789abcdef0"}, "list of ids"),
    ({"subnetIds": SUBNETS, "vpcId": VPC, "subnets": SUBNETS}, "unknown keys"),
    ("[1]", "JSON object"),
])
def test_a_network_that_cannot_work_fails_the_synth(raw: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        StackConfig.from_mapping({"managementClusterNetwork": raw})


def test_the_command_line_gives_the_network_as_json() -> None:
    config = StackConfig.from_mapping({"managementClusterNetwork":
                                       f'{{"subnetIds": ["{SUBNETS[0]}"], "vpcId": "{VPC}"}}'})
    network = config.management_cluster_network
    assert network is not None
    assert (network.subnet_ids, network.vpc_id, network.security_group_ids) == (
        (SUBNETS[0],), VPC, ())
