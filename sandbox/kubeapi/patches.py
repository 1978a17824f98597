"""The three PATCH flavours the API server accepts, chosen by Content-Type.

Strategic merge is emulated for built-in types only (as the real server, which answers 415
for custom resources): maps merge, `null` deletes, lists of objects merge by their patch
merge key (`name` for containers/env/volumes, ...), `$patch: delete` removes an element,
and `metadata.finalizers` merges as a set, so `{"metadata": {"finalizers": []}}` does NOT
clear finalizers under strategic merge, exactly like on a real cluster.
"""

from __future__ import annotations

import copy
from enum import StrEnum
from typing import Any

import jsonpatch
import jsonpointer

from sandbox.kubeapi.errors import BadRequest, Invalid, UnsupportedMediaType


class PatchType(StrEnum):
    JSON = "application/json-patch+json"
    MERGE = "application/merge-patch+json"
    STRATEGIC = "application/strategic-merge-patch+json"
    APPLY = "application/apply-patch+yaml"


ACCEPTED_FOR_CUSTOM = (
    "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
)


def patch_type_of(content_type: str | None, *, custom: bool) -> PatchType:
    """The patch flavour of a request, or 415 as the real server answers."""
    media = (content_type or "").split(";")[0].strip().lower()
    try:
        patch_type = PatchType(media)
    except ValueError:
        patch_type = None
    accepted = ACCEPTED_FOR_CUSTOM if custom else (
        ACCEPTED_FOR_CUSTOM + ", application/strategic-merge-patch+json")
    if patch_type is None or patch_type is PatchType.APPLY or (
            custom and patch_type is PatchType.STRATEGIC):
        raise UnsupportedMediaType(
            "the body of the request was in an unknown format - accepted media types "
            f"include: {accepted}")
    return patch_type


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def json_patch(document: dict[str, Any], operations: Any) -> dict[str, Any]:
    """RFC 6902 JSON patch; a malformed patch is 400, a failing operation 422 (as upstream)."""
    if not isinstance(operations, list):
        raise BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    try:
        patch = jsonpatch.JsonPatch(operations)
    except (jsonpatch.InvalidJsonPatch, TypeError) as error:
        raise BadRequest(str(error)) from error
    try:
        return patch.apply(copy.deepcopy(document))
    except jsonpatch.InvalidJsonPatch as error:
        raise BadRequest(str(error)) from error
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as error:
        # Upstream answers a failing operation with a bare 422 (reason Invalid).
        raise Invalid(str(error)) from error


# Patch merge keys of the built-in types (`patchMergeKey` in the Kubernetes API types).
_MERGE_KEYS = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name",
    "env": "name", "volumes": "name", "imagePullSecrets": "name", "volumeMounts": "mountPath",
    "volumeDevices": "devicePath", "ownerReferences": "uid", "conditions": "type",
    "hostAliases": "ip", "topologySpreadConstraints": "topologyKey",
}
_DIRECTIVE_PREFIXES = ("$setElementOrder/", "$retainKeys", "$deleteFromPrimitiveList/")


def _merge_key(field: str, elements: list[Any]) -> str | None:
    dicts = [e for e in elements if isinstance(e, dict)]
    if not dicts or len(dicts) != len(elements):
        return None
    if field == "ports":
        return "containerPort" if all("containerPort" in e for e in dicts) else "port"
    if field in _MERGE_KEYS:
        return _MERGE_KEYS[field]
    return "name" if all("name" in e for e in dicts) else None


def _strip_directives(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_directives(v) for k, v in value.items()
                if k != "$patch" and not k.startswith(_DIRECTIVE_PREFIXES)}
    if isinstance(value, list):
        return [_strip_directives(v) for v in value]
    return value


def _merge_list(path: tuple[str, ...], original: Any, patch: list[Any]) -> list[Any]:
    if path == ("metadata", "finalizers"):
        base = list(original) if isinstance(original, list) else []
        return base + [f for f in patch if f not in base]
    key = _merge_key(path[-1], patch)
    if key is None or not isinstance(original, list):
        return [_strip_directives(e) for e in patch
                if not (isinstance(e, dict) and e.get("$patch") == "delete")]
    result = [copy.deepcopy(e) for e in original]
    for element in patch:
        index = next((i for i, e in enumerate(result)
                      if isinstance(e, dict) and e.get(key) == element.get(key)), None)
        if element.get("$patch") == "delete":
            if index is not None:
                result.pop(index)
        elif index is None:
            result.append(_strip_directives(element))
        else:
            result[index] = strategic_merge_patch(result[index], element, path)
    return result


def strategic_merge_patch(original: Any, patch: Any, path: tuple[str, ...] = ()) -> Any:
    """Strategic merge patch for built-in types (the subset client code relies on)."""
    if not isinstance(patch, dict):
        return _strip_directives(patch)
    if patch.get("$patch") == "replace" or not isinstance(original, dict):
        return _strip_directives(patch)
    result = copy.deepcopy(original)
    for key, value in patch.items():
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            if isinstance(result.get(field), list):
                result[field] = [v for v in result[field] if v not in value]
        elif key == "$patch" or key.startswith(_DIRECTIVE_PREFIXES):
            continue
        elif value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            result[key] = strategic_merge_patch(result.get(key), value, (*path, key))
        elif isinstance(value, list):
            result[key] = _merge_list((*path, key), result.get(key), value)
        else:
            result[key] = value
    return result


def apply_patch(document: dict[str, Any], patch: Any, patch_type: PatchType) -> dict[str, Any]:
    """Apply `patch` to a copy of `document`; the result must still be an object."""
    if patch_type is PatchType.JSON:
        result = json_patch(document, patch)
    elif patch_type is PatchType.MERGE:
        if not isinstance(patch, dict):
            raise BadRequest("json: cannot unmarshal array into Go value of type map[string]"
                             "interface {}")
        result = merge_patch(document, patch)
    elif patch_type is PatchType.STRATEGIC:
        if not isinstance(patch, dict):
            raise BadRequest("json: cannot unmarshal array into Go value of type map[string]"
                             "interface {}")
        result = strategic_merge_patch(document, patch)
    else:
        raise UnsupportedMediaType(f"patch type {patch_type} is not supported")
    if not isinstance(result, dict):
        raise BadRequest("the patch did not produce an object")
    return copy.deepcopy(result)
