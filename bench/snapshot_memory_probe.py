"""Child process for bench_snapshot_memory: run the VerifySnapshot handler, report peak RSS.

Runs in its own interpreter (as a Lambda container would), against the moto server of the
parent (AWS_ENDPOINT_URL etc. come through the environment), so the moto copy of the object
does not count towards the function's memory.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path


class _Context:
    function_name = "VerifySnapshot"
    memory_limit_in_mb = "512"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:VerifySnapshot"
    aws_request_id = str(uuid.uuid4())

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 900_000


def _high_water_mark_kib() -> int:
    """VmHWM of this process: peak RSS since exec (ru_maxrss would inherit the parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def main() -> None:
    event = json.loads(sys.stdin.read())
    from hcp_dr.handlers.verify_snapshot import handler

    before = _high_water_mark_kib()
    began = time.perf_counter()
    result = handler(event, _Context())
    elapsed = time.perf_counter() - began
    peak = _high_water_mark_kib()
    print(json.dumps({"result": result, "seconds": elapsed,
                      "rss_before_kib": before, "peak_rss_kib": peak}))


if __name__ == "__main__":
    main()
