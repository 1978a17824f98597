"""The drill's migration: how its wall time splits between our code, orchestration and waiting.

The migration runs as `make drill` runs it (`sandbox.drill.run_migration`: `approval: skip`,
followed by the drill's stage feed, then its independent checks), per PROFILES, each in a fresh
sandbox. Wall time = the execution's `stopDate - startDate`. It is split into three parts that
add up to it exactly:

(a) our code: the CPU time of the handler threads (`Invocation.cpu_seconds`,
    `time.thread_time()` over each invocation): our handlers plus the libraries they call on
    that thread (boto3, kubernetes, pydantic, Powertools) and whatever the interpreter does
    there (a garbage collection that happens to run on it); not the moto server or the
    emulated clusters, which run on other threads of the same process.
(b) orchestration: wall - sum of handler wall times - Retry waits - task-token waits, i.e.
    moto's interpreter between states and its Lambda invoke round trips (Lambda API call,
    HTTP, dispatch; the first migration in a process also pays the import of each handler
    module there, a cold start, unless an earlier benchmark in the process already did).
(c) waiting on the simulated clusters and AWS: handler wall - handler CPU (a handler blocked on
    an API call, or waiting for the GIL while the server side runs) + Retry waits (for each
    retried attempt, the history gap from its failure to the next attempt's scheduling; the
    configured IntervalSeconds * BackoffRate^n is reported alongside) + task-token waits
    (`TaskSubmitted` -> task outcome, i.e. AwaitDnsCleanup waiting for Route 53).

Readiness lag: the sandbox watches (every 20 ms, on its own thread) for the moment the
hosted cluster is ready on the destination (HC Available there and its API served by the
destination's control plane) and reports how much later `AwaitHostedClusterReady` let the
execution move on (its last invocation's end). That lag is polling latency, orchestration
overhead in truth, though (a)-(c) file it under handler time or Retry waits;
`overhead_with_lag_pct` adds it (an upper bound: it may count the last check's CPU twice).

Two paces of the simulated clusters: `drill` (ExternalDNS applies each Route change at once:
what `make drill` runs) and `paced` (ExternalDNS applies them on its sync loop every 60 s,
its real default `--interval=1m`: the source's records go, and the destination's appear, on
passes at a random phase, as on a real management cluster; the fallback DNS poll fires at the
deployed rate(1 minute) instead of the sandbox's 1 s). Nothing else is slowed down.

Orchestration overhead = (a) + (b); the issue's target is <= 2 % of wall time. Here the
clusters and local AWS answer in milliseconds, so the waits are short and (a) + (b) is a large
share of a few seconds; `wall_seconds_for_target` says how long a migration with the same
overhead must take (i.e. how long the real waits must be) for the target to hold. (b) is
moto's interpreter and invoke path, not AWS Step Functions and Lambda.

Which invocations count: those whose function is the resource of one of the execution's own
Task states (from the `...Scheduled` history events) AND that started and ended within
[startDate, stopDate + 1 ms]; their number must equal the number of scheduled attempts
(`invocations_match_attempts`). This leaves out `WatchDnsCleanup`: the sandbox fires its
fallback rule every second whether or not a migration runs, and the Route 53 events the
migration causes invoke it outside the execution, as EventBridge targets. Its invocations in
the window are reported apart (`dns_watcher`), with the overhead they would add if counted.
"""

from __future__ import annotations

import contextlib
import io
import json
import statistics
import threading
import time
from typing import Any

from bench.migration_history import HISTORY_RESOLUTION_SECONDS, ExecutionHistory, epoch
from sandbox.aws.executions import history
from sandbox.drill import run_migration
from sandbox.environment import Sandbox, SandboxOptions

PROFILES = {  # name -> (options, runs)
    "drill": (SandboxOptions(), 3),
    # The fallback DNS poll at the deployed rate(1 minute) too: at the sandbox's 1-s tick its
    # invocations (in this process, unlike on AWS) compete with the run for the interpreter.
    "paced": (SandboxOptions(external_dns_sync_interval_seconds=60.0,
                             dns_fallback_poll_seconds=60.0), 3),
}
TARGET_OVERHEAD_PCT = 2.0
WATCHER = "WatchDnsCleanup"
READY_STAGE = "AwaitHostedClusterReady"
HC = ("hypershift.openshift.io", "v1beta1", "hostedclusters")
PROBE_SECONDS = 0.02


