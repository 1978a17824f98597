"""The render fixture against the real CRDs: what a server accepts, and why it needed fixes."""

from __future__ import annotations

import pytest
from crd_objects import (
    HOSTED_CLUSTER_FIXES,
    NODE_POOL_FIXES,
    accepted_hosted_cluster,
    accepted_node_pool,
    get_path,
    rendered,
    set_path,
)

from sandbox.crdvalidation import CustomResourceValidator


def test_fixed_hosted_cluster_is_accepted(hosted_clusters: CustomResourceValidator) -> None:
    assert hosted_clusters.validate(accepted_hosted_cluster(), None) == []


def test_fixed_node_pool_is_accepted(node_pools: CustomResourceValidator) -> None:
    assert node_pools.validate(accepted_node_pool(), None) == []


def test_fixed_objects_survive_an_unchanged_update(
    hosted_clusters: CustomResourceValidator, node_pools: CustomResourceValidator
) -> None:
    # Every transition rule (self == oldSelf ...) holds when nothing changed.
    hosted_cluster, node_pool = accepted_hosted_cluster(), accepted_node_pool()
    assert hosted_clusters.validate(hosted_cluster, hosted_cluster) == []
    assert node_pools.validate(node_pool, node_pool) == []


@pytest.mark.parametrize(("dotted", "why"), [(f[0], f[2]) for f in HOSTED_CLUSTER_FIXES])
def test_each_hosted_cluster_fix_is_needed(
    hosted_clusters: CustomResourceValidator, release: str, dotted: str, why: str
) -> None:
    unfixed = accepted_hosted_cluster()
    set_path(unfixed, dotted, get_path(rendered("HostedCluster"), dotted))
    refused = [c.field for c in hosted_clusters.validate(unfixed, None)]
    if release == "release-4.13" and dotted == "spec.infraID":
        assert refused == [], "4.13 has no infraID rule; the fix only matters on main"
    else:
        assert dotted in refused, why


@pytest.mark.parametrize(("dotted", "why"), [(f[0], f[2]) for f in NODE_POOL_FIXES])
def test_each_node_pool_fix_is_needed(
    node_pools: CustomResourceValidator, release: str, dotted: str, why: str
) -> None:
    unfixed = accepted_node_pool()
    set_path(unfixed, dotted, get_path(rendered("NodePool"), dotted))
    refused = [c.field for c in node_pools.validate(unfixed, None)]
    if release == "release-4.13" and dotted == "spec.platform.aws.subnet.id":
        assert refused == [], "4.13 has no subnet rule; the fix only matters on main"
    else:
        expected = "spec.platform.aws.subnet" if dotted.startswith("spec.") else dotted
        assert expected in refused, why


def test_raw_render_on_4_13_stops_before_the_rules(
    hosted_clusters: CustomResourceValidator, release: str
) -> None:
    found = hosted_clusters.validate(rendered("HostedCluster"), None)
    by_field = {c.field: c for c in found}
    if release == "release-4.13":
        # A format failure is a type error, and type errors keep the CEL rules from running.
        assert by_field["spec.issuerURL"].reason == "FieldValueTypeInvalid"
        assert "must be of type uri" in by_field["spec.issuerURL"].message
        assert "<nil>" in by_field
    else:
        assert by_field["spec.issuerURL"].message.endswith("issuerURL must be a valid absolute URL")
        assert "<nil>" not in by_field
