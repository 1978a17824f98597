"""The Kubernetes CEL extension functions that cel-python does not ship.

The CRD rules call the Kubernetes string library (`split`, `lowerAscii`, ...), the regex
library (`find`, `findAll`), and the URL, IP and CIDR libraries (`url`, `isURL`, `ip`,
`cidr` and their member functions). cel-python resolves `x.f(y)` and `f(x, y)` through one
name, so each function dispatches on the type of its first argument. Failures that Kubernetes
reports as evaluation errors (an unparsable URL given to `url()`) come back as
`CELEvalError` values, which the evaluator propagates like its own errors.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

import re2
from celpy import celtypes
from celpy.evaluation import CELEvalError

from sandbox.crdvalidation.request_uri import GoURL, URLError, parse, parse_request_uri

_Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class CelURL:
    """The value of `url(...)`."""

    def __init__(self, parsed: GoURL) -> None:
        self.parsed = parsed


class CelIP:
    """The value of `ip(...)`."""

    def __init__(self, address: _Address) -> None:
        self.address = address

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CelIP) and other.address == self.address

    def __hash__(self) -> int:
        return hash(self.address)

    def __str__(self) -> str:
        return str(self.address)


class CelCIDR:
    """The value of `cidr(...)`: an address with a prefix length, host bits allowed."""

    def __init__(self, address: _Address, length: int) -> None:
        self.address, self.length = address, length

    @property
    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        return ipaddress.ip_network((self.address, self.length), strict=False)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CelCIDR):
            return False
        return (other.address, other.length) == (self.address, self.length)

    def __hash__(self) -> int:
        return hash((self.address, self.length))

    def __str__(self) -> str:
        return f"{self.address}/{self.length}"


def _error(message: str) -> CELEvalError:
    return CELEvalError(message, ValueError, (message,))


def _expect(value: Any, kind: type) -> None:
    # A TypeError is what cel-python turns into "no such overload".
    if not isinstance(value, kind):
        raise TypeError(f"no such overload for {type(value).__name__}")


# --- strings -------------------------------------------------------------------------------

def split(text: str, separator: str, limit: int = -1) -> Any:
    """Go's `strings.SplitN` (`split(sep)` is `SplitN(-1)`)."""
    _expect(text, str)
    if limit == 0:
        return celtypes.ListType()
    if separator == "":
        parts = list(text)
        if 0 < limit < len(parts):
            parts = [*parts[: limit - 1], "".join(parts[limit - 1 :])]
    else:
        parts = text.split(separator, limit - 1 if limit > 0 else -1)
    return celtypes.ListType([celtypes.StringType(p) for p in parts])


def lower_ascii(text: str) -> Any:
    _expect(text, str)
    return celtypes.StringType("".join(c.lower() if c.isascii() else c for c in text))


def upper_ascii(text: str) -> Any:
    _expect(text, str)
    return celtypes.StringType("".join(c.upper() if c.isascii() else c for c in text))


def replace(text: str, old: str, new: str, limit: int = -1) -> Any:
    _expect(text, str)
    return celtypes.StringType(text.replace(old, new, limit if limit >= 0 else -1))


def index_of(target: Any, item: Any, offset: int = 0) -> Any:
    if isinstance(target, str):
        if not 0 <= offset <= len(target):
            return _error(f"index out of range: {offset}")
        return celtypes.IntType(target.find(item, offset))
    _expect(target, list)
    return celtypes.IntType(next((i for i, v in enumerate(target) if v == item), -1))


def last_index_of(target: Any, item: Any) -> Any:
    if isinstance(target, str):
        return celtypes.IntType(target.rfind(item))
    _expect(target, list)
    return celtypes.IntType(max((i for i, v in enumerate(target) if v == item), default=-1))


def substring(text: str, start: int, end: int | None = None) -> Any:
    _expect(text, str)
    stop = len(text) if end is None else end
    if not 0 <= start <= stop <= len(text):
        return _error(f"index out of range: {start}, {stop}")
    return celtypes.StringType(text[start:stop])


def char_at(text: str, position: int) -> Any:
    _expect(text, str)
    if not 0 <= position <= len(text):
        return _error(f"index out of range: {position}")
    return celtypes.StringType(text[position : position + 1])


def trim(text: str) -> Any:
    _expect(text, str)
    return celtypes.StringType(text.strip())


def join(items: list[Any], separator: str = "") -> Any:
    _expect(items, list)
    return celtypes.StringType(separator.join(str(i) for i in items))


# --- regex ---------------------------------------------------------------------------------

def find(text: str, pattern: str) -> Any:
    _expect(text, str)
    match = re2.search(pattern, text)
    return celtypes.StringType(match.group(0) if match else "")


def find_all(text: str, pattern: str, limit: int = -1) -> Any:
    _expect(text, str)
    found = [m.group(0) for m in re2.finditer(pattern, text)]
    if limit >= 0:
        found = found[:limit]
    return celtypes.ListType([celtypes.StringType(f) for f in found])


# --- URLs ----------------------------------------------------------------------------------

def url(text: str) -> Any:
    _expect(text, str)
    try:
        parse_request_uri(text)
        # Kubernetes re-parses with url.Parse: ParseRequestURI mishandles fragments.
        return CelURL(parse(text))
    except URLError as failure:
        return _error(f"URL parse error during conversion from string: {failure}")