class ReadinessProbe:
    """When the hosted cluster became ready on the destination, as the sandbox sees it."""

    def __init__(self, sandbox: Sandbox, destination: str = "destination") -> None:
        self._sandbox, self._destination = sandbox, destination
        self.ready_at: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-readiness", daemon=True)

    def __enter__(self) -> ReadinessProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _ready(self) -> bool:
        plan = self._sandbox.plan
        store = self._sandbox.management[self._destination].cluster.store
        hcs = [h for h in store.list(HC, plan.namespace) if h["metadata"]["name"] == plan.name]
        hc = hcs[0] if hcs else None
        available = any(c.get("type") == "Available" and c.get("status") == "True"
                        for c in ((hc or {}).get("status") or {}).get("conditions") or [])
        return available and self._sandbox.serving_control_plane() == self._destination

    def _run(self) -> None:
        while not self._stop.wait(PROBE_SECONDS):
            if self.ready_at is None and self._ready():
                self.ready_at = time.time()


def _split(description: dict[str, Any], timeline: ExecutionHistory,
           invocations: list[Any]) -> dict[str, Any]:
    start, stop = epoch(description["startDate"]), epoch(description["stopDate"])
    wall = stop - start
    functions = timeline.functions

    def inside(invocation: Any) -> bool:
        return (invocation.started_at >= start - HISTORY_RESOLUTION_SECONDS and
                invocation.started_at + invocation.duration_seconds
                <= stop + HISTORY_RESOLUTION_SECONDS)

    own = [i for i in invocations if i.function_name in functions and inside(i)]
    lambda_attempts = [a for a in timeline.attempts if a.function]
    handler_wall = sum(i.duration_seconds for i in own)
    handler_cpu = sum(i.cpu_seconds or 0.0 for i in own)
    retry = sum(w.seconds for w in timeline.retry_waits)
    configured = sum(w.configured_seconds or 0.0 for w in timeline.retry_waits)
    token = sum(a.token_wait_seconds for a in timeline.attempts)
    orchestration = wall - handler_wall - retry - token
    waiting = (handler_wall - handler_cpu) + retry + token
    # Where (b) goes: each attempt's scheduling -> invoke returned, minus its handler's time.
    round_trips = 0.0
    unmatched = list(own)
    for attempt in lambda_attempts:
        match = next((i for i in unmatched if i.function_name == attempt.function
                      and i.started_at >= attempt.scheduled_at - HISTORY_RESOLUTION_SECONDS
                      and attempt.invoked_until is not None
                      and i.started_at + i.duration_seconds
                      <= attempt.invoked_until + HISTORY_RESOLUTION_SECONDS), None)
        if match is not None and attempt.invoked_until is not None:
            unmatched.remove(match)
            round_trips += attempt.invoked_until - attempt.scheduled_at - match.duration_seconds
    watcher = [i for i in invocations if i.function_name == WATCHER and inside(i)]
    waits = [a for a in timeline.attempts if a.token_task and a.completed_at is not None]
    in_waits = [i for i in watcher if any(
        a.scheduled_at <= i.started_at <= a.completed_at for a in waits)]  # type: ignore[operator]
    watcher_cpu_in_waits = sum(i.cpu_seconds or 0.0 for i in in_waits)

    def pct(seconds: float) -> float:
        return round(100.0 * seconds / wall, 3) if wall else 0.0

    return {
        "status": description["status"],
        "wall_seconds": round(wall, 3),
        "our_code_cpu_seconds": round(handler_cpu, 3), "our_code_cpu_pct": pct(handler_cpu),
        "orchestration_seconds": round(orchestration, 3),
        "orchestration_pct": pct(orchestration),
        "waiting_seconds": round(waiting, 3), "waiting_pct": pct(waiting),
        "overhead_seconds": round(handler_cpu + orchestration, 3),
        "overhead_pct": pct(handler_cpu + orchestration),
        "orchestration_detail": {
            "lambda_invoke_round_trips_seconds": round(round_trips, 3),
            "between_states_seconds": round(orchestration - round_trips, 3),
        },
        "waiting_detail": {
            "handlers_blocked_seconds": round(handler_wall - handler_cpu, 3),
            "retry_waits_seconds": round(retry, 3),
            "retry_waits_configured_seconds": round(configured, 3),
            "retries": [f"{w.state}: {w.error}" for w in timeline.retry_waits],
            "task_token_waits_seconds": round(token, 3),
        },
        "handler_wall_seconds": round(handler_wall, 3),
        "invocations": len(own), "attempts": len(lambda_attempts),
        "invocations_match_attempts": len(own) == len(lambda_attempts) and not unmatched,
        "dns_watcher": {
            "invocations_in_window": len(watcher),
            "invocations_during_token_waits": len(in_waits),
            "cpu_seconds_during_token_waits": round(watcher_cpu_in_waits, 4),
            "overhead_pct_if_counted": pct(handler_cpu + orchestration + watcher_cpu_in_waits),
        },
    }


