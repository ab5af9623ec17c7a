"""JSON with exact numbers: a Decimal goes out as the digits it holds, and comes back as one.

The standard encoders turn a Decimal into a float (or refuse it); an amount must reach the server
as written, so that one finer than the currency allows is refused there, never rounded here.
Answers are read with the server's own reader (`loads`), whose bounded nesting keeps a hostile
answer from ending in RecursionError instead of this package's errors.
"""

import json
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fawtara.json_text import loads

__all__ = ["dumps", "loads"]


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
