"""From the last Route 53 record's removal to the migration leaving `AwaitDnsCleanup`.

Each run is one drill migration (`approval: skip`) in a fresh sandbox. Three ways to learn that
ExternalDNS has removed the hosted cluster's records (CNAME + TXT ownership record of each
Route hostname):

(i) event path (EVENT_RUNS runs, the default): ExternalDNS's `ChangeResourceRecordSets` ->
    CloudTrail-shaped event -> EventBridge rule -> `WatchDnsCleanup` -> `SendTaskSuccess`.
    The sandbox puts the event on the bus at once: CloudTrail's own delivery latency on AWS
    (best effort, us-east-1 only) is not in this figure.
(ii) fallback poll only (FALLBACK_RUNS runs, `deliver_route53_events=False`): the
    `rate(1 minute)` rule, ticking every SANDBOX_FALLBACK_PERIOD_SECONDS in the sandbox. The
    delay is the wait for the next tick (uniform over a period) plus the watcher's work; on
    AWS, with a 60 s period, expect about 30 s on average and up to 60 s (plus the same work),
    which `aws_estimate` spells out from the measured work.
(iii) the guide's poll, simulated in the event-path runs as a side measurement: a thread
    started the moment the `DeleteSourceRoutes` handler returns (its handler is wrapped; the
    state machine is not slowed) lists the zone, and while records remain sleeps 10 s and
    lists again, at most 40 times (guide 4.2: "polls every 10 s, 40 tries"); it records when a
    listing first shows them gone. The state machine does not wait for it: it restores on the
    destination, whose ExternalDNS publishes the same names again (pointing at the
    destination), which the guide's script would not have done before its loop ended. So the
    simulated listing looks for the source's records only (CNAME to the source's router, TXT
    owned by the source's ExternalDNS): what the guide's listing would show at that moment.

The removal moment: the source ExternalDNS controller's Route 53 client is wrapped, timing
every `ChangeResourceRecordSets` call that deletes a record of the hosted cluster; the last such
call's return is "removed" (moto applies the batch inside the call, so the true moment lies in
[call start, call return]; `removal_call_ms` is that uncertainty). This is finer than the
CloudTrail event's `eventTime` (whole seconds). The state machine's move is the history's
`TaskStateExited` of `AwaitDnsCleanup`, which moto truncates to the millisecond, so delays are
low by up to 1 ms. Both use the same clock (`time.time()`, one process).

Which mechanism completed each wait: `AwaitDnsCleanup` finds the records already gone at
registration (its result says `decision: clean`), or a `WatchDnsCleanup` invocation finds them
gone. That handler is wrapped as well, recording each invocation's start, trigger (the event's
`detail-type`: CloudTrail or `Scheduled Event`) and result (`clean` count); the earliest-started
invocation that found the wait clean completed it (a later one's `SendTaskSuccess` finds the
token gone). The request id in the handlers' log lines is not usable for this: in one process,
concurrent invocations share the Powertools logger's keys.
Delays per path are summarised over the runs that path completed; the others are listed.
"""

from __future__ import annotations

import importlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from bench.migration_history import ExecutionHistory, migration_request, summary
from sandbox.aws.executions import history
from sandbox.controllers.external_dns import ExternalDnsController
from sandbox.environment import Sandbox, SandboxOptions
from sandbox.scenario.migration_triggers import DNS_FALLBACK_SCHEDULE, ROUTE53_PATTERN
from stacks.catalog import LAMBDA_FUNCTIONS

EVENT_RUNS = 5
FALLBACK_RUNS = 3
SANDBOX_FALLBACK_PERIOD_SECONDS = 1.0
AWS_FALLBACK_PERIOD_SECONDS = 60.0  # DNS_FALLBACK_SCHEDULE
GUIDE_POLL_SECONDS = 10.0
GUIDE_POLL_TRIES = 40
STATE = "AwaitDnsCleanup"
WATCHER = "WatchDnsCleanup"
CLOUDTRAIL_DETAIL_TYPE = ROUTE53_PATTERN["detail-type"][0]


def _of_cluster(name: str, hostnames: list[str]) -> bool:
    """A record of one of `hostnames`: the name itself or its ExternalDNS TXT ownership record
    (the rule `WatchDnsCleanup` applies)."""
    name = name.rstrip(".").lower()
    return any(name == host or name.endswith(("-" + host, "." + host)) for host in hostnames)


