"""The Kubernetes API of a management cluster, as the DR domain needs it.

Wraps the official `kubernetes` client: every object comes back as a plain dict, every failure
as a domain error (transient vs. permanent by HTTP status; for exec, the handshake's status the
client only reports in text). Callers never see an `ApiException`, whose body may echo request
content.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import urllib3
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException
from kubernetes.stream import stream
from websocket import WebSocketException

from hcp_dr.errors import (
    KubernetesApiUnavailable,
    KubernetesRequestRejected,
    ObjectAlreadyExists,
    ObjectNameInvalid,
)
from hcp_dr.models.kinds import ApiResource

_TRANSIENT_STATUSES = {408, 429, 500, 502, 503, 504}
_HANDSHAKE_STATUS = re.compile(r"Handshake status (\d{3})\b")
# (connect, read): a hung request surfaces as KubernetesApiUnavailable (which the stage's
# Retry handles) well inside a 60-s function, instead of running into its timeout.
REQUEST_TIMEOUT = (5.0, 20.0)
_NETWORK_ERRORS = (urllib3.exceptions.HTTPError, OSError, WebSocketException)


@dataclass(frozen=True)
class PodCommandResult:
    """What a command run inside a pod produced."""

    exit_code: int
    stdout: str
    stderr: str


def _refreshing_user(kubeconfig: dict[str, Any]) -> bool:
    """Whether the kubeconfig's current user has credentials that expire (an exec plugin or an
    auth provider), as opposed to a fixed bearer token or client certificate."""
    contexts = {c.get("name"): c.get("context") or {} for c in kubeconfig.get("contexts") or []}
    user_name = contexts.get(kubeconfig.get("current-context"), {}).get("user")
    users = {u.get("name"): u.get("user") or {} for u in kubeconfig.get("users") or []}
    return bool({"exec", "auth-provider"} & set(users.get(user_name, {})))


def api_client_from_kubeconfig(kubeconfig: dict[str, Any]) -> k8s.ApiClient:
    """An `ApiClient` for a parsed kubeconfig.

    With a bearer token the kubernetes client re-applies the whole kubeconfig before every
    request (to renew credentials that expire), and re-applying the host re-reads the proxy
    settings from the environment: about a millisecond of CPU per request for nothing when the
    token is fixed, so the hook is kept only for credentials that do expire. Raises what
    `new_client_from_config_dict` raises; callers turn that into their own error.
    """
    configuration = k8s.Configuration()
    # urllib3's default would retry a read that timed out three more times: against an API
    # server that accepts connections and never answers, four read timeouts in a row. The
    # state machines retry transient errors themselves; here only a refused or reset
    # connection is tried once more.
    configuration.retries = urllib3.Retry(total=1, connect=1, read=0, status=0, redirect=0)
    api_client = k8s_config.new_client_from_config_dict(kubeconfig,
                                                        client_configuration=configuration)
    if not _refreshing_user(kubeconfig):
        api_client.configuration.refresh_api_key_hook = None
    return api_client


class ObjectNotFound(Exception):
    """Internal signal for a 404; the domain turns it into its own error or a None."""


def _exec_status(exc: ApiException) -> int | None:
    """The HTTP status of a failed exec WebSocket handshake, None if it never got one.

    The client reports every exec failure as status 0, the cause only in `reason` text: a
    refused handshake reads "Handshake status 503 ...", a connection that failed has no status.
    """
    found = _HANDSHAKE_STATUS.match(str(exc.reason or ""))
    return int(found.group(1)) if found else None


def _exec_rejection(exc: ApiException, what: str) -> Exception:
    """An exec failure: by its handshake's status; without one, a connection that failed
    (retried), unless TLS verification refused the server (a wrong CA: no retry helps). A
    404 is a pod not there now, which a StatefulSet brings back under its name."""
    status = exc.status or _exec_status(exc)
    if status == 404:
        return KubernetesApiUnavailable(f"{what}: HTTP 404 Not Found (pod restarting?)")
    if status:
        return _rejection(ApiException(status=status), what)
    if "CERTIFICATE_VERIFY_FAILED" in str(exc.reason or ""):
        return KubernetesRequestRejected(f"{what}: TLS verification of the API server failed")
    return KubernetesApiUnavailable(f"{what}: connection failed")


def _rejection(exc: ApiException, what: str) -> Exception:
    # Only the status code and its standard phrase: `exc.reason` and `exc.body` can carry the
    # response (e.g. a Secret's data), which must never reach an error message or a log.
    try:
        phrase = HTTPStatus(exc.status).phrase
    except ValueError:
        phrase = "no HTTP status"
    if exc.status in _TRANSIENT_STATUSES:
        return KubernetesApiUnavailable(f"{what}: HTTP {exc.status} {phrase}")
    if exc.status == 404:
        return ObjectNotFound(what)
    return KubernetesRequestRejected(f"{what}: HTTP {exc.status} {phrase}")


def _give_requests_a_deadline(api_client: k8s.ApiClient,
                              seconds: tuple[float, float] = REQUEST_TIMEOUT) -> None:
    """Default every request of this client to a (connect, read) timeout.

    The client's own default is no timeout at all: an API server that accepts the connection
    and never answers would hold the Lambda until its own timeout, instead of failing the
    stage with a transient error the state machine retries or compensates.
    """
    send = api_client.rest_client.request

    def request(method: str, url: str, headers: Any = None, body: Any = None,
                post_params: Any = None, _request_timeout: Any = None) -> Any:
        return send(method, url, headers=headers, body=body, post_params=post_params,
                    _request_timeout=_request_timeout or seconds)

    api_client.rest_client.request = request


@contextmanager
def _api_call(what: str, rejection: Callable[[ApiException, str], Exception] = _rejection,
              ) -> Iterator[None]:
    """Client failures as domain errors: `rejection` reads an ApiException (`_exec_rejection`
    for exec, whose failures the client reports without a status)."""
    try:
        yield
    except ApiException as exc:
        raise rejection(exc, what) from None
    except _NETWORK_ERRORS as exc:
        raise KubernetesApiUnavailable(f"{what}: {type(exc).__name__}") from None


# What may stand as one segment of an API path: a name or namespace read from a cluster object
# or a backup must never climb out of it (`..`), add one (`/`) or start a query (`?`). Kubernetes
# names are DNS subdomains or labels, `:` allowed for RBAC kinds.
_PATH_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._:-]{0,251}[A-Za-z0-9])?")


def require_path_names(*names: str | None) -> None:
    """`ObjectNameInvalid` for a name that is not one path segment; None is "not given"."""
    for name in names:
        if name is not None and not (isinstance(name, str) and _PATH_NAME.fullmatch(name)):
            raise ObjectNameInvalid(f"{str(name)[:80]!r} is not a Kubernetes object name")


class ManagementClusterApi:
    """Typed access to one management cluster; construct with an authenticated ApiClient."""

    def __init__(self, api_client: k8s.ApiClient, cluster_id: str,
                 request_timeout: tuple[float, float] = REQUEST_TIMEOUT) -> None:
        self.cluster_id = cluster_id
        _give_requests_a_deadline(api_client, request_timeout)
        self._api = api_client
        self._core = k8s.CoreV1Api(api_client)
        self._apps = k8s.AppsV1Api(api_client)
        self._custom = k8s.CustomObjectsApi(api_client)

    def _plain(self, obj: Any) -> Any:
        return self._api.sanitize_for_serialization(obj)

    # --- custom resources -------------------------------------------------------------------
    def get_custom(self, kind: ApiResource, namespace: str, name: str) -> dict | None:
        require_path_names(namespace, name)
        try:
            with _api_call(f"get {kind.plural} {namespace}/{name}"):
                return self._custom.get_namespaced_custom_object(
                    kind.group, kind.version, namespace, kind.plural, name
                )
        except ObjectNotFound:
            return None

    def list_custom(self, kind: ApiResource, namespace: str | None = None,
                    label_selector: str | None = None) -> list[dict]:
        """The objects of a kind; [] where the kind is not served (its CRD not installed)."""
        require_path_names(namespace)
        kwargs = {"label_selector": label_selector} if label_selector else {}
        try:
            with _api_call(f"list {kind.plural} in {namespace or 'all namespaces'}"):
                if namespace is None:
                    found = self._custom.list_cluster_custom_object(
                        kind.group, kind.version, kind.plural, **kwargs
                    )
                else:
                    found = self._custom.list_namespaced_custom_object(
                        kind.group, kind.version, namespace, kind.plural, **kwargs
                    )
        except ObjectNotFound:
            return []
        return list(found.get("items", []))

    def merge_patch_custom(self, kind: ApiResource, namespace: str, name: str,
                           patch: dict) -> dict:
        require_path_names(namespace, name)
        with _api_call(f"patch {kind.plural} {namespace}/{name}"):
            return self._custom.patch_namespaced_custom_object(
                kind.group, kind.version, namespace, kind.plural, name, patch
            )

    # --- core and apps ---------------------------------------------------------------------
    def list_pods(self, namespace: str, label_selector: str) -> list[dict]:
        require_path_names(namespace)
        with _api_call(f"list pods in {namespace}"):
            pods = self._core.list_namespaced_pod(namespace, label_selector=label_selector)
        return [self._plain(p) for p in pods.items]

    def get_secret(self, namespace: str, name: str) -> dict | None:
        require_path_names(namespace, name)
        try:
            with _api_call(f"get secret {namespace}/{name}"):
                return self._plain(self._core.read_namespaced_secret(name, namespace))
        except ObjectNotFound:
            return None

    def get_deployment_replicas(self, namespace: str, name: str) -> int | None:
        """Desired replicas of a deployment, or None when it does not exist."""
        require_path_names(namespace, name)
        try:
            with _api_call(f"read scale of deployment {namespace}/{name}"):
                scale = self._apps.read_namespaced_deployment_scale(name, namespace)
        except ObjectNotFound:
            return None
        return int(scale.spec.replicas or 0)

    def scale_deployment(self, namespace: str, name: str, replicas: int) -> None:
        require_path_names(namespace, name)
        with _api_call(f"scale deployment {namespace}/{name}"):
            self._apps.patch_namespaced_deployment_scale(
                name, namespace, {"spec": {"replicas": replicas}}
            )

    def get_statefulset(self, namespace: str, name: str) -> dict | None:
        require_path_names(namespace, name)
        try:
            with _api_call(f"get statefulset {namespace}/{name}"):
                return self._plain(self._apps.read_namespaced_stateful_set(name, namespace))
        except ObjectNotFound:
            return None

    # --- any resource by (group, version, plural); group "" is the core API ------------------
    # The migration touches many kinds (namespaces, secrets, config maps, pods, nodes, apps and
    # custom resources); one path-based surface keeps them uniform. `namespace=None` addresses
    # cluster-scoped resources. Bodies are plain dicts in and out.

    @staticmethod
    def _path(kind: ApiResource, namespace: str | None, name: str | None = None) -> str:
        require_path_names(namespace, name)
        root = f"/api/{kind.version}" if not kind.group else f"/apis/{kind.group}/{kind.version}"
        scoped = f"{root}/namespaces/{namespace}" if namespace is not None else root
        return f"{scoped}/{kind.plural}" + (f"/{name}" if name else "")

    def _rest(self, method: str, path: str, *, query: dict[str, str] | None = None,
              body: Any = None, content_type: str | None = None) -> Any:
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = content_type or "application/json"
        verb, url, header_params, payload, _ = self._api.param_serialize(
            method=method, resource_path=path, query_params=list((query or {}).items()),
            header_params=headers, body=body, auth_settings=["BearerToken"],
        )
        response = self._api.call_api(verb, url, header_params=header_params, body=payload)
        response.read()
        return self._api.response_deserialize(response, {"2XX": "object"}).data

    def get_object(self, kind: ApiResource, namespace: str | None, name: str) -> dict | None:
        try:
            with _api_call(f"get {kind.plural} {namespace or ''}/{name}"):
                return self._rest("GET", self._path(kind, namespace, name))
        except ObjectNotFound:
            return None

    def list_objects(self, kind: ApiResource, namespace: str | None = None,
                     label_selector: str | None = None) -> list[dict]:
        """Every object of a kind (follows `continue` pages); [] when the namespace is gone."""
        items: list[dict] = []
        query: dict[str, str] = {"limit": "500"}
        if label_selector:
            query["labelSelector"] = label_selector
        try:
            while True:
                with _api_call(f"list {kind.plural} in {namespace or 'all namespaces'}"):
                    page = self._rest("GET", self._path(kind, namespace), query=query)
                items += page.get("items") or []
                token = (page.get("metadata") or {}).get("continue")
                if not token:
                    return items
                query["continue"] = token
        except ObjectNotFound:
            return []

    def create_object(self, kind: ApiResource, namespace: str | None, body: dict) -> dict:
        """Create; `ObjectAlreadyExists` on 409 so the caller can re-read and decide."""
        what = f"create {kind.plural} {namespace or ''}/{body['metadata']['name']}"
        with _api_call(what):
            try:
                return self._rest("POST", self._path(kind, namespace), body=body)
            except ApiException as exc:
                if exc.status == 409:
                    raise ObjectAlreadyExists(what) from None
                raise

    def merge_patch_object(self, kind: ApiResource, namespace: str | None, name: str,
                           patch: dict) -> dict | None:
        """RFC 7386 merge patch; None when the object does not exist."""
        try:
            with _api_call(f"patch {kind.plural} {namespace or ''}/{name}"):
                return self._rest("PATCH", self._path(kind, namespace, name), body=patch,
                                  content_type="application/merge-patch+json")
        except ObjectNotFound:
            return None

    def delete_object(self, kind: ApiResource, namespace: str | None, name: str) -> bool:
        """Ask for deletion; False when it was already gone. Finalizers may keep it a while.

        A second DELETE of a namespace that is still terminating is answered 409 Conflict
        ("the system is ensuring all content is removed"): the deletion asked for is under
        way, which is what a rerun of the step needs to know, not a refusal.
        """
        what = f"delete {kind.plural} {namespace or ''}/{name}"
        try:
            with _api_call(what):
                try:
                    self._rest("DELETE", self._path(kind, namespace, name),
                               body={"kind": "DeleteOptions", "apiVersion": "v1",
                                     "propagationPolicy": "Background"})
                except ApiException as exc:
                    if exc.status != 409:
                        raise
                    return self._deletion_under_way(kind, namespace, name, what)
        except ObjectNotFound:
            return False
        return True

    def _deletion_under_way(self, kind: ApiResource, namespace: str | None, name: str,
                            what: str) -> bool:
        current = self.get_object(kind, namespace, name)
        if current is None:
            return False
        if not current["metadata"].get("deletionTimestamp"):
            raise KubernetesRequestRejected(f"{what}: HTTP 409 Conflict")
        return True

    def namespaced_kinds(self) -> list[ApiResource]:
        """Every listable namespaced resource the server serves, at its preferred version
        (discovery): what "this namespace holds nothing" has to look at."""
        kinds: list[ApiResource] = []
        with _api_call("discover core resources"):
            core = self._rest("GET", "/api/v1")
        kinds += self._listable("", "v1", core)
        with _api_call("discover API groups"):
            groups = self._rest("GET", "/apis")
        for group in groups.get("groups") or []:
            preferred = (group.get("preferredVersion") or {}).get("version")
            if not preferred:
                continue
            with _api_call(f"discover {group['name']}/{preferred}"):
                listing = self._rest("GET", f"/apis/{group['name']}/{preferred}")
            kinds += self._listable(group["name"], preferred, listing)
        return kinds

    @staticmethod
    def _listable(group: str, version: str, listing: dict) -> list[ApiResource]:
        return [ApiResource(group, version, r["name"]) for r in listing.get("resources") or []
                if r.get("namespaced") and "/" not in r["name"] and "list" in r.get("verbs", [])]

    # --- exec ------------------------------------------------------------------------------
    def run_in_pod(self, namespace: str, pod: str, container: str, command: list[str], *,
                   stdin_line: str | None = None, timeout_seconds: float = 120.0,
                   clock: Callable[[], float] = time.monotonic) -> PodCommandResult:
        """Run a command in a pod over the exec WebSocket and wait for its exit code.

        `stdin_line` is written to the command's standard input as one line: the way secrets
        (presigned URLs) reach a pod command without appearing in its argv or in the API
        server's audit log of the exec request.
        """
        require_path_names(namespace, pod, container)
        what = f"exec in pod {namespace}/{pod}"
        # `stream()` temporarily rewires the ApiClient it is given for WebSocket use, so exec
        # gets a client of its own: other calls on the shared one stay plain HTTPS.
        exec_client = k8s.ApiClient(self._api.configuration)
        with _api_call(what, _exec_rejection), exec_client:
            session = stream(
                k8s.CoreV1Api(exec_client).connect_get_namespaced_pod_exec, pod, namespace,
                container=container, command=command, stdin=stdin_line is not None,
                stdout=True, stderr=True, tty=False, _preload_content=False,
            )
            try:
                if stdin_line is not None:
                    session.write_stdin(stdin_line + "\n")
                return self._collect(session, what, clock() + timeout_seconds, clock)
            finally:
                session.close()

    @staticmethod
    def _collect(session: Any, what: str, deadline: float,
                 clock: Callable[[], float]) -> PodCommandResult:
        stdout: list[str] = []
        stderr: list[str] = []
        while session.is_open():
            if clock() > deadline:
                raise KubernetesApiUnavailable(f"{what}: command timed out")
            session.update(timeout=1)
            if session.peek_stdout():
                stdout.append(session.read_stdout())
            if session.peek_stderr():
                stderr.append(session.read_stderr())
        stdout.append(session.read_stdout() if session.peek_stdout() else "")
        stderr.append(session.read_stderr() if session.peek_stderr() else "")
        code = session.returncode
        return PodCommandResult(int(code if code is not None else -1),
                                "".join(stdout), "".join(stderr))
