"""`make sandbox`: run the sandbox in the foreground until interrupted.

Writes `.sandbox/state.json` (AWS endpoint, kubeconfig paths of the management clusters and
of the hosted cluster) so other tools can attach; Ctrl-C or SIGTERM tears everything down.
"""

from __future__ import annotations

import argparse
import faulthandler
import signal
import threading
from pathlib import Path

from sandbox.environment import Sandbox, SandboxOptions

TEARDOWN_REPORT_SECONDS = 30.0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--ha", action="store_true", help="HighlyAvailable: three etcd members")
    parser.add_argument("--state-dir", type=Path, default=Path(".sandbox"))
    args = parser.parse_args()
    stop = threading.Event()
    # Both signals set the event, also SIGINT: a shell starts background jobs with SIGINT
    # ignored, and Python would keep ignoring it instead of raising KeyboardInterrupt.
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, lambda *_: stop.set())
    options = SandboxOptions(availability="HighlyAvailable" if args.ha else "SingleReplica",
                             state_dir=args.state_dir)
    with Sandbox(options) as sandbox:
        state = sandbox.write_state()
        print(f"sandbox up in {sandbox.startup_seconds:.1f} s; state: {state}", flush=True)
        for cluster in sandbox.state()["clusters"]:
            print(f"  {cluster['role']:<11} {cluster['name']:<14} {cluster['kubeconfig']}")
        print("Ctrl-C to stop.", flush=True)
        stop.wait()
        print("stopping sandbox...", flush=True)
        # A teardown that hangs says where: every thread's stack on stderr after 30 s.
        faulthandler.dump_traceback_later(TEARDOWN_REPORT_SECONDS)
    faulthandler.cancel_dump_traceback_later()
    (args.state_dir / "state.json").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
