"""External DNS: what makes the hosted cluster's API URL survive the move (guide 4.2 step 1).

The HyperShift operator on both management clusters must run with
`--external-dns-provider=aws` and a `--external-dns-domain-filter` covering the HC's hostnames,
and every HC service must be published as a Route with such a hostname.
"""

from __future__ import annotations

from hcp_dr.errors import ExternalDnsNotConfigured, ServicesNotPublishedByRoute

PUBLISHED_SERVICES = ("APIServer", "OAuthServer", "Konnectivity", "Ignition")


def _flag_values(args: list[str], flag: str) -> list[str]:
    values = []
    for index, arg in enumerate(args):
        if arg.startswith(flag + "="):
            values.append(arg.partition("=")[2])
        elif arg == flag and index + 1 < len(args):
            values.append(args[index + 1])
    return values


def operator_args(deployment: dict) -> list[str]:
    containers = (((deployment.get("spec") or {}).get("template") or {}).get("spec")
                  or {}).get("containers") or []
    args: list[str] = []
    for container in containers:
        args += list(container.get("command") or []) + list(container.get("args") or [])
    return args


def domain_filters(deployment: dict | None, cluster: str) -> list[str]:
    """The operator's external-DNS domains; refuses an operator without the AWS provider."""
    if deployment is None:
        raise ExternalDnsNotConfigured(f"no hypershift/operator deployment on {cluster}")
    args = operator_args(deployment)
    if "aws" not in _flag_values(args, "--external-dns-provider"):
        raise ExternalDnsNotConfigured(
            f"the operator on {cluster} runs without --external-dns-provider=aws")
    domains = [d.strip().rstrip(".").lower() for value in
               _flag_values(args, "--external-dns-domain-filter") for d in value.split(",")]
    if not [d for d in domains if d]:
        raise ExternalDnsNotConfigured(
            f"the operator on {cluster} runs without --external-dns-domain-filter")
    return [d for d in domains if d]


def covered(hostname: str, domain: str) -> bool:
    host = hostname.rstrip(".").lower()
    return host == domain or host.endswith("." + domain)


def route_hostnames(hosted_cluster: dict) -> list[str]:
    """The Route hostnames of the published services; refuses any other publishing."""
    by_service = {s.get("service"): s.get("servicePublishingStrategy") or {}
                  for s in (hosted_cluster.get("spec") or {}).get("services") or []}
    wrong = [name for name in PUBLISHED_SERVICES
             if (by_service.get(name) or {}).get("type") != "Route"
             or not ((by_service[name].get("route") or {}).get("hostname"))]
    if wrong:
        raise ServicesNotPublishedByRoute(
            f"services {wrong} are not published as Routes with a hostname")
    return sorted({by_service[n]["route"]["hostname"].rstrip(".").lower()
                   for n in PUBLISHED_SERVICES})


def require_covered(hostnames: list[str], domains: list[str], cluster: str) -> None:
    outside = [h for h in hostnames if not any(covered(h, d) for d in domains)]
    if outside:
        raise ExternalDnsNotConfigured(
            f"hostnames {outside} are outside the external-DNS domains {domains} of {cluster}")
