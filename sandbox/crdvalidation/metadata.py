"""ObjectMeta checks the API server applies to every custom resource besides its schema
(and, for owner references, to every kind).

A CRD's schema says only `metadata: {type: object}`; the name, namespace, label and
annotation rules come from `ValidateObjectMetaAccessor` with `NameIsDNSSubdomain`, which is
why a HostedCluster called `Cesar` is refused although no schema line forbids it.
Namespace presence is the request handler's business (it fills the namespace from the URL
before validating), so only a namespace that is present is checked here.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.crdvalidation import causes
from sandbox.crdvalidation.causes import FieldCause

_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_ANNOTATIONS_LIMIT = 256 * 1024


def _regex_error(message: str, pattern: re.Pattern[str], *examples: str) -> str:
    shown = ",  or ".join(f"'{e}'" for e in examples)
    return f"{message} (e.g. {shown}, regex used for validation is '{pattern.pattern}')"


def dns1123_subdomain_errors(value: str) -> list[str]:
    """`validation.IsDNS1123Subdomain`: the messages the API server returns for a bad name."""
    errors = []
    if len(value) > 253:
        errors.append("must be no more than 253 characters")
    if not _DNS1123_SUBDOMAIN.fullmatch(value):
        errors.append(_regex_error(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            "'-' or '.', and must start and end with an alphanumeric character",
            _DNS1123_SUBDOMAIN, "example.com"))
    return errors


def _dns1123_label_errors(value: str) -> list[str]:
    errors = []
    if len(value) > 63:
        errors.append("must be no more than 63 characters")
    if not _DNS1123_LABEL.fullmatch(value):
        errors.append(_regex_error(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
            "'-', and must start and end with an alphanumeric character",
            _DNS1123_LABEL, "my-name", "123-abc"))
    return errors


def _qualified_name_errors(value: str) -> list[str]:
    parts = value.split("/")
    if len(parts) > 2:
        return [_regex_error(
            "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and "
            "must start and end with an alphanumeric character",
            _QUALIFIED_NAME, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    errors = []
    name = parts[-1]
    if len(parts) == 2:
        if not parts[0]:
            errors.append("prefix part must be non-empty")
        else:
            errors.extend(f"prefix part {m}" for m in dns1123_subdomain_errors(parts[0]))
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > 63:
        errors.append("name part must be no more than 63 characters")
    if name and not _QUALIFIED_NAME.fullmatch(name):
        errors.append("name part " + _regex_error(
            "must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
            "with an alphanumeric character", _QUALIFIED_NAME, "MyName", "my.name", "123-abc"))
    return errors


def _label_value_errors(value: str) -> list[str]:
    errors = []
    if len(value) > 63:
        errors.append("must be no more than 63 characters")
    if not _LABEL_VALUE.fullmatch(value):
        errors.append(_regex_error(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', "
            "'_' or '.', and must start and end with an alphanumeric character",
            _LABEL_VALUE, "MyValue", "my_value", "12345"))
    return errors


def object_meta_causes(metadata: Any, path: str = "metadata") -> list[FieldCause]:
    """Name, namespace, labels and annotations of a resource's `metadata`."""
    if not isinstance(metadata, dict):
        return [causes.type_invalid(path, metadata, "must be an object")] if metadata else []
    found: list[FieldCause] = []
    name, generate_name = metadata.get("name") or "", metadata.get("generateName") or ""
    for message in dns1123_subdomain_errors(generate_name) if generate_name else ():
        found.append(causes.invalid(causes.child(path, "generateName"), generate_name, message))
    if not name:
        found.append(causes.required(causes.child(path, "name"),
                                     "name or generateName is required"))
    else:
        found.extend(causes.invalid(causes.child(path, "name"), name, m)
                     for m in dns1123_subdomain_errors(str(name)))
    namespace = metadata.get("namespace")
    if namespace:
        found.extend(causes.invalid(causes.child(path, "namespace"), namespace, m)
                     for m in _dns1123_label_errors(str(namespace)))
    labels_path = causes.child(path, "labels")
    for label, value in (metadata.get("labels") or {}).items():
        found.extend(causes.invalid(labels_path, label, m) for m in _qualified_name_errors(label))
        found.extend(causes.invalid(labels_path, value, m) for m in _label_value_errors(str(value)))
    annotations = metadata.get("annotations") or {}
    annotations_path = causes.child(path, "annotations")
    for annotation in annotations:
        found.extend(causes.invalid(annotations_path, annotation, m)
                     for m in _qualified_name_errors(annotation.lower()))
    size = sum(len(k) + len(str(v)) for k, v in annotations.items())
    if size > _ANNOTATIONS_LIMIT:
        found.append(causes.too_long(annotations_path, _ANNOTATIONS_LIMIT))
    return found + owner_reference_causes(metadata, path)


def owner_reference_causes(metadata: Any, path: str = "metadata") -> list[FieldCause]:
    """`ValidateOwnerReferences`, which the API server applies to every kind: each reference
    names its owner fully (apiVersion, kind, name, uid), and at most one is the controller.
    The `kubernetes` client refuses to read back a reference without a uid."""
    references = (metadata or {}).get("ownerReferences") if isinstance(metadata, dict) else None
    if not isinstance(references, list):
        return []
    found: list[FieldCause] = []
    refs_path = causes.child(path, "ownerReferences")
    for entry in references:
        reference = entry if isinstance(entry, dict) else {}
        for field, what in (("apiVersion", "version"), ("kind", "kind"), ("name", "name"),
                            ("uid", "uid")):
            if not reference.get(field):
                found.append(causes.invalid(causes.child(refs_path, field), "",
                                            f"{what} must not be empty"))
    if sum(1 for r in references if isinstance(r, dict) and r.get("controller")) > 1:
        found.append(causes.invalid(refs_path, references,
                                    "Only one reference can have Controller set to true"))
    return found


def embedded_resource_causes(value: dict[str, Any], path: str) -> list[FieldCause]:
    """An `x-kubernetes-embedded-resource` object must say what it is."""
    found = []
    for field_name in ("apiVersion", "kind"):
        if not value.get(field_name):
            found.append(causes.required(causes.child(path, field_name), "must not be empty"))
    return found
