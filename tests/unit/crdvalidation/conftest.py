"""Validators of both CRD releases, as fixtures parametrised over `release-4.13` and `main`."""

from __future__ import annotations

import pytest
from crd_objects import CRD_ROOT, HYPERSHIFT, RELEASES

from sandbox.crdvalidation import CustomResourceValidator, validator_for


@pytest.fixture(params=RELEASES)
def release(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def hosted_clusters(release: str) -> CustomResourceValidator:
    return validator_for(CRD_ROOT / release, HYPERSHIFT, "v1beta1", "hostedclusters")


@pytest.fixture
def node_pools(release: str) -> CustomResourceValidator:
    return validator_for(CRD_ROOT / release, HYPERSHIFT, "v1beta1", "nodepools")


@pytest.fixture
def main_hosted_clusters() -> CustomResourceValidator:
    return validator_for(CRD_ROOT / "main", HYPERSHIFT, "v1beta1", "hostedclusters")
