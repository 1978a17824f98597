"""OpenAPI schema violations on real HyperShift objects, with the causes the API server gives."""

from __future__ import annotations

from crd_objects import (
    RESTORE_URL_PATH,
    accepted_hosted_cluster,
    accepted_node_pool,
    fields,
    presigned_url,
    with_restore_urls,
)

from sandbox.crdvalidation import CustomResourceValidator

RULES_NOT_CHECKED = "<nil>"


def test_a_string_where_an_integer_belongs(node_pools: CustomResourceValidator) -> None:
    node_pool = accepted_node_pool()
    node_pool["spec"]["replicas"] = "two"
    found = node_pools.validate(node_pool, None)
    assert fields(found) == {
        "spec.replicas": "FieldValueTypeInvalid",
        RULES_NOT_CHECKED: "FieldValueInvalid",
    }
    assert found[0].message == (
        'Invalid value: "string": spec.replicas in body must be of type integer: "string"'
    )


def test_an_integral_float_is_an_integer(node_pools: CustomResourceValidator) -> None:
    node_pool = accepted_node_pool()
    node_pool["spec"]["replicas"] = 3.0
    assert node_pools.validate(node_pool, None) == []
    node_pool["spec"]["replicas"] = 2.5
    assert fields(node_pools.validate(node_pool, None))["spec.replicas"] == "FieldValueTypeInvalid"


def test_a_string_where_a_boolean_belongs(hosted_clusters: CustomResourceValidator) -> None:
    hosted_cluster = accepted_hosted_cluster()
    hosted_cluster["spec"]["fips"] = "false"
    assert fields(hosted_clusters.validate(hosted_cluster, None))["spec.fips"] == (
        "FieldValueTypeInvalid"
    )


def test_a_missing_required_field(hosted_clusters: CustomResourceValidator) -> None:
    hosted_cluster = accepted_hosted_cluster()
    del hosted_cluster["spec"]["dns"]["baseDomain"]
    found = hosted_clusters.validate(hosted_cluster, None)
    assert fields(found)["spec.dns.baseDomain"] == "FieldValueRequired"
    assert RULES_NOT_CHECKED in fields(found)


def test_a_missing_required_list_item_field(node_pools: CustomResourceValidator) -> None:
    node_pool = accepted_node_pool()
    node_pool["spec"]["platform"]["aws"]["resourceTags"] = [{"key": "owner"}]
    found = node_pools.validate(node_pool, None)
    assert fields(found)["spec.platform.aws.resourceTags[0].value"] == "FieldValueRequired"


def test_a_value_outside_the_enum(hosted_clusters: CustomResourceValidator) -> None:
    hosted_cluster = accepted_hosted_cluster()
    hosted_cluster["spec"]["services"][1]["servicePublishingStrategy"]["type"] = "Teleport"
    found = hosted_clusters.validate(hosted_cluster, None)
    path = "spec.services[1].servicePublishingStrategy.type"
    assert fields(found)[path] == "FieldValueNotSupported"
    message = next(c.message for c in found if c.field == path)
    assert message.startswith('Unsupported value: "Teleport": supported values: ')
    assert '"Route"' in message


def test_a_pattern_violation(hosted_clusters: CustomResourceValidator) -> None:
    hosted_cluster = accepted_hosted_cluster()
    hosted_cluster["spec"]["etcd"]["managed"]["storage"]["persistentVolume"]["size"] = "8 gigs"
    found = hosted_clusters.validate(hosted_cluster, None)
    path = "spec.etcd.managed.storage.persistentVolume.size"
    assert fields(found) == {path: "FieldValueInvalid"}
    assert f"{path} in body should match '^(\\+|-)?" in found[0].message


def test_int_or_string_takes_both_but_nothing_else(
    hosted_clusters: CustomResourceValidator,
) -> None:
    hosted_cluster = accepted_hosted_cluster()
    size = hosted_cluster["spec"]["etcd"]["managed"]["storage"]["persistentVolume"]
    size["size"] = 8589934592
    assert hosted_clusters.validate(hosted_cluster, None) == []
    size["size"] = True
    path = "spec.etcd.managed.storage.persistentVolume.size"
    assert fields(hosted_clusters.validate(hosted_cluster, None))[path] == "FieldValueTypeInvalid"


def test_null_in_a_non_nullable_field_is_a_type_error(
    hosted_clusters: CustomResourceValidator,
) -> None:
    hosted_cluster = accepted_hosted_cluster()
    hosted_cluster["spec"]["infraID"] = None
    found = hosted_clusters.validate(hosted_cluster, None)
    assert fields(found)["spec.infraID"] == "FieldValueTypeInvalid"
    # ... and pruning drops it, as the server does on decode.
    assert hosted_clusters.validate(hosted_clusters.prune(hosted_cluster), None) == []


def test_object_names_must_be_dns_subdomains(node_pools: CustomResourceValidator) -> None:
    node_pool = accepted_node_pool()
    node_pool["metadata"]["name"] = "Cesar_pool"
    assert fields(node_pools.validate(node_pool, None)) == {"metadata.name": "FieldValueInvalid"}
    del node_pool["metadata"]["name"]
    # Required is one of the errors after which the server does not run the CEL rules.
    assert fields(node_pools.validate(node_pool, None)) == {
        "metadata.name": "FieldValueRequired",
        RULES_NOT_CHECKED: "FieldValueInvalid",
    }
    node_pool["metadata"]["name"] = "a" * 254
    assert fields(node_pools.validate(node_pool, None)) == {"metadata.name": "FieldValueInvalid"}


def test_label_keys_and_values_are_checked(node_pools: CustomResourceValidator) -> None:
    node_pool = accepted_node_pool()
    node_pool["metadata"]["labels"] = {"hypershift.openshift.io/nodePool": "ok-value"}
    assert node_pools.validate(node_pool, None) == []
    node_pool["metadata"]["labels"] = {"bad key!": "value with spaces"}
    found = node_pools.validate(node_pool, None)
    assert [c.field for c in found] == ["metadata.labels", "metadata.labels"]


def test_a_blocking_error_keeps_the_rules_from_running(
    main_hosted_clusters: CustomResourceValidator,
) -> None:
    hosted_cluster = with_restore_urls(accepted_hosted_cluster(), ["ftp://host/snapshot.db"])
    assert fields(main_hosted_clusters.validate(hosted_cluster, None)) == {
        RESTORE_URL_PATH: "FieldValueInvalid"
    }
    hosted_cluster["spec"]["fips"] = "no"
    assert fields(main_hosted_clusters.validate(hosted_cluster, None)) == {
        "spec.fips": "FieldValueTypeInvalid",
        RULES_NOT_CHECKED: "FieldValueInvalid",
    }


def test_a_set_list_refuses_duplicates(main_hosted_clusters: CustomResourceValidator) -> None:
    url = presigned_url()
    found = main_hosted_clusters.validate(
        with_restore_urls(accepted_hosted_cluster(), [url, url]), None
    )
    reasons = fields(found)
    assert reasons[f"{RESTORE_URL_PATH}[1]"] == "FieldValueDuplicate"
    assert reasons[RESTORE_URL_PATH] == "FieldValueTooMany"


def test_cidr_rules_on_main(main_hosted_clusters: CustomResourceValidator) -> None:
    hosted_cluster = accepted_hosted_cluster()
    networking = hosted_cluster["spec"]["networking"]
    networking["serviceNetwork"] = [{"cidr": networking["clusterNetwork"][0]["cidr"]}]
    found = main_hosted_clusters.validate(hosted_cluster, None)
    assert fields(found) == {"spec.networking": "FieldValueInvalid"}
