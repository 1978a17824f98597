"""`spec.etcd.managed.storage.restoreSnapshotURL`: the field the etcd restore depends on.

Both releases allow at most one URL. main also caps each URL at 1024 characters, allows only
the https and s3 schemes, and makes the list immutable and impossible to add to (or remove
from) an existing HostedCluster: the URL must be in the object that creates the cluster.
"""

from __future__ import annotations

import pytest
from crd_objects import (
    CRD_ROOT,
    HYPERSHIFT,
    RELEASES,
    RESTORE_URL_PATH,
    accepted_hosted_cluster,
    fields,
    presigned_url,
    with_restore_urls,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.crdvalidation import CustomResourceValidator, validator_for

STORAGE_PATH = RESTORE_URL_PATH.rpartition(".")[0]


def test_two_urls_are_refused_on_the_field(
    hosted_clusters: CustomResourceValidator, release: str
) -> None:
    hosted_cluster = with_restore_urls(
        accepted_hosted_cluster(), [presigned_url(), presigned_url(700)]
    )
    found = hosted_clusters.validate(hosted_cluster, None)
    reasons = fields(found)
    if release == "release-4.13":
        # Only the CEL rule `self.size() <= 1` guards the list.
        assert reasons == {RESTORE_URL_PATH: "FieldValueInvalid"}
        assert found[0].message.endswith("RestoreSnapshotURL shouldn't contain more than 1 entry")
    else:
        # maxItems: 1 answers first; a TooMany error keeps the server from running the rules.
        assert reasons[RESTORE_URL_PATH] == "FieldValueTooMany"
        assert reasons["<nil>"] == "FieldValueInvalid"


def test_the_guides_three_urls_for_ha_are_refused(hosted_clusters: CustomResourceValidator) -> None:
    urls = [presigned_url(600 + n) for n in range(3)]
    found = hosted_clusters.validate(with_restore_urls(accepted_hosted_cluster(), urls), None)
    assert RESTORE_URL_PATH in fields(found)


def test_one_presigned_https_url_is_accepted(hosted_clusters: CustomResourceValidator) -> None:
    hosted_cluster = with_restore_urls(accepted_hosted_cluster(), [presigned_url()])
    assert hosted_clusters.validate(hosted_cluster, None) == []


def test_an_s3_url_is_accepted(hosted_clusters: CustomResourceValidator) -> None:
    hosted_cluster = with_restore_urls(accepted_hosted_cluster(), ["s3://bucket/cesar/snapshot.db"])
    assert hosted_clusters.validate(hosted_cluster, None) == []


def test_ftp_is_refused_on_main_only(
    hosted_clusters: CustomResourceValidator, release: str
) -> None:
    hosted_cluster = with_restore_urls(accepted_hosted_cluster(), ["ftp://host/snapshot.db"])
    found = hosted_clusters.validate(hosted_cluster, None)
    if release == "release-4.13":
        assert found == []
    else:
        assert fields(found) == {RESTORE_URL_PATH: "FieldValueInvalid"}
        assert "scheme https or s3" in found[0].message


def test_a_url_over_1024_characters_is_refused_on_main_only(
    hosted_clusters: CustomResourceValidator, release: str
) -> None:
    # A SigV4 URL signed with session credentials carries X-Amz-Security-Token and gets this long.
    long_url = presigned_url(1025)
    assert len(long_url) == 1025
    found = hosted_clusters.validate(with_restore_urls(accepted_hosted_cluster(), [long_url]), None)
    if release == "release-4.13":
        assert found == []
    else:
        assert fields(found)[f"{RESTORE_URL_PATH}[0]"] == "FieldValueTooLong"
    exactly = with_restore_urls(accepted_hosted_cluster(), [presigned_url(1024)])
    assert hosted_clusters.validate(exactly, None) == []


def test_adding_the_url_to_an_existing_cluster_is_refused_on_main(
    hosted_clusters: CustomResourceValidator, release: str
) -> None:
    existing = with_restore_urls(accepted_hosted_cluster(), None)
    edited = with_restore_urls(existing, [presigned_url()])
    found = hosted_clusters.validate(edited, existing)
    if release == "release-4.13":
        assert found == []
    else:
        assert fields(found) == {STORAGE_PATH: "FieldValueInvalid"}
        assert found[0].message.endswith(
            "restoreSnapshotURL cannot be added or removed after creation"
        )


def test_changing_the_url_is_refused_on_main(main_hosted_clusters: CustomResourceValidator) -> None:
    existing = with_restore_urls(accepted_hosted_cluster(), [presigned_url(600)])
    edited = with_restore_urls(existing, [presigned_url(601)])
    found = main_hosted_clusters.validate(edited, existing)
    assert fields(found) == {RESTORE_URL_PATH: "FieldValueInvalid"}
    assert found[0].message.endswith("restoreSnapshotURL is immutable")


def test_removing_the_url_is_refused_on_main(main_hosted_clusters: CustomResourceValidator) -> None:
    existing = with_restore_urls(accepted_hosted_cluster(), [presigned_url()])
    found = main_hosted_clusters.validate(with_restore_urls(existing, None), existing)
    assert fields(found) == {STORAGE_PATH: "FieldValueInvalid"}


def test_leaving_the_url_unchanged_is_accepted(hosted_clusters: CustomResourceValidator) -> None:
    existing = with_restore_urls(accepted_hosted_cluster(), [presigned_url()])
    edited = with_restore_urls(existing, [presigned_url()])
    edited["spec"]["pausedUntil"] = "true"
    assert hosted_clusters.validate(edited, existing) == []


def test_creating_with_the_url_needs_no_old_object(
    main_hosted_clusters: CustomResourceValidator,
) -> None:
    # Transition rules (oldSelf) run only on update; on create they must not fire.
    created = with_restore_urls(accepted_hosted_cluster(), [presigned_url()])
    assert main_hosted_clusters.validate(created, None) == []


_URLS = st.lists(
    st.integers(min_value=100, max_value=1000).map(presigned_url),
    min_size=0,
    max_size=5,
    unique=True,
)


@pytest.mark.parametrize("release", RELEASES)
@settings(max_examples=30, deadline=None)
@given(urls=_URLS)
def test_any_list_is_accepted_iff_it_has_at_most_one_url(release: str, urls: list[str]) -> None:
    validator = validator_for(CRD_ROOT / release, HYPERSHIFT, "v1beta1", "hostedclusters")
    found = validator.validate(with_restore_urls(accepted_hosted_cluster(), urls), None)
    assert (found == []) == (len(urls) <= 1)
    if found:
        assert RESTORE_URL_PATH in fields(found)


_URL_TEXT = st.tuples(
    st.sampled_from(
        ["https://", "s3://", "http://", "ftp://", "HTTPS://", "https:/", "", "xs3://"]
    ),
    st.text(alphabet="abc/.-_?=&%0123456789:", max_size=1100),
).map("".join)


@settings(max_examples=60, deadline=None)
@given(url=_URL_TEXT)
def test_main_accepts_a_url_iff_https_or_s3_and_short_enough(url: str) -> None:
    validator = validator_for(CRD_ROOT / "main", HYPERSHIFT, "v1beta1", "hostedclusters")
    found = validator.validate(with_restore_urls(accepted_hosted_cluster(), [url]), None)
    expected = url.startswith(("https://", "s3://")) and len(url) <= 1024
    assert (found == []) == expected, found
