"""External DNS: what makes the hosted cluster's API URL survive the move (guide 4.2 step 1).

Both management clusters must have the operator installed with external DNS
(`hypershift install --external-dns-provider=aws --external-dns-domain-filter=<domain>`), and
every HC service must be published as a Route with a hostname in that domain. The install
flags are not flags of the operator: the installer runs ExternalDNS as its own deployment,
`hypershift/external-dns`, with `--provider=aws` and `--domain-filter=<domain>`. That
deployment is what is read here.
"""

from __future__ import annotations

from hcp_dr.errors import ExternalDnsNotConfigured, ServicesNotPublishedByRoute

PUBLISHED_SERVICES = ("APIServer", "OAuthServer", "Konnectivity", "Ignition")
EXTERNAL_DNS_DEPLOYMENT = "external-dns"  # in the operator's namespace


def _flag_values(args: list[str], flag: str) -> list[str]:
    values = []
    for index, arg in enumerate(args):
        if arg.startswith(flag + "="):
            values.append(arg.partition("=")[2])
        elif arg == flag and index + 1 < len(args):
            values.append(args[index + 1])
    return values


def container_args(deployment: dict) -> list[str]:
    containers = (((deployment.get("spec") or {}).get("template") or {}).get("spec")
                  or {}).get("containers") or []
    args: list[str] = []
    for container in containers:
        args += list(container.get("command") or []) + list(container.get("args") or [])
    return args


def domain_filters(deployment: dict | None, cluster: str) -> list[str]:
    """The domains the cluster's ExternalDNS (`hypershift/external-dns`) publishes; refuses a
    cluster without it or whose ExternalDNS does not write to Route 53."""
    if deployment is None:
        raise ExternalDnsNotConfigured(
            f"no hypershift/{EXTERNAL_DNS_DEPLOYMENT} deployment on {cluster}: install the "
            "operator with --external-dns-provider=aws and --external-dns-domain-filter")
    args = container_args(deployment)
    if "aws" not in _flag_values(args, "--provider"):
        raise ExternalDnsNotConfigured(
            f"ExternalDNS on {cluster} runs without --provider=aws")
    domains = [d.strip().rstrip(".").lower() for value in
               _flag_values(args, "--domain-filter") for d in value.split(",")]
    if not [d for d in domains if d]:
        raise ExternalDnsNotConfigured(f"ExternalDNS on {cluster} runs without --domain-filter")
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
