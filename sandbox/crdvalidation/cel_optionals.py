"""Rewriting CEL optional field chains into plain CEL that cel-python can parse.

Four rules of the HyperShift CRDs use CEL optionals, e.g.
`self.platform.?azure.azureAuthenticationConfig.azureAuthenticationConfigType.orValue("")`:
"the field if every step of the chain is present, else the fallback". cel-python has no
optionals, but its `has()` is true exactly when the whole selection chain evaluates, so
`(has(R.a.b.c) ? R.a.b.c : fallback)` means the same thing. Only that shape is rewritten (a
dotted receiver, field selections, one `orValue`); anything else is left for the caller to
skip.
"""

from __future__ import annotations

import re

_RECEIVER = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")
_CHAIN = re.compile(r"\.\?([A-Za-z_]\w*)((?:\.[A-Za-z_]\w*)*)\.orValue\(")


class UnsupportedOptional(ValueError):
    """The expression uses optionals in a form this rewrite does not cover."""


def rewrite_optionals(expression: str) -> str:
    """`expression` with every `R.?f.g.orValue(x)` replaced by its `has()` equivalent."""
    while True:
        start = _optional_start(expression)
        if start < 0:
            return expression
        expression = _rewrite_one(expression, start)


def _optional_start(expression: str) -> int:
    """Index of the first `.?` outside string literals, or -1."""
    quote = ""
    position = 0
    while position < len(expression):
        char = expression[position]
        if quote:
            if char == "\\":
                position += 2
                continue
            if expression.startswith(quote, position):
                position += len(quote)
                quote = ""
                continue
        elif char in "'\"":
            quote = char * 3 if expression.startswith(char * 3, position) else char
            position += len(quote)
            continue
        elif expression.startswith(".?", position):
            return position
        position += 1
    return -1


def _rewrite_one(expression: str, start: int) -> str:
    receiver = _RECEIVER.search(expression[:start])
    chain = _CHAIN.match(expression, start)
    if receiver is None or chain is None:
        raise UnsupportedOptional(f"optional syntax at offset {start} is not a field chain")
    before = expression[: receiver.start()]
    if before.endswith((".", ")", "]")):
        raise UnsupportedOptional("optional chain on a computed receiver")
    fallback_start = chain.end()
    fallback_end = _closing_parenthesis(expression, fallback_start)
    selection = f"{receiver.group(0)}.{chain.group(1)}{chain.group(2)}"
    fallback = expression[fallback_start:fallback_end]
    replacement = f"(has({selection}) ? {selection} : {fallback})"
    return before + replacement + expression[fallback_end + 1 :]


def _closing_parenthesis(expression: str, position: int) -> int:
    depth, quote = 0, ""
    while position < len(expression):
        char = expression[position]
        if quote:
            if char == "\\":
                position += 2
                continue
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                return position
            depth -= 1
        position += 1
    raise UnsupportedOptional("unbalanced orValue(...)")
