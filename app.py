#!/usr/bin/env python3
"""CDK entry point: `cdk synth` (cdk.json runs this) or `python app.py` both synthesize."""

from __future__ import annotations

import sys

from stacks.application import create_app, deployment_environment


def main() -> int:
    app, _stack = create_app(env=deployment_environment())
    try:
        app.synth()
    except RuntimeError as error:  # jsii surfaces a failed validation (cdk-nag) this way
        if "ValidationFailed" not in str(error):
            raise
        print(f"synth failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
