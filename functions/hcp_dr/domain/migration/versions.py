"""Version rules a migration must respect (guide 1.2, 3.1; DOMAIN "Updates and version rules").

The destination operator can only create a HostedCluster whose minor it lists in
`supported-versions`, and no NodePool may run a newer version than its control plane.
"""

from __future__ import annotations

import json
import re

from hcp_dr.errors import NodePoolNewerThanControlPlane, UnsupportedVersionOnDestination

_VERSION = re.compile(r"(?<![\d.])(\d+)\.(\d+)(?:\.(\d+))?")
SUPPORTED_VERSIONS_KEY = "supported-versions"

Version = tuple[int, int, int]


def parse_version(text: str | None) -> Version | None:
    """`4.13.10`, or the tag of a release image (`...ocp-release:4.13.10-x86_64`)."""
    if not text:
        return None
    tag = text.rsplit(":", 1)[-1] if "/" in text or "@" in text else text
    match = _VERSION.search(tag)
    if not match:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def _reported_or_requested(obj: dict) -> Version | None:
    status = obj.get("status") or {}
    version = status.get("version")
    reported = (version.get("desired") or {}).get("version") if isinstance(version, dict) \
        else version
    return parse_version(reported) or parse_version(
        ((obj.get("spec") or {}).get("release") or {}).get("image"))


def hosted_cluster_version(hosted_cluster: dict) -> Version | None:
    return _reported_or_requested(hosted_cluster)


def nodepool_version(nodepool: dict) -> Version | None:
    return _reported_or_requested(nodepool)


def supported_minors(configmap: dict | None) -> set[tuple[int, int]]:
    """The `major.minor` pairs the operator's `supported-versions` ConfigMap lists."""
    raw = ((configmap or {}).get("data") or {}).get(SUPPORTED_VERSIONS_KEY) or "{}"
    try:
        listed = json.loads(raw).get("versions") or []
    except (ValueError, AttributeError):
        listed = []
    found = {parse_version(str(v)) for v in listed}
    return {(v[0], v[1]) for v in found if v is not None}


def require_supported(version: Version, configmap: dict | None, destination: str) -> None:
    minors = supported_minors(configmap)
    if (version[0], version[1]) not in minors:
        listed = ", ".join(f"{a}.{b}" for a, b in sorted(minors)) or "nothing"
        raise UnsupportedVersionOnDestination(
            f"the operator on {destination} supports {listed}, not {version[0]}.{version[1]}"
        )


def require_no_newer_nodepool(control_plane: Version, nodepools: list[dict]) -> None:
    newer = [np["metadata"]["name"] for np in nodepools
             if (v := nodepool_version(np)) is not None and v > control_plane]
    if newer:
        raise NodePoolNewerThanControlPlane(
            f"NodePools {sorted(newer)} are newer than the control plane "
            f"{'.'.join(map(str, control_plane))}"
        )