def _readiness_lag(ready_at: float | None, invocations: list[Any]) -> float | None:
    done = [i.started_at + i.duration_seconds for i in invocations
            if i.function_name == READY_STAGE and i.error_type is None]
    if ready_at is None or not done:
        return None
    return round(max(0.0, max(done) - ready_at), 3)


def _one_run(options: SandboxOptions) -> dict[str, Any]:
    with Sandbox(options) as sandbox:
        with contextlib.redirect_stdout(io.StringIO()), ReadinessProbe(sandbox) as probe:
            checks = run_migration(sandbox)  # the drill's stage feed is silenced
        sfn = sandbox.aws.client("stepfunctions")
        machine = sandbox.state_machines["Migration"]
        (execution,) = sfn.list_executions(stateMachineArn=machine)["executions"]
        arn = execution["executionArn"]
        description = sfn.describe_execution(executionArn=arn)
        definition = json.loads(sfn.describe_state_machine(
            stateMachineArn=machine)["definition"])
        timeline = ExecutionHistory(history(sfn, arn), definition)
        invocations = sandbox.aws.runtime.invocations
    result = _split(description, timeline, invocations)
    lag = _readiness_lag(probe.ready_at, invocations)
    result["readiness_lag_seconds"] = lag
    result["overhead_with_lag_pct"] = round(
        100.0 * (result["overhead_seconds"] + (lag or 0.0)) / result["wall_seconds"], 3)
    result["drill_checks_passed"] = all(checks.get(check) is True for check in (
        "etcd_identical", "objects_identical", "dns_points_to_destination", "source_clean",
        "operator_restored")) and checks.get("nodes_ready") == checks.get("nodes_expected")
    return result


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return round(statistics.median(run[key] or 0.0 for run in runs), 3)


def _profile(options: SandboxOptions, count: int) -> dict[str, Any]:
    runs = [_one_run(options) for _ in range(count)]
    overhead_pct = _median(runs, "overhead_pct")
    return {
        "runs": count,
        "statuses": [run["status"] for run in runs],
        "median": {key: _median(runs, key) for key in (
            "wall_seconds", "our_code_cpu_seconds", "our_code_cpu_pct",
            "orchestration_seconds", "orchestration_pct", "waiting_seconds", "waiting_pct",
            "overhead_seconds", "overhead_pct", "readiness_lag_seconds",
            "overhead_with_lag_pct")},
        "target_met": overhead_pct <= TARGET_OVERHEAD_PCT,
        "target_met_in_runs": sum(run["overhead_pct"] <= TARGET_OVERHEAD_PCT for run in runs),
        "wall_seconds_for_target": round(
            statistics.median(run["overhead_seconds"] for run in runs)
            / (TARGET_OVERHEAD_PCT / 100.0), 1),
        "per_run": runs,
    }


def run() -> dict[str, object]:
    profiles = {name: _profile(options, count) for name, (options, count) in PROFILES.items()}
    return {
        "target_overhead_pct": TARGET_OVERHEAD_PCT,
        "target_met": all(p["target_met"] for p in profiles.values()),
        "meaning": ("overhead = (a) CPU time of handler threads (our code + libraries it "
                    "calls) + (b) moto's interpreter and Lambda invoke round trips; the rest "
                    "is waiting on the emulated clusters and local AWS. `drill`: clusters "
                    "that answer in milliseconds; `paced`: ExternalDNS on its real 60-s sync "
                    "loop. The target holds only for migrations whose waits make the wall "
                    "time at least wall_seconds_for_target."),
        "profiles": profiles,
    }
