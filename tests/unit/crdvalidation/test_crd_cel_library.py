"""The Kubernetes CEL extensions and Go parsers behind them, checked rule by rule."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.crdvalidation.cel_optionals import UnsupportedOptional, rewrite_optionals
from sandbox.crdvalidation.cel_programs import CompiledExpression, compiled
from sandbox.crdvalidation.cel_values import to_cel
from sandbox.crdvalidation.formats import format_holds, parse_go_duration
from sandbox.crdvalidation.request_uri import is_request_uri, parse


def evaluate(rule: str, value: Any) -> Any:
    program = compiled(rule)
    assert isinstance(program, CompiledExpression), program
    return program.program.evaluate({"self": to_cel(value, None)})


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("https://kubernetes.default.svc", True),
        ("s3://bucket/key", True),
        ("/absolute/path", True),
        ("mailto:someone@example.com", True),
        ("https://host:8443/p?q=1", True),
        ("fakeIssuerURL", False),  # no scheme, not absolute: what the render fixture has
        ("relative/path", False),
        ("", False),
        ("https://host:port/", False),
        ("https://exa mple.com/", False),
        ("https://host/%zz", False),
        ("://missing-scheme", False),
        ("https://host/\x7f", False),
    ],
)
def test_request_uri_follows_go(text: str, accepted: bool) -> None:
    assert is_request_uri(text) is accepted
    assert format_holds("uri", text) is accepted


def test_url_parts() -> None:
    parsed = parse("https://user@[fd00::1]:8443/a%20b?x=1&x=2&y=#frag")
    assert (parsed.scheme, parsed.host, parsed.hostname, parsed.port) == (
        "https",
        "[fd00::1]:8443",
        "fd00::1",
        "8443",
    )
    assert parsed.query() == {"x": ["1", "2"], "y": [""]}
    assert parsed.fragment == "frag"


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    [
        ("isURL(self) && url(self).getScheme() == 'https'", "https://issuer.example.com", True),
        ("isURL(self) && url(self).getScheme() == 'https'", "http://issuer.example.com", False),
        ("isURL(self) && url(self).getQuery() == {}", "https://a.example.com/?x=1", False),
        ("url(self).getQuery().size() == 0", "https://a.example.com/", True),
        ("url(self).getHost() == 'a:1'", "https://a:1/", True),
        ("isIP(self)", "10.0.0.1", True),
        ("isIP(self)", "::ffff:10.0.0.1", False),  # IPv4-mapped IPv6 is refused by Kubernetes
        ("isIP(self)", "fe80::1%eth0", False),  # so are zones
        ("isCIDR(self) && cidr(self).ip().family() == 6", "fd00::/64", True),
        ("isCIDR(self) && cidr(self).prefixLength() <= 30", "10.0.0.0/31", False),
        ("isCIDR(self)", "10.0.0.0/08", False),
        ("isCIDR(self)", "10.0.0.0", False),
        ("cidr('10.0.0.0/8').containsIP(self)", "10.1.2.3", True),
        ("self.split('/', 2)[0] == 'example.com'", "example.com/a/b", True),
        ("self.split('/', 2).size() == 2", "example.com/a/b", True),
        ("self.split('/').size() == 3", "example.com/a/b", True),
        ("self.lowerAscii() == '/subscriptions/x'", "/SUBSCRIPTIONS/X", True),
        ("self.find('#(.+)$') == ''", "https://a/#frag", False),
        ("self.find('^.+[^/]') == 'https://a'", "https://a/", True),
        ("duration(self).getSeconds() >= 300", "5m", True),
        ("duration(self).getSeconds() >= 300", "299s", False),
        ("self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')", "fakeInfraID", False),
    ],
)
def test_kubernetes_functions(rule: str, value: Any, expected: bool) -> None:
    assert bool(evaluate(rule, value)) is expected


def test_url_of_a_non_url_is_an_evaluation_error() -> None:
    with pytest.raises(Exception, match="URL parse error"):
        evaluate("url(self).getScheme() == 'https'", "fakeIssuerURL")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('self.?a.b.orValue("")', '(has(self.a.b) ? self.a.b : "")'),
        ("size(self.?claim.orValue('')) > 0", "size((has(self.claim) ? self.claim : '')) > 0"),
        ("'.?' == self.?x.orValue('.?')", "'.?' == (has(self.x) ? self.x : '.?')"),
    ],
)
def test_optional_chains_are_rewritten(source: str, expected: str) -> None:
    assert rewrite_optionals(source) == expected


def test_other_optional_forms_are_refused() -> None:
    with pytest.raises(UnsupportedOptional):
        rewrite_optionals("self.items[0].?name.orValue('')")


def test_optional_chain_semantics() -> None:
    rule = 'self.?spec.azure.type.orValue("none") == "Managed"'
    assert evaluate(rule, {"spec": {"azure": {"type": "Managed"}}})
    assert not evaluate(rule, {"spec": {"azure": {}}})
    assert not evaluate(rule, {})


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1h30m", 5400.0),
        ("300ms", 0.3),
        ("-1.5h", -5400.0),
        ("0", 0.0),
        ("3 days", 259200.0),
        ("soon", None),
        ("1x", None),
    ],
)
def test_go_durations(text: str, seconds: float | None) -> None:
    assert parse_go_duration(text) == seconds


@pytest.mark.parametrize(
    ("format_name", "text", "holds"),
    [
        ("date-time", "2024-01-01T00:00:00Z", True),
        ("date-time", "2024-01-01T00:00:00.123+02:00", True),
        ("date-time", "", False),
        ("date-time", "2024-13-01T00:00:00Z", False),
        ("cidr", "10.132.0.0/14", True),
        ("cidr", "10.132.0.0/33", False),
        ("hostname", "registry.example.com", True),
        ("hostname", "-bad.example.com", False),
        ("int32", "anything", True),  # not a string format Kubernetes enforces
    ],
)
def test_formats(format_name: str, text: str, holds: bool) -> None:
    assert format_holds(format_name, text) is holds


@given(st.text(alphabet="ab/", max_size=12), st.integers(min_value=-1, max_value=4))
def test_split_matches_go_splitn(text: str, limit: int) -> None:
    parts = [str(p) for p in evaluate(f"self.split('/', {limit})", text)]
    if limit == 0:
        assert parts == []
    else:
        assert "/".join(parts) == text
        assert len(parts) == (text.count("/") + 1 if limit < 0 else min(limit, text.count("/") + 1))
