"""The upstream CLI's render of an AWS HostedCluster + NodePool, read from ../shared.

The sandbox builds its hosted cluster from this file (not a copy of it), adjusted the way a
production HC for migration must be: services published by Route hostname under the
external-DNS domain, and AES-CBC secret encryption so there is key material to back up.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
FIXTURE = SHARED / "fixtures" / "hypershift-create-cluster-aws-render.yaml"
CRDS = SHARED / "crds"


@cache
def rendered_documents() -> tuple[dict, ...]:
    if not FIXTURE.exists():
        raise FileNotFoundError(f"{FIXTURE} is missing: ../shared must sit beside the repo")
    return tuple(d for d in yaml.safe_load_all(FIXTURE.read_text()) if d)


def rendered(kind: str) -> dict:
    for doc in rendered_documents():
        if doc.get("kind") == kind:
            return doc
    raise KeyError(f"the fixture has no {kind}")


def crd_dir(version: str) -> Path:
    path = CRDS / version
    if not path.is_dir():
        raise FileNotFoundError(f"no CRDs for {version!r} under {CRDS}")
    return path