class _Removals:
    """Times the Route 53 change batches that delete records of the hosted cluster."""

    def __init__(self, hostnames: list[str]) -> None:
        self.hostnames = hostnames
        self.calls: list[tuple[float, float]] = []  # (call started, call returned)
        self._lock = threading.Lock()

    def timed(self, client: Any) -> Any:
        removals = self

        class TimedRoute53:
            def change_resource_record_sets(self, **kwargs: Any) -> Any:
                began = time.time()
                response = client.change_resource_record_sets(**kwargs)
                returned = time.time()
                changes = kwargs.get("ChangeBatch", {}).get("Changes", [])
                if any(c["Action"] == "DELETE" and _of_cluster(
                        c["ResourceRecordSet"]["Name"], removals.hostnames) for c in changes):
                    with removals._lock:
                        removals.calls.append((began, returned))
                return response

            def __getattr__(self, name: str) -> Any:
                return getattr(client, name)

        return TimedRoute53()

    def last(self) -> tuple[float, float] | None:
        with self._lock:
            return max(self.calls, key=lambda call: call[1]) if self.calls else None


class _GuidePoll:
    """The guide's loop: list the zone; while records remain, sleep 10 s and list again."""

    def __init__(self, route53: Any, zone_id: str, hostnames: list[str],
                 source: ExternalDnsController) -> None:
        self._route53 = route53
        self._zone_id = zone_id
        self._hostnames = hostnames
        self._source_values = {source.router,
                               json.dumps(f"heritage=external-dns,external-dns/owner="
                                          f"{source.cluster_name}")}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="guide-dns-poll", daemon=True)
        self.started_at: float | None = None
        self.clean_at: float | None = None
        self.listings = 0

    def start(self) -> None:
        if self.started_at is None:  # a retried DeleteSourceRoutes starts it once
            self.started_at = time.time()
            self._thread.start()

    def _records_left(self) -> bool:
        paginator = self._route53.get_paginator("list_resource_record_sets")
        return any(_of_cluster(record["Name"], self._hostnames) and any(
            value["Value"] in self._source_values for value in record.get("ResourceRecords", []))
                   for page in paginator.paginate(HostedZoneId=self._zone_id)
                   for record in page["ResourceRecordSets"])

    def _run(self) -> None:
        for _ in range(GUIDE_POLL_TRIES):
            self.listings += 1
            if not self._records_left():
                self.clean_at = time.time()
                return
            if self._stop.wait(GUIDE_POLL_SECONDS):
                return

    def finish(self, timeout: float) -> None:
        if self.started_at is not None:
            self._thread.join(timeout)
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)


Wrapper = Callable[[Callable[[Any, Any], Any], Any, Any], Any]


def _serve_wrapped(sandbox: Sandbox, function: str, wrapper: Wrapper) -> None:
    """Serve `function` with `wrapper(real_handler, event, context)`."""
    spec = next(spec for spec in LAMBDA_FUNCTIONS if spec.name == function)
    module, _, attribute = spec.handler.rpartition(".")
    real = getattr(importlib.import_module(module), attribute)
    sandbox.aws.runtime.register_handler(
        function, lambda event, context: wrapper(real, event, context))


