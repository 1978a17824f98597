"""CEL expressions compiled once per process, on first use.

Parsing a CEL expression with cel-python's LALR grammar costs milliseconds, and a test
session validates hundreds of objects against the same few hundred rules, so every distinct
expression text is compiled at most once per process and shared by all validators. CEL
optional chains are first rewritten into plain CEL (see `cel_optionals`); an expression
cel-python still cannot parse is remembered as skipped, with the reason, instead of failing
every validation that reaches it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import celpy
import lark
from celpy.celparser import CELParseError

from sandbox.crdvalidation.cel_library import KUBERNETES_FUNCTIONS
from sandbox.crdvalidation.cel_optionals import UnsupportedOptional, rewrite_optionals


@dataclass(frozen=True)
class CompiledExpression:
    """A ready-to-run CEL program and whether it reads `oldSelf` (a transition rule)."""

    source: str
    program: Any
    uses_old_self: bool


@dataclass(frozen=True)
class SkippedExpression:
    """An expression that is never evaluated, and why."""

    source: str
    reason: str


_lock = threading.Lock()
_cache: dict[str, CompiledExpression | SkippedExpression] = {}
_environment: celpy.Environment | None = None


def compiled(source: str) -> CompiledExpression | SkippedExpression:
    """The compiled (or skipped) form of `source`, compiling it on first request."""
    found = _cache.get(source)
    if found is not None:
        return found
    with _lock:
        found = _cache.get(source)
        if found is None:
            found = _compile(source)
            _cache[source] = found
    return found


def compiled_expressions() -> list[CompiledExpression]:
    """Every expression compiled so far in this process."""
    return [c for c in _cache.values() if isinstance(c, CompiledExpression)]


def skipped_expressions() -> list[SkippedExpression]:
    """Every expression met so far that will not be evaluated, with the reason."""
    return [c for c in _cache.values() if isinstance(c, SkippedExpression)]


def _compile(source: str) -> CompiledExpression | SkippedExpression:
    global _environment  # noqa: PLW0603 - one parser/environment per process, built lazily
    if _environment is None:
        _environment = celpy.Environment()
        # No rule names a google.protobuf type; loading those names costs ~0.1 ms per evaluation.
        _environment.annotations = {}
    try:
        text = rewrite_optionals(source)
    except UnsupportedOptional as unsupported:
        reason = f"CEL optionals are not supported by cel-python: {unsupported}"
        return SkippedExpression(source, reason)
    try:
        ast = _environment.compile(text)
    except CELParseError as failure:
        reason = f"cel-python cannot parse it: {str(failure).splitlines()[0]}"
        return SkippedExpression(source, reason)
    program = _environment.program(ast, functions=KUBERNETES_FUNCTIONS)
    return CompiledExpression(source, program, _reads_old_self(ast))


def _reads_old_self(ast: lark.Tree) -> bool:
    return any(
        isinstance(token, lark.Token) and token.type == "IDENT" and token.value == "oldSelf"
        for token in ast.scan_values(lambda v: isinstance(v, lark.Token))
    )
