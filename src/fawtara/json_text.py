"""JSON text as Fawtara reads it, wherever it comes from: request bodies of both dialects, the
sealed Hesabe-style payload, and (in the SDK) a server's answers.

One parser with one set of rules: numbers with a fraction or exponent come back as `Decimal`
(an amount never passes through a float), `NaN` and `Infinity` are refused, and so is nesting
deeper than about 200 levels. The standard library's parser recurses until Python's recursion
limit, so a few kilobytes of `[` made it raise RecursionError, a server error; jiter (the
parser of pydantic-core) refuses them with the ValueError of any malformed text.
"""

from typing import Any

import jiter


def loads(text: bytes | str) -> Any:
    """The value of a JSON text; ValueError for anything else (UnicodeError included)."""
    data = text.encode() if isinstance(text, str) else text
    return jiter.from_json(data, allow_inf_nan=False, cache_mode="keys", float_mode="decimal")
