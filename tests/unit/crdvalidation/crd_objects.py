"""Objects shared by the CRD validation tests: the render fixture and what a server accepts.

The HostedCluster `cesar` and its NodePool come from the upstream CLI's render fixture. That
render was never sent to an API server, and a real one refuses it; `accepted_hosted_cluster`
and `accepted_node_pool` change exactly the fields the real server rejects (each change
names the rule), and `test_crd_fixture_objects.py` proves every one of them is needed.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from sandbox.crdvalidation import FieldCause

# The shared material lives next to the repository: /work/main -> /work/shared.
SHARED = Path(__file__).resolve().parents[3].parent / "shared"
CRD_ROOT = SHARED / "crds"
FIXTURE = SHARED / "fixtures" / "hypershift-create-cluster-aws-render.yaml"
RELEASES = ("release-4.13", "main")
HYPERSHIFT = "hypershift.openshift.io"
RESTORE_URL_PATH = "spec.etcd.managed.storage.restoreSnapshotURL"


def rendered(kind: str) -> dict[str, Any]:
    """A fresh copy of the fixture's object of `kind`, exactly as rendered."""
    with FIXTURE.open() as stream:
        for document in yaml.safe_load_all(stream):
            if document and document.get("kind") == kind:
                return document
    raise LookupError(kind)


# Each entry: (dotted path, accepted value, the check of the real server that refuses the render).
HOSTED_CLUSTER_FIXES = (
    (
        "spec.issuerURL",
        "https://fakeissuerurl.example.com",
        "4.13: format uri (Go url.ParseRequestURI); main: rule isURL(self)",
    ),
    ("spec.infraID", "fake-infra-id", "main: rule self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')"),
    (
        "spec.secretEncryption.kms.aws.activeKey.arn",
        "arn:aws:kms:us-east-2:000000000000:key/fake",
        "4.13: pattern '^arn:'; main: rule self.startsWith('arn:')",
    ),
)
NODE_POOL_FIXES = (
    ("metadata.name", "cesar-fake-name", "ObjectMeta: name must be a DNS-1123 subdomain"),
    (
        "spec.platform.aws.subnet.id",
        "subnet-fake",
        "main: rule has(self.id) && self.id.startsWith('subnet-') ? !has(self.filters) : "
        "size(self.filters) > 0",
    ),
)


def set_path(obj: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for name in parents:
        obj = obj.setdefault(name, {})
    obj[last] = value


def get_path(obj: dict[str, Any], dotted: str) -> Any:
    for name in dotted.split("."):
        obj = obj[name]
    return obj


def with_fixes(obj: dict[str, Any], fixes: tuple[tuple[str, Any, str], ...]) -> dict[str, Any]:
    fixed = copy.deepcopy(obj)
    for dotted, value, _ in fixes:
        set_path(fixed, dotted, value)
    return fixed


def accepted_hosted_cluster() -> dict[str, Any]:
    return with_fixes(rendered("HostedCluster"), HOSTED_CLUSTER_FIXES)


def accepted_node_pool() -> dict[str, Any]:
    return with_fixes(rendered("NodePool"), NODE_POOL_FIXES)


def with_restore_urls(hosted_cluster: dict[str, Any], urls: list[str] | None) -> dict[str, Any]:
    """A copy of the HostedCluster with `restoreSnapshotURL` set (None removes it)."""
    changed = copy.deepcopy(hosted_cluster)
    storage = changed["spec"]["etcd"]["managed"]["storage"]
    if urls is None:
        storage.pop("restoreSnapshotURL", None)
    else:
        storage["restoreSnapshotURL"] = list(urls)
    return changed


def presigned_url(length: int = 600) -> str:
    """An https URL shaped like a SigV4 presigned S3 GET, padded to `length` characters."""
    base = (
        "https://hcp-dr-snapshots.s3.us-east-2.amazonaws.com/clusters/cesar/snapshot.db"
        "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=ASIAEXAMPLE%2F20240101%2Fus-east-2%2Fs3%2Faws4_request"
        "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=" + "0" * 64 + "&X-Amz-Security-Token="
    )
    return base + "A" * max(0, length - len(base))


def fields(found: list[FieldCause]) -> dict[str, str]:
    """field -> reason of the causes (one cause per field in these tests)."""
    return {cause.field: cause.reason for cause in found}
