"""The functions that reach management clusters, placed where private API servers are
reachable (context `managementClusterNetwork`).

Private OpenShift API endpoints are reachable only from inside a network that routes to them,
so the functions that talk to management clusters (every function of the kubernetes bundle)
get ENIs in the given subnets. They also call AWS APIs (S3, Secrets Manager, DynamoDB, Step
Functions, KMS, Route 53, SNS); Route 53 has no VPC endpoint, so the subnets need a route to
the internet through a NAT gateway. The other functions stay outside any VPC.

The security group the stack creates allows egress on TCP 443 (AWS APIs, routed hosted-cluster
API servers), TCP 6443 (management-cluster API servers) and port 53 (DNS, for VPCs with their
own resolvers) only, and no ingress.
"""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from stacks.config import ClusterNetwork
from stacks.nag import acknowledge_wildcard_resource

# (protocol, port, why): HTTPS to AWS APIs and routed hosted-cluster API servers, the
# management clusters' API port, and DNS for VPCs whose DHCP options name their own resolvers
# (the Amazon-provided resolver is not subject to security groups).
EGRESS = (("tcp", 443, "HTTPS: AWS APIs, hosted-cluster API servers"),
          ("tcp", 6443, "management-cluster API servers"),
          ("udp", 53, "DNS: the VPC's own resolvers"),
          ("tcp", 53, "DNS: the VPC's own resolvers"))
# What Lambda does with the execution role to attach a function to a VPC (the actions of the
# AWS managed policy AWSLambdaVPCAccessExecutionRole, without its logging actions).
ENI_ACTIONS = ("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
               "ec2:DescribeSubnets", "ec2:DeleteNetworkInterface",
               "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses")


class ClusterNetworkAccess(Construct):
    """The subnets and security groups every cluster-facing function is attached to."""

    def __init__(self, scope: Construct, construct_id: str, *, network: ClusterNetwork) -> None:
        super().__init__(scope, construct_id)
        self.subnet_ids = list(network.subnet_ids)
        self.security_group_ids: list[str] = list(network.security_group_ids)
        if not self.security_group_ids:
            group = ec2.CfnSecurityGroup(
                self, "ClusterClients",
                group_description="hcp-dr functions: HTTPS to AWS APIs and management-cluster "
                                  "API servers; no ingress",
                vpc_id=network.vpc_id,
                security_group_egress=[
                    ec2.CfnSecurityGroup.EgressProperty(
                        ip_protocol=protocol, from_port=port, to_port=port, cidr_ip="0.0.0.0/0",
                        description=why,
                    )
                    for protocol, port, why in EGRESS
                ],
            )
            self.security_group_ids = [group.attr_group_id]

    def attach(self, function: lambda_.Function, role: iam.Role) -> None:
        """Put `function` in the subnets; its role may manage the ENIs Lambda creates."""
        resource = function.node.default_child
        assert isinstance(resource, lambda_.CfnFunction)
        resource.vpc_config = lambda_.CfnFunction.VpcConfigProperty(
            subnet_ids=self.subnet_ids, security_group_ids=self.security_group_ids,
        )
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="AttachToClusterNetwork", actions=list(ENI_ACTIONS), resources=["*"],
        ))
        acknowledge_wildcard_resource(
            role, "*",
            "Lambda creates and deletes the function's network interfaces with the execution "
            "role; the Describe actions have no resource-level permissions, and the interfaces "
            "do not exist (so have no ARN) before Lambda creates them.",
        )
