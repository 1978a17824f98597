"""The OpenAPI `format`s that the API server enforces on custom-resource strings.

Kubernetes validates a fixed list of formats (apiextensions `supportedFormats`) with the
checks of `kube-openapi/strfmt`, and silently ignores every other format name (`int32`,
`int64` ... only describe numbers). A failed format is reported as a *type* error
(`must be of type date-time`), which also stops the CEL rules from running. The exotic
formats no HyperShift or CAPI schema uses (isbn, creditcard, ssn, rgbcolor) are not checked.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import ipaddress
import re
from collections.abc import Callable

import re2

from sandbox.crdvalidation.request_uri import is_request_uri

_HOSTNAME = re2.compile(
    r"^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|"
    r"([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}"
    r"([a-zA-Z0-9\p{S}\p{L}])(-?[a-zA-Z0-9\p{S}\p{L}]){1,62})$"
)
_UUID = {
    "uuid": re.compile(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$"),
    "uuid3": re.compile(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$"),
    "uuid4": re.compile(
        r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$"
    ),
    "uuid5": re.compile(
        r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$"
    ),
}
_DATE_TIME_CLOCK = re.compile(
    r"^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$"
)
_BASE64 = re.compile(
    r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$"
)
_MAC = re.compile(
    r"^(?:[0-9a-fA-F]{2}(?:[:-][0-9a-fA-F]{2}){5}|[0-9a-fA-F]{2}(?:[:-][0-9a-fA-F]{2}){7}|"
    r"[0-9a-fA-F]{2}(?:[:-][0-9a-fA-F]{2}){19}|"
    r"[0-9a-fA-F]{4}(?:\.[0-9a-fA-F]{4}){2}|[0-9a-fA-F]{4}(?:\.[0-9a-fA-F]{4}){3}|"
    r"[0-9a-fA-F]{4}(?:\.[0-9a-fA-F]{4}){9})$"
)
_GO_DURATION = re.compile(r"^[-+]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+$")
_GO_DURATION_PART = re.compile(r"((?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(ns|us|µs|μs|ms|s|m|h)")
_LOOSE_DURATION_PART = re.compile(r"((\d+)\s*([A-Za-zµ]+))")
_SECONDS_PER_UNIT = {
    "ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0,
}
# strfmt's second chance for durations such as "3 days": (unit spellings, seconds).
_LOOSE_UNITS = (
    (("ns", "nano"), 1e-9), (("us", "µs", "micro"), 1e-6), (("ms", "milli"), 1e-3),
    (("s", "sec"), 1.0), (("m", "min"), 60.0), (("h", "hr", "hour"), 3600.0),
    (("d", "day"), 86400.0), (("w", "wk", "week"), 604800.0),
)


def parse_go_duration(text: str) -> float | None:
    """Seconds of a duration as `strfmt.ParseDuration` reads it, or None if unreadable."""
    if text in ("0", "+0", "-0"):
        return 0.0
    if _GO_DURATION.match(text):
        sign = -1.0 if text.startswith("-") else 1.0
        parts = _GO_DURATION_PART.findall(text)
        return sign * sum(float(n) * _SECONDS_PER_UNIT[u] for n, u in parts)
    total, matched = 0.0, False
    for _, amount, spelled in _LOOSE_DURATION_PART.findall(text):
        unit = spelled.strip().lower()
        for spellings, seconds in _LOOSE_UNITS:
            # An exact spelling, or any word starting with the long one ("days", "weeks").
            if unit in spellings or unit.startswith(spellings[-1]):
                total += int(amount) * seconds
                matched = True
                break
    return total if matched else None


def _is_hostname(text: str) -> bool:
    if not _HOSTNAME.search(text) or len(text) > 255:
        return False
    return all(len(label) <= 63 for label in text.split("."))


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    # Go's net.ParseIP knows no zones; Python would accept "fe80::1%eth0".
    if "%" in text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _is_cidr(text: str) -> bool:
    address, slash, length = text.partition("/")
    ip = _parse_ip(address)
    if not slash or ip is None or not length.isascii() or not length.isdigit():
        return False
    return int(length) <= ip.max_prefixlen


def _is_date(text: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_date_time(text: str) -> bool:
    # strfmt.IsDateTime: split the lower-cased text on "t", check the date and the clock.
    if len(text) < 4:
        return False
    parts = text.lower().split("t")
    if len(parts) < 2 or not _is_date(parts[0]):
        return False
    clock = _DATE_TIME_CLOCK.match(parts[1])
    if not clock:
        return False
    return clock[1] <= "23" and clock[2] <= "59" and clock[3] <= "59"


def _is_base64(text: str) -> bool:
    if not _BASE64.match(text):
        return False
    try:
        base64.b64decode(text, validate=True)
    except binascii.Error:
        return False
    return True


def _is_email(text: str) -> bool:
    local, at, domain = text.rpartition("@")
    return bool(at and local and domain) and not any(c.isspace() for c in text)


_CHECKS: dict[str, Callable[[str], bool]] = {
    "uri": is_request_uri,
    "email": _is_email,
    "hostname": _is_hostname,
    "ipv4": lambda s: _parse_ip(s) is not None and "." in s,
    "ipv6": lambda s: _parse_ip(s) is not None and ":" in s,
    "cidr": _is_cidr,
    "mac": lambda s: bool(_MAC.match(s)),
    "uuid": lambda s: bool(_UUID["uuid"].match(s)),
    "uuid3": lambda s: bool(_UUID["uuid3"].match(s)),
    "uuid4": lambda s: bool(_UUID["uuid4"].match(s)),
    "uuid5": lambda s: bool(_UUID["uuid5"].match(s)),
    "bsonobjectid": lambda s: bool(re.fullmatch(r"[0-9a-fA-F]{24}", s)),
    "byte": _is_base64,
    "password": lambda s: True,
    "date": _is_date,
    "date-time": _is_date_time,
    "datetime": _is_date_time,
    "duration": lambda s: parse_go_duration(s) is not None,
    "hexcolor": lambda s: bool(re.fullmatch(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})", s)),
}


def format_holds(format_name: str, text: str) -> bool:
    """Whether `text` satisfies `format_name`; formats Kubernetes does not enforce always hold."""
    check = _CHECKS.get(format_name)
    return True if check is None else check(text)
