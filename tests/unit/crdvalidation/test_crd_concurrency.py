"""The API server emulator validates from several request threads at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from crd_objects import accepted_hosted_cluster, presigned_url, with_restore_urls

from sandbox.crdvalidation import CustomResourceValidator, outcome_cache


def test_parallel_validations_agree_with_sequential_ones(
    hosted_clusters: CustomResourceValidator,
) -> None:
    base = accepted_hosted_cluster()
    cases = [
        (with_restore_urls(base, [presigned_url(300 + n)] * (1 + n % 3)), None if n % 2 else base)
        for n in range(24)
    ]
    expected = [hosted_clusters.validate(new, old) for new, old in cases]
    outcome_cache.clear()
    with ThreadPoolExecutor(max_workers=6) as pool:
        actual = list(pool.map(lambda case: hosted_clusters.validate(*case), cases))
    assert actual == expected
    assert any(expected) and not all(expected)
