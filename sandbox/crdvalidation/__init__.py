"""Validation of custom resources against their CRDs, the way the kube-apiserver does it.

`validator_for(crd_dir, group, version, plural)` gives the (process-cached) validator of one
CRD version; `validate(new, old)` returns the `details.causes[]` the API server would answer
with (empty when it would accept), `prune(obj)` drops undeclared fields as the server does on
decode, and `default(obj)` applies schema defaults. Pure Python, no server code.
"""

from sandbox.crdvalidation.causes import FieldCause
from sandbox.crdvalidation.registry import CRDNotFound, load_crd, validator_for
from sandbox.crdvalidation.validator import CustomResourceValidator

__all__ = ["CRDNotFound", "CustomResourceValidator", "FieldCause", "load_crd", "validator_for"]
