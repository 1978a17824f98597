"""The DNS watcher's reservation is a context setting: an account whose Lambda concurrency
quota is 100 or less cannot reserve any (Lambda keeps 100 unreserved) and deploys with 0."""

from __future__ import annotations

import pytest
from synth_helpers import Synth, functions_by_name, synthesize

from stacks.config import ConfigError, StackConfig


@pytest.fixture(scope="module")
def unreserved(tmp_path_factory: pytest.TempPathFactory, asl_dir) -> Synth:
    return synthesize(tmp_path_factory.mktemp("cdk.out.unreserved"), asl_dir,
                      dnsWatcherReservedConcurrency=0)


def _reserved(synth: Synth) -> dict[str, int]:
    return {name: properties["ReservedConcurrentExecutions"]
            for name, (_, properties) in functions_by_name(synth).items()
            if "ReservedConcurrentExecutions" in properties}


def test_by_default_one_watcher_runs_at_a_time(synth: Synth) -> None:
    assert _reserved(synth) == {"WatchDnsCleanup": 1}


def test_zero_reserves_nothing(unreserved: Synth) -> None:
    assert _reserved(unreserved) == {}


@pytest.mark.parametrize(("raw", "accepted"), [("0", 0), (2, 2), (-1, None), (11, None)])
def test_the_reservation_is_bounded(raw: object, accepted: int | None) -> None:
    if accepted is None:
        with pytest.raises(ConfigError, match="dnsWatcherReservedConcurrency"):
            StackConfig.from_mapping({"dnsWatcherReservedConcurrency": raw})
    else:
        config = StackConfig.from_mapping({"dnsWatcherReservedConcurrency": raw})
        assert config.dns_watcher_reserved_concurrency == accepted