def is_url(text: str) -> Any:
    _expect(text, str)
    try:
        parse_request_uri(text)
    except URLError:
        return celtypes.BoolType(False)
    return celtypes.BoolType(True)


def _url_part(getter: Callable[[GoURL], str]) -> Callable[[CelURL], Any]:
    def part(value: CelURL) -> Any:
        _expect(value, CelURL)
        return celtypes.StringType(getter(value.parsed))
    return part


def get_query(value: CelURL) -> Any:
    _expect(value, CelURL)
    query = celtypes.MapType()
    for name, values in value.parsed.query().items():
        listed = celtypes.ListType([celtypes.StringType(v) for v in values])
        query[celtypes.StringType(name)] = listed
    return query


# --- IP addresses and CIDRs ----------------------------------------------------------------

def _parse_address(text: str) -> _Address | str:
    """The address, or why Kubernetes refuses it."""
    if "%" in text:
        return "IP address with zone value is not allowed"
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return f"IP Address {text!r} parse error during conversion from string"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return "IPv4-mapped IPv6 address is not allowed"
    return address


def _parse_cidr(text: str) -> CelCIDR | str:
    address_text, slash, length = text.partition("/")
    address = _parse_address(address_text)
    if isinstance(address, str):
        return f"network address parse error during conversion from string: {address}"
    valid_length = length.isascii() and length.isdigit() and (length == "0" or length[0] != "0")
    if not slash or not valid_length or int(length) > address.max_prefixlen:
        return f"network address parse error during conversion from string: bad prefix {text!r}"
    return CelCIDR(address, int(length))


def ip(value: Any) -> Any:
    if isinstance(value, CelCIDR):
        return CelIP(value.address)
    _expect(value, str)
    parsed = _parse_address(value)
    return _error(parsed) if isinstance(parsed, str) else CelIP(parsed)


def is_ip(text: str) -> Any:
    _expect(text, str)
    return celtypes.BoolType(not isinstance(_parse_address(text), str))


def cidr(text: str) -> Any:
    _expect(text, str)
    parsed = _parse_cidr(text)
    return _error(parsed) if isinstance(parsed, str) else parsed


def is_cidr(text: str) -> Any:
    _expect(text, str)
    return celtypes.BoolType(not isinstance(_parse_cidr(text), str))


def family(value: CelIP) -> Any:
    _expect(value, CelIP)
    return celtypes.IntType(value.address.version)


def _ip_predicate(test: Callable[[_Address], bool]) -> Callable[[CelIP], Any]:
    def predicate(value: CelIP) -> Any:
        _expect(value, CelIP)
        return celtypes.BoolType(test(value.address))
    return predicate


def prefix_length(value: CelCIDR) -> Any:
    _expect(value, CelCIDR)
    return celtypes.IntType(value.length)


def masked(value: CelCIDR) -> Any:
    _expect(value, CelCIDR)
    return CelCIDR(value.network.network_address, value.length)


def contains_ip(value: CelCIDR, other: Any) -> Any:
    _expect(value, CelCIDR)
    address = ip(other) if isinstance(other, str) else other
    if isinstance(address, CELEvalError):
        return address
    _expect(address, CelIP)
    return celtypes.BoolType(address.address in value.network)


def contains_cidr(value: CelCIDR, other: Any) -> Any:
    _expect(value, CelCIDR)
    inner = cidr(other) if isinstance(other, str) else other
    if isinstance(inner, CELEvalError):
        return inner
    _expect(inner, CelCIDR)
    if inner.address.version != value.address.version:
        return celtypes.BoolType(False)
    return celtypes.BoolType(inner.network.subnet_of(value.network))  # type: ignore[arg-type]


KUBERNETES_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "split": split,
    "lowerAscii": lower_ascii,
    "upperAscii": upper_ascii,
    "replace": replace,
    "indexOf": index_of,
    "lastIndexOf": last_index_of,
    "substring": substring,
    "charAt": char_at,
    "trim": trim,
    "join": join,
    "find": find,
    "findAll": find_all,
    "url": url,
    "isURL": is_url,
    "getScheme": _url_part(lambda u: u.scheme),
    "getHost": _url_part(lambda u: u.host),
    "getHostname": _url_part(lambda u: u.hostname),
    "getPort": _url_part(lambda u: u.port),
    "getEscapedPath": _url_part(lambda u: u.path),
    "getQuery": get_query,
    "ip": ip,
    "isIP": is_ip,
    "cidr": cidr,
    "isCIDR": is_cidr,
    "family": family,
    "isUnspecified": _ip_predicate(lambda a: a.is_unspecified),
    "isLoopback": _ip_predicate(lambda a: a.is_loopback),
    "isLinkLocalMulticast": _ip_predicate(
        lambda a: a.is_multicast and a in ipaddress.ip_network(
            "224.0.0.0/24" if a.version == 4 else "ff02::/16")),
    "isLinkLocalUnicast": _ip_predicate(lambda a: a.is_link_local),
    "isGlobalUnicast": _ip_predicate(
        lambda a: not (a.is_unspecified or a.is_loopback or a.is_multicast or a.is_link_local)
        and a != ipaddress.IPv4Address("255.255.255.255")),
    "prefixLength": prefix_length,
    "masked": masked,
    "containsIP": contains_ip,
    "containsCIDR": contains_cidr,
}