class _Watches:
    """Each `WatchDnsCleanup` invocation: (started, trigger, waits it found clean)."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, str, int]] = []
        self._lock = threading.Lock()

    def __call__(self, real: Callable[[Any, Any], Any], event: Any, context: Any) -> Any:
        started = time.time()
        result = real(event, context)
        trigger = ("route53-event" if (event or {}).get("detail-type") == CLOUDTRAIL_DETAIL_TYPE
                   else "fallback-poll")
        with self._lock:
            self.calls.append((started, trigger, int((result or {}).get("clean", 0))))
        return result

    def completer(self) -> tuple[float, str] | None:
        with self._lock:
            clean = sorted((started, trigger) for started, trigger, n in self.calls if n)
        return clean[0] if clean else None


def _one_run(deliver_events: bool, guide_poll: bool) -> dict[str, Any]:
    options = SandboxOptions(deliver_route53_events=deliver_events,
                             dns_fallback_poll_seconds=SANDBOX_FALLBACK_PERIOD_SECONDS)
    with Sandbox(options) as sandbox:
        hostnames = sandbox.plan.route_hostnames()
        removals = _Removals(hostnames)
        source = sandbox.management["source"].external_dns
        assert source is not None
        source._route53 = removals.timed(source._route53)
        poll = _GuidePoll(sandbox.aws.client("route53"), sandbox.zone_id, hostnames, source)
        if guide_poll:
            def start_poll_after(real: Callable[[Any, Any], Any], event: Any,
                                 context: Any) -> Any:
                result = real(event, context)
                poll.start()
                return result

            _serve_wrapped(sandbox, "DeleteSourceRoutes", start_poll_after)
        watches = _Watches()
        _serve_wrapped(sandbox, WATCHER, watches)
        sfn = sandbox.aws.client("stepfunctions")
        arn = sandbox.aws.start_execution(sandbox.state_machines["Migration"],
                                          migration_request(sandbox))
        description = sandbox.aws.wait_for_execution(arn, timeout=240)
        poll.finish(timeout=GUIDE_POLL_SECONDS * 2 + 5)
        timeline = ExecutionHistory(history(sfn, arn))
        attempts = timeline.attempts_of(STATE)
        decision = (attempts[-1].output or {}).get("decision") if attempts else None
    completer = watches.completer()
    completed_by = ("registration" if decision == "clean"
                    else completer[1] if completer else "unknown")
    removal = removals.last()
    exited = timeline.state_exited.get(STATE, [None])[0]
    routes_deleted = timeline.state_exited.get("DeleteSourceRoutes", [None])[0]
    result: dict[str, Any] = {"status": description["status"], "completed_by": completed_by,
                              "registration_decision": decision}
    if removal is None or exited is None:
        result["error"] = "no removal of the hosted cluster's records or no exit from " + STATE
        return result
    began, removed = removal
    result.update({
        "delay_seconds": round(exited - removed, 4),
        "delay_from_call_start_seconds": round(exited - began, 4),
        "removal_call_ms": round((removed - began) * 1000, 2),
        "removed_after_delete_source_routes_seconds": (
            round(removed - routes_deleted, 4) if routes_deleted else None),
    })
    if completer is not None and decision != "clean":  # the watcher that completed the wait
        result["watcher_started_after_removal_seconds"] = round(completer[0] - removed, 4)
        result["after_watcher_start_seconds"] = round(exited - completer[0], 4)
    if guide_poll:
        result["guide_poll_delay_seconds"] = (round(poll.clean_at - removed, 4)
                                              if poll.clean_at else None)
        result["guide_poll_listings"] = poll.listings
    return result


def _path(runs: list[dict[str, Any]], path: str) -> dict[str, Any]:
    completed = [run for run in runs if run.get("completed_by") == path]
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.get("completed_by", "unknown")] = counts.get(run.get("completed_by",
                                                                        "unknown"), 0) + 1
    return {"runs": len(runs), "completed_by": counts,
            "delay_seconds": summary([run["delay_seconds"] for run in completed]),
            "delay_from_call_start_seconds": summary(
                [run["delay_from_call_start_seconds"] for run in completed]),
            "per_run": runs}


def run() -> dict[str, object]:
    event_runs = [_one_run(deliver_events=True, guide_poll=True) for _ in range(EVENT_RUNS)]
    fallback_runs = [_one_run(deliver_events=False, guide_poll=False)
                     for _ in range(FALLBACK_RUNS)]
    fallback = _path(fallback_runs, "fallback-poll")
    work = [run["after_watcher_start_seconds"] for run in fallback_runs
            if run.get("completed_by") == "fallback-poll" and "after_watcher_start_seconds" in run]
    guide = [run["guide_poll_delay_seconds"] for run in event_runs
             if run.get("guide_poll_delay_seconds") is not None]
    work_median = summary(work)["median"]
    return {
        "statuses": sorted({run["status"] for run in event_runs + fallback_runs}),
        "event_path": _path(event_runs, "route53-event"),
        "fallback_poll": {
            **fallback, "period_seconds": SANDBOX_FALLBACK_PERIOD_SECONDS,
            "after_tick_seconds": summary(work),
            "aws_estimate": {
                "schedule": DNS_FALLBACK_SCHEDULE, "period_seconds": AWS_FALLBACK_PERIOD_SECONDS,
                "expected_delay_seconds": (round(AWS_FALLBACK_PERIOD_SECONDS / 2 + work_median,
                                                 1) if work_median is not None else None),
                "max_delay_seconds": (round(AWS_FALLBACK_PERIOD_SECONDS + work_median, 1)
                                      if work_median is not None else None),
                "basis": "uniform wait for the next tick + the measured work after the tick",
            },
        },
        "guide_10s_poll": {
            "period_seconds": GUIDE_POLL_SECONDS, "tries": GUIDE_POLL_TRIES,
            "delay_seconds": summary(guide),
            "note": ("measured alongside the event-path runs. ExternalDNS here removes the "
                     "last record a fraction of a second after DeleteSourceRoutes returns "
                     "(removed_after_delete_source_routes_seconds), so the guide's first "
                     "listing still sees it and the second, 10 s later, does not: 10 s minus "
                     "that fraction. A removal at a random point of the 10-s cycle would "
                     "wait 5 s on average, 10 s at most."),
        },
    }
