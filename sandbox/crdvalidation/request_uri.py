"""URL parsing with the acceptance rules of Go's `net/url`.

Kubernetes decides whether a string is a URL with `url.ParseRequestURI` (the OpenAPI `uri`
format and the CEL `isURL`/`url` functions). It is stricter than `urllib.parse` in exactly
the places a test depends on: a bare word such as `fakeIssuerURL` is *not* a request URI
(no scheme, no leading slash), a port must be digits, `%` escapes must be well formed and a
host may only contain a limited alphabet. `urllib.parse` accepts all of those.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

_HEX = frozenset(string.hexdigits)
_ALNUM = frozenset(string.ascii_letters + string.digits)
_HOST_EXTRA = frozenset("!$&'()*+,;=:[]<>\"-_.~")
_USERINFO_EXTRA = frozenset("-._:~!$&'()*+,;=%@")


class URLError(ValueError):
    """Go's `*url.Error`: `parse "<input>": <reason>`."""

    def __init__(self, raw: str, reason: str) -> None:
        super().__init__(f'parse "{raw}": {reason}')


@dataclass(frozen=True)
class GoURL:
    """The parts of a parsed URL that the Kubernetes CEL URL library exposes."""

    scheme: str = ""
    opaque: str = ""
    host: str = ""
    path: str = ""
    raw_query: str = ""
    fragment: str = ""
    userinfo: str | None = field(default=None, repr=False)

    @property
    def hostname(self) -> str:
        host = self.host
        if host.startswith("["):
            return host[1 : host.find("]")] if "]" in host else host[1:]
        colon = host.rfind(":")
        return host[:colon] if colon >= 0 and _valid_optional_port(host[colon:]) else host

    @property
    def port(self) -> str:
        host = self.host
        colon = host.rfind(":")
        if colon < 0 or (host.startswith("[") and colon < host.find("]")):
            return ""
        return host[colon + 1 :] if _valid_optional_port(host[colon:]) else ""

    def query(self) -> dict[str, list[str]]:
        """`url.Values` of the query: pairs split on `&`, malformed pairs skipped as Go does."""
        values: dict[str, list[str]] = {}
        for pair in self.raw_query.split("&"):
            if not pair or ";" in pair:
                continue
            name, _, value = pair.partition("=")
            try:
                values.setdefault(_unescape_query(name), []).append(_unescape_query(value))
            except ValueError:
                continue
        return values


def parse_request_uri(raw: str) -> GoURL:
    """`url.ParseRequestURI`: an absolute URI or an absolute path, no fragment handling."""
    return _parse(raw, raw, via_request=True)


def parse(raw: str) -> GoURL:
    """`url.Parse`: like a browser would, splitting off the `#fragment` first."""
    body, hash_mark, fragment = raw.partition("#")
    parsed = _parse(raw, body, via_request=False)
    if hash_mark:
        _unescape(raw, fragment, host_mode=False)
        return GoURL(parsed.scheme, parsed.opaque, parsed.host, parsed.path, parsed.raw_query,
                     fragment, parsed.userinfo)
    return parsed


def is_request_uri(raw: str) -> bool:
    try:
        parse_request_uri(raw)
    except URLError:
        return False
    return True


def _parse(original: str, raw: str, *, via_request: bool) -> GoURL:
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw):
        raise URLError(original, "net/url: invalid control character in URL")
    if raw == "" and via_request:
        raise URLError(original, "empty url")
    if raw == "*":
        return GoURL(path="*")
    scheme, rest = _split_scheme(original, raw)
    if rest.endswith("?") and rest.count("?") == 1:
        rest, raw_query = rest[:-1], ""
    else:
        rest, _, raw_query = rest.partition("?")
    if not rest.startswith("/"):
        if scheme:
            return GoURL(scheme=scheme, opaque=rest, raw_query=raw_query)
        if via_request:
            raise URLError(original, "invalid URI for request")
        if ":" in rest.partition("/")[0]:
            raise URLError(original, "first path segment in URL cannot contain colon")
    host, userinfo = "", None
    if (scheme or (not via_request and not rest.startswith("///"))) and rest.startswith("//"):
        authority, slash, remainder = rest[2:].partition("/")
        rest = slash + remainder
        host, userinfo = _parse_authority(original, authority)
    _unescape(original, rest, host_mode=False)
    return GoURL(scheme=scheme, host=host, path=rest, raw_query=raw_query, userinfo=userinfo)


def _split_scheme(original: str, raw: str) -> tuple[str, str]:
    for position, char in enumerate(raw):
        if char in string.ascii_letters:
            continue
        if char in string.digits + "+-.":
            if position == 0:
                return "", raw
            continue
        if char == ":":
            if position == 0:
                raise URLError(original, "missing protocol scheme")
            return raw[:position].lower(), raw[position + 1 :]
        return "", raw
    return "", raw


def _parse_authority(original: str, authority: str) -> tuple[str, str | None]:
    at = authority.rfind("@")
    host = _parse_host(original, authority[at + 1 :] if at >= 0 else authority)
    if at < 0:
        return host, None
    userinfo = authority[:at]
    if any(c not in _ALNUM and c not in _USERINFO_EXTRA for c in userinfo):
        raise URLError(original, "net/url: invalid userinfo")
    _unescape(original, userinfo, host_mode=False)
    return host, userinfo


def _parse_host(original: str, host: str) -> str:
    if host.startswith("["):
        close = host.rfind("]")
        if close < 0:
            raise URLError(original, "missing ']' in host")
        port = host[close + 1 :]
        if not _valid_optional_port(port):
            raise URLError(original, f'invalid port "{port}" after host')
        _unescape(original, host[1:close].replace("%25", ""), host_mode=False)
        return host
    colon = host.rfind(":")
    if colon >= 0 and not _valid_optional_port(host[colon:]):
        raise URLError(original, f'invalid port "{host[colon:]}" after host')
    _unescape(original, host, host_mode=True)
    return host


def _valid_optional_port(port: str) -> bool:
    if port == "":
        return True
    return port[0] == ":" and all(c in string.digits for c in port[1:])


def _unescape(original: str, text: str, *, host_mode: bool) -> None:
    """Reject what Go's `unescape` rejects; the decoded text itself is not needed."""
    position = 0
    while position < len(text):
        char = text[position]
        if char == "%":
            escape = text[position : position + 3]
            if len(escape) < 3 or escape[1] not in _HEX or escape[2] not in _HEX:
                raise URLError(original, f'invalid URL escape "{escape}"')
            if host_mode and int(escape[1], 16) < 8 and escape != "%25":
                raise URLError(original, f'invalid URL escape "{escape}"')
            position += 3
            continue
        if host_mode and ord(char) < 0x80 and char not in _ALNUM and char not in _HOST_EXTRA:
            raise URLError(original, f'invalid character "{char}" in host name')
        position += 1


def _unescape_query(text: str) -> str:
    position = text.find("%")
    while position >= 0:
        escape = text[position : position + 3]
        if len(escape) < 3 or escape[1] not in _HEX or escape[2] not in _HEX:
            raise ValueError(escape)
        position = text.find("%", position + 3)
    return unquote_plus(text)
