"""Say where a pydantic validation failed and how, never with what value.

pydantic's own message quotes the offending input (a truncated repr of the whole mapping
when a field is missing), and an input can carry something secret: a key put in the wrong
field, a Lambda environment holding the function's session credentials. Every error that
leaves a handler built from a `ValidationError` is worded by `where_invalid`.
"""

from __future__ import annotations

from pydantic import ValidationError

MAX_PROBLEMS = 10


def where_invalid(exc: ValidationError) -> str:
    """`loc: error-type` for the first problems, joined by "; "."""
    return "; ".join(
        f"{'.'.join(str(part) for part in err['loc']) or '<root>'}: {err['type']}"
        for err in exc.errors()[:MAX_PROBLEMS]
    )
