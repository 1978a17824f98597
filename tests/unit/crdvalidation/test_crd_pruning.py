"""Pruning: undeclared fields disappear, `x-kubernetes-preserve-unknown-fields` subtrees stay."""

from __future__ import annotations

import copy

from crd_objects import CRD_ROOT, HYPERSHIFT, accepted_hosted_cluster

from sandbox.crdvalidation import CustomResourceValidator, validator_for


def test_unknown_fields_are_dropped_and_known_ones_kept(
    hosted_clusters: CustomResourceValidator,
) -> None:
    hosted_cluster = accepted_hosted_cluster()
    hosted_cluster["spec"]["etcd"]["managed"]["storage"]["restoreSnapshotURLs"] = ["typo"]
    hosted_cluster["spec"]["platform"]["aws"]["colour"] = "blue"
    hosted_cluster["metadata"]["notAMetaField"] = 1
    hosted_cluster["topLevelTypo"] = {}
    before = copy.deepcopy(hosted_cluster)

    pruned = hosted_clusters.prune(hosted_cluster)

    assert hosted_cluster == before, "prune must not modify its input"
    assert "restoreSnapshotURLs" not in pruned["spec"]["etcd"]["managed"]["storage"]
    assert "colour" not in pruned["spec"]["platform"]["aws"]
    assert "notAMetaField" not in pruned["metadata"]
    assert "topLevelTypo" not in pruned
    assert pruned == hosted_clusters.prune(accepted_hosted_cluster())
    assert pruned["spec"]["etcd"] == accepted_hosted_cluster()["spec"]["etcd"]


def test_a_4_13_server_drops_the_fields_a_newer_cli_renders(release: str) -> None:
    hosted_cluster = accepted_hosted_cluster()
    hosted_clusters = validator_for(CRD_ROOT / release, HYPERSHIFT, "v1beta1", "hostedclusters")
    pruned = hosted_clusters.prune(hosted_cluster)
    newer = (
        {"capabilities"} - pruned["spec"].keys(),
        {"multiArch"} - pruned["spec"]["platform"]["aws"].keys(),
    )
    if release == "release-4.13":
        assert newer == ({"capabilities"}, {"multiArch"})
    else:
        assert pruned == hosted_cluster


def test_preserve_unknown_fields_subtrees_are_kept(release: str) -> None:
    clusters = validator_for(CRD_ROOT / release, "cluster.x-k8s.io", "v1beta1", "clusters")
    value = {"anything": {"nested": [1, {"deep": True}]}, "x": None}
    cluster = {
        "apiVersion": "cluster.x-k8s.io/v1beta1",
        "kind": "Cluster",
        "metadata": {"name": "cesar", "namespace": "clusters-cesar"},
        "spec": {
            "topology": {
                "class": "c",
                "version": "v1.26.0",
                "variables": [{"name": "v", "value": value, "unknown": 1}],
            },
            "bogus": 1,
        },
    }
    pruned = clusters.prune(cluster)
    assert pruned["spec"]["topology"]["variables"] == [{"name": "v", "value": value}]
    assert "bogus" not in pruned["spec"]
    assert clusters.validate(pruned, None) == []


def test_embedded_resources_keep_their_envelope_and_maps_their_keys() -> None:
    validator = CustomResourceValidator(
        {
            "type": "object",
            "properties": {
                "spec": {
                    "type": "object",
                    "properties": {
                        "template": {
                            "type": "object",
                            "x-kubernetes-embedded-resource": True,
                            "properties": {
                                "spec": {"type": "object", "properties": {"a": {"type": "string"}}}
                            },
                        },
                        "labels": {
                            "type": "object",
                            "additionalProperties": {
                                "type": "object",
                                "properties": {"v": {"type": "string"}},
                            },
                        },
                        "optional": {"type": "string", "nullable": True},
                    },
                },
            },
        }
    )
    pruned = validator.prune(
        {
            "apiVersion": "v1",
            "kind": "K",
            "metadata": {"name": "n"},
            "spec": {
                "template": {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {"name": "p"},
                    "spec": {"a": "x", "b": "y"},
                },
                "labels": {"k1": {"v": "1", "w": "2"}},
                "optional": None,
            },
        }
    )
    assert pruned["spec"]["template"] == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"a": "x"},
    }
    assert pruned["spec"]["labels"] == {"k1": {"v": "1"}}
    assert pruned["spec"]["optional"] is None, "a nullable null survives"
