"""JSON with exact numbers: a Decimal goes out as the digits it holds, and comes back as one.

The standard encoders turn a Decimal into a float (or refuse it); an amount must reach the server
as written, so that one finer than the currency allows is refused there, never rounded here.
Answers are read by `loads`, with the standard library alone (the SDK needs nothing of the
server): numbers with a fraction or exponent come back as Decimal, NaN and Infinity are refused,
and nesting past the interpreter's recursion limit is a ValueError like any malformed text, so a
hostile answer ends in this package's errors, not in RecursionError.
"""

import json
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NoReturn

__all__ = ["dumps", "loads"]


def loads(text: bytes | str) -> Any:
    """The value of a JSON text; ValueError for anything else (UnicodeError included)."""
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_refuse)
    except RecursionError:
        raise ValueError("JSON nested too deep") from None


def _refuse(constant: str) -> NoReturn:
    raise ValueError(f"{constant} is not a JSON number")


def dumps(value: Any) -> bytes:
    return "".join(_encode(value)).encode()


def _encode(value: Any) -> Iterator[str]:
    if value is None:
        yield "null"
    elif isinstance(value, bool):
        yield "true" if value else "false"
    elif isinstance(value, int):
        yield str(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a JSON number")
        yield str(value)
    elif isinstance(value, float):
        raise TypeError(f"use Decimal, not float, for amounts and quantities ({value!r})")
    elif isinstance(value, str):
        yield json.dumps(value, ensure_ascii=False)
    elif isinstance(value, datetime | date):
        yield f'"{value.isoformat()}"'
    elif isinstance(value, Mapping):
        yield "{"
        for n, (key, item) in enumerate(value.items()):
            yield f"{',' if n else ''}{json.dumps(str(key), ensure_ascii=False)}:"
            yield from _encode(item)
        yield "}"
    elif isinstance(value, list | tuple):
        yield "["
        for n, item in enumerate(value):
            if n:
                yield ","
            yield from _encode(item)
        yield "]"
    else:
        raise TypeError(f"cannot send {type(value).__name__} as JSON")
